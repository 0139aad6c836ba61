"""The admin reports page (docs/admin.md § Reports) in a real browser on a real server: with a
few orders pushed by a rep and moved along by an admin, every report draws a uPlot canvas and a
table whose numbers are the API's, and Export CSV downloads the same rows."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.days import day
from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import SYNC_TIMEOUT, Api, by, enroll

# The page's default range ends today; one order is due two days before today (overdue).
pytestmark = pytest.mark.dates

REPORTS = [
    "orders-per-day", "sales", "processing-time", "overdue", "return-rate", "per-employee",
    "sync-health",
]  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-reports")) as srv:
        yield srv


@pytest.fixture
def admin_page(browser: Browser, contexts: list[BrowserContext], server: Server) -> Page:
    # The server's days are UTC days; the page's default range ends on the browser's today. A
    # browser west of UTC in its evening is a day behind and leaves today's orders out: the
    # browser keeps UTC here, as the server does.
    page = device(browser, contexts, viewport=DESKTOP, accept_downloads=True, timezone_id="UTC")
    enroll(page, server.create_admin("Ada Admin"))
    return page


def _orders(server: Server) -> None:
    """Three orders of a rep (two channels, one overdue), two of them shipped by an admin, one
    paid."""
    admin = Api.admin(server)
    product = admin.put_product("TEA", "Tea", 500)
    rep = Api.of(server, "Rita Rep", "sales")
    customer = str(uuid.uuid4())
    ids = [str(uuid.uuid4()) for _ in range(3)]
    past = day(-2)  # overdue
    orders = [
        ("order.create", {"id": ids[i], "number": f"RPT-{i}", "customer_id": customer,
                          "channel": channel, "priority": priority, "due_date": due,
                          "lines": [{"id": str(uuid.uuid4()), "product_id": product,
                                     "qty": i + 1, "unit_price": 500}]})
        for i, (channel, priority, due) in enumerate(
            [("field", "normal", None), ("phone", "normal", None), ("field", "high", past)]
        )
    ]  # fmt: skip
    for order in orders:  # no due date: leave it out (the API takes a date or nothing)
        if order[1]["due_date"] is None:
            del order[1]["due_date"]
    results = rep.push("rita-phone", 1, ("customer.upsert", {"id": customer, "name": "Tea House"}),
                       *orders, ("payment.record", {"id": str(uuid.uuid4()), "order_id": ids[0],
                                                    "method": "cash", "amount": 500}))  # fmt: skip
    assert [r["status"] for r in results] == ["applied"] * 5, results
    steps = ["submitted", "confirmed", "picking", "packed", "shipped"]
    moves = [
        ("order.transition", {"id": order_id, "from": a, "to": b})
        for order_id in ids[:2]
        for a, b in zip(steps, steps[1:], strict=False)
    ]
    results = admin.push("boss-desktop", 1, *moves)
    assert all(r["status"] == "applied" for r in results), results


def _table(page: Page, testid: str) -> list[list[str]]:
    rows = by(page, testid).locator("tbody tr")
    return [
        [cell.get_attribute("data-value") or "" for cell in row.locator("td").all()]
        for row in rows.all()
    ]


def _same(rows: list[list]) -> list[list]:
    """Rows to compare: numbers as numbers (the page writes 24 for the API's 24.0), None as ""."""

    def one(v: object) -> object:
        if v is None:
            return ""
        try:
            return float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return str(v)

    return [[one(v) for v in row] for row in rows]


def test_every_report_draws_a_chart_and_its_tables_numbers(server: Server, admin_page: Page):
    _orders(server)
    page = admin_page
    api = Api.admin(server)
    page.goto(f"{server.url}/admin/reports")
    expect(by(page, "admin-reports")).to_be_visible()
    for name in REPORTS:
        by(page, "report-picker").select_option(name)
        report = page.locator(f'[data-testid="report"][data-name="{name}"]')
        expect(report).to_be_visible(timeout=SYNC_TIMEOUT)
        expect(by(page, "report-chart").locator("canvas")).to_have_count(1)
        start, end = report.get_attribute("data-from"), report.get_attribute("data-to")
        truth = api._json("GET", f"/api/admin/reports/{name}?from={start}&to={end}")
        assert isinstance(truth, dict)
        if truth["table"]["rows"]:
            assert _same(_table(page, "report-table")) == _same(truth["table"]["rows"]), name
        else:
            expect(by(page, "report-table")).to_have_count(0)
        if truth.get("summary") and truth["summary"]["rows"]:
            assert _same(_table(page, "report-summary")) == _same(truth["summary"]["rows"]), name
        if name == "orders-per-day":  # the three orders are in the numbers shown
            assert sum(int(r[-1]) for r in _table(page, "report-table")) == 3
        if name == "overdue":
            assert _table(page, "report-summary") == [["", "high", "1"]]

    # Export CSV: a download with the rows the page shows.
    by(page, "report-picker").select_option("orders-per-day")
    expect(page.locator('[data-testid="report"][data-name="orders-per-day"]')).to_be_visible()
    shown = _table(page, "report-table")
    with page.expect_download() as info:
        by(page, "report-export-csv").click()
    download = info.value
    assert re.fullmatch(r"orders-per-day_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv",
                        download.suggested_filename)  # fmt: skip
    with open(download.path(), encoding="utf-8-sig") as f:
        got = list(csv.reader(io.StringIO(f.read())))
    assert _same(got[1:]) == _same(shown)
    assert got[0][0] == "day" and got[0][-1] == "total"
