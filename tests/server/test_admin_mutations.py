"""``GET /api/admin/mutations`` (docs/admin.md § Mutation log): the filters, keyset paging, the
names of what the arguments name, the CSV/XLSX export (money in major units), no-store, and who
may read it.

Real pushes: a rep with an enrolled phone (a device) sends a customer, an order, an order whose
2,500-character note the server refuses, a payment and a status change it refuses; an admin's
API token (no device) sends a customer of its own."""

from __future__ import annotations

import base64
import csv
import io
import time
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from sync.ids import uuid7
from tests.days import day, days_of
from tests.server.conftest import LiveServer
from tests.server.phone import Phone, invite
from tests.server.test_api import assert_error

PATH = "/api/admin/mutations"
NOTE = "Leave at the back door. " * 105  # 2,520 characters: over the 2,000 a text may have


def push(server: LiveServer, token: str, client_id: str, *mutations: tuple[str, dict]) -> list:
    """Pushes (name, args) as mutations 1, 2, … of ``client_id``; answers the results."""
    wall = time.time_ns() // 1_000_000
    body = {"client_id": client_id, "schema": 1, "mutations": [
        {"id": i + 1, "name": name, "args": args, "hlc": f"{wall:015d}-{i:05d}-{client_id}"}
        for i, (name, args) in enumerate(mutations)
    ]}  # fmt: skip
    with server.client(token) as c:
        r = c.post("/api/sync/push", json=body)
    assert r.status_code == 200, r.text
    return r.json()["results"]


class Scene:
    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.admin = server.token("boss", "admin")
        with server.client(self.admin) as c:
            r = c.post("/api/admin/warehouses", json={"code": "MWH", "name": "Main"})
            assert r.status_code == 201, r.text
            self.warehouse = r.json()["id"]
            r = c.post("/api/admin/products",
                       json={"sku": "TEA-M", "name": "Oolong tea", "unit_price": 1200})  # fmt: skip
            assert r.status_code == 201, r.text
            self.product = r.json()["id"]
        invited = invite(server, self.admin, "rep-m", "sales")
        self.rep_id = invited["user"]["id"]
        self.phone = Phone(server, "M phone")
        self.phone.enroll(invited["enrollment"]["url"])
        assert self.phone.login().status_code == 200
        self.customer, self.good, self.bad = uuid7(), uuid7(), uuid7()
        line = {"product_id": self.product, "qty": 3, "unit_price": 1250}
        self.results = push(server, self.phone.token or "", "rep-m-phone",
            ("customer.upsert", {"id": self.customer, "name": "Golden Leaf"}),
            ("order.create", {"id": self.good, "number": "M-0001", "customer_id": self.customer,
                              "lines": [{"id": uuid7(), **line}], "warehouse_id": self.warehouse}),
            ("order.create", {"id": self.bad, "number": "M-0002", "customer_id": self.customer,
                              "lines": [{"id": uuid7(), **line}], "notes": NOTE}),
            ("payment.record", {"id": uuid7(), "order_id": self.good, "method": "cash",
                                "amount": 3750}),
            ("order.transition", {"id": self.good, "from": "draft", "to": "shipped"}),
        )  # fmt: skip
        self.admin_results = push(server, self.admin, "boss-console-m",
                                  ("customer.upsert", {"id": uuid7(), "name": "Admin Co"}))  # fmt: skip

    def get(self, token: str | None = None, **params: Any) -> httpx.Response:
        with self.server.client(token or self.admin) as c:
            return c.get(PATH, params=params)

    def rows(self, **params: Any) -> dict[str, Any]:
        r = self.get(**params)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="module")
def scene(shared_server: LiveServer) -> Scene:
    return Scene(shared_server)


def test_the_pushes_had_the_outcomes_the_tests_rely_on(scene: Scene):
    assert [r["status"] for r in scene.results] == [
        "applied", "applied", "rejected", "applied", "rejected"
    ]  # fmt: skip
    assert scene.results[2]["error"] == "invalid_args"
    assert scene.admin_results[0]["status"] == "applied"


def test_a_devices_refused_mutations_with_their_data_and_names(scene: Scene):
    page = scene.rows(device_id=scene.phone.device_id, status="rejected")
    assert (page["total"], page["total_capped"], page["next"]) == (2, False, None)
    transition, create = page["rows"]  # newest first: the later mutation of the same push
    assert (create["name"], create["error"], create["mutation_id"]) == (
        "order.create", "invalid_args", 3)  # fmt: skip
    assert (transition["name"], transition["mutation_id"]) == ("order.transition", 5)
    assert "2000" in create["message"]
    assert create["client_id"] == "rep-m-phone" and create["user_id"] == scene.rep_id
    assert create["user_name"] == "rep-m" and create["device_id"] == scene.phone.device_id
    code = scene.server.query("SELECT code FROM devices WHERE id = ?", (scene.phone.device_id,))
    assert create["device_code"] == code[0]["code"]
    assert create["order_id"] == scene.bad and transition["order_id"] == scene.good
    # The data as the person sent it: decoded, every line, money in minor units.
    args = create["args"]
    assert args["notes"] == NOTE and args["number"] == "M-0002"
    assert args["lines"][0] | {"id": None} == {
        "id": None, "product_id": scene.product, "qty": 3, "unit_price": 1250}  # fmt: skip
    refs = page["refs"]
    assert refs["products"] == {scene.product: {"sku": "TEA-M", "name": "Oolong tea"}}
    assert refs["customers"] == {scene.customer: "Golden Leaf"}
    # The refused order is not on the server; the applied one is, with its number.
    assert set(refs["orders"]) == {scene.good}
    assert refs["orders"][scene.good] == {"number": "M-0001", "customer_id": scene.customer,
                                          "customer_name": "Golden Leaf"}  # fmt: skip
    assert refs["warehouses"] == {} and refs["users"] == {}


