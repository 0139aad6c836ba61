"""One rule of "overdue" (shared/states.py is_overdue): the console's badge, its list filtered
to overdue orders and the Overdue report count the same orders — drafts due before today
included, orders whose goods have gone or that are closed not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation
from tests.server.test_warehouse import push

# The badge compares due dates with today: run again with the clock moved (make test-clock).
pytestmark = pytest.mark.dates


def _day(offset: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def test_badge_list_and_report_count_the_same_overdue_orders(live_server: LiveServer) -> None:
    server = live_server

    async def catalog(db: Any) -> None:
        store, actor = SqlSyncStore(db), Actor("u-admin", "admin")
        await put_rows(store, actor, "warehouses", [{"id": "wh-1", "code": "W1", "name": "W"}])
        await put_rows(store, actor, "products",
                       [{"id": "p-1", "sku": "T1", "name": "Tea", "unit_price": 500}])  # fmt: skip

    server.run_db(catalog)
    boss, rep = server.token("boss", "admin"), server.token("rep", "sales")
    customer = uuid7()
    # number: (status made, due in days from today, then moved to)
    plan = {"LATE-DRAFT": ("draft", -3, None), "LATE-OPEN": ("submitted", -1, None),
            "LATE-GONE": ("submitted", -5, "shipped"), "LATE-OFF": ("submitted", -2, "cancelled"),
            "ON-TIME": ("submitted", 4, None), "DUE-TODAY": ("submitted", 0, None)}  # fmt: skip
    ids = {n: uuid7() for n in plan}
    sent = [mutation(1, "customer.upsert", id=customer, name="Tea House")]
    for number, (status, due, _) in plan.items():
        sent.append(mutation(len(sent) + 1, "order.create", id=ids[number], number=number,
                             customer_id=customer, status=status, due_date=_day(due),
                             warehouse_id="wh-1", lines=[{"id": uuid7(), "product_id": "p-1",
                                                          "qty": 1, "unit_price": 500}]))  # fmt: skip
    assert all(r["status"] == "applied" for r in push(server, rep, "rep-phone", *sent))
    steps = {"shipped": ["confirmed", "picking", "packed", "shipped"], "cancelled": ["cancelled"]}
    moves = []
    for number, (_, _, to) in plan.items():
        prev = "submitted"
        for step in steps.get(to, []):
            moves.append(mutation(len(moves) + 1, "order.transition", id=ids[number],
                                  **{"from": prev}, to=step))  # fmt: skip
            prev = step
    assert all(r["status"] == "applied" for r in push(server, boss, "boss-desk", *moves))

    late = {"LATE-DRAFT", "LATE-OPEN"}
    with server.client(boss) as c:
        badge = c.get("/api/admin/orders/overdue/count").json()["count"]
        listed = c.get("/api/admin/orders", params={"overdue": "true", "limit": 100}).json()
        flagged = c.get("/api/admin/orders", params={"limit": 100}).json()
        report = c.get("/api/admin/reports/overdue",
                       params={"from": _day(-1), "to": _day(1)}).json()  # fmt: skip
    assert badge == len(late)
    assert {r["number"] for r in listed["rows"]} == late
    assert {r["number"] for r in flagged["rows"] if r["overdue"]} == late
    assert sum(row[-1] for row in report["summary"]["rows"]) == len(late)
    assert sum(row[-1] for row in report["table"]["rows"]) == len(late)  # made today, in range
