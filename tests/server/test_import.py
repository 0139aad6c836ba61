"""Batch import of products and orders (docs/admin.md § Import): CSV and XLSX sniffed from the
bytes, a report per row with the spreadsheet's row numbers, whole or nothing, dry runs, the
writes through the sync engine (a device pulls them), one audit entry per import.

Every refused import is checked to have written nothing: the rows of every table it could touch,
the change log and the audit log are counted before and after."""

from __future__ import annotations

import io
import random
import time
import zipfile
from typing import Any

import openpyxl
import pytest

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import assert_error, mutation, push_body
from tests.server.test_warehouse import device_session, pulled, push

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")  # fmt: skip
# What an import could write: each is counted before and after a refused one.
TABLES = ("products", "orders", "order_lines", "mutation_log", "change_log", "audit_log",
          "conflicts")  # fmt: skip
ORDER_HEADER = "number,customer,sku,qty,unit_price,priority,due_date,warehouse,notes,status"


class World:
    """Warehouse WH1, products T1 (5.00) and T2 (9.00), inactive OLD; customers Acme Tea,
    上海茶行, two named Twin; an admin token."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.admin = server.token("importer", "admin")

        async def catalog(db: Any) -> None:
            store, actor = SqlSyncStore(db), Actor("u-admin", "admin")
            await put_rows(store, actor, "warehouses",
                           [{"id": "wh-1", "code": "WH1", "name": "Main"}])  # fmt: skip
            await put_rows(store, actor, "products", [
                {"id": "p-1", "sku": "T1", "name": "Tea", "unit_price": 500},
                {"id": "p-2", "sku": "T2", "name": "Cups", "unit_price": 900},
                {"id": "p-old", "sku": "OLD", "name": "Old", "unit_price": 100, "active": False},
            ])  # fmt: skip

        server.run_db(catalog)
        self.customers: dict[str, str] = {}
        muts = []
        for i, name in enumerate(["Acme Tea", "上海茶行", "Twin", "Twin"], start=1):
            cid = uuid7()
            self.customers.setdefault(name, cid)
            muts.append(mutation(i, "customer.upsert", id=cid, name=name))
        res = push(server, self.admin, f"setup-{uuid7()}", *muts)
        assert all(r["status"] == "applied" for r in res), res

    def post(self, kind: str, body: bytes, **params: Any) -> Any:
        with self.server.client(self.admin, timeout=60) as c:
            return c.post(f"/api/admin/import/{kind}", content=body, params=params)

    def counts(self) -> dict[str, Any]:
        q = self.server.query
        counts: dict[str, Any] = {t: q(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"] for t in TABLES}
        return counts | {"prices": q("SELECT sku, unit_price FROM products ORDER BY sku")}


@pytest.fixture(scope="module")
def world(shared_server: LiveServer) -> World:
    return World(shared_server)


def csv_bytes(*lines: str, bom: bool = True) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + "\r\n".join(lines).encode() + b"\r\n"


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def errors_of(body: dict) -> list[tuple[int, str, str]]:
    return [(r["row"], e["column"], e["code"]) for r in body["rows"] for e in r["errors"]]


def n() -> str:
    return uuid7()[-8:].upper()


# ---- products ----------------------------------------------------------------------------------


def test_products_csv_creates_and_updates_through_the_engine(world: World):
    server, sku = world.server, f"NEW-{n()}"
    watcher = device_session(server, f"watch-{n()}", "sales", None)
    before = world.counts()
    body = csv_bytes(
        "SKU,Name,Unit_Price,Barcode,Unit,Safety_Stock,Reorder_Point,Active,Colour",
        f"{sku},Green tea,12.50,6901234567890,box,5,10,yes,green",
        "T2,,9.90,,,,,,",  # a price list row: only the price changes
    )
    r = world.post("products", body)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["ok"] and report["mode"] == "whole" and not report["dry_run"]
    assert (report["created"], report["updated"]) == (1, 1)
    assert report["ignored_columns"] == ["colour"]
    assert [(x["row"], x["ok"]) for x in report["rows"]] == [(2, True), (3, True)]
    assert (report["format"], report["encoding"]) == ("csv", "utf-8-sig")
    (new,) = server.query("SELECT * FROM products WHERE sku = ?", (sku,))
    assert (new["name"], new["unit_price"], new["barcode"], new["unit"]) == (
        "Green tea", 1250, "6901234567890", "box")  # fmt: skip
    assert (new["safety_stock"], new["reorder_point"], bool(new["active"])) == (5, 10, True)
    (t2,) = server.query("SELECT * FROM products WHERE sku = 'T2'")
    assert (t2["unit_price"], t2["name"]) == (990, "Cups")
    after = world.counts()
    assert after["products"] == before["products"] + 1
    audit = server.query("SELECT * FROM audit_log WHERE action = 'import.products' ORDER BY seq")
    assert '"created":1' in audit[-1]["detail"].replace(" ", "")
    # Devices pull both (the catalog reaches every device).
    got = {p["sku"]: p for p in pulled(server, watcher, "products")}
    assert got[sku]["unit_price"] == 1250 and got["T2"]["unit_price"] == 990
    # The same file again changes nothing: no new versions for devices to pull.
    again = world.counts()
    r = world.post("products", body)
    assert r.status_code == 200 and (r.json()["created"], r.json()["updated"]) == (0, 0)
    assert world.counts()["change_log"] == again["change_log"]


def test_products_xlsx_with_numbers_in_cells(world: World):
    sku = 7000 + random.randrange(10**6)
    body = xlsx_bytes([["sku", "name", "unit_price", "barcode", "active"],
                       [sku, "Numbered", 3.5, 6901234567891, True],
                       [None, None, None, None, None],  # a blank row is skipped
                       ["T1", None, 5, None, None]])  # fmt: skip
    r = world.post("products", body)
    assert r.status_code == 200, r.text
    assert r.json()["format"] == "xlsx" and r.json()["created"] == 1
    assert [x["row"] for x in r.json()["rows"]] == [2, 4]
    (row,) = world.server.query("SELECT * FROM products WHERE sku = ?", (str(sku),))
    assert (row["unit_price"], row["barcode"]) == (350, "6901234567891")


@pytest.mark.parametrize(("line", "column", "code"), [
    ("X1,Bad price,abc", "unit_price", "wrong_type"),
    ("X1,Bad price,-1", "unit_price", "negative"),
    ("X1,Bad price,1.234", "unit_price", "wrong_type"),
    ("X1,,1", "name", "required"),  # a new product needs a name
    (",Nameless,1", "sku", "required"),
    ("X1,Stock,1,1.5", "safety_stock", "wrong_type"),
    ("X1,Stock,1,-3", "safety_stock", "negative"),
    ("X1,Flag,1,,maybe", "active", "wrong_type"),
    ("X" * 65 + ",Long,1", "sku", "too_long"),
    ("T1,Dup,1", "sku", "duplicate_sku"),  # T1 is already on row 2
])  # fmt: skip
def test_bad_product_rows_write_nothing(world: World, line: str, column: str, code: str):
    before = world.counts()
    body = csv_bytes("sku,name,unit_price,safety_stock,active", "T1,Tea,7.77", line)
    r = world.post("products", body)
    got = assert_error(r, 422, "import_invalid")
    assert errors_of(got) == [(3, column, code)]
    assert got["rows"][0] == {"row": 2, "ok": True, "errors": []}
    assert not got["ok"] and got["error_rows"] == 1
    assert world.counts() == before  # T1's good row was not written either


# ---- orders ------------------------------------------------------------------------------------


def test_orders_csv_import_and_a_device_pulls_them(world: World):
    server, a, b = world.server, f"IMP-{n()}", f"IMP-{n()}"
    keeper = device_session(server, f"keeper-{n()}", "warehouse", "wh-1")
    before = world.counts()
    acme = world.customers["Acme Tea"]
    body = csv_bytes(
        ORDER_HEADER + ",delivery_address,channel",
        f"{a},Acme Tea,T1,2,,high,2026-12-31,wh1,ring twice,,Dock 4,",
        f"{a},,T2,1,8.00,,,,,,,",
        f"{b},{acme},T1,3,4.50,,2026/1/5,WH1,,draft,,phone",
    )
    r = world.post("orders", body)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["ok"] and (report["created"], report["lines"]) == (2, 3)
    (oa,) = server.query("SELECT * FROM orders WHERE number = ?", (a,))
    assert (oa["customer_id"], oa["status"], oa["priority"], oa["due_date"]) == (
        acme, "submitted", "high", "2026-12-31")  # fmt: skip
    assert (oa["warehouse_id"], oa["notes"], oa["delivery_address"], oa["channel"]) == (
        "wh-1", "ring twice", "Dock 4", "import")  # fmt: skip
    assert oa["total"] == 2 * 500 + 800  # the product's price when the file gives none
    assert oa["owner_id"] == server.user_id("importer")
    (ob,) = server.query("SELECT * FROM orders WHERE number = ?", (b,))
    assert (ob["status"], ob["due_date"], ob["channel"], ob["total"]) == (
        "draft", "2026-01-05", "phone", 1350)  # fmt: skip
    after = world.counts()
    assert after["orders"] == before["orders"] + 2
    assert after["order_lines"] == before["order_lines"] + 3
    # The engine logged each order.create as the admin's, under the import's client id.
    logged = server.query("SELECT client_id, name, status FROM mutation_log WHERE client_id IN "
                          "(SELECT client_id FROM mutation_log WHERE args LIKE ?)", (f"%{a}%",))  # fmt: skip
    assert len(logged) == 2 and all(m["name"] == "order.create" for m in logged)
    assert logged[0]["client_id"].startswith("import-")
    audit = server.query("SELECT * FROM audit_log WHERE action = 'import.orders' ORDER BY seq")
    assert '"created":2' in audit[-1]["detail"].replace(" ", "")
    # The warehouse's device pulls them (the orders of wh-1), lines too.
    numbers = {o["number"] for o in pulled(server, keeper, "orders")}
    assert {a, b} <= numbers
    lines = {ln["order_id"] for ln in pulled(server, keeper, "order_lines")}
    assert {oa["id"], ob["id"]} <= lines


def test_no_one_else_may_push_under_an_imports_client_id(world: World):
    """Issue 14 item 22: the import's client id is bound to its admin like a device's."""
    number = f"IMP-{n()}"
    body = csv_bytes(ORDER_HEADER, f"{number},Acme Tea,T1,1,,,,,,")
    assert world.post("orders", body).status_code == 200
    (logged,) = world.server.query(
        "SELECT client_id FROM mutation_log WHERE args LIKE ?", (f"%{number}%",)
    )
    rep = world.server.token(f"rep-{n()}", "sales")
    cid = uuid7()
    muts = [mutation(1, "customer.upsert", id=cid, name="Not the import's")]
    with world.server.client(rep) as c:
        r = c.post("/api/sync/push", json=push_body(logged["client_id"], muts))
    assert r.status_code == 403 and r.json()["code"] == "client_id_taken", r.text
    assert not world.server.query("SELECT id FROM customers WHERE id = ?", (cid,))


def test_orders_xlsx(world: World):
    import datetime as dt

    number = f"X-{n()}"
    price = {p["sku"]: p["unit_price"] for p in world.counts()["prices"]}  # other tests set them
    body = xlsx_bytes([["Number", "Customer", "SKU", "Qty", "Due_Date", "Warehouse"],
                       [number, "Acme Tea", "T2", 4, dt.datetime(2027, 2, 3), "WH1"],
                       [number, "Acme Tea", "T1", 1.0, None, None]])  # fmt: skip
    r = world.post("orders", body)
    assert r.status_code == 200, r.text
    (o,) = world.server.query("SELECT * FROM orders WHERE number = ?", (number,))
    assert (o["due_date"], o["total"], o["warehouse_id"]) == (
        "2027-02-03", 4 * price["T2"] + price["T1"], "wh-1")  # fmt: skip


def test_gb18030_csv_from_chinese_excel(world: World):
    number = f"GB-{n()}"
    body = f"number,customer,sku,qty,notes\r\n{number},上海茶行,T1,1,请在工作日送货\r\n"
    r = world.post("orders", body.encode("gb18030"))
    assert r.status_code == 200, r.text
    assert r.json()["encoding"] == "gb18030"
    (o,) = world.server.query("SELECT * FROM orders WHERE number = ?", (number,))
    assert (o["customer_id"], o["notes"]) == (world.customers["上海茶行"], "请在工作日送货")


@pytest.mark.parametrize(("line", "column", "code"), [
    ("{n},Acme Tea,T1,abc", "qty", "wrong_type"),
    ("{n},Acme Tea,T1,1.5", "qty", "wrong_type"),
    ("{n},Acme Tea,T1,-2", "qty", "negative"),
    ("{n},Acme Tea,T1,0", "qty", "out_of_range"),
    ("{n},Acme Tea,T1,", "qty", "required"),
    ("{n},Acme Tea,T1,1,x", "unit_price", "wrong_type"),
    ("{n},Acme Tea,NOPE,1", "sku", "unknown_sku"),
    ("{n},Acme Tea,OLD,1", "sku", "inactive_sku"),
    ("{n},Nobody Ltd,T1,1", "customer", "unknown_customer"),
    ("{n},Twin,T1,1", "customer", "ambiguous_customer"),
    ("{n},Acme Tea,T1,1,,urgent", "priority", "out_of_range"),
    ("{n},Acme Tea,T1,1,,,31/12/2026", "due_date", "wrong_type"),
    ("{n},Acme Tea,T1,1,,,2026-02-30", "due_date", "wrong_type"),
    ("{n},Acme Tea,T1,1,,,,WH9", "warehouse", "unknown_warehouse"),
    ("{n},Acme Tea,T1,1,,,,," + "x" * 2001, "notes", "too_long"),
    ("{n},Acme Tea,T1,1,,,,,,shipped", "status", "out_of_range"),
    ("{first},上海茶行,T1,1", "customer", "duplicate_number"),  # row 2's order, another customer
])  # fmt: skip
def test_bad_order_rows_write_nothing(world: World, line: str, column: str, code: str):
    first = f"OK-{n()}"
    before = world.counts()
    body = csv_bytes(ORDER_HEADER, f"{first},Acme Tea,T1,1",
                     line.format(n=f"BAD-{n()}", first=first))  # fmt: skip
    got = assert_error(world.post("orders", body), 422, "import_invalid")
    assert errors_of(got) == [(3, column, code)], got["rows"]
    assert got["rows"][0]["ok"]
    assert world.counts() == before


def test_number_already_in_the_database(world: World):
    number = f"TWICE-{n()}"
    body = csv_bytes(ORDER_HEADER, f"{number},Acme Tea,T1,1")
    assert world.post("orders", body).status_code == 200
    before = world.counts()
    got = assert_error(world.post("orders", csv_bytes(ORDER_HEADER, f"NEW-{n()},Acme Tea,T1,1",
                                                      f"{number},Acme Tea,T2,2")), 422,
                       "import_invalid")  # fmt: skip
    assert errors_of(got) == [(3, "number", "duplicate_number")]
    assert world.counts() == before


def test_dry_run_checks_and_writes_nothing(world: World):
    before = world.counts()
    good = csv_bytes(ORDER_HEADER, f"D-{n()},Acme Tea,T1,1", f"D-{n()},Acme Tea,T2,2")
    r = world.post("orders", good, dry_run="true")
    assert r.status_code == 200, r.text
    assert r.json()["ok"] and r.json()["dry_run"] and r.json()["created"] == 2
    bad = csv_bytes(ORDER_HEADER, f"D-{n()},Acme Tea,NOPE,1")
    r = world.post("orders", bad, dry_run="true")
    assert r.status_code == 200 and not r.json()["ok"]
    assert errors_of(r.json()) == [(2, "sku", "unknown_sku")]
    r = world.post("products", csv_bytes("sku,name,unit_price", "T1,Tea,99"), dry_run="true")
    assert r.status_code == 200 and r.json()["updated"] == 1
    assert world.counts() == before


# ---- files that are not an import --------------------------------------------------------------


def _zip_not_xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hello")
    return out.getvalue()


def _broken_sheet() -> bytes:
    """A real XLSX whose sheet XML is cut off."""
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["sku", "name"], ["A", "B"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            data = src.read(item)
            z.writestr(item, data[:40] if item.filename.startswith("xl/worksheets/") else data)
    return out.getvalue()


@pytest.mark.parametrize(("kind", "body", "status", "code"), [
    ("orders", b"", 400, "empty_file"),
    ("orders", b"\xef\xbb\xbf\r\n\r\n", 400, "empty_file"),
    ("products", PNG, 400, "not_a_spreadsheet"),
    ("products", random.Random(6).randbytes(4096), 400, "not_a_spreadsheet"),
    ("products", b"%PDF-1.4\n1 0 obj << >> endobj\n", 400, "not_a_spreadsheet"),
    ("orders", _zip_not_xlsx(), 400, "not_a_spreadsheet"),
    ("products", _broken_sheet(), 400, "not_a_spreadsheet"),
    ("products", xlsx_bytes([["sku"], ["A"]])[:700], 400, "not_a_spreadsheet"),  # truncated
    ("orders", csv_bytes(ORDER_HEADER), 400, "no_rows"),
    ("orders", xlsx_bytes([["number", "customer", "sku", "qty"]]), 400, "no_rows"),
    ("orders", csv_bytes("number,customer,qty", "A-1,Acme Tea,1"), 400, "missing_columns"),
    ("products", csv_bytes("name,unit_price", "Tea,1"), 400, "missing_columns"),
    ("customers", csv_bytes("name", "Tea"), 400, "invalid_request"),
])  # fmt: skip
def test_not_an_import(world: World, kind: str, body: bytes, status: int, code: str):
    before = world.counts()
    assert_error(world.post(kind, body), status, code)
    assert world.counts() == before


def test_too_large_and_too_many_rows(world: World):
    before = world.counts()
    assert_error(world.post("products", b"sku\r\n" + b"A\r\n" * (6 * 1024 * 1024)), 413,
                 "too_large")  # fmt: skip
    rows = "\r\n".join(f"S{i},N,1" for i in range(20_001))
    assert_error(world.post("products", f"sku,name,unit_price\r\n{rows}".encode()), 400,
                 "too_many_rows")  # fmt: skip
    assert world.counts() == before


def test_only_imports_run(world: World):
    rep = world.server.token(f"rep-{n()}", "sales")
    with world.server.client(rep) as c:
        r = c.post("/api/admin/import/products", content=csv_bytes("sku,name", "T9,Nine"))
    assert_error(r, 403, "forbidden")


# ---- a thousand orders -------------------------------------------------------------------------


def test_a_thousand_orders_in_seconds(world: World, capsys: pytest.CaptureFixture[str]):
    tag = n()
    lines = [ORDER_HEADER]
    for i in range(1000):
        lines.append(f"K{tag}-{i:04d},Acme Tea,T1,{1 + i % 5},,,2027-01-01,WH1")
        lines.append(f"K{tag}-{i:04d},,T2,1")
    before = world.counts()
    started = time.perf_counter()
    r = world.post("orders", csv_bytes(*lines))
    took = time.perf_counter() - started
    assert r.status_code == 200, r.text[:500]
    assert (r.json()["created"], r.json()["lines"]) == (1000, 2000)
    after = world.counts()
    assert after["orders"] - before["orders"] == 1000
    assert after["order_lines"] - before["order_lines"] == 2000
    with capsys.disabled():
        print(f"\n1,000 orders (2,000 lines) imported in {took:.2f} s "
              f"(server {r.json()['elapsed_ms']} ms)")  # fmt: skip
    assert took < 30


def test_review_rules_hold_imported_orders(live_server: LiveServer):
    world = World(live_server)
    with live_server.client(world.admin) as c:
        r = c.put("/api/admin/review-rules",
                  json={"abnormal_amount": {"enabled": True, "amount": 100_000}})  # fmt: skip
        assert r.status_code == 200, r.text
    body = csv_bytes(ORDER_HEADER, "BIG-1,Acme Tea,T1,300", "SMALL-1,Acme Tea,T1,1",
                     "DRAFT-1,Acme Tea,T1,300,,,,,,draft")  # fmt: skip
    r = world.post("orders", body)
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["on_hold"]) == (3, 1)
    got = {o["number"]: o["status"] for o in live_server.query("SELECT number, status FROM orders")}
    assert got == {"BIG-1": "on_hold", "SMALL-1": "submitted", "DRAFT-1": "draft"}
