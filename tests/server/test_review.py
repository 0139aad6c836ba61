"""Review rules on submit and the review queue (docs/admin.md § Review): each rule holds what it
should and nothing else, edits take effect on the next order, decisions go through the engine
(release reserves stock), redemptions pending review are approved or refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation
from tests.server.test_warehouse import device_session, pulled, push

PRICE = 500


class Shop:
    """Warehouse wh-1 with 1000 × p-1 (500 each); a rep with a customer; an admin."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.admin = server.token("boss", "admin")
        self.rep = server.token("rep1", "sales")
        self.n = 0
        self.mid = 0

        async def catalog(db: Any) -> None:
            store, actor = SqlSyncStore(db), Actor("u-admin", "admin")
            await put_rows(
                store, actor, "warehouses", [{"id": "wh-1", "code": "WH1", "name": "Main"}]
            )
            await put_rows(store, actor, "products", [
                {"id": "p-1", "sku": "T1", "name": "Tea", "unit_price": PRICE}])  # fmt: skip

        server.run_db(catalog)
        res = push(server, self.admin, "boss-desk", mutation(
            1, "stock.move", id=uuid7(), product_id="p-1", warehouse_id="wh-1", delta=1000,
            reason="receive"))  # fmt: skip
        assert res[0]["status"] == "applied", res
        self.customer = self.new_customer(phone=None)

    def send(self, *muts: Callable[[int], dict]) -> list[dict]:
        batch = []
        for make in muts:
            self.mid += 1
            batch.append(make(self.mid))
        return push(self.server, self.rep, "rep1-phone", *batch)

    def new_customer(self, phone: str | None = "+86 21 5555 0000", limit: int | None = None) -> str:
        cid = uuid7()
        res = self.send(lambda i: mutation(i, "customer.upsert", id=cid, name=f"Shop {cid[-4:]}",
                                           phone=phone))  # fmt: skip
        assert res[0]["status"] == "applied", res
        if limit is not None:
            self.server.run_db(lambda db: put_rows(SqlSyncStore(db), Actor("u-admin", "admin"),
                                                   "customers", [{"id": cid, "credit_limit": limit}]))  # fmt: skip
        return cid

    def order(self, qty: int, customer: str | None = None, status: str = "submitted",
              **fields: Any) -> dict:  # fmt: skip
        """A new order of ``qty`` × p-1 (total qty × 500) pushed by the rep; the stored row."""
        self.n += 1
        oid = uuid7()
        args = {"id": oid, "number": f"R1-{self.n:05d}", "customer_id": customer or self.customer,
                "status": status, "warehouse_id": "wh-1",
                "lines": [{"id": uuid7(), "product_id": "p-1", "qty": qty, "unit_price": PRICE}],
                **fields}  # fmt: skip
        res = self.send(lambda i: mutation(i, "order.create", **args))
        assert res[0]["status"] == "applied", res
        return self.row(oid)

    def row(self, order_id: str) -> dict:
        (row,) = self.server.query("SELECT * FROM orders WHERE id = ?", (order_id,))
        row["status_history"] = json.loads(row["status_history"])
        return row

    def rules(self, body: dict, token: str | None = None) -> Any:
        with self.server.client(token or self.admin) as c:
            return c.put("/api/admin/review-rules", json=body)

    def queue(self) -> dict:
        with self.server.client(self.admin) as c:
            r = c.get("/api/admin/review")
        assert r.status_code == 200, r.text
        return r.json()

    def decide(self, order_id: str, decision: str, token: str | None = None, **extra: Any) -> Any:
        with self.server.client(token or self.admin) as c:
            return c.post(f"/api/admin/review/orders/{order_id}",
                          json={"decision": decision, **extra})  # fmt: skip


@pytest.fixture
def shop(live_server: LiveServer) -> Shop:
    return Shop(live_server)


