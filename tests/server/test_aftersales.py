"""The after-sales API (docs/admin.md § After-sales): complaints and returns on orders, their
status moves, and refunds recorded as payments that devices pull."""

from __future__ import annotations

import csv
import io
import itertools
import json
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import assert_error, mutation
from tests.server.test_warehouse import pulled, push

API = "/api/admin/after-sales"


def _order(server: LiveServer, number: str, to: str = "delivered", paid: int = 1300) -> str:
    """A rep's order of 2 × Tea (500) and 1 × Cup (300) from wh-1, moved on to ``to`` by the
    admin and paid ``paid``; its id."""
    boss = server.token("boss", "admin")
    with server.client(boss) as c:
        for pid, sku, price in (("p-tea", "TEA", 500), ("p-cup", "CUP", 300)):
            c.put(f"/api/catalog/products/{pid}", json={"sku": sku, "name": sku.title(),
                                                        "unit_price": price})  # fmt: skip
    rep = server.token("rep1", "sales")
    customer, order = uuid7(), uuid7()
    lines = [{"id": uuid7(), "product_id": "p-tea", "qty": 2, "unit_price": 500},
             {"id": uuid7(), "product_id": "p-cup", "qty": 1, "unit_price": 300}]  # fmt: skip
    res = push(server, rep, f"rep1-{uuid7()}",
               mutation(1, "customer.upsert", id=customer, name=f"Customer of {number}"),
               mutation(2, "order.create", id=order, number=number, customer_id=customer,
                        warehouse_id="wh-1", lines=lines))  # fmt: skip
    assert [r["status"] for r in res] == ["applied"] * 2, res
    path = ["submitted", "confirmed", "picking", "packed", "shipped", "delivered", "completed"]
    steps = list(itertools.pairwise(path))[: path.index(to)]
    muts = [mutation(i + 1, "order.transition", id=order, **{"from": a}, to=b)
            for i, (a, b) in enumerate(steps)]  # fmt: skip
    if paid:
        muts.append(mutation(len(muts) + 1, "payment.record", id=uuid7(), order_id=order,
                             method="cash", amount=paid))  # fmt: skip
    if muts:
        res = push(server, boss, f"boss-{uuid7()}", *muts)
        assert {r["status"] for r in res} == {"applied"}, res
    return order


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    async def warehouses(db: Any) -> None:
        await put_rows(SqlSyncStore(db), Actor("u-admin", "admin"), "warehouses",
                       [{"id": "wh-1", "code": "WH1", "name": "Main"}])  # fmt: skip

    live_server.run_db(warehouses)
    return live_server


@pytest.fixture
def support(server: LiveServer) -> httpx.Client:
    with server.client(server.token("helen", "support")) as c:
        yield c


@pytest.fixture
def finance(server: LiveServer) -> httpx.Client:
    with server.client(server.token("fred", "finance")) as c:
        yield c


def _create(c: httpx.Client, **body: Any) -> dict:
    r = c.post(API, json={"category": "damaged", "description": "box crushed", **body})
    assert r.status_code == 201, r.text
    return r.json()


def _audit(server: LiveServer, subject: str) -> list[str]:
    rows = server.query("SELECT action FROM audit_log WHERE subject = ? ORDER BY seq", (subject,))
    return [r["action"] for r in rows]


