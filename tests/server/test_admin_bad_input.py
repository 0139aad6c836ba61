"""Hostile input to every ``/api/admin`` endpoint, as an admin: wrong types and ranges in query
parameters, cursors the server never gave, impossible dates, NUL characters and 10,000-character
strings, unknown enum values, JSON bodies of the wrong shape, unknown and odd ids in paths.

The rule (docs/admin.md): bad input is a 4xx with a stable JSON ``code`` and nothing is written;
never a 500 (the client's hook fails any 5xx). PostgreSQL refuses NUL characters in text and
integers beyond 64 bits where SQLite takes them: every case runs on both databases."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from tests.server.conftest import LiveServer
from tests.server.test_aftersales import _order

LONG = "x" * 10_000
NUL = "a\x00b"
HUGE = 10**30
B64_JUNK = base64.urlsafe_b64encode(b"\xff\xfe junk \x00").decode()
B64_JSON = base64.urlsafe_b64encode(json.dumps([1, 2, {"a": None}]).encode()).decode()
ORDERS_CURSOR = base64.urlsafe_b64encode(b"2026-01-01T00:00:00.000Z|someid").decode()


@dataclass
class World:
    server: LiveServer
    client: httpx.Client
    order_id: str
    product_id: str
    warehouse_id: str
    case_id: str


@pytest.fixture(scope="module")
def world(shared_server: LiveServer) -> Iterator[World]:
    server = shared_server

    async def warehouses(db: Any) -> None:
        await put_rows(SqlSyncStore(db), Actor("u-admin", "admin"), "warehouses",
                       [{"id": "wh-1", "code": "WH1", "name": "Main"}])  # fmt: skip

    server.run_db(warehouses)
    order_id = _order(server, "BAD-1")
    with server.client(server.token("boss", "admin")) as c:
        product = c.post("/api/admin/products", json={"sku": "BAD-SKU", "name": "Probe"}).json()
        case = c.post("/api/admin/after-sales", json={
            "order_id": order_id, "kind": "complaint", "category": "damaged",
            "description": "probe"})  # fmt: skip
        assert case.status_code == 201, case.text
        yield World(server, c, order_id, product["id"], "wh-1", case.json()["id"])


def _check(r: httpx.Response, *, must_refuse: bool) -> None:
    assert r.status_code < 500, r.text
    if must_refuse:
        assert 400 <= r.status_code < 500, (r.request.url, r.status_code, r.text[:300])
    if r.status_code >= 400:
        body = r.json()
        assert isinstance(body.get("code"), str) and body["code"], r.text[:300]


# ---- query parameters of the lists -------------------------------------------------------------

LISTS: dict[str, set[str]] = {
    "/api/admin/orders": {"q", "status", "priority", "overdue", "warehouse_id", "owner_id",
                          "assignee_id", "channel", "synced_from", "synced_to", "created_from",
                          "created_to", "limit", "cursor", "format"},
    "/api/admin/conflicts": {"id", "status", "severity", "kind", "user_id", "device_id", "from",
                             "to", "limit", "offset", "format"},
    "/api/admin/audit": {"action", "actor_id", "subject", "from", "to", "before_seq", "limit",
                         "format"},
    "/api/admin/products": {"q", "active", "low_stock", "limit", "offset", "format"},
    "/api/admin/stock": {"warehouse_id", "q", "low", "state", "limit", "offset", "format"},
    "/api/admin/stock/alerts": {"warehouse_id", "limit"},
    "/api/admin/stock-moves": {"product_id", "warehouse_id", "reason", "ref", "q", "from", "to",
                               "limit", "cursor", "format"},
    "/api/admin/stocktakes": {"status", "warehouse_id", "limit", "offset"},
    "/api/admin/after-sales": {"kind", "status", "order", "customer_id", "from", "to", "limit",
                               "offset", "format"},
    "/api/admin/after-sales/orders": {"number"},
    "/api/admin/reports/sales": {"from", "to", "warehouse_id", "format"},
    "/api/admin/reports/sync-health": {"from", "to", "format"},
    "/api/admin/devices": {"user_id"},
    "/api/admin/mutations": {"device_id", "user_id", "client_id", "status", "error", "name",
                             "order_id", "from", "to", "limit", "cursor", "format"},
    "/api/admin/passkeys": {"user_id"},
}  # fmt: skip

# Values that are wrong for the parameter: always 4xx.
REFUSED: dict[str, list[str]] = {
    "limit": ["abc", "-1", "0", "100000", str(HUGE), "1.5", ""],
    "offset": ["-5", "abc", str(HUGE), "2.5"],
    "before_seq": ["abc", "1.5"],
    "cursor": ["not a cursor", B64_JUNK, B64_JSON, LONG, NUL],
    "from": ["2026-13-45", "x", "2026-02-30", NUL, LONG, "2026-01-01T25:00"],
    "to": ["2026-13-45", "x", "2026-02-30", NUL, LONG],
    "created_from": ["2026-13-45", "x", NUL],
    "created_to": ["2026-13-45", "x"],
    "synced_from": ["2026-13-45", "x", NUL],
    "synced_to": ["2026-13-45", "x"],
    "format": ["pdf", "CSV", NUL],
    "state": ["bogus"],
    "reason": ["bogus", NUL],
    "kind@/api/admin/after-sales": ["bogus"],
    "status@/api/admin/orders": ["bogus", NUL],
    "status@/api/admin/conflicts": ["bogus"],
    "status@/api/admin/stocktakes": ["bogus"],
    "status@/api/admin/after-sales": ["bogus"],
    "status@/api/admin/mutations": ["bogus", "REJECTED", NUL],
    "severity": ["bogus"],
    "priority": ["bogus"],
    "active": ["maybe"],
    "low_stock": ["maybe"],
    "low": ["maybe"],
    "overdue": ["maybe"],
}
# Values a filter may take (they match nothing): a 200, or a 4xx with a code; never a 500.
ODD = [NUL, LONG, "%", "_%\\", "..", "订单 🚚", "' OR 1=1 --", str(HUGE), "-1"]


def _cases() -> Iterator[Any]:
    for path, params in LISTS.items():
        for name in sorted(params):
            values = REFUSED.get(f"{name}@{path}", REFUSED.get(name))
            # before_seq and channel/kind/ids are free text or numbers the list compares with.
            for value in values or []:
                yield pytest.param(
                    path, name, value, True, id=f"{path}-{name}-refused-{value[:12]}"
                )
            if values is None or name == "before_seq":
                for value in ODD:
                    yield pytest.param(path, name, value, False, id=f"{path}-{name}-{value[:12]}")


@pytest.mark.parametrize(("path", "name", "value", "must_refuse"), list(_cases()))
def test_list_query_parameters(world: World, path: str, name: str, value: str,
                               must_refuse: bool) -> None:  # fmt: skip
    if path == "/api/admin/after-sales/orders" and name == "number":
        must_refuse = True  # no such order: 404 order_not_found
    _check(world.client.get(path, params={name: value}), must_refuse=must_refuse)


def test_a_cursor_from_another_list_is_refused(world: World) -> None:
    c = world.client
    for _ in range(3):
        c.post("/api/admin/stock/adjust", json={"product_id": world.product_id,
               "warehouse_id": world.warehouse_id, "delta": 1, "reason": "receive"})  # fmt: skip
    moves = c.get("/api/admin/stock-moves", params={"limit": 1}).json()
    assert moves["next"], moves
    r = c.get("/api/admin/orders", params={"cursor": moves["next"]})
    _check(r, must_refuse=True)
    # An orders cursor (created_at|id) is not a stock-moves cursor either (or names no move).
    r = c.get("/api/admin/stock-moves", params={"cursor": ORDERS_CURSOR})
    _check(r, must_refuse=False)


def test_unknown_report_and_range(world: World) -> None:
    c = world.client
    for name in ("nope", LONG, "..", "%00", "a%00b"):
        _check(c.get(f"/api/admin/reports/{name}"), must_refuse=True)
    r = c.get("/api/admin/reports/sales", params={"from": "2026-05-01", "to": "2026-01-01"})
    _check(r, must_refuse=True)
    r = c.get("/api/admin/reports/sales", params={"from": "2020-01-01", "to": "2026-01-01"})
    assert r.json()["code"] == "range_too_long"


# ---- unknown and odd ids in paths --------------------------------------------------------------

ODD_IDS = ["no-such", "%00", "a%00b", "..", "%2e%2e", "订单", "x" * 2000, str(HUGE)]
BY_ID: list[tuple[str, str, Any]] = [
    ("GET", "/api/admin/orders/{}", None),
    ("POST", "/api/admin/orders/{}/assign", {"warehouse_id": "wh-1"}),
    ("POST", "/api/admin/review/orders/{}", {"decision": "release"}),
    ("POST", "/api/admin/review/redemptions/{}", {"approve": True}),
    ("GET", "/api/admin/after-sales/{}", None),
    ("PATCH", "/api/admin/after-sales/{}", {"notes": "n"}),
    ("POST", "/api/admin/after-sales/{}/refund", {"amount": 1, "method": "cash"}),
    ("PATCH", "/api/admin/products/{}", {"name": "N"}),
    ("PATCH", "/api/admin/warehouses/{}", {"name": "N"}),
    ("PATCH", "/api/admin/users/{}", {"disabled": True}),
    ("POST", "/api/admin/users/{}/enrollments", None),
    ("POST", "/api/admin/devices/{}/revoke", None),
    ("POST", "/api/admin/passkeys/{}/revoke", None),
    ("POST", "/api/admin/import/{}", None),
]


@pytest.mark.parametrize(("method", "template", "body"), BY_ID, ids=[t for _, t, _ in BY_ID])
@pytest.mark.parametrize("odd", ODD_IDS, ids=[i[:10] for i in ODD_IDS])
def test_unknown_and_odd_ids(world: World, method: str, template: str, body: Any,
                             odd: str) -> None:  # fmt: skip
    r = world.client.request(method, template.format(odd), json=body)
    _check(r, must_refuse=True)


# ---- JSON bodies of the wrong shape ------------------------------------------------------------

SHAPES: list[Any] = [
    [],
    ["a"],
    "text",
    123,
    None,
    {"unknown_field": 1},
    {"name": None, "sku": None},
    {"name": NUL, "sku": NUL, "code": NUL, "description": NUL, "notes": NUL},
    {"name": LONG, "sku": LONG, "code": LONG, "description": LONG, "notes": LONG},
    {"amount": HUGE, "unit_price": HUGE, "delta": HUGE, "refund_amount": HUGE},
    {"amount": 2**63, "unit_price": 2**63, "delta": 2**63, "safety_stock": 2**63},
    {"amount": 1.5, "unit_price": 1.5, "delta": 1.5, "reorder_point": 2.5},
    {"decision": "bogus", "kind": "bogus", "status": "bogus", "reason": "bogus", "role": "x"},
    {"warehouse_id": NUL, "assignee_id": NUL, "product_id": NUL, "order_id": NUL},
    {"warehouse_id": LONG, "assignee_id": LONG, "product_id": LONG, "order_number": LONG},
    {"warehouse_id": 5, "assignee_id": [], "approve": "yes"},
]


def _writes(w: World) -> list[tuple[str, str]]:
    return [
        ("POST", "/api/admin/users"),
        ("PATCH", "/api/admin/users/u-admin"),
        ("POST", "/api/admin/products"),
        ("PATCH", f"/api/admin/products/{w.product_id}"),
        ("POST", "/api/admin/warehouses"),
        ("PATCH", f"/api/admin/warehouses/{w.warehouse_id}"),
        ("POST", "/api/admin/stock/adjust"),
        ("POST", f"/api/admin/orders/{w.order_id}/assign"),
        ("PUT", "/api/admin/review-rules"),
        ("POST", f"/api/admin/review/orders/{w.order_id}"),
        ("POST", "/api/admin/after-sales"),
        ("PATCH", f"/api/admin/after-sales/{w.case_id}"),
        ("POST", f"/api/admin/after-sales/{w.case_id}/refund"),
    ]


WRITE_IDS = ["users-post", "users-patch", "products-post", "products-patch", "warehouses-post",
             "warehouses-patch", "stock-adjust", "assign", "review-rules", "review-order",
             "after-sales-post", "after-sales-patch", "refund"]  # fmt: skip


@pytest.mark.parametrize("which", range(len(WRITE_IDS)), ids=WRITE_IDS)
def test_bodies_of_the_wrong_shape(world: World, which: int) -> None:
    method, path = _writes(world)[which]
    c = world.client
    seq = world.server.query("SELECT MAX(seq) AS s FROM audit_log")[0]["s"]
    for shape in SHAPES:
        r = c.request(method, path, json=shape)
        assert r.status_code >= 400, (shape, r.text[:200])
        _check(r, must_refuse=True)
    for raw in (b"", b"{", b"\x00", b'{"a": 1}{', b'{"name": "\\u0000"}'):
        r = c.request(method, path, content=raw, headers={"Content-Type": "application/json"})
        _check(r, must_refuse=True)
    # Nothing refused was written or audited.
    assert world.server.query("SELECT MAX(seq) AS s FROM audit_log")[0]["s"] == seq


def test_import_bodies(world: World) -> None:
    c = world.client
    for kind in ("orders", "products"):
        for raw in (b"", b"\x00\x01\x02", b"PK\x03\x04junk", b"sku\n\x00",
                    ("sku,name\n" + LONG + "," + LONG).encode(), "\ufeff\n\n".encode()):  # fmt: skip
            r = c.post(f"/api/admin/import/{kind}", content=raw)
            _check(r, must_refuse=True)
        r = c.post(f"/api/admin/import/{kind}", params={"dry_run": "maybe"}, content=b"a,b\n")
        _check(r, must_refuse=True)


# ---- one bad field in an otherwise good body ---------------------------------------------------

GOOD: list[tuple[str, str, dict[str, Any], list[str]]] = [
    ("POST", "/api/admin/users", {"name": "probe", "role": "sales"},
     ["name", "role", "warehouse_id"]),
    ("PATCH", "/api/admin/users/{user}", {"role": "sales"}, ["role", "warehouse_id", "disabled"]),
    ("POST", "/api/admin/products", {"sku": "P-NEW", "name": "New"},
     ["sku", "name", "barcode", "unit", "unit_price", "safety_stock", "reorder_point", "id",
      "active"]),
    ("PATCH", "/api/admin/products/{product}", {"name": "Probe"},
     ["sku", "name", "barcode", "unit", "unit_price", "safety_stock", "reorder_point"]),
    ("POST", "/api/admin/warehouses", {"code": "W-NEW", "name": "New"},
     ["code", "name", "address", "id"]),
    ("PATCH", "/api/admin/warehouses/{warehouse}", {"name": "Main"}, ["code", "name", "address"]),
    ("POST", "/api/admin/stock/adjust",
     {"product_id": "{product}", "warehouse_id": "{warehouse}", "delta": 1, "reason": "adjust"},
     ["product_id", "warehouse_id", "delta", "reason", "note", "id"]),
    ("POST", "/api/admin/orders/{order}/assign", {"warehouse_id": "{warehouse}"},
     ["warehouse_id", "assignee_id"]),
    ("PUT", "/api/admin/review-rules", {"abnormal_amount": {"enabled": False, "amount": 100}},
     ["abnormal_amount.amount", "abnormal_amount.enabled", "required_fields.fields"]),
    ("POST", "/api/admin/review/orders/{order}", {"decision": "release"}, ["decision", "note"]),
    ("POST", "/api/admin/after-sales",
     {"order_id": "{order}", "kind": "complaint", "category": "late", "description": "d"},
     ["order_id", "order_number", "kind", "category", "description", "refund_amount",
      "lines"]),
    ("PATCH", "/api/admin/after-sales/{case}", {"notes": "n"},
     ["status", "resolution", "notes", "refund_amount"]),
    ("POST", "/api/admin/after-sales/{case}/refund", {"amount": 1, "method": "cash"},
     ["amount", "method"]),
]  # fmt: skip
BAD_VALUES: list[Any] = [NUL, LONG, HUGE, 2**63, -(2**63) - 1, 1.5, None, [], {}, "", True]


def _fill(value: Any, w: World, user: str) -> Any:
    if isinstance(value, str):
        return value.format(user=user, product=w.product_id, warehouse=w.warehouse_id,
                            order=w.order_id, case=w.case_id)  # fmt: skip
    if isinstance(value, dict):
        return {k: _fill(v, w, user) for k, v in value.items()}
    return value


@pytest.mark.parametrize("bad", BAD_VALUES, ids=lambda v: repr(v)[:10])
@pytest.mark.parametrize(("method", "template", "good", "fields"), GOOD,
                         ids=[f"{m}-{t}" for m, t, _, _ in GOOD])  # fmt: skip
def test_one_bad_field_in_a_good_body(world: World, method: str, template: str,
                                      good: dict, fields: list[str], bad: Any) -> None:  # fmt: skip
    c = world.client
    user = world.server.user_id("boss")
    path = _fill(template, world, user)
    seq = world.server.query("SELECT MAX(seq) AS s FROM audit_log")[0]["s"]
    wrote = []
    for field in fields:
        body = _fill(json.loads(json.dumps(good)), world, user)
        if "." in field:
            outer, inner = field.split(".")
            body[outer] = {**body.get(outer, {}), **({"enabled": True} if inner != "enabled"
                           else {}), inner: bad}  # fmt: skip
        else:
            body[field] = bad
            if field == "order_number":
                body.pop("order_id")
        r = c.request(method, path, json=body)
        _check(r, must_refuse=False)
        if r.status_code < 400:
            wrote.append((field, r.status_code))
    # null clears a field, true is a flag, "" and [] are empty texts and lists: they may be
    # taken. Every other value here is wrong for every field.
    if bad not in (None, True, "", []):
        assert not wrote, wrote
    if not wrote:
        assert world.server.query("SELECT MAX(seq) AS s FROM audit_log")[0]["s"] == seq


EXPORTS = [p for p, params in LISTS.items() if "format" in params]


@pytest.mark.parametrize("path", EXPORTS)
@pytest.mark.parametrize("value", [NUL, "_%\\", LONG, "2026-13-45"], ids=["nul", "like", "long",
                                                                          "date"])  # fmt: skip
def test_exports_with_odd_filters(world: World, path: str, value: str) -> None:
    """The exports read every row with their own queries: the same filters, the same refusals."""
    for name in sorted(LISTS[path] - {"limit", "offset", "cursor", "format", "before_seq"}):
        r = world.client.get(path, params={name: value, "format": "csv"})
        _check(r, must_refuse=False)


def test_audit_filters_take_only_star_as_a_wildcard(world: World) -> None:
    c = world.client
    assert c.get("/api/admin/audit", params={"action": "*"}).json()["total"] > 0
    for literal in ("%", "_", "\\", "aftersales_create", "aftersales%"):
        r = c.get("/api/admin/audit", params={"action": literal})
        assert (r.status_code, r.json()["total"]) == (200, 0), (literal, r.text[:200])
    assert c.get("/api/admin/audit", params={"action": "aftersales.*"}).json()["total"] >= 1


def test_unknown_warehouse_for_a_user_is_refused(world: World) -> None:
    c = world.client
    r = c.post("/api/admin/users", json={"name": "picker-x", "role": "warehouse",
                                         "warehouse_id": "no-such"})  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (404, "unknown_warehouse")
    assert not world.server.query("SELECT id FROM users WHERE name = ?", ("picker-x",))
    r = c.post("/api/admin/users", json={"name": "picker-y", "role": "warehouse",
                                         "warehouse_id": world.warehouse_id})  # fmt: skip
    assert r.status_code == 201, r.text
    user = r.json()["user"]["id"]
    r = c.patch(f"/api/admin/users/{user}", json={"warehouse_id": "gone"})
    assert (r.status_code, r.json()["code"]) == (404, "unknown_warehouse")


def test_every_admin_write_is_audited(world: World) -> None:
    """One good request per write endpoint: its audit entry is there (written in the write's own
    transaction: the refusals above leave none)."""
    c, w = world.client, world
    invited = c.post("/api/admin/users", json={"name": "audited", "role": "sales"}).json()
    user = invited["user"]["id"]
    product = c.post("/api/admin/products", json={"sku": "AUD-1", "name": "Audited"}).json()["id"]
    warehouse = c.post("/api/admin/warehouses", json={"code": "AUD", "name": "A"}).json()["id"]
    case = w.case_id
    fresh = _order(w.server, "AUD-ORDER", to="submitted")  # in wh-1
    picker = c.post("/api/admin/users", json={"name": "audited-picker", "role": "warehouse",
                                              "warehouse_id": "wh-1"}).json()["user"]["id"]  # fmt: skip
    writes: list[tuple[str, str, Any, str, str]] = [
        ("PATCH", f"/api/admin/users/{user}", {"role": "finance"}, "admin.user_changed", user),
        ("POST", f"/api/admin/users/{user}/enrollments", None, "admin.enrollment_link", user),
        ("PATCH", f"/api/admin/products/{product}", {"name": "Renamed"},
         "server.update.products", product),
        ("PATCH", f"/api/admin/warehouses/{warehouse}", {"name": "B"},
         "server.update.warehouses", warehouse),
        ("POST", f"/api/admin/orders/{fresh}/assign", {"assignee_id": picker}, "orders.assign",
         fresh),
        ("PUT", "/api/admin/review-rules", {"credit_limit": {"enabled": True}}, "review.rules",
         "credit_limit"),
        ("PATCH", f"/api/admin/after-sales/{case}", {"notes": "audited"}, "aftersales.update",
         case),
        ("POST", f"/api/admin/after-sales/{case}/refund", {"amount": 1, "method": "cash"},
         "aftersales.refund", case),
    ]  # fmt: skip
    for method, path, body, action, subject in writes:
        r = c.request(method, path, json=body)
        assert r.status_code < 300, (path, r.text)
        rows = w.server.query("SELECT COUNT(*) AS n FROM audit_log WHERE action = ? AND subject = ?",
                              (action, subject))  # fmt: skip
        assert rows[0]["n"] >= 1, (path, action)
    r = c.post("/api/admin/stock/adjust", json={"product_id": product, "warehouse_id": warehouse,
                                                "delta": 2, "reason": "receive"})  # fmt: skip
    assert r.status_code == 201, r.text
    move = r.json()["move"]["id"]
    checks = [("admin.user_invited", user), ("server.insert.products", product),
              ("server.insert.warehouses", warehouse), ("stock.receive", move)]  # fmt: skip
    r = c.post("/api/admin/import/products", content=b"sku,name\r\nAUD-2,Imported\r\n")
    assert r.status_code == 200, r.text
    for action, subject in checks:
        rows = w.server.query("SELECT COUNT(*) AS n FROM audit_log WHERE action = ? AND subject = ?",
                              (action, subject))  # fmt: skip
        assert rows[0]["n"] == 1, (action, subject)
    assert w.server.query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'import.products'"
                          )[0]["n"] == 1  # fmt: skip