def test_the_defaults_hold_nothing_a_normal_order_meets(shop: Shop) -> None:
    with shop.server.client(shop.admin) as c:
        rules = c.get("/api/admin/review-rules").json()
    assert rules["abnormal_amount"] == {"enabled": False, "amount": 100_000_000}
    assert rules["credit_limit"] == {"enabled": True}
    assert rules["required_fields"] == {"enabled": True, "fields": []}
    assert "customer_phone" in rules["requirable"] and rules["updated_at"] is None
    # A big order, no address, a customer without phone or credit limit: submitted as it is.
    assert shop.order(1000)["status"] == "submitted"
    assert shop.queue()["orders"] == []


def test_abnormal_amount_holds_above_the_limit_and_edits_apply_to_the_next_order(
    shop: Shop,
) -> None:
    r = shop.rules({"abnormal_amount": {"enabled": True, "amount": 5000}})
    assert r.status_code == 200, r.text
    assert r.json()["abnormal_amount"] == {"enabled": True, "amount": 5000}
    assert r.json()["updated_by"] == shop.server.user_id("boss")
    assert shop.order(10)["status"] == "submitted"  # 5000: not above
    held = shop.order(11)  # 5500
    assert held["status"] == "on_hold"
    first, step = held["status_history"]
    assert first["to"] == "submitted"
    assert (step["from"], step["to"], step["by"]) == ("submitted", "on_hold", "review")
    assert step["at"] and step["hlc"] and "5500" in step["reason"]
    assert step["reasons"] == [{"rule": "abnormal_amount", "total": 5500, "limit": 5000,
                                "detail": "total 5500 is above 5000"}]  # fmt: skip
    # The rep's device learns it on pull.
    (mine,) = [o for o in pulled(shop.server, shop.rep, "orders") if o["id"] == held["id"]]
    assert mine["status"] == "on_hold" and mine["status_history"][-1]["by"] == "review"
    # Nothing reserved while on hold.
    assert shop.server.query("SELECT reserved FROM stock_levels") == [{"reserved": 0}]
    (queued,) = shop.queue()["orders"]
    assert (queued["id"], queued["number"], queued["total"]) == (held["id"], held["number"], 5500)
    assert queued["reasons"][0]["rule"] == "abnormal_amount" and queued["held_by"] == "review"
    assert queued["since"] == step["at"] and queued["owner_name"] == "rep1"
    assert queued["customer_name"].startswith("Shop ")
    # A higher limit holds the same amount no more; switched off, nothing is held.
    assert shop.rules({"abnormal_amount": {"enabled": True, "amount": 6000}}).status_code == 200
    assert shop.order(11)["status"] == "submitted"
    assert shop.order(13)["status"] == "on_hold"
    assert shop.rules({"abnormal_amount": {"enabled": False, "amount": 6000}}).status_code == 200
    assert shop.order(100)["status"] == "submitted"
    # Each edit is audited.
    audited = shop.server.query("SELECT action, subject FROM audit_log WHERE action = ?",
                                ("review.rules",))  # fmt: skip
    assert audited == [{"action": "review.rules", "subject": "abnormal_amount"}] * 3


def test_credit_limit_counts_the_open_orders_only(shop: Shop) -> None:
    customer = shop.new_customer(limit=3000)
    a = shop.order(4, customer)  # 2000 open of 3000
    assert a["status"] == "submitted"
    draft = shop.order(4, customer, status="draft")  # a draft is no commitment yet
    b = shop.order(3, customer)  # 2000 + 1500 = 3500 > 3000
    assert b["status"] == "on_hold"
    assert b["status_history"][-1]["reasons"] == [{
        "rule": "credit_limit", "open_total": 3500, "limit": 3000,
        "detail": "open orders 3500 exceed the credit limit 3000"}]  # fmt: skip
    # Cancelled orders do not count: cancel both, and the same order passes.
    assert shop.decide(b["id"], "cancel", note="over credit").json()["status"] == "cancelled"
    res = shop.send(lambda i: mutation(i, "order.transition", id=a["id"], to="cancelled",
                                       **{"from": "submitted"}))  # fmt: skip
    assert res[0]["status"] == "applied", res
    c = shop.order(5, customer)  # 2500 open
    assert c["status"] == "submitted"
    # Submitting the draft later is checked too: 2500 + 2000 > 3000.
    res = shop.send(lambda i: mutation(i, "order.transition", id=draft["id"], to="submitted",
                                       **{"from": "draft"}))  # fmt: skip
    assert res[0]["status"] == "applied", res
    submitted = shop.row(draft["id"])
    assert submitted["status"] == "on_hold"
    assert [s["to"] for s in submitted["status_history"]] == ["draft", "submitted", "on_hold"]
    assert submitted["status_history"][-1]["reasons"][0]["open_total"] == 4500
    # Another customer of no limit is not affected; with the rule off, nothing is held.
    assert shop.order(50)["status"] == "submitted"
    assert shop.rules({"credit_limit": {"enabled": False}}).status_code == 200
    assert shop.order(50, customer)["status"] == "submitted"


