"""The admin orders API (docs/admin.md § Orders): every filter, keyset paging without a row twice
or skipped, CSV/XLSX export equal to the list, the detail's timeline, assigning through the sync
engine (a device pulls it), and the 4xx answers to bad input."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation
from tests.server.test_warehouse import device_session, pulled, push

PRICE = 500


class World:
    """Two warehouses, a product, two reps (rep1 on a registered device), a picker, and eleven
    orders (see ``ORDERS``) whose fields each filter picks apart."""

    # number: (rep, customer, status, priority, due_date, warehouse, channel)
    ORDERS: dict[str, tuple[str, str, str, str, str | None, str | None, str]] = {
        "ORD-A-001": ("rep1", "alpha", "submitted", "high", "2020-01-01", "wh-1", "field"),
        "ORD-B-002": ("rep1", "beta", "submitted", "normal", "2999-01-01", "wh-2", "phone"),
        "ORD-C-003": ("rep2", "gamma", "cancelled", "low", "2020-01-01", "wh-1", "field"),
        "ORD-D-004": ("rep2", "delta", "draft", "normal", None, None, "web"),
        "ORD-T-005": ("rep1", "alpha", "confirmed", "normal", None, "wh-1", "field"),
        **{f"F-{i:02d}": ("rep2", "delta", "draft", "normal", None, None, "field")
           for i in range(1, 7)},
    }  # fmt: skip
    CUSTOMERS = {"alpha": "Alpha Tea House", "beta": "Beta Foods", "gamma": "Gamma 100%",
                 "delta": "Delta"}  # fmt: skip

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.admin = server.token("boss", "admin")
        self.tokens = {
            "rep1": device_session(server, "rep1", "sales", None),
            "rep2": server.token("rep2", "sales"),
        }
        self.picker = device_session(server, "picker1", "warehouse", "wh-1")
        server.token("north1", "warehouse", "wh-2")  # ORD-B-002's picker (wh-2)
        self.ids = {name: server.user_id(name)
                    for name in ("rep1", "rep2", "picker1", "north1", "boss")}  # fmt: skip
        self.mids: dict[str, int] = {}

        async def catalog(db: Any) -> None:
            store, actor = SqlSyncStore(db), Actor("u-admin", "admin")
            await put_rows(store, actor, "warehouses", [
                {"id": "wh-1", "code": "WH1", "name": "Main"},
                {"id": "wh-2", "code": "WH2", "name": "North"}])  # fmt: skip
            await put_rows(store, actor, "products", [
                {"id": "p-1", "sku": "T1", "name": "Tea", "unit_price": PRICE}])  # fmt: skip

        server.run_db(catalog)
        self.customers: dict[str, str] = {}
        for key, name in self.CUSTOMERS.items():
            rep = "rep2" if key in ("gamma", "delta") else "rep1"
            cid = self.customers[key] = uuid7()
            self.send(rep, "customer.upsert", id=cid, name=name)
        self.order_ids: dict[str, str] = {}
        for number, (rep, cust, status, prio, due, wh, channel) in self.ORDERS.items():
            oid = self.order_ids[number] = uuid7()
            self.send(rep, "order.create", id=oid, number=number,
                      customer_id=self.customers[cust], priority=prio, due_date=due,
                      warehouse_id=wh, channel=channel,
                      status="draft" if status == "draft" else "submitted",
                      lines=[{"id": uuid7(), "product_id": "p-1", "qty": 2,
                              "unit_price": PRICE}])  # fmt: skip
        self.send("admin", "order.transition", id=self.order_ids["ORD-C-003"],
                  **{"from": "submitted"}, to="cancelled")  # fmt: skip
        self.send("admin", "order.transition", id=self.order_ids["ORD-T-005"],
                  **{"from": "submitted"}, to="confirmed")  # fmt: skip
        (b,) = server.query("SELECT version FROM orders WHERE number = ?", ("ORD-B-002",))
        self.send("admin", "order.update", id=self.order_ids["ORD-B-002"],
                  base_version=b["version"], set={"assignee_id": self.ids["north1"]})  # fmt: skip
        res = push(server, self.picker, "picker-gun", mutation(
            1, "scan.record", id=uuid7(), action="view", result="valid",
            order_id=self.order_ids["ORD-T-005"]))  # fmt: skip
        assert res[0]["status"] == "applied", res
        # Known times for the date filters (set after the writes, as an import would have).
        self.set_time("created_at", "ORD-A-001", "2025-03-01T10:00:00.000Z")
        self.set_time("created_at", "ORD-C-003", "2025-03-02T23:59:59.999Z")
        self.set_time("updated_at", "ORD-B-002", "2025-04-01T08:00:00.000Z")

    def send(self, who: str, op: str, **args: Any) -> None:
        token = self.admin if who == "admin" else self.tokens[who]
        self.mids[who] = self.mids.get(who, 0) + 1
        res = push(self.server, token, f"{who}-client", mutation(self.mids[who], op, **args))
        assert res[0]["status"] == "applied", res

    def set_time(self, column: str, number: str, value: str) -> None:
        async def work(db: Any) -> None:
            async with db.write() as conn:
                await conn.execute(f"UPDATE orders SET {column} = ? WHERE number = ?",
                                   (value, number))  # fmt: skip

        self.server.run_db(work)

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        with self.server.client(token or self.admin) as c:
            return c.get(path, params=params)

    def numbers(self, **params: Any) -> set[str]:
        r = self.get("/api/admin/orders", limit=500, **params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == len(body["rows"]) and body["next"] is None
        return {row["number"] for row in body["rows"]}


@pytest.fixture(scope="module")
def world(shared_server: LiveServer) -> Iterator[World]:
    yield World(shared_server)


ALL = set(World.ORDERS)


@pytest.mark.dates
def test_a_row_carries_the_names_and_the_overdue_flag(world: World) -> None:
    r = world.get("/api/admin/orders", q="ORD-A")
    assert r.status_code == 200, r.text
    (row,) = r.json()["rows"]
    assert row["id"] == world.order_ids["ORD-A-001"]
    assert {k: row[k] for k in ("number", "customer_name", "owner_name", "status", "priority",
                                "due_date", "overdue", "warehouse_code", "channel", "total")} == {
        "number": "ORD-A-001", "customer_name": "Alpha Tea House", "owner_name": "rep1",
        "status": "submitted", "priority": "high", "due_date": "2020-01-01", "overdue": True,
        "warehouse_code": "WH1", "channel": "field", "total": 2 * PRICE,
    }  # fmt: skip
    assert row["created_at"] == "2025-03-01T10:00:00.000Z" and row["updated_at"]
    (b,) = world.get("/api/admin/orders", q="ORD-B").json()["rows"]
    assert (b["assignee_id"], b["assignee_name"], b["overdue"]) == (
        world.ids["north1"], "north1", False)  # fmt: skip


@pytest.mark.dates
def test_every_filter(world: World) -> None:
    assert world.numbers() == ALL
    # q: the number (any part, any case) or the customer's name; LIKE wildcards are literal.
    assert world.numbers(q="ord-") == {n for n in ALL if n.startswith("ORD")}
    assert world.numbers(q="-005") == {"ORD-T-005"}
    assert world.numbers(q="alpha tea") == {"ORD-A-001", "ORD-T-005"}
    assert world.numbers(q="100%") == {"ORD-C-003"}
    assert world.numbers(q="F_0") == set()
    # status: repeated, or a comma list
    assert world.numbers(status="cancelled") == {"ORD-C-003"}
    assert world.numbers(status=["confirmed", "cancelled"]) == {"ORD-T-005", "ORD-C-003"}
    assert world.numbers(status="submitted,confirmed") == {"ORD-A-001", "ORD-B-002", "ORD-T-005"}
    assert world.numbers(priority="high") == {"ORD-A-001"}
    assert world.numbers(priority="low") == {"ORD-C-003"}
    # overdue: due before today and not closed (C is due long ago but cancelled)
    assert world.numbers(overdue="true") == {"ORD-A-001"}
    assert world.numbers(overdue="false") == ALL
    assert world.numbers(warehouse_id="wh-1") == {"ORD-A-001", "ORD-C-003", "ORD-T-005"}
    assert world.numbers(warehouse_id="wh-2") == {"ORD-B-002"}
    assert world.numbers(owner_id=world.ids["rep1"]) == {"ORD-A-001", "ORD-B-002", "ORD-T-005"}
    assert world.numbers(assignee_id=world.ids["north1"]) == {"ORD-B-002"}
    assert world.numbers(channel="phone") == {"ORD-B-002"}
    assert world.numbers(channel="web") == {"ORD-D-004"}
    # dates: a bare date "to" takes its whole day
    assert world.numbers(created_from="2025-03-01", created_to="2025-03-02") == {
        "ORD-A-001", "ORD-C-003"}  # fmt: skip
    assert world.numbers(created_to="2025-03-01") == {"ORD-A-001"}
    assert world.numbers(created_from="2025-03-01T10:00:00.001Z", created_to="2025-12-31") == {
        "ORD-C-003"}  # fmt: skip
    assert world.numbers(synced_to="2025-04-01") == {"ORD-B-002"}
    assert world.numbers(synced_from="2025-04-02") == ALL - {"ORD-B-002"}
    # combined
    assert world.numbers(owner_id=world.ids["rep1"], warehouse_id="wh-1",
                         status="submitted") == {"ORD-A-001"}  # fmt: skip


def test_pages_cover_every_row_once_newest_first(world: World) -> None:
    seen: list[dict] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = world.get("/api/admin/orders", **params).json()
        assert body["total"] == len(ALL) and body["total_capped"] is False
        seen += body["rows"]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert pages == 4 and len(seen) == len(ALL)
    assert {r["number"] for r in seen} == ALL
    keys = [(r["created_at"], r["id"]) for r in seen]
    assert keys == sorted(keys, reverse=True)
    # A filtered list pages the same way.
    first = world.get("/api/admin/orders", limit=2, owner_id=world.ids["rep2"]).json()
    rest = world.get("/api/admin/orders", limit=500, owner_id=world.ids["rep2"],
                     cursor=first["next"]).json()  # fmt: skip
    assert len(first["rows"]) == 2 and first["total"] == 8
    assert {r["id"] for r in first["rows"]}.isdisjoint({r["id"] for r in rest["rows"]})
    assert len(first["rows"]) + len(rest["rows"]) == 8 and rest["next"] is None
    # And a search (on PostgreSQL: the few matches read by their indexes, then sorted).
    found, cursor = [], None
    while True:
        body = world.get("/api/admin/orders", q="ord-", limit=2,
                         **({"cursor": cursor} if cursor else {})).json()  # fmt: skip
        found += [r["number"] for r in body["rows"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert sorted(found) == sorted(n for n in ALL if n.startswith("ORD")) and len(found) == 5


def test_export_csv_and_xlsx_hold_the_listed_rows_in_the_import_format(world: World) -> None:
    # The import's columns, one row per line, money in yuan (the round trip itself:
    # tests/server/test_import_export.py).
    listed = world.get("/api/admin/orders", limit=500, owner_id=world.ids["rep1"]).json()["rows"]
    r = world.get("/api/admin/orders", owner_id=world.ids["rep1"], format="csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="orders.csv"' in r.headers["content-disposition"]
    text = r.content.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert list(table[0]) == ["number", "customer", "sku", "qty", "unit_price", "priority",
                              "due_date", "warehouse", "notes", "delivery_address", "channel",
                              "status", "sales_rep", "discount", "order_discount"]  # fmt: skip
    assert [row["number"] for row in table] == [row["number"] for row in listed]
    for got, want in zip(table, listed, strict=True):
        assert got["customer"] == want["customer_name"] and got["sales_rep"] == "rep1"
        # Money in major units, never minor: 500 fen is "5.00".
        assert (got["sku"], got["qty"], got["unit_price"]) == ("T1", "2", f"{PRICE / 100:.2f}")
        assert got["warehouse"] == (want["warehouse_code"] or "")
        assert got["status"] == want["status"]
    r = world.get("/api/admin/orders", status="cancelled", format="xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[:3] == ["number", "customer", "sku"] and len(rows) == 1
    got = dict(zip(header, rows[0], strict=True))
    assert (got["number"], got["customer"], got["status"], got["priority"]) == (
        "ORD-C-003", "Gamma 100%", "cancelled", "low")  # fmt: skip
    assert got["unit_price"] == PRICE / 100 and got["warehouse"] == "WH1"


@pytest.mark.dates
def test_overdue_count(world: World) -> None:
    r = world.get("/api/admin/orders/overdue/count")
    assert r.status_code == 200 and r.json() == {"count": 1}


def test_detail_with_lines_payments_and_timeline(world: World) -> None:
    oid = world.order_ids["ORD-T-005"]
    world.send("rep1", "payment.record", id=uuid7(), order_id=oid, method="cash", amount=300)
    r = world.get(f"/api/admin/orders/{oid}")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["order"]["number"] == "ORD-T-005" and d["order"]["status"] == "confirmed"
    assert d["customer"]["name"] == "Alpha Tea House"
    (line,) = d["lines"]
    assert (line["sku"], line["name"], line["qty"], line["amount"]) == ("T1", "Tea", 2, 1000)
    (pay,) = d["payments"]
    assert (pay["method"], pay["amount"]) == ("cash", 300)
    timeline = d["timeline"]
    assert [e["at"] for e in timeline] == sorted(e["at"] for e in timeline)
    rep1_device = world.server.query(
        "SELECT code FROM devices WHERE user_id = ?", (world.ids["rep1"],))[0]["code"]  # fmt: skip
    picker_device = world.server.query(
        "SELECT code FROM devices WHERE user_id = ?", (world.ids["picker1"],))[0]["code"]  # fmt: skip
    kinds = {(e["kind"], e["summary"]): e for e in timeline}
    create = kinds["mutation", "order.create"]
    assert (create["who"], create["device_code"], create["outcome"]) == (
        "rep1", rep1_device, "applied")  # fmt: skip
    step = kinds["status", "submitted → confirmed"]
    assert step["who"] == "boss" and step["outcome"] == "confirmed"
    assert kinds["status", "submitted"]["who"] == "rep1"
    assert kinds["mutation", "order.transition: submitted → confirmed"]["who"] == "boss"
    assert kinds["mutation", "payment.record: cash 3.00"]["outcome"] == "applied"
    scan = kinds["scan", "view"]
    assert (scan["who"], scan["device_code"], scan["outcome"]) == (
        "picker1", picker_device, "valid")  # fmt: skip
    # Mutations naming other orders stay out.
    assert not any("ORD-A" in (e["detail"] or "") for e in timeline)
    assert sorted(e["summary"] for e in timeline if e["kind"] == "mutation") == [
        "order.create", "order.transition: submitted → confirmed", "payment.record: cash 3.00",
        "scan.record"]  # fmt: skip
    assert d["timeline_truncated"] is False


def test_bad_input_answers_4xx_with_a_code(world: World) -> None:
    cases = [
        ({"status": "shipped,lost"}, 400, "invalid_status"),
        ({"priority": "urgent"}, 400, "invalid_priority"),
        ({"cursor": "not a cursor!"}, 400, "bad_cursor"),
        ({"cursor": "WzFd"}, 400, "bad_cursor"),  # base64 of [1]
        ({"created_from": "yesterday"}, 400, "invalid_date"),
        ({"synced_to": "2025-13-45"}, 400, "invalid_date"),
        ({"limit": 0}, 400, "invalid_request"),
        ({"limit": 501}, 400, "invalid_request"),
        ({"format": "pdf"}, 400, None),
        ({"overdue": "maybe"}, 400, None),
    ]
    for params, status, code in cases:
        r = world.get("/api/admin/orders", **params)
        assert r.status_code == status, (params, r.text)
        if code:
            assert r.json()["code"] == code, (params, r.text)
    r = world.get(f"/api/admin/orders/{uuid7()}")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_roles_without_orders_read_are_refused(world: World) -> None:
    for role in ("sales", "warehouse"):
        token = world.server.token(f"probe-{role}", role, "wh-1" if role == "warehouse" else None)
        assert world.get("/api/admin/orders", token).status_code == 403
        assert world.get("/api/admin/orders/overdue/count", token).status_code == 403
    finance = world.server.token("probe-finance", "finance")
    assert world.get("/api/admin/orders", finance).status_code == 200


# ---- assigning (own server: it changes orders) ---------------------------------------------


@pytest.fixture
def shop(live_server: LiveServer) -> World:
    return World(live_server)


def _assign(world: World, number_or_id: str, body: dict, token: str | None = None) -> Any:
    oid = world.order_ids.get(number_or_id, number_or_id)
    with world.server.client(token or world.admin) as c:
        return c.post(f"/api/admin/orders/{oid}/assign", json=body)


def test_assign_reaches_the_devices_and_is_audited(shop: World) -> None:
    picker2 = device_session(shop.server, "picker2", "warehouse", "wh-2")
    picker2_id = shop.server.user_id("picker2")
    oid = shop.order_ids["ORD-A-001"]
    assert oid not in {o["id"] for o in pulled(shop.server, picker2, "orders")}
    r = _assign(shop, "ORD-A-001", {"warehouse_id": "wh-2", "assignee_id": picker2_id})
    assert r.status_code == 200, r.text
    d = r.json()
    assert (d["order"]["warehouse_code"], d["order"]["assignee_name"]) == ("WH2", "picker2")
    (audit,) = [e for e in d["timeline"] if e["kind"] == "admin"]
    assert (audit["summary"], audit["who"]) == ("orders.assign", "boss")
    # The picker's handheld of wh-2 now pulls the order, assigned to them; rep1's sees it too.
    (mine,) = [o for o in pulled(shop.server, picker2, "orders") if o["id"] == oid]
    assert (mine["warehouse_id"], mine["assignee_id"]) == ("wh-2", picker2_id)
    (reps,) = [o for o in pulled(shop.server, shop.tokens["rep1"], "orders") if o["id"] == oid]
    assert reps["warehouse_id"] == "wh-2" and reps["version"] > 0
    # ... and wh-1's picker no longer does (the order left that bucket).
    assert oid not in {o["id"] for o in pulled(shop.server, shop.picker, "orders")}
    # Clearing the assignee only.
    r = _assign(shop, "ORD-A-001", {"assignee_id": None})
    assert r.status_code == 200 and r.json()["order"]["assignee_id"] is None
    assert r.json()["order"]["warehouse_id"] == "wh-2"
    rows = shop.server.query("SELECT action, actor_id, subject FROM audit_log WHERE action = ?",
                             ("orders.assign",))  # fmt: skip
    assert [(x["actor_id"], x["subject"]) for x in rows] == [(shop.ids["boss"], oid)] * 2


def test_assign_refusals(shop: World) -> None:
    disabled = shop.server.token("gone", "warehouse", "wh-1")
    gone_id = shop.server.user_id("gone")
    with shop.server.client(shop.admin) as c:
        assert c.patch(f"/api/admin/users/{gone_id}", json={"disabled": True}).status_code == 200
    assert disabled
    cases = [
        ("ORD-A-001", {"warehouse_id": "wh-9"}, 404, "unknown_warehouse"),
        ("ORD-A-001", {"assignee_id": "no-such-user"}, 404, "unknown_user"),
        ("ORD-A-001", {"assignee_id": gone_id}, 400, "user_disabled"),
        # The picker must work in the order's warehouse (as it will be): issue 14, item 11.
        ("ORD-A-001", {"assignee_id": shop.ids["north1"]}, 409, "wrong_warehouse"),
        ("ORD-A-001", {"warehouse_id": "wh-2", "assignee_id": shop.ids["picker1"]}, 409,
         "wrong_warehouse"),
        ("ORD-A-001", {"assignee_id": shop.ids["rep2"]}, 409, "wrong_warehouse"),
        ("ORD-A-001", {}, 400, "invalid_request"),
        ("ORD-A-001", {"warehouse": "wh-2"}, 400, None),
        ("ORD-C-003", {"warehouse_id": "wh-2"}, 409, "order_locked"),
        (uuid7(), {"warehouse_id": "wh-2"}, 404, "not_found"),
    ]
    for order, body, status, code in cases:
        r = _assign(shop, order, body)
        assert r.status_code == status, (order, body, r.text)
        if code:
            assert r.json()["code"] == code, (body, r.text)
    # Nothing changed, nothing audited, no conflict made.
    (a,) = shop.server.query("SELECT warehouse_id, assignee_id FROM orders WHERE number = ?",
                             ("ORD-A-001",))  # fmt: skip
    assert a == {"warehouse_id": "wh-1", "assignee_id": None}
    assert shop.server.query("SELECT id FROM audit_log WHERE action = ?", ("orders.assign",)) == []
    assert shop.server.query("SELECT id FROM conflicts") == []
    finance = shop.server.token("fin", "finance")
    assert _assign(shop, "ORD-A-001", {"warehouse_id": "wh-2"}, finance).status_code == 403
    manager = shop.server.token("mgr", "manager")
    assert _assign(shop, "ORD-A-001", {"warehouse_id": "wh-2"}, manager).status_code == 200
