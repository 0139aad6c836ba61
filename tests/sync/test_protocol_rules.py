"""What an independent client written from docs/protocol.md found (issue 14, items 22–27), held
on both databases through ``sync.push.push``: the base version a client may claim, who owns a
client id, the bounds of an HLC, a line as one unit for conflicts, and fields sent unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest

from sync.context import Actor
from tests.sync.test_rules import REP_A, Device, get, order_args, sql

ADMIN = Actor("u-admin", "admin", device_id="dev-admin")


@pytest.fixture
async def phone(store: Any, catalog: dict[str, str]) -> Device:
    """Rep A's phone, with rep A's customer c-a."""
    dev = Device(store, REP_A, "rep-a-phone")
    r = await dev.send("customer.upsert", {"id": "c-a", "name": "Ann's shop", "phone": "111"})
    assert r.status == "applied", r
    return dev


@pytest.fixture
async def order(store: Any, phone: Device) -> int:
    """Order o-1 of rep A (lines l-1: 2 x p-1 at 1200, l-2: 3 x p-2 at 300); its version."""
    r = await phone.send("order.create", order_args(notes="ring twice", warehouse_id="wh-1"))
    assert r.status == "applied", r
    row = await get(store, "orders", "o-1")
    assert row is not None
    return row["version"]


# ---- item 23: a base_version above the row's version --------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("order.update", {"id": "o-1", "set": {"priority": "high"}}),
        ("order.line.upsert", {"order_id": "o-1",
                               "line": {"id": "l-1", "product_id": "p-1", "qty": 9,
                                        "unit_price": 1200}}),
        ("order.line.remove", {"order_id": "o-1", "line_id": "l-1"}),
        ("customer.upsert", {"id": "c-a", "name": "Renamed"}),
    ],
)  # fmt: skip
async def test_a_base_version_above_the_rows_version_is_refused(
    store: Any, phone: Device, order: int, name: str, args: dict[str, Any]
) -> None:
    office = Device(store, ADMIN, "admin-desk")
    # Someone else changes the order (and customer) after the stale client last saw them.
    assert (await office.send("order.update", {"id": "o-1", "base_version": order,
                                               "set": {"priority": "low"}})).status == "applied"  # fmt: skip
    before = await sql(store, "SELECT COUNT(*) AS n FROM conflicts")
    row_before = await get(store, "orders", "o-1")
    r = await phone.send(name, {**args, "base_version": 10**15})
    assert (r.status, r.error) == ("rejected", "invalid_args"), r
    assert "base_version" in (r.message or "")
    assert await sql(store, "SELECT COUNT(*) AS n FROM conflicts") == before
    assert await get(store, "orders", "o-1") == row_before
