"""The console says the same thing everywhere and says it in words (issue 17 items 12 and 13,
docs/admin.md): no two navigation entries with one name, a "Back to the list" link one can see,
no "Install the app" card on the desktop, disabling a user asks first and their device then reads
"User disabled", and the audit log names its subjects and actions, finds an order's entries by
its number and folds a client's run of changes into one row."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import Api, by, enroll

ORDER = "SAPI-00101"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-consistency")) as srv:
        srv.cli("seed-demo", "--orders", "12")
        yield srv


@pytest.fixture(scope="module")
def module_contexts() -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


@pytest.fixture(scope="module")
def admin(browser: Browser, module_contexts: list[BrowserContext], server: Server) -> Page:
    page = device(browser, module_contexts, viewport=DESKTOP)
    enroll(page, server.create_admin("Cora Console"))
    return page


def _open(page: Page, path: str, testid: str) -> None:
    page.goto(urljoin(page.url, path))
    expect(by(page, testid)).to_be_visible()


def test_no_two_navigation_entries_share_a_name(admin: Page) -> None:
    _open(admin, "/", "signed-in")
    labels = admin.locator("#app .side-nav .side-label").all_text_contents()
    assert len(labels) == len(set(labels)), labels
    assert {"My orders", "All orders", "My customers", "All customers", "My conflicts",
            "All conflicts"} <= set(labels), labels


def _contrast(page: Page, testid: str) -> float:
    """The contrast ratio of the element's text on its own background (WCAG's formula)."""
    return page.get_by_test_id(testid).evaluate("""(el) => {
        const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
        const lum = ([r, g, b]) => {
          const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        let bg = el;
        while (bg && getComputedStyle(bg).backgroundColor.match(/rgba\\(.*, 0\\)|transparent/)) bg = bg.parentElement;
        const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(getComputedStyle(bg).backgroundColor))];
        return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    }""")


def test_back_to_the_list_can_be_seen(admin: Page, server: Server) -> None:
    (row,) = Api.admin(server)._json("GET", "/api/admin/orders?limit=1")["rows"]  # type: ignore[index]
    _open(admin, f"/admin/orders/{row['id']}", "order-back")
    # Before: the link's blue on the title bar's blue, a ratio of 1.
    assert _contrast(admin, "order-back") >= 4.5


def test_the_install_card_is_a_phones(admin: Page) -> None:
    _open(admin, "/", "signed-in")
    card = by(admin, "install-prompt")
    expect(card).to_be_attached()  # this browser's storage is not persisted: the card is made
    expect(card).to_be_hidden()  # and the desktop console does not show it
    admin.set_viewport_size({"width": 400, "height": 800})
    try:
        expect(by(admin, "install-prompt")).to_be_visible()  # a phone does
    finally:
        admin.set_viewport_size(DESKTOP)


def test_disabling_a_user_asks_first_and_their_device_says_so(
    admin: Page, server: Server, browser: Browser, module_contexts: list[BrowserContext]
) -> None:
    _, link = Api.admin(server).invite("Dina Disabled")
    code = enroll(device(browser, module_contexts), link)
    _open(admin, "/admin/users", "admin-users")
    row = by(admin, "user-row").and_(admin.locator('[data-name="Dina Disabled"]'))
    row.get_by_test_id("user-toggle").click()
    expect(row.get_by_test_id("user-disable-ask")).to_contain_text("Dina Disabled")
    row.get_by_test_id("user-disable-cancel").click()
    expect(row).to_have_attribute("data-disabled", "false")
    row.get_by_test_id("user-toggle").click()
    row.get_by_test_id("user-disable-confirm").click()
    expect(row).to_have_attribute("data-disabled", "true")

    _open(admin, "/admin/devices", "admin-devices")
    phone = by(admin, "device-row").and_(admin.locator(f'[data-code="{code}"]'))
    expect(phone).to_have_attribute("data-user-disabled", "true")
    expect(phone.get_by_test_id("device-user-disabled")).to_have_text("User disabled")


def test_the_audit_log_in_words(admin: Page, server: Server) -> None:
    rep = Api.of(server, "rep1", "sales")
    truth = rep.pull_all()
    customer, product = next(iter(truth["customers"])), next(iter(truth["products"]))
    line = {"product_id": product, "qty": 1, "unit_price": 100}
    # One client's four changes in a row: one row of the log until opened.
    res = rep.push("audit-rep-phone", 1, *[("order.create", {
        "id": f"audit-order-{i}", "number": ORDER if i == 0 else f"SAPI-0020{i}",
        "customer_id": customer, "lines": [{**line, "id": f"audit-line-{i}"}]}) for i in range(4)])
    assert [r["status"] for r in res] == ["applied"] * 4, res

    _open(admin, "/admin/audit", "audit-table")
    group = by(admin, "audit-group").and_(admin.locator('[data-action="mutation.applied"]')).first
    expect(group).to_have_attribute("data-count", "4")
    expect(group).to_contain_text("4 × Change applied")
    expect(group).to_contain_text("audit-rep-phone")
    group.get_by_test_id("audit-group-toggle").click()
    expect(admin.locator("#app tr.in-group")).to_have_count(4)

    # The order's number finds its entry, named, linked to the order.
    by(admin, "audit-filter-subject").fill(ORDER)
    by(admin, "audit-search").click()
    expect(by(admin, "audit-row")).to_have_count(1)
    subject = by(admin, "audit-subject-name")
    expect(subject).to_have_attribute("data-kind", "order")
    expect(subject).to_contain_text(f"Order {ORDER}")
    expect(subject).to_contain_text("by order.create")
    expect(by(admin, "audit-action")).to_contain_text("Change applied")

    # The actions are a list of what the log holds, kinds of action first.
    by(admin, "audit-clear").click()
    options = by(admin, "audit-filter-action").locator("option").all_text_contents()
    assert "Sign-in and passkeys (all)" in options, options
    assert any(re.fullmatch(r"Change applied \(\d+\)", o) for o in options), options
    by(admin, "audit-filter-action").select_option("admin.*")
    by(admin, "audit-search").click()
    expect(by(admin, "audit-row").first).to_be_visible()
    expect(admin.locator('#app [data-testid="audit-row"]:not([data-action^="admin."])')).to_have_count(0)


def test_the_sales_chart_says_yuan_with_payments_on_their_own_axis(admin: Page) -> None:
    _open(admin, "/admin/reports", "admin-reports")
    by(admin, "report-picker").select_option("sales")
    chart = admin.locator('#app [data-testid="report-chart"][data-report="sales"]')
    expect(chart.locator("canvas")).to_have_count(1)
    # Days along x, order totals on the left, payments on the right: three axes.
    expect(chart.locator(".u-axis")).to_have_count(3)
    over = chart.locator(".u-over")
    box = over.bounding_box()
    assert box is not None
    admin.mouse.move(box["x"] + box["width"] - 4, box["y"] + box["height"] / 2)  # the last day
    values = chart.locator(".u-legend .u-series .u-value").all_text_contents()
    money = [v for v in values[1:] if v != "—"]
    assert money and all(re.fullmatch(r"CN¥[\d,]+\.\d\d", v) for v in money), values


def test_an_orders_timeline_reads_in_words(admin: Page, server: Server) -> None:
    api = Api.admin(server)
    (row,) = api._json("GET", "/api/admin/orders?status=submitted&limit=1")["rows"]  # type: ignore[index]
    oid = row["id"]
    res = api.push(f"words-desk-{oid[-6:]}", 1, ("order.update", {
        "id": oid, "base_version": api._json("GET", f"/api/admin/orders/{oid}")["version"],
        "set": {"delivery_address": "Gate 2", "priority": "high"}}))  # fmt: skip
    assert res[0]["status"] == "applied", res
    warehouses = api._json("GET", "/api/admin/warehouses")
    target = next(w for w in warehouses if w["id"] != row["warehouse_id"])  # type: ignore[index]
    api._json("POST", f"/api/admin/orders/{oid}/assign", {"warehouse_id": target["id"]})

    _open(admin, f"/admin/orders/{oid}", "order-detail")
    timeline = by(admin, "timeline-entry")
    edit = timeline.and_(admin.locator('[data-kind="mutation"][data-summary^="order.update"]'))
    expect(edit.get_by_test_id("timeline-what")).to_have_text("Order edit: Delivery address, Priority")
    assign = timeline.and_(admin.locator('[data-kind="admin"][data-summary="orders.assign"]'))
    expect(assign.get_by_test_id("timeline-what")).to_have_text("Order assigned")
    expect(assign).to_contain_text(f"Warehouse: {target['code']}")
    expect(assign).not_to_contain_text(target["id"])  # the warehouse by its code, not its id
    expect(timeline.and_(admin.locator('[data-kind="mutation"][data-summary="order.create"]'))
           .get_by_test_id("timeline-what")).to_have_text("New order")  # fmt: skip


def test_the_channel_filter_offers_the_channels_the_orders_have(admin: Page, server: Server) -> None:
    channels = Api.admin(server)._json("GET", "/api/admin/orders/channels")
    assert isinstance(channels, list) and channels
    _open(admin, "/admin/orders", "orders-filters")
    select = by(admin, "orders-filter-channel")
    expect(select.locator("option")).to_have_count(len(channels) + 1)  # and "All"
    values = [v for v in select.locator("option").evaluate_all("(os) => os.map((o) => o.value)") if v]
    assert values == [c["channel"] for c in channels], values
    first = channels[0]
    expect(select.locator(f'option[value="{first["channel"]}"]')).to_contain_text(f"({first['count']})")