def test_required_fields(shop: Shop) -> None:
    r = shop.rules({"required_fields": {"enabled": True,
                                        "fields": ["customer_phone", "delivery_address"]}})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["required_fields"]["fields"] == ["delivery_address", "customer_phone"]
    held = shop.order(1)
    assert held["status"] == "on_hold"
    assert held["status_history"][-1]["reasons"] == [{
        "rule": "required_fields", "missing": ["delivery_address", "customer_phone"],
        "detail": "missing: delivery_address, customer_phone"}]  # fmt: skip
    assert shop.order(1, delivery_address="  ")["status"] == "on_hold"  # blank is missing
    with_phone = shop.new_customer(phone="+86 21 5555 0101")
    assert shop.order(1, with_phone, delivery_address="1 Quay")["status"] == "submitted"
    assert shop.order(1, with_phone, due_date="2026-12-24")["status"] == "on_hold"
    # Two rules failing at once: both reasons.
    shop.rules({"abnormal_amount": {"enabled": True, "amount": 100}})
    both = shop.order(1)
    assert [x["rule"] for x in both["status_history"][-1]["reasons"]] == [
        "abnormal_amount", "required_fields"]  # fmt: skip
    assert shop.rules({"required_fields": {"enabled": False, "fields": []}}).status_code == 200
    assert shop.rules({"abnormal_amount": {"enabled": False, "amount": 100}}).status_code == 200
    assert shop.order(1)["status"] == "submitted"


def test_bad_rule_values_are_refused(shop: Shop) -> None:
    cases = [
        ({"abnormal_amount": {"enabled": True, "amount": 0}}, "invalid_amount"),
        ({"abnormal_amount": {"enabled": True, "amount": -5}}, "invalid_amount"),
        ({"abnormal_amount": {"enabled": True, "amount": 10**16}}, "invalid_amount"),
        ({"required_fields": {"enabled": True, "fields": ["password"]}}, "invalid_field"),
        ({"abnormal_amount": {"enabled": "yes", "amount": 5}}, "invalid_request"),
        ({"abnormal_amount": {"enabled": True}}, "invalid_request"),
        ({"speed_limit": {"enabled": True}}, "invalid_request"),
        ({}, "invalid_request"),
    ]
    for body, code in cases:
        r = shop.rules(body)
        assert (r.status_code, r.json()["code"]) == (400, code), (body, r.text)
    # Nothing was saved.
    assert shop.server.query("SELECT COUNT(*) AS n FROM review_rules") == [{"n": 0}]
    sales = shop.rules({"credit_limit": {"enabled": False}}, token=shop.rep)
    assert sales.status_code == 403
    finance = shop.server.token("fin", "finance")
    assert shop.rules({"credit_limit": {"enabled": False}}, token=finance).status_code == 403
    with shop.server.client(finance) as c:
        assert c.get("/api/admin/review-rules").status_code == 200  # may read them
        assert c.get("/api/admin/review").status_code == 200