def test_a_complaint_is_opened_worked_and_resolved(server: LiveServer, support: httpx.Client):
    order = _order(server, "SO-1")
    case = _create(support, kind="complaint", order_number="SO-1", category="late",
                   description="came two days late")  # fmt: skip
    assert case["number"] == "AS-000001" and case["status"] == "open"
    assert (case["order_id"], case["order_number"], case["kind"]) == (order, "SO-1", "complaint")
    assert case["customer_name"] == "Customer of SO-1" and case["created_by_name"] == "helen"
    assert _create(support, kind="complaint", order_id=order)["number"] == "AS-000002"

    r = support.patch(f"{API}/{case['id']}", json={"status": "in_progress", "notes": "called"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress", r.text
    assert_error(support.patch(f"{API}/{case['id']}", json={"status": "in_progress"}), 409,
                 "bad_transition")  # fmt: skip
    # Resolving needs to say how.
    assert_error(support.patch(f"{API}/{case['id']}", json={"status": "resolved"}), 400,
                 "resolution_required")  # fmt: skip
    r = support.patch(f"{API}/{case['id']}",
                      json={"status": "resolved", "resolution": "voucher sent"})  # fmt: skip
    done = r.json()
    assert (done["status"], done["resolution"], done["notes"]) == ("resolved", "voucher sent",
                                                                   "called")  # fmt: skip
    assert done["resolved_by"] == server.user_id("helen") and done["resolved_at"]
    # Closed: only a reopen moves it; reopening clears the stamp.
    assert_error(support.patch(f"{API}/{case['id']}", json={"status": "rejected"}), 409,
                 "bad_transition")  # fmt: skip
    r = support.patch(f"{API}/{case['id']}", json={"status": "in_progress"})
    assert (r.json()["status"], r.json()["resolved_at"]) == ("in_progress", None)
    assert _audit(server, case["id"]) == ["aftersales.create"] + ["aftersales.update"] * 3
    # A complaint leaves the order alone.
    assert server.query("SELECT status FROM orders WHERE id = ?", (order,))[0]["status"] == (
        "delivered"
    )


def test_bad_input_is_refused_with_stable_codes(server: LiveServer, support: httpx.Client):
    order = _order(server, "SO-2")
    base = {"category": "damaged", "description": "x", "order_id": order}
    cases = [
        ({**base, "kind": "gift"}, 400, "invalid_request"),
        ({**base, "kind": "complaint", "category": "angry"}, 400, "invalid_request"),
        ({**base, "kind": "complaint", "order_id": uuid7()}, 404, "order_not_found"),
        ({**base, "kind": "complaint", "order_id": None, "order_number": "NOPE"}, 404,
         "order_not_found"),
        ({**base, "kind": "complaint", "order_id": None}, 400, "invalid_request"),
        ({**base, "kind": "return"}, 400, "invalid_lines"),
        ({**base, "kind": "return", "lines": [{"product_id": "p-other", "qty": 1}]}, 400,
         "invalid_lines"),
        ({**base, "kind": "return", "lines": [{"product_id": "p-tea", "qty": 3}]}, 409,
         "return_exceeds_ordered"),
        ({**base, "kind": "return", "lines": [{"product_id": "p-tea", "qty": 0}]}, 400,
         "invalid_request"),
        ({**base, "kind": "complaint", "lines": [{"product_id": "p-tea", "qty": 1}]}, 400,
         "invalid_lines"),
        ({**base, "kind": "complaint", "extra": 1}, 400, "invalid_request"),
    ]  # fmt: skip
    for body, status, code in cases:
        assert_error(support.post(API, json=body), status, code)
    # What earlier returns took counts; a rejected one gives it back.
    first = _create(support, kind="return", order_id=order,
                    lines=[{"product_id": "p-tea", "qty": 1}, {"product_id": "p-tea", "qty": 1}])  # fmt: skip
    assert first["lines"] == [{"product_id": "p-tea", "qty": 2}]
    late = {**base, "kind": "return", "lines": [{"product_id": "p-tea", "qty": 1}]}
    body = assert_error(support.post(API, json=late), 409, "return_exceeds_ordered")
    assert "0 left" in body["message"]
    support.patch(f"{API}/{first['id']}", json={"status": "rejected"}).raise_for_status()
    assert support.post(API, json=late).status_code == 201

    missing = f"{API}/{uuid7()}"
    assert_error(support.get(missing), 404, "not_found")
    assert_error(support.patch(missing, json={"status": "resolved"}), 404, "not_found")
    assert_error(support.patch(f"{API}/{first['id']}", json={"status": "done"}), 400,
                 "invalid_request")  # fmt: skip
    assert_error(support.patch(f"{API}/{first['id']}", json={}), 400, "invalid_request")
    assert_error(support.get(API, params={"status": "done"}), 400, "invalid_request")
    assert_error(support.get(API, params={"from": "yesterday"}), 400, "invalid_request")
    assert_error(support.get(API, params={"limit": 0}), 400, "invalid_request")
    assert server.query("SELECT COUNT(*) AS n FROM after_sales_cases")[0]["n"] == 2


def test_list_filters_paging_and_export(server: LiveServer, support: httpx.Client):
    one, two = _order(server, "SO-10"), _order(server, "SO-11")
    made = [
        _create(support, kind="complaint", order_id=one),
        _create(support, kind="return", order_id=one, lines=[{"product_id": "p-cup", "qty": 1}]),
        _create(support, kind="complaint", order_id=two, category="quality"),
    ]
    support.patch(f"{API}/{made[2]['id']}", json={"status": "rejected"}).raise_for_status()

    def numbers(**params: Any) -> list[str]:
        r = support.get(API, params=params)
        assert r.status_code == 200, r.text
        return [row["number"] for row in r.json()["rows"]]

    assert numbers() == ["AS-000003", "AS-000002", "AS-000001"]  # newest first
    assert numbers(kind="return") == ["AS-000002"]
    assert numbers(status="rejected") == ["AS-000003"]
    assert numbers(order="SO-10") == ["AS-000002", "AS-000001"]
    customer = made[2]["customer_id"]
    assert numbers(customer_id=customer) == ["AS-000003"]
    assert numbers(**{"from": "2000-01-01", "to": "2999-12-31"}) == [
        m["number"] for m in made[::-1]
    ]
    assert numbers(to="2000-01-01") == []
    first = support.get(API, params={"limit": 2}).json()
    assert (first["total"], first["next"], len(first["rows"])) == (3, 2, 2)
    rest = support.get(API, params={"limit": 2, "offset": first["next"]}).json()
    assert ([r["number"] for r in rest["rows"]], rest["next"]) == (["AS-000001"], None)

    r = support.get(API, params={"format": "csv", "kind": "complaint"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(x["number"], x["status"], x["order_number"]) for x in rows] == [
        ("AS-000003", "rejected", "SO-11"), ("AS-000001", "open", "SO-10")]  # fmt: skip
    assert {x["refunded"] for x in rows} == {"0.00"}  # money in major units, never minor
    r = support.get(API, params={"format": "xlsx", "kind": "return"})
    sheet = load_workbook(io.BytesIO(r.content)).active
    header, *body = list(sheet.values)
    assert len(body) == 1 and dict(zip(header, body[0], strict=True))["lines"] == (
        '[{"product_id":"p-cup","qty":1}]'
    )


def test_a_whole_return_resolved_returns_the_order_and_a_refund_settles_it(
    server: LiveServer, support: httpx.Client, finance: httpx.Client
):
    order = _order(server, "SO-20", paid=1300)
    # A partial return resolved leaves the order as it is.
    part = _create(
        support, kind="return", order_id=order, lines=[{"product_id": "p-cup", "qty": 1}]
    )
    r = support.patch(f"{API}/{part['id']}", json={"status": "resolved", "resolution": "ok"})
    assert r.json()["order_status"] == "delivered", r.text
    # The rest comes back: the order is returned, its goods back on hand.
    on_hand = "SELECT on_hand FROM stock_levels WHERE product_id = ? AND warehouse_id = 'wh-1'"
    before = server.query(on_hand, ("p-tea",))
    rest = _create(
        support, kind="return", order_id=order, lines=[{"product_id": "p-tea", "qty": 2}]
    )
    r = support.patch(
        f"{API}/{rest['id']}", json={"status": "resolved", "resolution": "taken back"}
    )
    assert r.json()["order_status"] == "returned", r.text
    after = server.query(on_hand, ("p-tea",))
    assert after[0]["on_hand"] == (before[0]["on_hand"] if before else 0) + 2
    moves = server.query(
        "SELECT product_id, delta, reason FROM stock_moves WHERE reason = 'return'"
    )
    assert sorted((m["product_id"], m["delta"]) for m in moves) == [("p-cup", 1), ("p-tea", 2)]

    # Support may not record refunds; finance may, up to what was paid.
    assert_error(support.post(f"{API}/{rest['id']}/refund", json={"amount": 100, "method": "cash"}),
                 403, "forbidden")  # fmt: skip
    too_much = finance.post(f"{API}/{rest['id']}/refund", json={"amount": 1301, "method": "cash"})
    assert_error(too_much, 409, "refund_exceeds_paid")
    # Said in yuan, never in fen (issue 17 item 9).
    assert "¥13.01 to refund, ¥13.00 left of ¥13.00 paid" in too_much.json()["message"], too_much.text
    assert_error(finance.post(f"{API}/{rest['id']}/refund", json={"amount": -5, "method": "cash"}),
                 400, "invalid_request")  # fmt: skip
    r = finance.post(f"{API}/{rest['id']}/refund", json={"amount": 1000, "method": "transfer"})
    assert r.status_code == 200, r.text
    got = r.json()["order"]
    assert (got["status"], got["paid"], got["refunded"], got["refundable"]) == (
        "returned", 1300, 1000, 300)  # fmt: skip
    assert_error(finance.post(f"{API}/{rest['id']}/refund", json={"amount": 301, "method": "cash"}),
                 409, "refund_exceeds_paid")  # fmt: skip
    r = finance.post(f"{API}/{rest['id']}/refund", json={"amount": 300, "method": "cash"})
    got = r.json()
    assert (got["order"]["status"], got["order"]["refundable"]) == ("refunded", 0)
    assert got["case"]["refunded"] == 1300
    assert sorted((p["amount"], p["status"]) for p in got["order"]["payments"]) == [
        (-1000, "refunded"), (-300, "refunded"), (1300, "paid")]  # fmt: skip
    assert _audit(server, rest["id"]) == ["aftersales.create", "aftersales.update",
                                          "aftersales.refund", "aftersales.refund"]  # fmt: skip
    # The audit export says the refunds in yuan (the entries keep the fen they were written in).
    with server.client(server.token("boss", "admin")) as c:
        text = c.get("/api/admin/audit", params={"format": "csv", "subject": rest["id"],
                                                 "action": "aftersales.refund"}).text  # fmt: skip
    said = [json.loads(r["detail"])["amount"] for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))]
    assert sorted(said) == ["¥10.00", "¥3.00"], said

    # The refunds reach the rep's phone as the order's payments, and the order's new status.
    rep = server.token("rep1", "sales")
    payments = [p for p in pulled(server, rep, "payments") if p["order_id"] == order]
    assert sorted((p["amount"], p["status"], p["method"]) for p in payments) == [
        (-1000, "refunded", "transfer"), (-300, "refunded", "cash"), (1300, "paid", "cash")]  # fmt: skip
    (pulled_order,) = [o for o in pulled(server, rep, "orders") if o["id"] == order]
    assert pulled_order["status"] == "refunded"
    assert [h["to"] for h in pulled_order["status_history"]][-2:] == ["returned", "refunded"]


def test_a_refund_on_a_complaint_leaves_the_order_alone(server: LiveServer, finance: httpx.Client):
    order = _order(server, "SO-30", to="completed", paid=1300)
    with server.client(server.token("boss", "admin")) as boss:
        case = _create(boss, kind="complaint", order_id=order, category="quality")
    r = finance.post(f"{API}/{case['id']}/refund", json={"amount": 1300, "method": "card"})
    assert r.status_code == 200, r.text
    assert (r.json()["order"]["status"], r.json()["order"]["refundable"]) == ("completed", 0)
    # Nothing paid: nothing to refund.
    unpaid = _order(server, "SO-31", paid=0)
    with server.client(server.token("boss", "admin")) as boss:
        case = _create(boss, kind="complaint", order_id=unpaid)
    assert_error(finance.post(f"{API}/{case['id']}/refund", json={"amount": 1, "method": "card"}),
                 409, "refund_exceeds_paid")  # fmt: skip
    assert (
        server.query("SELECT COUNT(*) AS n FROM payments WHERE order_id = ?", (unpaid,))[0]["n"]
        == 0
    )


def test_a_return_before_shipping_does_not_move_the_order(
    server: LiveServer, support: httpx.Client
):
    order = _order(server, "SO-40", to="packed", paid=0)
    case = _create(support, kind="return", order_id=order,
                   lines=[{"product_id": "p-tea", "qty": 2}, {"product_id": "p-cup", "qty": 1}])  # fmt: skip
    r = support.patch(f"{API}/{case['id']}", json={"status": "resolved", "resolution": "ok"})
    assert (r.json()["status"], r.json()["order_status"]) == ("resolved", "packed")


def test_the_detail_shows_the_order_lines_and_what_returns_took(
    server: LiveServer, support: httpx.Client
):
    order = _order(server, "SO-50")
    case = _create(
        support, kind="return", order_id=order, lines=[{"product_id": "p-tea", "qty": 1}]
    )
    r = support.get(f"{API}/{case['id']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["case"]["number"] == case["number"]
    assert {(ln["product_id"], ln["qty"], ln["returned"]) for ln in body["order"]["lines"]} == {
        ("p-tea", 2, 1), ("p-cup", 1, 0)}  # fmt: skip
    assert (body["order"]["number"], body["order"]["paid"], body["order"]["total"]) == (
        "SO-50", 1300, 1300)  # fmt: skip


def test_an_order_is_looked_up_by_number_for_a_new_case(server: LiveServer, support: httpx.Client):
    _order(server, "SO/60 x")
    r = support.get(f"{API}/orders", params={"number": "SO/60 x"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["number"], got["status"], got["paid"], got["refundable"]) == (
        "SO/60 x", "delivered", 1300, 1300)  # fmt: skip
    assert {(ln["product_id"], ln["product_name"], ln["returned"]) for ln in got["lines"]} == {
        ("p-tea", "Tea", 0), ("p-cup", "Cup", 0)}  # fmt: skip
    assert_error(support.get(f"{API}/orders", params={"number": "NOPE"}), 404, "order_not_found")
    assert_error(support.get(f"{API}/orders"), 400, "invalid_request")


def test_refunds_through_sync_meet_the_consoles_rules(server: LiveServer) -> None:
    # One rule for both paths (sync/rules/payments.py): a rep's refund through /api/sync/push is
    # refused, and finance's through sync stops where the console's does.
    order = _order(server, "ORD-SYNC-1")  # paid 1300
    rep = server.token("rep1", "sales")
    res = push(server, rep, "rep1-refunds",
               mutation(1, "payment.record", id=uuid7(), order_id=order, method="cash",
                        amount=-1300, status="refunded"))  # fmt: skip
    assert (res[0]["status"], res[0]["error"]) == ("rejected", "forbidden"), res
    fred = server.token("fred", "finance")
    res = push(server, fred, "fred-refunds",
               mutation(1, "payment.record", id=uuid7(), order_id=order, method="cash",
                        amount=-1000, status="refunded"),
               mutation(2, "payment.record", id=uuid7(), order_id=order, method="cash",
                        amount=-301, status="refunded"))  # fmt: skip
    assert [(r["status"], r.get("error")) for r in res] == [
        ("applied", None), ("rejected", "refund_exceeds_paid")], res  # fmt: skip
    with server.client(server.token("helen", "support")) as c:
        case = _create(c, kind="complaint", order_id=order, category="late")
    with server.client(fred) as c:
        assert_error(c.post(f"{API}/{case['id']}/refund", json={"amount": 301, "method": "cash"}),
                     409, "refund_exceeds_paid")  # fmt: skip
        r = c.post(f"{API}/{case['id']}/refund", json={"amount": 300, "method": "cash"})
        assert r.status_code == 200 and r.json()["order"]["refundable"] == 0, r.text
