"""A cancel on review says why (issue 17 item 13): without a reason the transition rule refuses it
with ``reason_required`` (409: the engine's refusal, as for every path — a phone's cancel of a held
order too, tests/sync/test_transition_reason.py) and the order stays on hold; with one, the reason is the cancel step's on the
order's timeline, as the rep's phone pulls it, and in the audit entry."""

from __future__ import annotations

import json

import pytest

from tests.server.conftest import LiveServer
from tests.server.test_review import Shop
from tests.server.test_warehouse import pulled


@pytest.fixture
def shop(live_server: LiveServer) -> Shop:
    return Shop(live_server)


def test_a_cancel_needs_a_reason_that_reaches_the_reps_order(shop: Shop) -> None:
    shop.rules({"abnormal_amount": {"enabled": True, "amount": 1000}})
    held = shop.order(7)
    assert held["status"] == "on_hold"
    for body in ({}, {"note": None}, {"note": "   "}):
        r = shop.decide(held["id"], "cancel", **body)
        assert (r.status_code, r.json()["code"]) == (409, "reason_required"), body
    assert shop.row(held["id"])["status"] == "on_hold"
    r = shop.decide(held["id"], "cancel", note="x" * 2001)  # the transition's reason's bound
    assert r.status_code == 400 and r.json()["code"] != "internal_error", r.text
    assert shop.row(held["id"])["status"] == "on_hold"

    r = shop.decide(held["id"], "cancel", note="  Customer closed the shop  ")
    assert r.status_code == 200, r.text
    (mine,) = [o for o in pulled(shop.server, shop.rep, "orders") if o["id"] == held["id"]]
    assert mine["status"] == "cancelled"
    history = mine["status_history"]
    history = json.loads(history) if isinstance(history, str) else history
    last = history[-1]
    assert (last["from"], last["to"], last["reason"]) == (
        "on_hold", "cancelled", "Customer closed the shop")  # fmt: skip
    (audit,) = shop.server.query(
        "SELECT detail FROM audit_log WHERE action = ?", ("review.order.cancel",))  # fmt: skip
    assert json.loads(audit["detail"])["note"] == "Customer closed the shop"