def test_the_devices_page_counts_what_the_link_lists(scene: Scene):
    with scene.server.client(scene.admin) as c:
        devices = {d["id"]: d for d in c.get("/api/admin/devices").json()}
    assert devices[scene.phone.device_id]["errors"] == 2


@pytest.mark.dates
def test_filters(scene: Scene):
    rep, phone = scene.rep_id, scene.phone.device_id
    # The days the rep's mutations were received on: today, or yesterday and today if midnight
    # passed since the scene was made.
    first, last = days_of(r["received_at"] for r in scene.rows(user_id=rep)["rows"])

    def names(**params: Any) -> list[str]:
        return [r["name"] for r in scene.rows(**params)["rows"]]

    assert names(user_id=rep) == ["order.transition", "payment.record", "order.create",
                                  "order.create", "customer.upsert"]  # fmt: skip
    assert names(device_id=phone, status="applied") == ["payment.record", "order.create",
                                                        "customer.upsert"]  # fmt: skip
    assert names(client_id="boss-console-m") == ["customer.upsert"]
    assert scene.rows(client_id="boss-console-m")["rows"][0]["device_id"] is None
    assert names(user_id=rep, error="invalid_args") == ["order.create"]
    assert names(user_id=rep, name="order.create") == ["order.create", "order.create"]
    assert names(user_id=rep, status="conflict") == []
    # An order's mutations, found by the order id in their arguments (its timeline's index).
    assert names(order_id=scene.good) == ["order.transition", "payment.record", "order.create"]
    assert names(order_id=scene.bad) == ["order.create"]
    assert names(order_id=scene.bad, status="applied") == []
    assert len(names(user_id=rep, **{"from": first, "to": last})) == 5
    assert names(user_id=rep, **{"from": day(1, of=last)}) == []
    assert names(user_id=rep, to=day(-1, of=first)) == []
    for params in ({"device_id": "no-such"}, {"user_id": "no-such"}, {"name": "nope"},
                   {"error": "nope"}, {"order_id": "no-such"}):  # fmt: skip
        assert scene.rows(**params)["total"] == 0, params


def test_an_orders_mutations_are_its_timelines(scene: Scene):
    with scene.server.client(scene.admin) as c:
        timeline = c.get(f"/api/admin/orders/{scene.good}").json()["timeline"]
    logged = [e for e in timeline if e["kind"] == "mutation"]
    assert len(logged) == scene.rows(order_id=scene.good)["total"] == 3


def test_keyset_paging_newest_first(scene: Scene):
    every = scene.rows(limit=500)["rows"]
    assert len(every) == scene.rows()["total"] >= 6
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = scene.rows(**params)
        assert page["total"] == len(every)
        seen += [r["id"] for r in page["rows"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [r["id"] for r in every]
    keys = [(r["received_at"], r["id"]) for r in every]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.parametrize(
    ("params", "code"),
    [({"limit": 0}, "invalid_request"), ({"limit": 501}, "invalid_request"),
     ({"status": "refused"}, "invalid_request"), ({"from": "yesterday"}, "invalid_request"),
     ({"to": "2026-13-01"}, "invalid_request"), ({"format": "pdf"}, "invalid_request"),
     ({"cursor": "junk"}, "bad_cursor"),
     ({"cursor": base64.urlsafe_b64encode(b'["2026-01-01T00:00:00.000Z", "x"]').decode()},
      "bad_cursor"),
     ({"cursor": base64.urlsafe_b64encode(b'["2026-01-01", 100000000000000000000000]').decode()},
      "bad_cursor")],
)  # fmt: skip
def test_bad_filters_are_400(scene: Scene, params: dict[str, Any], code: str):
    assert_error(scene.get(**params), 400, code)


def test_export_csv_and_xlsx_write_money_in_major_units(scene: Scene):
    r = scene.get(format="csv", user_id=scene.rep_id)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="mutations.csv"' in r.headers["content-disposition"]
    assert r.headers["cache-control"] == "no-store"
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    listed = scene.rows(user_id=scene.rep_id)["rows"]
    assert [int(t["id"]) for t in table] == [r["id"] for r in listed]
    by_name = {t["name"] + t["status"]: t for t in table}
    refused = by_name["order.createrejected"]
    assert (refused["error"], refused["user_name"], refused["order_id"]) == (
        "invalid_args", "rep-m", scene.bad)  # fmt: skip
    assert '"unit_price":"12.50"' in refused["args"] and "1250" not in refused["args"]
    assert NOTE in refused["args"]
    assert '"amount":"37.50"' in by_name["payment.recordapplied"]["args"]
    r = scene.get(format="xlsx", device_id=scene.phone.device_id, status="rejected")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    header, *body = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[:3] == ["id", "received_at", "status"] and len(body) == 2
    got = [dict(zip(header, row, strict=True)) for row in body]
    assert {g["name"] for g in got} == {"order.create", "order.transition"}
    assert all(g["status"] == "rejected" for g in got)


def test_no_store(scene: Scene):
    assert scene.get().headers["cache-control"] == "no-store"


def test_who_may_read_the_log(scene: Scene):
    for role, status in (("sales", 403), ("warehouse", 403), ("finance", 403), ("support", 200),
                         ("manager", 200)):  # fmt: skip
        token = scene.server.token(f"probe-m-{role}", role)
        assert scene.get(token).status_code == status, role
    assert scene.get(scene.phone.token).status_code == 403  # the rep's own device session
    with scene.server.client() as c:
        assert c.get(PATH).status_code == 401
