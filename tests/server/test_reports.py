"""The admin reports over HTTP (docs/admin.md § Reports): exact numbers for a small known world,
the same rows in CSV and XLSX, refused parameters.

The world is made through the sync engine (pushes of real clients: orders, transitions, payments,
scans, a redemption, a conflict, a rejected mutation); then its times are moved to fixed days of
March 2026 (the engine stamps the server's clock, and a report is about days), in one write to
the rows the pushes made.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec
import openpyxl
import pytest

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import assert_error, mutation
from tests.server.test_warehouse import device_session, push

# Reports of fixed past days, the overdue one counted against today, the default range ending
# today: all run again with the clock moved (make test-clock).
pytestmark = pytest.mark.dates

RANGE = {"from": "2026-03-01", "to": "2026-03-14"}
DAYS = [f"2026-03-{d:02}" for d in range(1, 15)]
WEEKS = ["2026-02-23", "2026-03-02", "2026-03-09"]
STEPS = ["confirmed", "picking", "packed", "shipped"]


def _t(day: int, hour: int) -> str:
    return f"2026-03-{day:02}T{hour:02}:00:00.000Z"


# Each order's history times, in order (the creation first), and what it becomes.
TIMES: dict[str, list[str]] = {
    "A": [_t(2, 9), _t(2, 12), _t(2, 12), _t(2, 12), _t(3, 9), _t(4, 10)],  # shipped 24 h, returned
    "B": [_t(2, 10), _t(2, 12), _t(2, 12), _t(2, 12), _t(2, 22)],  # shipped after 12 h
    "C": [_t(3, 8), _t(3, 9), _t(3, 9), _t(3, 9), _t(5, 8)],  # wh-2, shipped after 48 h
    "D": [_t(3, 11)],  # high priority, due 2026-03-02: overdue
    "E": [_t(4, 9), _t(4, 12)],  # cancelled
}


def _create(key: str, customer: str, **extra: Any) -> dict[str, Any]:
    qty = {"A": 2, "B": 1, "C": 3, "D": 1, "E": 1}[key]
    price = {"D": 300, "E": 700}.get(key, 500)
    return {"id": uuid7(), "number": f"R-{key}", "customer_id": customer,
            "warehouse_id": "wh-2" if key == "C" else "wh-1",
            "lines": [{"id": uuid7(), "product_id": "p-1", "qty": qty, "unit_price": price}],
            **extra}  # fmt: skip


def _ok(results: list[dict]) -> None:
    assert all(r["status"] == "applied" for r in results), results


@pytest.fixture(scope="module")
def world(shared_server: LiveServer) -> dict[str, Any]:
    server = shared_server

    async def warehouses(db: Any) -> None:
        rows = [{"id": w, "code": w.upper(), "name": w} for w in ("wh-1", "wh-2")]
        await put_rows(SqlSyncStore(db), Actor("u-admin", "admin"), "warehouses", rows)

    server.run_db(warehouses)
    boss = server.token("boss", "admin")
    with server.client(boss) as c:
        c.put("/api/catalog/products/p-1", json={"sku": "T1", "name": "Tea", "unit_price": 500})
    _ok(push(server, boss, "boss-stock", *[
        mutation(i + 1, "stock.move", id=uuid7(), product_id="p-1", warehouse_id=w, delta=100,
                 reason="receive") for i, w in enumerate(("wh-1", "wh-2"))
    ]))  # fmt: skip

    rep1, rep2 = server.token("rep1", "sales"), server.token("rep2", "sales")
    cust1, cust2 = uuid7(), uuid7()
    orders = {
        "A": _create("A", cust1),
        "B": _create("B", cust1, channel="phone"),
        "C": _create("C", cust2),
        "D": _create("D", cust2, priority="high", due_date="2026-03-02"),
        "E": _create("E", cust1),
    }
    ids = {k: o["id"] for k, o in orders.items()}
    _ok(push(server, rep1, "rep1-phone",
             mutation(1, "customer.upsert", id=cust1, name="Tea House"),
             *[mutation(i + 2, "order.create", **orders[k]) for i, k in enumerate("ABE")],
             mutation(5, "order.transition", id=ids["E"], **{"from": "submitted"}, to="cancelled"),
             mutation(6, "payment.record", id=uuid7(), order_id=ids["A"], method="cash",
                      amount=1000),
             mutation(7, "payment.record", id=uuid7(), order_id=ids["B"], method="card",
                      amount=500)))  # fmt: skip
    # Refunds take the refund permission (a rep's are refused): finance records them.
    _ok(push(server, server.token("fin", "finance"), "fin-desk",
             mutation(1, "payment.record", id=uuid7(), order_id=ids["A"], method="cash",
                      amount=-400),
             mutation(2, "payment.record", id=uuid7(), order_id=ids["A"], method="card",
                      amount=300, status="refunded"),
             mutation(3, "payment.record", id=uuid7(), order_id=ids["A"], method="card",
                      amount=-200, status="refunded")))  # fmt: skip
    _ok(push(server, rep2, "rep2-phone",
             mutation(1, "customer.upsert", id=cust2, name="Noodle Bar"),
             *[mutation(i + 2, "order.create", **orders[k]) for i, k in enumerate("CD")],
             mutation(4, "payment.record", id=uuid7(), order_id=ids["C"], method="transfer",
                      amount=1500, status="pending")))  # fmt: skip
    moves, n = [], 0
    for key in "ABC":
        prev = "submitted"
        for to in STEPS:
            n += 1
            moves.append(mutation(n, "order.transition", id=ids[key], **{"from": prev}, to=to))
            prev = to
    moves.append(mutation(n + 1, "order.transition", id=ids["A"], **{"from": "shipped"},
                          to="returned"))  # fmt: skip
    _ok(push(server, boss, "boss-desktop", *moves))

    picker = device_session(server, "picker", "warehouse", "wh-1")
    with server.client(boss) as c:
        token_b = c.get(f"/api/orders/{ids['B']}/qr").json()["token"]
    _ok(push(server, picker, "picker-handheld",
             *[mutation(i + 1, "scan.record", id=uuid7(), action="view", result="valid",
                        order_id=ids["B"], warehouse_id="wh-1") for i in range(2)],
             mutation(3, "qr.redeem", id=uuid7(), order_id=ids["B"], token=token_b)))  # fmt: skip
    # A conflict (an edit of an order that does not exist) and a rejected mutation.
    edit = {"id": uuid7(), "base_version": 1, "set": {"priority": "high"}}
    res = push(server, rep1, "rep1-tablet", mutation(1, "order.update", **edit),
               mutation(2, "no.such.mutation", x=1))  # fmt: skip
    assert [r["status"] for r in res] == ["conflict", "rejected"], res

    async def move_times(db: Any) -> None:
        async with db.write() as conn:
            for key, times in TIMES.items():
                row = await conn.fetchrow("SELECT status_history FROM orders WHERE id = ?",
                                          (ids[key],))  # fmt: skip
                history = msgspec.json.decode(row["status_history"])
                assert len(history) == len(times), (key, history)
                for entry, at in zip(history, times, strict=True):
                    entry["at"] = at
                await conn.execute(
                    "UPDATE orders SET created_at = ?, updated_at = ?, status_history = ?"
                    " WHERE id = ?",
                    (times[0], times[-1], msgspec.json.encode(history).decode(), ids[key]),
                )
            pay = {
                1000: _t(3, 10),
                500: _t(3, 11),
                -400: _t(4, 11),
                300: _t(4, 11),
                -200: _t(4, 12),
                1500: _t(5, 9),
            }
            for amount, at in pay.items():
                await conn.execute("UPDATE payments SET created_at = ? WHERE amount = ?",
                                   (at, amount))  # fmt: skip
            await conn.execute("UPDATE scans SET at = ?", (_t(3, 14),))
            await conn.execute("UPDATE redemptions SET at = ?", (_t(3, 15),))
            await conn.execute("UPDATE conflicts SET created_at = ?", (_t(3, 16),))
            await conn.execute("UPDATE mutation_log SET received_at = ? WHERE status = ?",
                               (_t(4, 16), "rejected"))  # fmt: skip

    server.run_db(move_times)
    user = {name: server.user_id(name) for name in ("boss", "rep1", "rep2", "picker")}
    return {"server": server, "boss": boss, "rep1": rep1, "ids": ids, "user": user}


def _get(world: dict[str, Any], name: str, **params: str) -> dict[str, Any]:
    with world["server"].client(world["boss"]) as c:
        r = c.get(f"/api/admin/reports/{name}", params={**RANGE, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    asked = {**RANGE, **params}
    assert (body["name"], body["from"], body["to"]) == (name, asked["from"], asked["to"])
    return body


def _series(body: dict[str, Any]) -> dict[str, list]:
    return {s["label"]: s["values"] for s in body["series"]}


def _on(days: dict[str, int], x: list[str] = DAYS) -> list[int]:
    return [days.get(d, 0) for d in x]


def test_orders_per_day_by_status_and_channel(world) -> None:
    body = _get(world, "orders-per-day")
    assert body["x"] == DAYS
    assert _series(body) == {
        "submitted": _on({"2026-03-03": 1}),
        "shipped": _on({"2026-03-02": 1, "2026-03-03": 1}),
        "cancelled": _on({"2026-03-04": 1}),
        "returned": _on({"2026-03-02": 1}),
        "field": _on({"2026-03-02": 1, "2026-03-03": 2, "2026-03-04": 1}),
        "phone": _on({"2026-03-02": 1}),
    }
    assert [s["group"] for s in body["series"]] == ["status"] * 4 + ["channel"] * 2
    table = body["table"]
    assert table["columns"] == ["day", "status.submitted", "status.shipped", "status.cancelled",
                                "status.returned", "channel.field", "channel.phone", "total"]  # fmt: skip
    assert table["rows"][1:4] == [
        ["2026-03-02", 0, 1, 0, 1, 1, 1, 2],
        ["2026-03-03", 1, 1, 0, 0, 2, 0, 2],
        ["2026-03-04", 0, 0, 1, 0, 1, 0, 1],
    ]
    only_wh2 = _get(world, "orders-per-day", warehouse_id="wh-2")
    assert _series(only_wh2) == {
        "shipped": _on({"2026-03-03": 1}),
        "field": _on({"2026-03-03": 1}),
    }


def test_sales_totals_and_payments(world) -> None:
    body = _get(world, "sales")
    assert body["table"]["columns"] == ["day", "orders", "order_total", "received", "refunded"]
    rows = {r[0]: r[1:] for r in body["table"]["rows"]}
    assert rows["2026-03-02"] == [2, 1500, 0, 0]  # A 1000 + B 500
    assert rows["2026-03-03"] == [2, 1800, 1500, 0]  # C 1500 + D 300; A's and B's payments
    # E cancelled. In: 300 (refunded since). Out: 400 (-400 paid), 300, 200 (-200 refunded).
    assert rows["2026-03-04"] == [0, 0, 300, 900]
    assert rows["2026-03-05"] == [0, 0, 0, 0]  # C's payment is pending
    assert sum(sum(r[1:]) for d, r in rows.items() if d not in DAYS[1:5]) == 0
    assert _series(body)["received"] == _on({"2026-03-03": 1500, "2026-03-04": 300})


def test_the_sales_xlsx_shows_money_in_yuan_with_two_decimals(world) -> None:
    # 1500 fen on 2026-03-02 is the number 15 shown as 15.00, never 1500 (issue 17 item 9).
    with world["server"].client(world["boss"]) as c:
        r = c.get("/api/admin/reports/sales", params={**RANGE, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in sheet[1]]
    day = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "2026-03-02")
    cells = dict(zip(header, day, strict=True))
    assert cells["order_total"].value == 15 and cells["order_total"].number_format == "0.00"
    money = [cells[m] for m in ("order_total", "received", "refunded")]
    assert {c.number_format for c in money} == {"0.00"} and cells["orders"].value == 2
    assert cells["orders"].number_format == "General"  # a count is not money


def test_processing_time_percentiles(world) -> None:
    body = _get(world, "processing-time")
    assert body["x"] == WEEKS
    assert body["table"]["rows"] == [
        ["2026-02-23", 0, None, None, None],
        ["2026-03-02", 3, 24.0, 48.0, 48.0],  # 12, 24, 48 hours (nearest rank)
        ["2026-03-09", 0, None, None, None],
    ]
    assert body["summary"]["rows"] == [
        ["wh-1", 2, 12.0, 24.0, 24.0],
        ["wh-2", 1, 48.0, 48.0, 48.0],
        ["all", 3, 24.0, 48.0, 48.0],
    ]
    assert _series(body)["p50"] == [None, 24.0, None]
    narrow = _get(world, "processing-time", **{"from": "2026-03-01", "to": "2026-03-03"})
    assert narrow["x"] == ["2026-02-23", "2026-03-02"]
    assert narrow["summary"]["rows"][-1] == ["all", 2, 12.0, 24.0, 24.0]  # C shipped on the 5th


def test_overdue_now(world) -> None:
    body = _get(world, "overdue")
    assert body["table"]["columns"] == ["day", "high", "total"]
    assert [r for r in body["table"]["rows"] if r[2]] == [["2026-03-03", 1, 1]]
    assert body["summary"] == {"columns": ["warehouse_id", "priority", "overdue"],
                               "rows": [["wh-1", "high", 1]]}  # fmt: skip
    assert _get(world, "overdue", warehouse_id="wh-2")["summary"]["rows"] == []


def test_return_rate_per_week(world) -> None:
    body = _get(world, "return-rate")
    assert body["table"]["rows"] == [
        ["2026-02-23", 0, 0, None],
        ["2026-03-02", 3, 1, 0.3333],
        ["2026-03-09", 0, 0, None],
    ]
    assert body["summary"]["rows"] == [[3, 1, 0.3333]]


def test_per_employee_throughput(world) -> None:
    body = _get(world, "per-employee")
    user = world["user"]
    assert body["table"]["columns"] == [
        "user_id", "user", "role", "orders", "transitions", "scans", "redemptions"
    ]  # fmt: skip
    assert body["table"]["rows"] == [
        [user["boss"], "boss", "admin", 0, 13, 0, 0],
        [user["picker"], "picker", "warehouse", 0, 0, 2, 1],
        [user["rep1"], "rep1", "sales", 3, 1, 0, 0],
        [user["rep2"], "rep2", "sales", 2, 0, 0, 0],
    ]
    assert body["x"] == ["boss", "picker", "rep1", "rep2"]
    assert _series(body)["transitions"] == [13, 0, 1, 0]


def test_sync_health(world) -> None:
    body = _get(world, "sync-health")
    rows = {r[0]: r[1:] for r in body["table"]["rows"]}
    assert rows["2026-03-02"] == [0, 0, 0]
    assert rows["2026-03-03"] == [0, 1, 1]
    assert rows["2026-03-04"] == [1, 0, 1]
    assert rows["2026-03-14"] == [0, 0, 1]  # still open
    buckets = dict(body["summary"]["rows"])
    assert list(buckets) == ["lt_1h", "lt_1d", "lt_3d", "older", "never"]
    assert sum(buckets.values()) == 1  # the picker's handheld, the one device


@pytest.mark.parametrize("name", ["orders-per-day", "sales", "processing-time", "overdue",
                                  "return-rate", "per-employee", "sync-health"])  # fmt: skip
def test_exports_have_the_tables_rows(world, name: str) -> None:
    table = _get(world, name)["table"]
    with world["server"].client(world["boss"]) as c:
        as_csv = c.get(f"/api/admin/reports/{name}", params={**RANGE, "format": "csv"})
        as_xlsx = c.get(f"/api/admin/reports/{name}", params={**RANGE, "format": "xlsx"})
    assert as_csv.status_code == 200 and as_xlsx.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert f'filename="{name}_2026-03-01_2026-03-14.csv"' in as_csv.headers["content-disposition"]
    # Money columns (the sales report's) in major units, never minor: 1250 fen is "12.50".
    money = [c in ("order_total", "received", "refunded") for c in table["columns"]]
    rows = [[v / 100 if m and v is not None else v for v, m in zip(r, money, strict=True)]
            for r in table["rows"]]  # fmt: skip
    expected = [[("" if v is None else f"{v:.2f}" if m else str(v)) for v, m in zip(row, money, strict=True)]
                for row in rows]  # fmt: skip
    got = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert got == [table["columns"], *expected]
    assert (name == "sales") == any(money)
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    cells = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == [table["columns"], *[["" if v is None else v for v in r] for r in rows]]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"from": "2026-13-01"}, 400, "invalid_request"),
        ({"to": "yesterday"}, 400, "invalid_request"),
        ({"from": "2026-03-10", "to": "2026-03-01"}, 400, "invalid_request"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, 400, "range_too_long"),
        ({"format": "pdf"}, 400, None),
    ],
)
def test_bad_parameters_are_4xx(world, params: dict, status: int, code: str | None) -> None:
    with world["server"].client(world["boss"]) as c:
        r = c.get("/api/admin/reports/sales", params=params)
    if code:
        assert_error(r, status, code)
    else:
        assert r.status_code == status, r.text


def test_an_unknown_report_is_404_and_a_rep_is_refused(world) -> None:
    with world["server"].client(world["boss"]) as c:
        assert_error(c.get("/api/admin/reports/nonsense"), 404, "not_found")
    with world["server"].client(world["rep1"]) as c:
        assert_error(c.get("/api/admin/reports/sales"), 403, "forbidden")


def test_the_default_range_is_the_last_30_days(world) -> None:
    with world["server"].client(world["boss"]) as c:
        body = c.get("/api/admin/reports/orders-per-day").json()
    assert len(body["x"]) == 30 and body["x"][-1] == body["to"] and body["x"][0] == body["from"]
