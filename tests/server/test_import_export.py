"""The orders export in the import's format, and what the import does with it (docs/admin.md §
Import): the export round-trips into another database, update mode changes orders through the
engine's mutations, the sales_rep column makes the order the rep's (their phone pulls it, the
per-employee report credits them), and a refused file's rows come back as an error file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import assert_error, mutation
from tests.server.test_warehouse import device_session, pulled, push

CUSTOMERS = {"c-acme": ("rep-a", "Acme Tea"), "c-shan": ("rep-a", "上海茶行"),
             "c-bolt": ("rep-b", "Bolt, Ltd.")}  # fmt: skip


def _day(days: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)).isoformat()


class Shop:
    """A database with warehouse WH1, products T1 (5.00) and T2 (9.00), reps rep-a and rep-b
    (sales) with their customers, and an importing admin: the same in every database made."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.admin = server.token("importer", "admin")
        self.reps = {name: server.token(name, "sales") for name in ("rep-a", "rep-b")}

        async def catalog(db: Any) -> None:
            store, actor = SqlSyncStore(db), Actor("u-admin", "admin")
            await put_rows(store, actor, "warehouses",
                           [{"id": "wh-1", "code": "WH1", "name": "Main"}])  # fmt: skip
            await put_rows(store, actor, "products", [
                {"id": "p-1", "sku": "T1", "name": "Tea", "unit_price": 500},
                {"id": "p-2", "sku": "T2", "name": "Cups", "unit_price": 900},
            ])  # fmt: skip

        server.run_db(catalog)
        for rep in self.reps:  # each rep's own customers: on their phone
            mine = [(cid, name) for cid, (owner, name) in CUSTOMERS.items() if owner == rep]
            muts = [mutation(i, "customer.upsert", id=cid, name=name)
                    for i, (cid, name) in enumerate(mine, start=1)]  # fmt: skip
            res = push(server, self.reps[rep], f"setup-{uuid7()}", *muts)
            assert all(r["status"] == "applied" for r in res), res

    def post(self, body: bytes, path: str = "orders", **params: Any) -> Any:
        with self.server.client(self.admin, timeout=60) as c:
            return c.post(f"/api/admin/import/{path}", content=body, params=params)

    def export(self, fmt: str, **params: Any) -> bytes:
        with self.server.client(self.admin, timeout=60) as c:
            r = c.get("/api/admin/orders", params={"format": fmt, **params})
        assert r.status_code == 200, r.text
        return r.content

    def orders(self) -> dict[str, dict[str, Any]]:
        """Every order by number, as the database holds it, with names for ids."""
        q = self.server.query
        orders = q(
            "SELECT o.id, o.number, o.customer_id, u.name AS rep, o.status, o.priority,"
            " o.due_date, o.notes, o.delivery_address, w.code AS warehouse, o.channel, o.total,"
            " o.discount_bp"
            " FROM orders o JOIN users u ON u.id = o.owner_id"
            " LEFT JOIN warehouses w ON w.id = o.warehouse_id WHERE o.deleted = ?", (False,),
        )  # fmt: skip
        out = {}
        for o in orders:
            lines = q("SELECT p.sku, l.qty, l.unit_price, l.discount_bp FROM order_lines l"
                      " JOIN products p"
                      " ON p.id = l.product_id WHERE l.order_id = ? AND l.deleted = ?"
                      " ORDER BY p.sku, l.qty", (o.pop("id"), False))  # fmt: skip
            out[o["number"]] = {**o, "lines": [tuple(ln.values()) for ln in lines]}
        return out


