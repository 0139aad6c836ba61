"""The money rules of ``payment.record`` (docs/protocol.md § Payments), in the mutation rule so
every path obeys them: refunds need the refund permission and never exceed what was paid; a
payment's status is changed by whoever recorded it, or finance; a payment on a cancelled order
is kept and raises a conflict for a person. Order o-1 of rep A totals 3300."""

from __future__ import annotations

from typing import Any

import pytest

from sync.context import Actor
from tests.sync.test_rules import (
    FINANCE,
    REP_A,
    Device,
    conflict_row,
    get,
    order_args,
)

MANAGER = Actor("u-mgr", "manager", device_id="dev-mgr")


@pytest.fixture
async def rep(store: Any, catalog: dict) -> Device:
    """Rep A's phone, with customer c-a and order o-1 (3300, submitted, wh-1)."""
    dev = Device(store, REP_A, "rep-a-phone")
    r = await dev.send("customer.upsert", {"id": "c-a", "name": "Ann's shop"})
    assert r.status == "applied", r
    r = await dev.send("order.create", order_args(warehouse_id="wh-1"))
    assert r.status == "applied", r
    return dev


def pay(pid: str, amount: int, status: str = "paid", method: str = "cash") -> dict[str, Any]:
    return {"id": pid, "order_id": "o-1", "method": method, "amount": amount, "status": status}


async def test_a_rep_may_not_record_a_refund_through_sync(store: Any, rep: Device) -> None:
    assert (await rep.send("payment.record", pay("p-1", 3300))).status == "applied"
    for args in (pay("p-2", -500, "refunded"), pay("p-3", -500), pay("p-4", 500, "refunded"),
                 pay("p-1", 3300, "refunded")):  # fmt: skip
        r = await rep.send("payment.record", args)
        assert (r.status, r.error) == ("rejected", "forbidden"), (args, r)
    assert (await get(store, "payments", "p-1"))["status"] == "paid"
    assert all([await get(store, "payments", p) is None for p in ("p-2", "p-3", "p-4")])


async def test_a_refund_may_not_exceed_what_was_paid(store: Any, rep: Device) -> None:
    fin = Device(store, FINANCE, "finance-desk")
    await rep.send("payment.record", pay("p-1", 3000))
    await rep.send("payment.record", pay("p-pending", 300, "pending"))  # not paid: no refund
    r = await fin.send("payment.record", pay("r-1", -3001, "refunded"))
    assert (r.status, r.error) == ("rejected", "refund_exceeds_paid"), r
    # In yuan, never fen (issue 17 item 9): 3,001 fen of 3,000 paid.
    assert "¥30.01 of ¥30.00 paid (¥30.00 left to refund)" in r.message, r.message
    assert (await fin.send("payment.record", pay("r-1", -2000, "refunded"))).status == "applied"
    r = await fin.send("payment.record", pay("r-2", -1001, "refunded"))
    assert r.error == "refund_exceeds_paid"
    # Marking the 3000 payment refunded too would refund 5000 of 3000.
    r = await fin.send("payment.record", pay("p-1", 3000, "refunded"))
    assert r.error == "refund_exceeds_paid"
    assert (await fin.send("payment.record", pay("r-2", -1000, "refunded"))).status == "applied"
    assert await get(store, "payments", "r-2") is not None


async def test_only_the_recorder_or_finance_changes_a_payments_status(
    store: Any, rep: Device
) -> None:
    fin = Device(store, FINANCE, "finance-desk")
    assert (await fin.send("payment.record", pay("p-fin", 3300, "pending"))).status == "applied"
    r = await rep.send("payment.record", pay("p-fin", 3300, "paid"))
    assert (r.status, r.error) == ("rejected", "forbidden"), r
    assert (await get(store, "payments", "p-fin"))["status"] == "pending"
    # Their own payment, from any of their devices: yes.
    await rep.send("payment.record", pay("p-own", 100, "pending"))
    tablet = Device(store, REP_A, "rep-a-tablet")
    assert (await tablet.send("payment.record", pay("p-own", 100, "failed"))).status == "applied"
    # Finance (and managers, admins) may change anyone's.
    assert (await fin.send("payment.record", pay("p-own", 100, "paid"))).status == "applied"
    mgr = Device(store, MANAGER, "mgr-desk")
    assert (await mgr.send("payment.record", pay("p-fin", 3300, "paid"))).status == "applied"


async def test_a_payment_on_a_cancelled_order_is_kept_with_a_conflict(
    store: Any, rep: Device
) -> None:
    r = await rep.send("order.transition", {"id": "o-1", "from": "submitted", "to": "cancelled"})
    assert r.status == "applied", r
    r = await rep.send("payment.record", pay("p-1", 3300))
    assert r.status == "applied" and r.conflict_id, r
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["table_name"], c["row_id"], c["user_id"]) == (
        "payment", "payments", "p-1", "u-a",
    )  # fmt: skip
    assert "cancelled" in c["reason"]
    assert (await get(store, "payments", "p-1"))["amount"] == 3300  # the money is on record
    # Its refund settles it: no conflict; a failed attempt took nothing: none either.
    fin = Device(store, FINANCE, "finance-desk")
    r = await fin.send("payment.record", pay("r-1", -3300, "refunded"))
    assert (r.status, r.conflict_id) == ("applied", None)
    r = await rep.send("payment.record", pay("p-2", 500, "failed"))
    assert (r.status, r.conflict_id) == ("applied", None)