def test_release_reserves_the_stock_and_decisions_are_checked(shop: Shop) -> None:
    shop.rules({"abnormal_amount": {"enabled": True, "amount": 1000}})
    held = shop.order(7)
    assert held["status"] == "on_hold"
    r = shop.decide(held["id"], "release", note="known customer")
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["status"]) == (held["id"], "confirmed")
    last = r.json()["status_history"][-1]
    assert (last["from"], last["to"], last["reason"]) == ("on_hold", "confirmed", "known customer")
    assert last["by"] == shop.server.user_id("boss")
    # Confirmed reserves its lines in its warehouse, as a confirmation from a device does.
    assert shop.server.query("SELECT on_hand, reserved FROM stock_levels") == [
        {"on_hand": 1000, "reserved": 7}
    ]
    assert shop.queue()["orders"] == []
    (mine,) = [o for o in pulled(shop.server, shop.rep, "orders") if o["id"] == held["id"]]
    assert mine["status"] == "confirmed"
    assert shop.server.query(
        "SELECT subject, actor_id FROM audit_log WHERE action = ?", ("review.order.release",)
    ) == [  # fmt: skip
        {"subject": held["id"], "actor_id": shop.server.user_id("boss")}
    ]
    # Not on hold any more, unknown, malformed.
    r = shop.decide(held["id"], "cancel")
    assert (r.status_code, r.json()["code"]) == (409, "not_on_hold")
    r = shop.decide(uuid7(), "release")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    other = shop.order(8)
    for body in ({"decision": "approve"}, {"decision": "release", "extra": 1}, {}):
        with shop.server.client(shop.admin) as c:
            r = c.post(f"/api/admin/review/orders/{other['id']}", json=body)
        assert (r.status_code, r.json()["code"]) == (400, "invalid_request"), body
    # Roles: a rep may not decide; finance may release but not cancel (the state machine's
    # roles, as on a device); a manager may cancel.
    assert shop.decide(other["id"], "release", token=shop.rep).status_code == 403
    finance = shop.server.token("fin", "finance")
    r = shop.decide(other["id"], "cancel", token=finance, note="duplicate")
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    manager = shop.server.token("mgr", "manager")
    r = shop.decide(other["id"], "cancel", token=manager, note="duplicate")
    assert r.json()["status"] == "cancelled"
    third = shop.order(9)
    assert shop.decide(third["id"], "release", token=finance).json()["status"] == "confirmed"
    assert shop.server.query("SELECT reserved FROM stock_levels") == [{"reserved": 16}]


def _redeemed(shop: Shop, picker: str, qty: int) -> str:
    """An order of ``qty`` × 500 packed, paid and redeemed by ``picker``; its redemption id."""
    oid = shop.order(qty)["id"]
    steps = [("submitted", "confirmed"), ("confirmed", "picking"), ("picking", "packed")]
    res = push(shop.server, shop.admin, f"boss-{oid}", *[
        mutation(i + 1, "order.transition", id=oid, **{"from": a}, to=b)
        for i, (a, b) in enumerate(steps)])  # fmt: skip
    assert [x["status"] for x in res] == ["applied"] * 3, res
    res = shop.send(lambda i: mutation(i, "payment.record", id=uuid7(), order_id=oid,
                                       method="cash", amount=qty * PRICE))  # fmt: skip
    assert res[0]["status"] == "applied", res
    with shop.server.client(shop.admin) as c:
        token = c.get(f"/api/orders/{oid}/qr").json()["token"]
    rid = uuid7()
    res = push(shop.server, picker, f"handheld-{oid}",
               mutation(1, "qr.redeem", id=rid, order_id=oid, token=token))  # fmt: skip
    assert res[0]["status"] == "applied", res
    return rid


