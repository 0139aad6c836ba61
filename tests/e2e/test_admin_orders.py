"""The admin console's orders pages (docs/admin.md § Orders) in a real browser on a real server
with the demo data: an admin at a desktop window sees the overdue alert and applies it, finds an
order by its number, filters by status, opens the order and reads its timeline (the rep's
order.create, the admin's status change, a picker's scan), then assigns a warehouse and a picker
and the change shows — on the page and in what devices pull."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.days import day
from tests.e2e.conftest import Server, device, new_server, serving
from tests.e2e.sales import Api, by, enroll

# The overdue alert counts against today: the demo orders are due after the day they are seeded,
# LATE-0001 a week before today.
pytestmark = pytest.mark.dates

# Wider than conftest's DESKTOP: the filter bar's grid of a wide window.
WIDE_DESKTOP = {"width": 1400, "height": 900}
ORDER = "DEMO1-00004"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-orders")) as srv:
        srv.cli("seed-demo", "--orders", "30")
        yield srv


@pytest.fixture
def admin_page(browser: Browser, contexts: list[BrowserContext], server: Server) -> Page:
    page = device(browser, contexts, viewport=WIDE_DESKTOP)
    enroll(page, server.create_admin("Olga Orders"))
    return page


def _order_id(api: Api, number: str) -> str:
    (row,) = api._json("GET", f"/api/admin/orders?q={number}")["rows"]  # type: ignore[index]
    return row["id"]


def test_an_admin_finds_filters_reads_and_assigns_an_order(
    server: Server, admin_page: Page
) -> None:
    api = Api.admin(server)
    oid = _order_id(api, ORDER)
    # What the timeline should show besides the rep's order.create: a status change by an admin
    # and a picker's scan; and an overdue order of rep1 for the alert.
    res = api.push("e2e-admin-desk", 1, ("order.transition",
                                         {"id": oid, "from": "submitted", "to": "confirmed"}))  # fmt: skip
    assert res[0]["status"] == "applied", res
    picker = Api.of(server, "picker1", "warehouse", "wh-main")
    Api.of(server, "picker2", "warehouse", "wh-north")  # the north depot's picker
    res = picker.push("e2e-picker-gun", 1, ("scan.record", {
        "id": f"scan-{oid[-12:]}", "action": "view", "result": "valid", "order_id": oid}))  # fmt: skip
    assert res[0]["status"] == "applied", res
    rep = Api.of(server, "rep1", "sales")
    truth = rep.pull_all()
    customer, product = next(iter(truth["customers"])), next(iter(truth["products"]))
    res = rep.push("e2e-rep1-phone", 1, ("order.create", {
        "id": f"late-{oid[-12:]}", "number": "LATE-0001", "customer_id": customer,
        "due_date": day(-7), "warehouse_id": "wh-main",
        "lines": [{"id": f"late-line-{oid[-8:]}", "product_id": product, "qty": 1,
                   "unit_price": 100}]}))  # fmt: skip
    assert res[0]["status"] == "applied", res

    page = admin_page
    expect(by(page, "side-nav")).to_be_visible()
    by(page, "nav-admin-orders").click()
    expect(page).to_have_url(re.compile(r"/admin/orders$"))
    expect(by(page, "admin-orders")).to_be_visible()
    rows = by(page, "order-row")
    expect(rows).to_have_count(31)
    expect(by(page, "orders-total")).to_have_attribute("data-total", "31")

    # The overdue alert, and its link applying the filter.
    alert = by(page, "overdue-alert")
    expect(alert).to_have_attribute("data-count", "1")
    by(page, "overdue-show").click()
    expect(page).to_have_url(re.compile(r"overdue=true"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-number", "LATE-0001")
    expect(rows.first.get_by_test_id("order-overdue")).to_be_visible()
    by(page, "orders-clear").click()
    expect(rows).to_have_count(31)

    # Find by number (any part of it, any case).
    by(page, "orders-search").fill(ORDER.lower()[2:])
    by(page, "orders-search").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-number", ORDER)
    by(page, "orders-clear").click()

    # Filter by status: only the confirmed one.
    by(page, "orders-filter-status").select_option("confirmed")
    expect(page).to_have_url(re.compile(r"status=confirmed"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-status", "confirmed")
    # The export links carry the filter.
    href = by(page, "orders-export-csv").get_attribute("href") or ""
    assert "status=confirmed" in href and href.endswith("format=csv"), href

    # The detail and its timeline.
    rows.first.get_by_test_id("order-open").click()
    expect(page).to_have_url(re.compile(rf"/admin/orders/{oid}"))
    detail = by(page, "order-detail")
    expect(detail).to_have_attribute("data-number", ORDER)
    expect(by(page, "order-line").first).to_be_visible()
    timeline = by(page, "timeline-entry")
    expect(timeline.and_(page.locator('[data-kind="mutation"][data-summary="order.create"]'))
           ).to_have_count(1)  # fmt: skip
    expect(timeline.and_(page.locator('[data-kind="status"][data-summary="submitted → confirmed"]'))
           ).to_have_count(1)  # fmt: skip
    scan = timeline.and_(page.locator('[data-kind="scan"]'))
    expect(scan).to_have_count(1)
    expect(scan).to_contain_text("picker1")

    # Assign the north depot and its picker (picker1 works at wh-main: the server refuses him).
    by(page, "assign-warehouse").select_option("wh-north")
    by(page, "assign-assignee").select_option(label="picker2")
    by(page, "assign-save").click()
    expect(by(page, "assign-result")).to_contain_text("NRTH")
    expect(by(page, "order-detail-warehouse")).to_have_text("NRTH")
    expect(by(page, "order-detail-assignee")).to_have_text("picker2")
    expect(timeline.and_(page.locator('[data-kind="admin"][data-summary="orders.assign"]'))
           ).to_have_count(1)  # fmt: skip
    # Devices pull it: the server's truth changed through the sync engine.
    pulled = api.pull_all()["orders"][oid]
    assert pulled["warehouse_id"] == "wh-north"
    assert pulled["assignee_id"] == api.user_id("picker2")

    # Back to the list, filter kept; the row shows the new warehouse and picker.
    by(page, "order-back").click()
    expect(page).to_have_url(re.compile(r"/admin/orders\?status=confirmed"))
    expect(rows.first.get_by_test_id("order-warehouse")).to_have_text("NRTH")
    expect(rows.first.get_by_test_id("order-assignee")).to_have_text("picker2")