def csv_of(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def table_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


HEADER = ["number", "customer", "sku", "qty", "unit_price", "priority", "due_date", "warehouse",
          "notes", "delivery_address", "channel", "status", "sales_rep", "discount",
          "order_discount"]  # fmt: skip


def _made_on_phones(shop: Shop) -> None:
    """Orders as reps make them on their phones (not through an import): every field used."""
    a, b = shop.reps["rep-a"], shop.reps["rep-b"]
    res = push(shop.server, a, f"phone-{uuid7()}",
               mutation(1, "order.create", id=uuid7(), number="RT-1", customer_id="c-acme",
                        lines=[{"id": uuid7(), "product_id": "p-1", "qty": 3, "unit_price": 450},
                               {"id": uuid7(), "product_id": "p-2", "qty": 1,
                                "unit_price": 900, "discount_bp": 1250}], discount_bp=500,
                        priority="high", due_date=_day(7), notes="Ring twice,\n\"back door\"",
                        delivery_address="上海市 1 号", warehouse_id="wh-1"),
               mutation(2, "order.create", id=uuid7(), number="RT-2", customer_id="c-shan",
                        lines=[{"id": uuid7(), "product_id": "p-2", "qty": 12,
                                "unit_price": 13500}],
                        status="draft", priority="low",
                        # Text an export defuses ("'-2 …;'=…") and the import reads back as typed.
                        notes="-2 boxes short;=call first"))  # fmt: skip
    res += push(shop.server, b, f"phone-{uuid7()}",
                mutation(1, "order.create", id=uuid7(), number="RT-3", customer_id="c-bolt",
                         lines=[{"id": uuid7(), "product_id": "p-1", "qty": 1,
                                 "unit_price": 1}], channel="phone"))  # fmt: skip
    assert [r["status"] for r in res] == ["applied"] * 3, res


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_orders_export_imports_into_another_database_as_the_same_orders(
    serve: Callable[..., LiveServer], fmt: str
) -> None:
    source = Shop(serve())
    _made_on_phones(source)
    data = source.export(fmt)
    if fmt == "csv":  # the import's columns, one row per line, money in yuan
        rows = table_of(data)
        assert rows[0] == HEADER and len(rows) == 1 + 4
        rt2 = next(r for r in rows if r[0] == "RT-2")
        assert rt2[HEADER.index("unit_price")] == "135.00" and rt2[HEADER.index("sales_rep")] == "rep-a"
        cups = next(r for r in rows if r[0] == "RT-1" and r[2] == "T2")  # discounts in percent
        assert (cups[HEADER.index("discount")], cups[HEADER.index("order_discount")]) == ("12.5", "5")
    else:  # money cells are numbers shown with two decimals
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        prices = [row[HEADER.index("unit_price")] for row in sheet.iter_rows(min_row=2)]
        assert sorted(c.value for c in prices) == [0.01, 4.5, 9, 135]
        assert {c.number_format for c in prices} == {"0.00"}
    target = Shop(serve())
    r = target.post(data)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["created"], report["lines"], report["action"]) == (3, 4, "create")
    assert {x["outcome"] for x in report["rows"]} == {"created"}
    assert target.orders() == source.orders()
    # The same file again in create mode: every number is taken.
    again = assert_error(target.post(data), 422, "import_invalid")
    assert {(e["column"], e["code"]) for x in again["rows"] for e in x["errors"]} == {
        ("number", "duplicate_number")}  # fmt: skip


def test_update_mode_changes_orders_to_what_the_file_says(live_server: LiveServer) -> None:
    shop = Shop(live_server)
    _made_on_phones(shop)
    before = shop.orders()
    rows = table_of(shop.export("csv"))
    col = {name: i for i, name in enumerate(rows[0])}
    edited = [rows[0]]
    for row in rows[1:]:
        row = list(row)
        if row[0] == "RT-1" and row[col["sku"]] == "T2":
            continue  # the line is removed
        if row[0] == "RT-1":
            row[col["qty"]], row[col["notes"]] = "5", "Leave at the gate"
        if row[0] == "RT-2":
            row[col["status"]] = "submitted"
            row[col["due_date"]] = "2031/1/2"
        edited.append(row)
    edited.append(["RT-3", "", "T2", "2", "", "", "", "", "", "", "", "", "", "10%", ""])  # a new line
    with live_server.client(shop.admin) as c:
        dry = c.post("/api/admin/import/orders", content=csv_of(edited),
                     params={"mode": "update", "dry_run": "true"}).json()  # fmt: skip
    assert dry["ok"] and dry["updated"] == 3 and shop.orders() == before  # a check writes nothing
    r = shop.post(csv_of(edited), mode="update")
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["action"], report["updated"], report["created"]) == ("update", 3, 0)
    assert {x["outcome"] for x in report["rows"]} == {"updated"}
    after = shop.orders()
    assert after["RT-1"]["lines"] == [("T1", 5, 450, 0)]
    # 5 × 4.50 less the order's 5 % (kept: the file says it as it was), to the fen.
    assert after["RT-1"]["notes"] == "Leave at the gate" and after["RT-1"]["total"] == 2138
    assert (after["RT-2"]["status"], after["RT-2"]["due_date"]) == ("submitted", "2031-01-02")
    assert after["RT-3"]["lines"] == [("T1", 1, 1, 0), ("T2", 2, 900, 1000)]
    for number in after:  # what the file did not change stayed
        for field in ("customer_id", "rep", "priority", "delivery_address", "warehouse"):
            assert after[number][field] == before[number][field]
    # Every change went through the engine as the admin's mutations, logged like a push.
    logged = live_server.query("SELECT name, status FROM mutation_log WHERE client_id LIKE ?",
                               ("import-%",))  # fmt: skip
    assert sorted(m["name"] for m in logged) == sorted([
        "order.update", "order.line.upsert", "order.line.remove",  # RT-1
        "order.update", "order.transition",  # RT-2
        "order.line.upsert",  # RT-3
    ])  # fmt: skip
    # The same file again changes nothing: each order is already so.
    again = shop.post(csv_of(edited), mode="update").json()
    assert again["updated"] == 0 and {x["outcome"] for x in again["rows"]} == {"unchanged"}
    assert shop.orders() == after


