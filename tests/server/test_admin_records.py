"""The console's records (docs/admin.md § Customers, § Orders, § Notes): the customers' table
sorted, grouped and paged; customers and orders created and edited through the mutation rules
(a device pulls them; the rule's refusals are the answer); notes in the activity; the guards."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation
from tests.server.test_warehouse import pulled, push

PRICE = 1250


@pytest.fixture
def shop(live_server: LiveServer) -> LiveServer:
    async def catalog(db: Any) -> None:
        store, actor = SqlSyncStore(db), Actor("u-admin", "admin")
        await put_rows(store, actor, "warehouses", [{"id": "wh-1", "code": "WH1", "name": "Main"}])
        await put_rows(store, actor, "products", [
            {"id": "p-1", "sku": "T1", "name": "Tea", "unit_price": PRICE}])  # fmt: skip

    live_server.run_db(catalog)
    return live_server


def _call(server: LiveServer, method: str, path: str, token: str | None = None,
          **kw: Any) -> httpx.Response:  # fmt: skip
    with server.client(token or server.token("boss", "admin")) as c:
        return c.request(method, path, **kw)


def _ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_customers_created_sorted_grouped_and_paged(shop: LiveServer) -> None:
    made = {}
    for name, region in [("Cedar", "North"), ("apple", "South"), ("Birch", "North"),
                         ("Dune", None)]:  # fmt: skip
        body = _ok(_call(shop, "POST", "/api/admin/customers",
                         json={"name": name, "region": region, "phone": "555"}))  # fmt: skip
        made[name] = body["customer"]["id"]
        assert body["customer"]["name"] == name and body["customer"]["orders"] == 0
    page = _ok(_call(shop, "GET", "/api/admin/customers", params={"sort": "name"}))
    assert [r["name"] for r in page["rows"]] == ["apple", "Birch", "Cedar", "Dune"] or [
        r["name"] for r in page["rows"]] == ["Birch", "Cedar", "Dune", "apple"]  # fmt: skip
    down = _ok(_call(shop, "GET", "/api/admin/customers",
                     params={"sort": "region", "direction": "desc"}))  # fmt: skip
    assert [r["region"] for r in down["rows"]] == ["South", "North", "North", None]
    two = _ok(_call(shop, "GET", "/api/admin/customers",
                    params={"sort": "created_at", "direction": "asc", "limit": 3, "page": 2}))  # fmt: skip
    assert [r["name"] for r in two["rows"]] == ["Dune"] and two["total"] == 4
    grouped = _ok(_call(shop, "GET", "/api/admin/customers", params={"group": "region"}))
    assert [(g["key"], g["count"]) for g in grouped["groups"]] == [
        ("North", 2), ("South", 1), (None, 1)]  # fmt: skip
    assert [r["region"] for r in grouped["rows"]] == ["North", "North", "South", None]
    found = _ok(_call(shop, "GET", "/api/admin/customers", params={"q": "EDA"}))
    assert [r["name"] for r in found["rows"]] == ["Cedar"]
    for params, code in [({"sort": "secret"}, "invalid_sort"), ({"direction": "up"}, "invalid_sort"),
                         ({"group": "colour"}, "invalid_sort"), ({"page": 0}, "invalid_request"),
                         ({"limit": 9999}, "invalid_request")]:  # fmt: skip
        r = _call(shop, "GET", "/api/admin/customers", params=params)
        assert (r.status_code, r.json()["code"]) == (400, code), params


def test_customer_edit_goes_through_the_rule(shop: LiveServer) -> None:
    made = _ok(_call(shop, "POST", "/api/admin/customers", json={"name": "Fig"}))["customer"]
    cid, v0 = made["id"], made["version"]
    edited = _ok(_call(shop, "PUT", f"/api/admin/customers/{cid}",
                       json={"name": "Fig & Co", "phone": "123", "base_version": v0}))  # fmt: skip
    assert edited["customer"]["name"] == "Fig & Co" and edited["customer"]["version"] > v0
    v1 = edited["customer"]["version"]
    # Another device changed the name since v1: the console's edit from v1 is the rule's
    # conflict (409), and its value is not written.
    res = push(shop, shop.token("boss", "admin"), "boss-desk-2", mutation(
        1, "customer.upsert", id=cid, name="Fig & Co", phone="999", base_version=v1))  # fmt: skip
    assert res[0]["status"] == "applied", res
    r = _call(shop, "PUT", f"/api/admin/customers/{cid}",
              json={"name": "Fig & Co", "phone": "000", "base_version": v1})  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (409, "conflict"), r.text
    assert _ok(_call(shop, "GET", f"/api/admin/customers/{cid}"))["customer"]["phone"] == "999"
    # The bounds of customer.upsert answer before any write.
    for bad in ({"name": ""}, {"name": "x" * 201}, {"name": "ok", "colour": "red"}):
        assert _call(shop, "POST", "/api/admin/customers", json=bad).status_code == 400, bad
    assert _call(shop, "PUT", f"/api/admin/customers/{uuid7()}",
                 json={"name": "Nobody"}).status_code == 404  # fmt: skip
    activity = _ok(_call(shop, "GET", f"/api/admin/customers/{cid}"))["activity"]
    assert [a["summary"] for a in activity if a["kind"] == "admin"] == [
        "customers.create", "customers.edit"]  # fmt: skip
    assert all(a["who"] == "boss" for a in activity)


def test_orders_created_and_edited_through_the_rules_reach_devices(shop: LiveServer) -> None:
    admin = shop.token("boss", "admin")
    cid = _ok(_call(shop, "POST", "/api/admin/customers", json={"name": "Gum"}, token=admin)
              )["customer"]["id"]  # fmt: skip
    body = {"customer_id": cid, "due_date": "2031-02-03", "notes": "ring first",
            "delivery_address": "1 Dock Rd", "warehouse_id": "wh-1",
            "lines": [{"product_id": "p-1", "qty": 3, "unit_price": PRICE}]}  # fmt: skip
    d = _ok(_call(shop, "POST", "/api/admin/orders", json=body, token=admin))
    oid = d["order"]["id"]
    assert d["order"]["status"] == "draft" and d["order"]["total"] == 3 * PRICE
    assert d["order"]["channel"] == "web" and d["notes"] == "ring first"
    assert [(ln["qty"], ln["amount"]) for ln in d["lines"]] == [(3, 3 * PRICE)]
    # The order is the engine's: a device of its owner pulls it.
    assert oid in {r["id"] for r in pulled(shop, admin, "orders")}
    # Edit: the fields the rule allows, from the version read.
    e = _ok(_call(shop, "PUT", f"/api/admin/orders/{oid}", token=admin,
                  json={"base_version": d["version"], "priority": "high", "notes": None}))  # fmt: skip
    assert e["order"]["priority"] == "high" and e["notes"] is None
    # The rules' refusals are the answers: an unknown customer, a product off the catalog.
    r = _call(shop, "POST", "/api/admin/orders", token=admin, json={**body, "customer_id": "nobody"})
    assert r.status_code == 409, r.text
    r = _call(shop, "POST", "/api/admin/orders", token=admin,
              json={**body, "lines": [{"product_id": "p-404", "qty": 1, "unit_price": 1}]})  # fmt: skip
    assert r.status_code == 409, r.text
    # The bounds of order.create before any write: no lines, a qty of 0, a bad date.
    for bad in ({**body, "lines": []}, {**body, "lines": [{"product_id": "p-1", "qty": 0,
                "unit_price": 1}]}, {**body, "due_date": "tomorrow"}):  # fmt: skip
        assert _call(shop, "POST", "/api/admin/orders", token=admin, json=bad).status_code == 400
    assert _call(shop, "PUT", f"/api/admin/orders/{oid}", token=admin,
                 json={"base_version": 1}).status_code == 400  # fmt: skip
    assert _call(shop, "PUT", f"/api/admin/orders/{oid}", token=admin,
                 json={"base_version": 1, "status": "shipped"}).status_code == 400  # fmt: skip
    # A cancelled order's fields are locked: the rule keeps the edit as a conflict for a person
    # (409), the order does not change.
    res = push(shop, admin, "boss-desk", mutation(
        1, "order.transition", id=oid, **{"from": "draft"}, to="cancelled"))  # fmt: skip
    assert res[0]["status"] == "applied", res
    r = _call(shop, "PUT", f"/api/admin/orders/{oid}", token=admin,
              json={"base_version": e["version"] + 1, "priority": "low"})  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (409, "conflict"), r.text
    assert _ok(_call(shop, "GET", f"/api/admin/orders/{oid}"))["order"]["priority"] == "high"
    assert _ok(_call(shop, "GET", f"/api/admin/orders/{oid}"))["order"]["priority"] == "high"


def test_notes_join_the_activity_and_roles_are_guarded(shop: LiveServer) -> None:
    admin = shop.token("boss", "admin")
    cid = _ok(_call(shop, "POST", "/api/admin/customers", json={"name": "Hop"}, token=admin)
              )["customer"]["id"]  # fmt: skip
    oid = _ok(_call(shop, "POST", "/api/admin/orders", token=admin, json={
        "customer_id": cid, "lines": [{"product_id": "p-1", "qty": 1, "unit_price": PRICE}]})
    )["order"]["id"]  # fmt: skip
    support = shop.token("sue", "support")
    d = _ok(_call(shop, "POST", f"/api/admin/orders/{oid}/notes", token=support,
                  json={"text": "Customer called: deliver after 5pm"}))  # fmt: skip
    notes = [e for e in d["timeline"] if e["summary"] == "orders.note"]
    assert len(notes) == 1 and "deliver after 5pm" in notes[0]["detail"] and notes[0]["who"] == "sue"
    c = _ok(_call(shop, "POST", f"/api/admin/customers/{cid}/notes", token=support,
                  json={"text": "Prefers WeChat"}))  # fmt: skip
    assert any(a["summary"] == "customers.note" and "WeChat" in a["detail"] for a in c["activity"])
    assert any(a["kind"] == "order" for a in c["activity"])  # their order's creation
    assert [o["id"] for o in c["orders"]] == [oid]
    for bad in ({"text": ""}, {"text": "x" * 2001}, {}):
        assert _call(shop, "POST", f"/api/admin/orders/{oid}/notes", json=bad).status_code == 400
    assert _call(shop, "POST", f"/api/admin/orders/{uuid7()}/notes",
                 json={"text": "hi"}).status_code == 404  # fmt: skip
    # Support reads and notes, but does not create or edit; a rep is not in the console.
    assert _call(shop, "POST", "/api/admin/customers", token=support,
                 json={"name": "No"}).status_code == 403  # fmt: skip
    rep = shop.token("rep9", "sales")
    for method, path in [("GET", "/api/admin/customers"), ("POST", f"/api/admin/orders/{oid}/notes")]:
        assert _call(shop, method, path, token=rep, json={"text": "x"}).status_code == 403


def test_an_orders_lines_added_changed_and_removed_through_the_rule(shop: LiveServer) -> None:
    admin = shop.token("boss", "admin")
    cid = _ok(_call(shop, "POST", "/api/admin/customers", json={"name": "Ivy"}, token=admin)
              )["customer"]["id"]  # fmt: skip
    d = _ok(_call(shop, "POST", "/api/admin/orders", token=admin, json={
        "customer_id": cid, "lines": [{"product_id": "p-1", "qty": 1, "unit_price": PRICE}]}))  # fmt: skip
    oid, first = d["order"]["id"], d["lines"][0]["id"]
    new = uuid7()
    d = _ok(_call(shop, "PUT", f"/api/admin/orders/{oid}/lines/{new}", token=admin, json={
        "base_version": d["version"], "product_id": "p-1", "qty": 4, "unit_price": 100}))  # fmt: skip
    assert d["order"]["total"] == PRICE + 400 and len(d["lines"]) == 2
    d = _ok(_call(shop, "PUT", f"/api/admin/orders/{oid}/lines/{new}", token=admin, json={
        "base_version": d["version"], "product_id": "p-1", "qty": 5, "unit_price": 100}))  # fmt: skip
    assert d["order"]["total"] == PRICE + 500
    d = _ok(_call(shop, "DELETE", f"/api/admin/orders/{oid}/lines/{first}", token=admin,
                  params={"base_version": d["version"]}))  # fmt: skip
    assert [ln["id"] for ln in d["lines"]] == [new] and d["order"]["total"] == 500
    lines = {r["id"]: r for r in pulled(shop, admin, "order_lines")}
    assert lines[new]["qty"] == 5 and first not in lines
    bad = _call(shop, "PUT", f"/api/admin/orders/{oid}/lines/{uuid7()}", token=admin, json={
        "base_version": d["version"], "product_id": "p-1", "qty": 0, "unit_price": 1})  # fmt: skip
    assert bad.status_code == 400
    timeline = _ok(_call(shop, "GET", f"/api/admin/orders/{oid}"))["timeline"]
    assert [e["summary"] for e in timeline if e["kind"] == "admin"][-3:] == [
        "orders.line", "orders.line", "orders.line.remove"]  # fmt: skip
