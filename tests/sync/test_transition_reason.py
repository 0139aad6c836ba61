"""Cancelling an order on hold needs a reason (issue 17): the transition rule refuses it without
one (``reason_required``) whoever sends it — a rep's phone here, the review queue in
tests/server/test_review_cancel_reason.py — and the order stays on hold; with one, it is the
cancel step's reason. Cancelling an order that is not on hold needs none, as before."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sync.test_rules import FINANCE, REP_A, Device, get, order_args


@pytest.fixture
async def phone(store: Any, catalog: dict[str, str]) -> Device:
    dev = Device(store, REP_A, "rep-a-phone")
    r = await dev.send("customer.upsert", {"id": "c-a", "name": "Ann's shop"})
    assert r.status == "applied", r
    return dev


def tr(order_id: str, src: str, dst: str, reason: str | None = None) -> dict[str, Any]:
    return {"id": order_id, "from": src, "to": dst, "reason": reason}


async def test_a_held_order_is_cancelled_only_with_a_reason(store: Any, phone: Device) -> None:
    assert (await phone.send("order.create", order_args())).status == "applied"
    fin = Device(store, FINANCE, "finance-desk")
    assert (await fin.send("order.transition", tr("o-1", "submitted", "on_hold"))).status == "applied"
    for reason in (None, "", "   "):
        r = await phone.send("order.transition", tr("o-1", "on_hold", "cancelled", reason))
        assert (r.status, r.error) == ("rejected", "reason_required"), reason
    assert (await get(store, "orders", "o-1"))["status"] == "on_hold"  # type: ignore[index]
    r = await phone.send("order.transition", tr("o-1", "on_hold", "cancelled", "shop closed"))
    assert r.status == "applied", r
    order = await get(store, "orders", "o-1")
    assert order is not None and order["status"] == "cancelled"


async def test_other_cancellations_need_no_reason(store: Any, phone: Device) -> None:
    assert (await phone.send("order.create", order_args())).status == "applied"
    r = await phone.send("order.transition", tr("o-1", "submitted", "cancelled"))
    assert r.status == "applied", r
