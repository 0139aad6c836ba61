"""The demo data (``orderly seed-demo``) on any day: its orders are due after the day it is
seeded, so none is overdue that day or the next, and apart from the day every seed makes the
same orders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.db.sql import open_database
from server.seed import DUE_IN_DAYS, seed_demo
from tests.dbs import TestDatabases

pytestmark = pytest.mark.dates


async def _due_in_days(databases: TestDatabases, today: date | None) -> dict[str, int]:
    """Seeds a fresh database on ``today`` (None: the clock's day); answers each order number's
    due date as days after that day."""
    db = await open_database(await databases.fresh())
    try:
        await seed_demo(db, orders=8, progress=lambda _: None, today=today)
        async with db.read() as conn:
            rows = await conn.fetch("SELECT number, due_date FROM orders")
    finally:
        await db.close()
    day = today or datetime.now(UTC).date()
    return {r["number"]: (date.fromisoformat(r["due_date"]) - day).days for r in rows}


async def test_demo_orders_are_due_after_the_day_they_are_seeded(databases: TestDatabases):
    now = await _due_in_days(databases, None)
    assert len(now) == 8
    assert all(DUE_IN_DAYS[0] <= days <= DUE_IN_DAYS[1] for days in now.values()), now
    # A month end, a year end, a leap day: the same orders, due the same days later.
    for day in (date(2027, 1, 31), date(2027, 12, 31), date(2028, 2, 29)):
        assert await _due_in_days(databases, day) == now, day