def test_update_mode_refuses_unknown_orders_and_what_it_cannot_change(
    live_server: LiveServer,
) -> None:
    shop = Shop(live_server)
    _made_on_phones(shop)
    before = shop.orders()
    body = csv_of([
        HEADER,
        ["RT-1", "", "T1", "3", "4.50", "", "", "", "new notes", "", "", "", "", "", ""],
        ["NOPE-1", "Acme Tea", "T1", "1", "", "", "", "", "", "", "", "", "", "", ""],
        ["RT-3", "", "T1", "1", "0.01", "", "", "", "", "", "", "", "rep-a", "", ""],
        ["RT-2", "", "T2", "12", "135", "", "", "", "", "", "web", "", "", "", ""],
    ])  # fmt: skip
    got = assert_error(shop.post(body, mode="update"), 422, "import_invalid")
    assert [(x["row"], e["column"], e["code"]) for x in got["rows"] for e in x["errors"]] == [
        (3, "number", "unknown_order"), (4, "sales_rep", "not_updatable"),
        (5, "channel", "not_updatable"),
    ]  # fmt: skip
    assert shop.orders() == before  # whole or nothing: RT-1's notes did not change either
    r = shop.post(body, mode="sideways")
    assert r.status_code == 400


def test_a_sales_rep_column_makes_the_order_the_reps(live_server: LiveServer) -> None:
    shop = Shop(live_server)
    phone = device_session(live_server, "rep-b", "sales", None)
    body = csv_of([
        HEADER,
        ["IMP-1", "Bolt, Ltd.", "T1", "2", "", "", "", "", "", "", "", "", "rep-b", "", ""],
        ["IMP-2", "Bolt, Ltd.", "T1", "1", "", "", "", "", "", "", "", "", "rep-b", "", ""],
        ["IMP-3", "Acme Tea", "T2", "1", "", "", "", "", "", "", "", "", "", "", ""],  # the admin's
    ])  # fmt: skip
    r = shop.post(body)
    assert r.status_code == 200, r.text
    orders = shop.orders()
    assert {n: o["rep"] for n, o in orders.items()} == {
        "IMP-1": "rep-b", "IMP-2": "rep-b", "IMP-3": "importer"}  # fmt: skip
    # The rep's phone pulls its orders (and not the admin's).
    assert sorted(o["number"] for o in pulled(live_server, phone, "orders")) == ["IMP-1", "IMP-2"]
    # The per-employee report credits the rep with them.
    with live_server.client(shop.admin) as c:
        report = c.get("/api/admin/reports/per-employee",
                       params={"from": _day(-1), "to": _day(1)}).json()  # fmt: skip
    counts = {row[1]: row[3] for row in report["table"]["rows"]}
    assert counts["rep-b"] == 2 and counts["importer"] == 1