def test_redemptions_pending_review_are_approved_or_refused(serve: Callable) -> None:
    shop = Shop(serve(redeem_review_amount=2000))
    picker = device_session(shop.server, "picker1", "warehouse", "wh-1")
    small = _redeemed(shop, picker, 2)  # 1000: completed at once
    big, bigger = _redeemed(shop, picker, 5), _redeemed(shop, picker, 6)
    queued = shop.queue()["redemptions"]
    assert [(x["id"], x["amount"], x["user_name"]) for x in queued] == [
        (big, 2500, "picker1"), (bigger, 3000, "picker1")]  # fmt: skip
    assert small not in {x["id"] for x in queued} and queued[0]["order_number"].startswith("R1-")
    with shop.server.client(shop.admin) as c:
        r = c.post(f"/api/admin/review/redemptions/{big}", json={"approve": True})
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["reviewer_id"]) == (
            "completed", shop.server.user_id("boss"))  # fmt: skip
        r = c.post(f"/api/admin/review/redemptions/{bigger}",
                   json={"approve": False, "reason": "ID not shown"})  # fmt: skip
        assert (r.json()["status"], r.json()["reason"]) == ("refused", "ID not shown")
        # Decided already: the other decision is refused, the same one is a no-op.
        r = c.post(f"/api/admin/review/redemptions/{big}", json={"approve": False})
        assert (r.status_code, r.json()["code"]) == (409, "already_reviewed")
        assert c.post(f"/api/admin/review/redemptions/{big}", json={"approve": True}).json()[
            "status"] == "completed"  # fmt: skip
        r = c.post(f"/api/admin/review/redemptions/{small}", json={"approve": True})
        assert (r.status_code, r.json()["code"]) == (409, "not_pending")
        r = c.post(f"/api/admin/review/redemptions/{uuid7()}", json={"approve": True})
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
        assert c.post(f"/api/admin/review/redemptions/{big}", json={}).status_code == 400
    assert shop.queue()["redemptions"] == []
    finance = shop.server.token("fin", "finance")
    with shop.server.client(finance) as c:
        r = c.post(f"/api/admin/review/redemptions/{big}", json={"approve": True})
    assert r.status_code == 403
    actions = shop.server.query("SELECT action FROM audit_log WHERE action LIKE ? ORDER BY seq",
                                ("review.redemption.%",))  # fmt: skip
    assert [a["action"] for a in actions] == ["review.redemption.approve",
                                              "review.redemption.refuse",
                                              "review.redemption.approve"]  # fmt: skip


def test_an_admin_sets_a_customers_credit_limit_and_the_next_order_meets_it(shop: Shop) -> None:
    customer = shop.new_customer()
    assert shop.order(6, customer)["status"] == "submitted"  # 3000 open, no limit yet

    def put(body: Any, token: str | None = None, cid: str = customer) -> Any:
        with shop.server.client(token or shop.admin) as c:
            return c.put(f"/api/admin/customers/{cid}/credit-limit", json=body)

    r = put({"credit_limit": 4000})
    assert r.status_code == 200, r.text
    assert r.json()["credit_limit"] == 4000
    held = shop.order(3, customer)  # 3000 + 1500 > 4000
    assert held["status"] == "on_hold"
    assert held["status_history"][-1]["reasons"][0]["limit"] == 4000
    # Written through the sync writer: versioned and audited.
    (row,) = shop.server.query("SELECT credit_limit, version FROM customers WHERE id = ?",
                               (customer,))  # fmt: skip
    assert row["credit_limit"] == 4000
    audit = shop.server.query("SELECT action FROM audit_log WHERE subject = ?", (customer,))
    assert "server.update.customers" in [a["action"] for a in audit]
    # Cleared: no limit, nothing held.
    assert put({"credit_limit": None}).json()["credit_limit"] is None
    assert shop.order(3, customer)["status"] == "submitted"
    # Bad values, unknown customers, roles that may not edit the rules.
    assert put({"credit_limit": -1}).status_code == 400
    assert put({"credit_limit": "lots"}).status_code == 400
    assert put({"limit": 5}).status_code == 400
    assert put({"credit_limit": 5}, cid="no-such").json()["code"] == "not_found"
    assert put({"credit_limit": 5}, token=shop.rep).status_code == 403


def test_whoever_redeemed_may_not_approve_it_in_the_console(serve: Callable) -> None:
    # A review is a second person's check: the admin who redeemed cannot pass their own.
    shop = Shop(serve(redeem_review_amount=2000))
    rid = _redeemed(shop, shop.admin, 5)
    with shop.server.client(shop.admin) as c:
        r = c.post(f"/api/admin/review/redemptions/{rid}", json={"approve": True})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden"), r.text
    assert shop.queue()["redemptions"][0]["id"] == rid  # still waiting
    other = shop.server.token("boss2", "manager")
    with shop.server.client(other) as c:
        r = c.post(f"/api/admin/review/redemptions/{rid}", json={"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text
