"""The console's tables and records (docs/admin.md § Tables, § Customers) in a real browser on a
real server with the demo data, at a desktop window: an admin sorts the orders by a column both
ways, picks a page size, pages on and reloads onto the same page, groups by status, saves a
filter and applies it again; creates, edits and notes a customer and an order (the rules decide:
devices pull what was made); and axe-core finds nothing on the new pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import Server, add_authenticator, device, new_server, serving
from tests.e2e.sales import Api, by, enroll
from tests.e2e.test_a11y import assert_no_violations

DESKTOP = {"width": 1280, "height": 800}
ORDERS = 60


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-records")) as srv:
        srv.cli("seed-demo", "--orders", str(ORDERS))
        yield srv


@pytest.fixture
def admin_page(browser: Browser, contexts: list[BrowserContext], server: Server) -> Page:
    page = device(browser, contexts, viewport=DESKTOP)
    enroll(page, server.create_admin("Tina Tables"))
    return page


def _numbers(page: Page) -> list[str]:
    return [r.get_attribute("data-number") or "" for r in by(page, "order-row").all()]


def test_sort_page_group_and_saved_filters(server: Server, admin_page: Page) -> None:
    every = Api.admin(server)._json("GET", "/api/admin/orders?limit=500")
    total = every["total"]  # type: ignore[index]
    numbers = sorted(r["number"] for r in every["rows"])  # type: ignore[index]
    assert total > 50
    page = admin_page
    by(page, "nav-admin-orders").click()
    rows = by(page, "order-row")
    expect(rows).to_have_count(50)

    # Sort by number: ascending, then descending; the header says which.
    header = by(page, "orders-sort-number")
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(page).to_have_url(re.compile(r"sort=number&dir=asc"))
    expect(rows.first).to_have_attribute("data-number", numbers[0])
    assert _numbers(page) == numbers[:50]
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(rows.first).to_have_attribute("data-number", numbers[-1])

    # 25 a page; page 2 in the address; a reload lands on it.
    by(page, "orders-size").select_option("25")
    expect(rows).to_have_count(25)
    by(page, "orders-next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(by(page, "orders-page")).to_have_attribute("data-page", "2")
    expect(rows.first).to_have_attribute("data-number", numbers[::-1][25])
    page.reload()
    expect(by(page, "orders-page")).to_have_attribute("data-page", "2")
    expect(rows).to_have_count(25)
    expect(rows.first).to_have_attribute("data-number", numbers[::-1][25])
    expect(by(page, "orders-sort-number")).to_have_attribute("aria-sort", "descending")
    # A page past the end (an old link): no rows, but the pager to go back.
    page.goto(f"{server.url}/admin/orders?size=25&page=99")
    expect(by(page, "orders-page")).to_have_attribute("data-page", "99")
    expect(rows).to_have_count(0)
    expect(by(page, "orders-previous")).to_be_enabled()
    page.go_back()
    expect(by(page, "orders-page")).to_have_attribute("data-page", "2")

    # Group by status: headers with the count of every match of the group.
    by(page, "orders-group-by").select_option("status")
    expect(page).to_have_url(re.compile(r"group=status"))
    expect(by(page, "orders-page")).to_have_attribute("data-page", "1")
    groups = by(page, "orders-group")
    expect(groups.first).to_be_visible()
    by_status: dict[str, int] = {}
    for r in every["rows"]:  # type: ignore[index]
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    first = groups.first.get_attribute("data-key") or ""
    expect(by(page, "orders-group-count").first).to_have_text(f"({by_status[first]})")
    for row in rows.all()[: by_status[first]][:25]:
        expect(row).to_have_attribute("data-status", first)

    # Save this filter, clear, and apply it again from the list.
    by(page, "orders-filter-priority").select_option("high")
    expect(page).to_have_url(re.compile(r"priority=high"))
    by(page, "orders-saved-name").fill("High, by status")
    by(page, "orders-saved-save").click()
    by(page, "orders-clear").click()
    expect(page).to_have_url(re.compile(r"/admin/orders$"))
    by(page, "orders-saved-pick").select_option("High, by status")
    expect(page).to_have_url(re.compile(r"priority=high"))
    expect(page).to_have_url(re.compile(r"group=status"))
    high = {r["number"] for r in every["rows"] if r["priority"] == "high"}  # type: ignore[index]
    expect(rows).to_have_count(min(len(high), 25))
    expect(by(page, "orders-total")).to_have_attribute("data-total", str(len(high)))
    assert {r.get_attribute("data-number") for r in rows.all()} <= high
    # It is kept in this browser: after a reload it is still offered; then deleted.
    page.reload()
    by(page, "orders-saved-pick").select_option("High, by status")
    by(page, "orders-saved-delete").click()
    expect(by(page, "orders-saved-pick").locator("option")).to_have_count(1)


def test_customers_page_create_edit_and_note(server: Server, admin_page: Page) -> None:
    page = admin_page
    by(page, "nav-admin-customers").click()
    expect(page).to_have_url(re.compile(r"/admin/customers$"))
    rows = by(page, "customer-row")
    expect(rows.first).to_be_visible()
    # Sorted by name ascending by default; a click on the header flips it.
    header = by(page, "customers-sort-name")
    expect(header).to_have_attribute("aria-sort", "ascending")
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(page).to_have_url(re.compile(r"dir=desc"))

    # Create one: the form shows the catalog's bound of the name as it is typed.
    by(page, "customer-new").click()
    by(page, "admin-customer-name-input").fill("Zhou Tea Garden")
    expect(by(page, "admin-customer-name-input-count")).to_contain_text("/")
    by(page, "admin-customer-region-input").fill("Hangzhou")
    by(page, "admin-customer-save").click()
    expect(by(page, "admin-customer-name")).to_have_text("Zhou Tea Garden")
    expect(page).to_have_url(re.compile(r"/admin/customers/[0-9a-f-]+$"))
    cid = by(page, "admin-customer").get_attribute("data-id")

    # Edit it: the phone set, through the rule (a device pulls the customer).
    by(page, "admin-customer-edit").click()
    by(page, "admin-customer-phone-input").fill("0571-8888")
    by(page, "admin-customer-save").click()
    expect(by(page, "admin-customer-phone")).to_have_text("0571-8888")
    activity = by(page, "activity-entry")
    expect(activity.and_(page.locator('[data-summary="customers.edit"]'))).to_have_count(1)

    # A note joins the activity, and stays after a reload.
    by(page, "customer-note-text").fill("Prefers delivery on Mondays")
    by(page, "customer-note-save").click()
    expect(by(page, "activity-note")).to_have_text("Prefers delivery on Mondays")
    page.reload()
    expect(by(page, "activity-note")).to_have_text("Prefers delivery on Mondays")

    # In the list, grouped by region, under its own group.
    page.goto(f"{server.url}/admin/customers?group=region&q=Zhou")
    expect(rows).to_have_count(1)
    expect(by(page, "customers-group")).to_have_attribute("data-key", "Hangzhou")
    expect(by(page, "customers-group-count")).to_have_text("(1)")
    assert rows.first.get_attribute("data-id") == cid


def test_an_order_created_edited_and_noted_in_the_console(server: Server, admin_page: Page) -> None:
    api = Api.admin(server)
    made = api._json("POST", "/api/admin/customers", {"name": "Qian Noodle Bar", "phone": "021-77"})
    product = api._json("GET", "/api/admin/products?active=true&limit=1")["rows"][0]  # type: ignore[index]
    page = admin_page
    by(page, "nav-admin-orders").click()
    by(page, "order-new").click()
    expect(page).to_have_url(re.compile(r"/admin/orders/new$"))
    form = by(page, "order-form")
    # The catalog's bounds are shown before they are hit.
    expect(by(page, "order-form-limits")).to_contain_text("1,000,000")
    by(page, "order-form-customer-search").fill("Qian")
    by(page, "order-form-customer-find").click()
    by(page, "order-form-customer").select_option(made["customer"]["id"])  # type: ignore[index]
    by(page, "order-form-product").select_option(product["id"])
    by(page, "order-form-qty").fill("3")
    by(page, "order-form-price").fill("12.50")  # yuan
    expect(by(page, "order-form-total")).to_contain_text("37.50")
    by(page, "order-form-notes").fill("Side door")
    form.get_by_test_id("order-form-save").click()

    detail = by(page, "order-detail")
    expect(detail).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/orders/[0-9a-f-]+$"))
    expect(by(page, "order-customer")).to_contain_text("Qian Noodle Bar")
    expect(by(page, "order-status")).to_contain_text(re.compile("draft", re.I))
    expect(by(page, "order-line")).to_have_count(1)
    expect(by(page, "order-line")).to_contain_text("37.50")
    oid = detail.get_attribute("data-id")
    # The order is the engine's: what devices pull.
    assert api.pull_all()["orders"][oid]["total"] == 3750

    # Edit its priority and notes: order.update from the version read.
    by(page, "order-edit").click()
    by(page, "order-edit-priority").select_option("high")
    by(page, "order-edit-notes").fill("Back door now")
    by(page, "order-edit-save").click()
    expect(by(page, "order-edit-form")).to_have_count(0)
    expect(detail).to_contain_text("Back door now")
    timeline = by(page, "timeline-entry")
    expect(timeline.and_(page.locator('[data-summary="orders.edit"]'))).to_have_count(1)
    assert api.pull_all()["orders"][oid]["priority"] == "high"

    # Its line's quantity changed: order.line.upsert, the total follows.
    by(page, "order-edit").click()
    by(page, "lines-editor-qty").fill("4")
    by(page, "lines-editor-save").click()
    expect(by(page, "order-line")).to_contain_text("50.00")
    assert api.pull_all()["orders"][oid]["total"] == 5000
    line_set = timeline.and_(page.locator('[data-summary="orders.line"]'))
    expect(line_set).to_contain_text("4 × ")
    by(page, "order-edit").click()
    expect(by(page, "order-edit-form")).to_have_count(0)

    # A note, in the timeline; after a reload too.
    by(page, "order-note-text").fill("Called the customer: Friday is fine")
    by(page, "order-note-save").click()
    note = timeline.and_(page.locator('[data-summary="orders.note"]'))
    expect(note).to_contain_text("Called the customer: Friday is fine")
    page.reload()
    expect(note).to_contain_text("Called the customer: Friday is fine")


def test_the_new_pages_have_no_axe_violations(browser: Browser, server: Server) -> None:
    """The table (sorted, grouped, with its pager and saved filters), a customer's page with its
    form open, and the new order form: axe-core's default rules (as tests/e2e/test_a11y.py)."""
    api = Api.admin(server)
    made = api._json("POST", "/api/admin/customers", {"name": "Axe Check Ltd", "region": "East"})
    context = browser.new_context(bypass_csp=True, locale="en-US", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        add_authenticator(context, page)
        enroll(page, server.create_admin("Alma Axe"))
        page.goto(f"{server.url}/admin/orders?group=status&sort=number&dir=asc&size=25")
        expect(by(page, "orders-group").first).to_be_visible()
        assert_no_violations(page, "orders table, grouped")
        page.goto(f"{server.url}/admin/customers?group=region")
        expect(by(page, "customers-group").first).to_be_visible()
        assert_no_violations(page, "customers table, grouped")
        page.goto(f"{server.url}/admin/customers/{made['customer']['id']}")  # type: ignore[index]
        by(page, "admin-customer-edit").click()
        expect(by(page, "admin-customer-form")).to_be_visible()
        assert_no_violations(page, "a customer, its form open")
        page.goto(f"{server.url}/admin/orders/new")
        expect(by(page, "order-form-product")).to_be_visible()
        assert_no_violations(page, "the new order form")
    finally:
        context.close()