def test_an_unknown_or_blind_sales_rep_is_a_row_error(live_server: LiveServer) -> None:
    shop = Shop(live_server)
    live_server.token("gone", "sales")

    async def disable(db: Any) -> None:
        async with db.write() as conn:
            await conn.execute("UPDATE users SET disabled = ? WHERE name = ?", (True, "gone"))

    live_server.run_db(disable)
    body = csv_of([
        HEADER,
        ["X-1", "Acme Tea", "T1", "1", "", "", "", "", "", "", "", "", "nobody", "", ""],
        ["X-2", "Acme Tea", "T1", "1", "", "", "", "", "", "", "", "", "rep-b", "", ""],  # rep-a's customer
        ["X-3", "Acme Tea", "T1", "1", "", "", "", "", "", "", "", "", "gone", "", ""],
        ["X-4", "Acme Tea", "T1", "1", "", "", "", "", "", "", "", "", "rep-a", "", ""],
    ])  # fmt: skip
    got = assert_error(shop.post(body), 422, "import_invalid")
    assert [(x["row"], e["column"], e["code"]) for x in got["rows"] for e in x["errors"]] == [
        (2, "sales_rep", "unknown_rep"), (3, "sales_rep", "customer_not_visible"),
        (4, "sales_rep", "rep_disabled"),
    ]  # fmt: skip
    assert shop.orders() == {}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_refused_files_rows_come_back_as_an_error_file(
    live_server: LiveServer, fmt: str
) -> None:
    shop = Shop(live_server)
    rows = [
        HEADER,
        ["E-1", "Acme Tea", "T1", "2", "", "", "", "", "", "", "", "", "", "", ""],
        ["E-2", "Nobody Inc", "T1", "2", "", "", "", "", "", "", "", "", "", "", ""],
        ["E-3", "Acme Tea", "T9", "x", "", "", "", "", "", "", "", "", "", "", ""],
    ]
    if fmt == "csv":
        body = csv_of(rows)
    else:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        out = io.BytesIO()
        book.save(out)
        body = out.getvalue()
    before = live_server.query("SELECT COUNT(*) AS n FROM mutation_log")
    r = shop.post(body, path="orders/errors")
    assert r.status_code == 200, r.text
    assert f'filename="orders-errors.{fmt}"' in r.headers["content-disposition"]
    if fmt == "csv":
        got = table_of(r.content)
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).active
        got = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert got[0] == [*HEADER, "error"]
    assert [row[:-1] for row in got[1:]] == [rows[2], rows[3]]  # the refused rows, as they were
    assert got[1][-1].startswith("customer: unknown_customer — ")
    assert "sku: unknown_sku" in got[2][-1] and "qty: wrong_type" in got[2][-1]
    # Nothing was written (the check is rehearsed and rolled back).
    assert live_server.query("SELECT COUNT(*) AS n FROM mutation_log") == before
    assert shop.orders() == {}


def test_update_mode_answers_what_the_rules_refuse_on_the_orders_first_row(
    live_server: LiveServer,
) -> None:
    shop = Shop(live_server)
    _made_on_phones(shop)
    before = shop.orders()
    body = csv_of([
        HEADER,
        ["RT-1", "", "T1", "3", "4.50", "", "", "", "new notes", "", "", "", "", "", ""],
        ["RT-1", "", "T2", "1", "9", "", "", "", "", "", "", "", "", "", ""],
        ["RT-3", "", "T1", "1", "0.01", "", "", "", "", "", "", "shipped", "", "", ""],  # not from submitted
    ])  # fmt: skip
    got = assert_error(shop.post(body, mode="update"), 422, "import_invalid")
    assert [(x["row"], e["column"], e["code"]) for x in got["rows"] for e in x["errors"]] == [
        (4, "number", "transition")]  # fmt: skip
    assert "RT-3" in got["rows"][2]["errors"][0]["message"]
    assert shop.orders() == before  # RT-1's valid change was rolled back with it
    assert live_server.query("SELECT COUNT(*) AS n FROM conflicts")[0]["n"] == 0


def test_only_importers_get_the_error_file(live_server: LiveServer) -> None:
    shop = Shop(live_server)
    body = csv_of([HEADER, ["E-1", "Nobody", "T1", "1", "", "", "", "", "", "", "", "", "", "", ""]])
    with live_server.client(shop.reps["rep-a"]) as c:
        r = c.post("/api/admin/import/orders/errors", content=body)
    assert_error(r, 403, "forbidden")
    r = shop.post(body, path="things/errors")
    assert r.status_code == 400



@pytest.fixture(scope="module")
def shared_shop(shared_server: LiveServer) -> Shop:
    return Shop(shared_server)


@pytest.mark.parametrize(("cell", "code"), [
    ("abc", "wrong_type"), ("120", "out_of_range"), ("-1", "negative"), ("1.234", "wrong_type"),
])  # fmt: skip
def test_a_bad_discount_is_a_cell_error(shared_shop: Shop, cell: str, code: str) -> None:
    body = csv_of([HEADER, [f"D-{uuid7()[-6:]}", "Acme Tea", "T1", "1", "", "", "", "", "", "",
                            "", "", "", cell, ""]])  # fmt: skip
    got = assert_error(shared_shop.post(body), 422, "import_invalid")
    assert [(e["column"], e["code"]) for x in got["rows"] for e in x["errors"]] == [
        ("discount", code)]  # fmt: skip
