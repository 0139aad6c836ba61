"""Accessibility (docs/pwa.md § Accessibility): every page of the app, on a phone and in the
admin console at a desktop window, with real data in it, has no violation axe-core finds (its
default rules: WCAG 2 A and AA, and best practices), and the first Tab stop is a skip link that
moves focus to the page's main content.

axe-core comes from pwa/node_modules (a devDependency: never served to phones). It is injected
with ``page.add_script_tag``, an inline script the app's Content-Security-Policy would refuse, so
these browser contexts bypass the policy (test_csp.py checks the policy itself). A page is
reached the way a link in the app reaches it (history.pushState and the router's event), then
the test waits for what the page shows before axe looks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from sync.ids import uuid7
from tests.e2e.conftest import DESKTOP, ROOT, Server, add_authenticator, new_server, serving
from tests.e2e.sales import PHONE, SYNC_TIMEOUT, Api, by, enroll
from tests.e2e.warehouse import Orders, wedge

AXE = ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js"
WAREHOUSE = "wh-main"
TEA = ("p-tea-grn", 2, 4500)  # product, qty, unit price (fen)

# axe's own defaults (every rule tagged wcag2a, wcag2aa, wcag21a, wcag21aa, best-practice, ...),
# violations only.
RUN = """async () => {
  const got = await axe.run(document, { resultTypes: ['violations'] });
  return got.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    more: Math.max(0, v.nodes.length - 5),
  }));
}"""

# In-app navigation, as a <Link> does it (pwa/js/ui/router.js): no reload, axe stays loaded.
GO = """(path) => {
  history.pushState(null, '', path);
  dispatchEvent(new Event('orderly:navigate'));
}"""


RING = """() => {
  const s = getComputedStyle(document.activeElement);
  return { style: s.outlineStyle, width: s.outlineWidth, color: s.outlineColor };
}"""


def violations(page: Page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN)


def report(where: str, found: list[dict]) -> str:
    lines = [f"{where}: {len(found)} axe violation(s)"]
    for v in found:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
        if v["more"]:
            lines.append(f"    ... and {v['more']} more")
    return "\n".join(lines)


def assert_no_violations(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, report(where, found)


def visit(page: Page, path: str) -> None:
    """Opens ``path`` afresh: through a screen of nothing first, so a page left open by the
    test before (a form, a row opened) is mounted anew whatever order the tests run in."""
    page.evaluate(GO, "/a11y-blank")
    page.evaluate(GO, path)


# ---- the data: the demo, an order at every stage, a conflict, a held order, a case --------------


@dataclass
class Ids:
    """What the pages' addresses name, and the enrollment links of the devices."""

    rep_link: str
    admin_link: str
    new_link: str  # an enrollment nobody has used (the signed-out enroll page)
    order: str  # one of rep1's orders: delivered, paid in part, a complaint about it
    customer: str  # that order's customer
    open_order: str  # one of rep1's orders still submitted (editable)
    conflict: str  # the console's conflict
    case: str  # an after-sales case
    picker_link: str  # a warehouse handheld of wh-main
    pick_url: str  # the QR code of a confirmed order of wh-main (a pick list on the handheld)
    ship_url: str  # the QR code of a shipped, paid order of wh-main (what can be done with it)
    barcode: str  # a product's barcode (a stocktake count)


def _prepare(server: Server) -> Ids:
    admin = Api.admin(server, "A11y Admin")
    rep = Api.of(server, "rep1", "sales")
    try:
        rep1 = admin.user_id("rep1")
        truth = admin.pull_all()
        orders = sorted(truth["orders"].values(), key=lambda o: o["number"])
        mine = [o for o in orders if o["owner_id"] == rep1]
        walked, conflicted = mine[0], mine[1]
        client, n = "e2e-a11y-admin", 1
        steps = ["confirmed", "picking", "packed", "shipped", "delivered"]
        batch: list[tuple[str, dict]] = []
        now = walked["status"]
        for to in steps:
            batch.append(("order.transition", {"id": walked["id"], "from": now, "to": to}))
            now = to
        batch.append(
            (
                "payment.record",
                {
                    "id": uuid7(),
                    "order_id": walked["id"],
                    "method": "transfer",
                    "amount": walked["total"] // 2,
                    "status": "paid",
                },
            )
        )
        results = admin.push(client, n, *batch)
        assert {r["status"] for r in results} == {"applied"}, results
        n += len(batch)
        # A conflict of rep1's: the admin changed the priority first.
        theirs, ours = [p for p in ("high", "normal", "low") if p != conflicted["priority"]]
        change = {"id": conflicted["id"], "base_version": conflicted["version"]}
        [r] = admin.push(client, n, ("order.update", {**change, "set": {"priority": theirs}}))
        assert r["status"] == "applied", r
        [r] = rep.push("e2e-a11y-rep1", 1, ("order.update", {**change, "set": {"priority": ours}}))
        assert r["status"] == "conflict", r
        # Review: orders above 2,000.00 wait for a person; rep1 sends a big one.
        admin._json(
            "PUT",
            "/api/admin/review-rules",
            {"abnormal_amount": {"enabled": True, "amount": 200_000}},
        )
        product = sorted(truth["products"])[0]
        big = {
            "id": uuid7(),
            "number": "K7F-00098",
            "customer_id": conflicted["customer_id"],
            "lines": [{"id": uuid7(), "product_id": product, "qty": 40, "unit_price": 12800}],
        }
        [r] = rep.push("e2e-a11y-rep1", 2, ("order.create", big))
        assert r["status"] == "applied", r
        # Low stock, a complaint, an open stocktake.
        admin._json("PATCH", f"/api/admin/products/{product}", {"reorder_point": 5000})
        case = admin._json(
            "POST",
            "/api/admin/after-sales",
            {
                "kind": "complaint",
                "category": "damaged",
                "order_id": walked["id"],
                "description": "Two cartons arrived crushed.",
            },
        )
        warehouse = sorted(truth["warehouses"])[0]
        admin._json("POST", "/api/stocktakes", {"warehouse_id": warehouse})
        conflicts = admin._json("GET", "/api/admin/conflicts")
        conflict = conflicts["rows"][0]["id"]
        _, new_link = admin.invite(f"Nell New {uuid.uuid4().hex[:4]}")
        picker = admin._json(
            "POST",
            "/api/admin/users",
            {"name": "A11y Picker", "role": "warehouse", "warehouse_id": WAREHOUSE},
        )
        tea = truth["products"][TEA[0]]
        made = Orders(admin, server.url, "AX")
        ready = made.make([TEA], status="confirmed", paid=False)
        shipped = made.make([TEA], status="shipped")
        return Ids(
            rep_link=admin.enrollment_link(rep1),
            admin_link=admin.enrollment_link(admin.user_id("admin")),
            new_link=new_link,
            order=walked["id"],
            customer=walked["customer_id"],
            open_order=mine[2]["id"],
            conflict=conflict,
            case=case["id"],
            picker_link=picker["enrollment"]["url"],
            pick_url=ready.url,
            ship_url=shipped.url,
            barcode=tea["barcode"],
        )
    finally:
        admin.http.close()
        rep.http.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = new_server(tmp_path_factory, "a11y")
    srv.cli("seed-demo", "--orders", "12")
    with serving(srv):
        yield srv


@pytest.fixture(scope="module")
def ids(server: Server) -> Ids:
    return _prepare(server)


def _context(browser: Browser, **options: object) -> BrowserContext:
    context = browser.new_context(bypass_csp=True, locale="en-US", **options)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture(scope="module")
def phone(browser: Browser, ids: Ids) -> Iterator[Page]:
    """rep1's phone, enrolled and synced."""
    context = _context(browser, **PHONE)
    page = context.new_page()
    add_authenticator(context, page)
    enroll(page, ids.rep_link)
    yield page
    context.close()


@pytest.fixture(scope="module")
def desktop(browser: Browser, ids: Ids) -> Iterator[Page]:
    """The demo admin at a desktop window (the console's layout)."""
    context = _context(browser, viewport=DESKTOP)
    page = context.new_page()
    add_authenticator(context, page)
    enroll(page, ids.admin_link)
    expect(by(page, "side-nav")).to_be_visible()
    yield page
    context.close()


@pytest.fixture(scope="module")
def handheld(browser: Browser, ids: Ids) -> Iterator[Page]:
    """A warehouse user's handheld of wh-main, enrolled and synced."""
    context = _context(browser, **PHONE)
    page = context.new_page()
    add_authenticator(context, page)
    enroll(page, ids.picker_link)
    yield page
    context.close()


@pytest.fixture
def stranger(browser: Browser) -> Iterator[Page]:
    """A phone nobody signed in on."""
    context = _context(browser, **PHONE)
    yield context.new_page()
    context.close()


# ---- the pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """A page: its address (``{order}`` etc. from ``Ids``), what shows it has loaded, and what
    to do there first (open a row, fill a form)."""

    path: str
    ready: str  # a test id: the first such element must be visible
    then: Callable[[Page, Ids], object] | None = None
    shown: str | None = None  # a test id visible after ``then``


def _click(testid: str) -> Callable[[Page, Ids], None]:
    return lambda page, _: by(page, testid).first.click()


def _order_with_a_line(page: Page, _: Ids) -> None:
    by(page, "customer-search").fill("a")
    by(page, "customer-option").first.click()
    by(page, "line-add").click()
    by(page, "product-option").first.click()
    by(page, "product-picker-close").click()
    by(page, "line").first.get_by_test_id("line-qty").fill("2")


PHONE_PAGES = {
    "home": Visit("/", "signed-in"),
    "customers": Visit("/customers", "customer-item"),
    "customer-new": Visit("/customers/new", "customer-form"),
    "customer": Visit("/customers/{customer}", "customer-order"),
    "customer-edit": Visit("/customers/{customer}/edit", "customer-form"),
    "products": Visit("/products", "product-item", _click("product-item"), "stock-row"),
    "orders": Visit("/orders", "order-item"),
    "order-new": Visit("/orders/new", "order-new", _order_with_a_line, "line"),
    "order": Visit("/orders/{order}", "timeline-step"),
    "order-edit": Visit("/orders/{open_order}", "order-edit", _click("order-edit"), "order-form"),
    "conflicts": Visit("/conflicts", "conflict-item"),
    "conflict": Visit("/conflicts", "conflict-item", _click("conflict-item"), "conflict-mine"),
    "refused": Visit("/refused", "refused"),
    "settings": Visit("/settings", "settings"),
    "scan": Visit("/scan", "scan"),
    "stocktake": Visit("/stocktake", "stocktake"),
}


def _count(page: Page, ids: Ids) -> None:
    """A stocktake started and one product counted. The screen settles first (a session shown or
    the start button), and the barcode is read again until the handheld's catalog has it (a
    fresh handheld may still be syncing its products)."""
    expect(by(page, "stocktake-session").or_(by(page, "stocktake-start")).first).to_be_visible(
        timeout=30_000)  # fmt: skip
    if not by(page, "stocktake-session").count():
        by(page, "stocktake-start").click()
    expect(by(page, "stocktake-scan")).to_be_focused()
    for _ in range(10):
        by(page, "stocktake-scan").focus()
        page.keyboard.type(ids.barcode)
        page.keyboard.press("Enter")
        try:
            expect(by(page, "stocktake-count")).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            by(page, "stocktake-scan").fill("")
    by(page, "stocktake-count").fill("7")
    by(page, "stocktake-save").click()


def _pick(page: Page, ids: Ids) -> None:
    """The order's code read by the scan field (a wedge scanner), then Pick."""
    wedge(page, ids.pick_url)
    by(page, "scan-action-pick").click()


HANDHELD_PAGES = {
    "home": Visit("/", "signed-in"),
    "scan-result": Visit(
        "/scan", "scan-input", lambda p, ids: wedge(p, ids.ship_url), "scan-actions"
    ),
    "pick-list": Visit(
        "/scan",
        "scan-input",
        _pick,
        "pick-line",
    ),
    "stocktake": Visit("/stocktake", "stocktake", _count, "stocktake-line"),
    "scanner-test": Visit("/scanner-test", "scanner-test"),
}


def _invite(page: Page, _: Ids) -> None:
    """An invitation: the enrollment link and its QR code on screen."""
    by(page, "invite-name").fill(f"Ivy Invited {uuid.uuid4().hex[:4]}")
    by(page, "invite-role").select_option("sales")
    by(page, "invite-submit").click()


ADMIN_PAGES = {
    "users": Visit("/admin/users", "user-row"),
    "users-invite": Visit("/admin/users", "user-row", _invite, "enrollment-panel"),
    "devices": Visit("/admin/devices", "device-row"),
    "devices-passkeys": Visit("/admin/devices", "device-row", _click("device-user"), "passkey-row"),
    "tokens": Visit("/admin/tokens", "token-row"),
    "mutations": Visit(
        "/admin/mutations", "mutation-row", _click("mutation-toggle"), "mutation-detail"
    ),
    "orders": Visit("/admin/orders", "order-row"),
    "order": Visit("/admin/orders/{order}", "order-timeline"),
    "review": Visit("/admin/review", "review-order"),
    "conflicts": Visit("/admin/conflicts", "admin-conflict-row"),
    "conflict": Visit("/admin/conflicts/{conflict}", "admin-conflict-detail"),
    "inventory-stock": Visit("/admin/inventory?tab=stock", "stock-row"),
    "inventory-products": Visit("/admin/inventory?tab=products", "product-row"),
    "inventory-warehouses": Visit("/admin/inventory?tab=warehouses", "warehouse-row"),
    "inventory-warehouse-edit": Visit(
        "/admin/inventory?tab=warehouses",
        "warehouse-row",
        _click("warehouse-edit"),
        "warehouse-form",
    ),
    "inventory-product-edit": Visit(
        "/admin/inventory?tab=products", "product-row", _click("product-edit"), "product-form"
    ),
    "inventory-moves": Visit("/admin/inventory?tab=moves", "move-row"),
    "inventory-stocktakes": Visit(
        "/admin/inventory?tab=stocktakes",
        "stocktake-row",
        _click("stocktake-view"),
        "stocktake-detail",
    ),
    "inventory-receive": Visit("/admin/inventory?tab=receive", "admin-inventory"),
    "after-sales": Visit("/admin/after-sales", "case-row"),
    "after-sales-new": Visit("/admin/after-sales", "case-row", _click("case-new-open"), "case-new"),
    "after-sales-case": Visit("/admin/after-sales?case={case}", "case-detail"),
    "import": Visit("/admin/import", "import-form"),
    "reports": Visit("/admin/reports", "report-chart"),
    "audit": Visit("/admin/audit", "audit-row"),
    "settings": Visit("/settings", "settings"),
}


def _check(page: Page, ids: Ids, name: str, where: Visit) -> None:
    visit(page, where.path.format(**vars(ids)))
    expect(by(page, where.ready).first).to_be_visible(timeout=SYNC_TIMEOUT)
    if where.then:
        where.then(page, ids)
        assert where.shown
        expect(by(page, where.shown).first).to_be_visible()
    assert_no_violations(page, name)


@pytest.mark.parametrize("name", PHONE_PAGES)
def test_a_phone_page_has_no_axe_violations(phone: Page, ids: Ids, name: str) -> None:
    _check(phone, ids, f"phone {name}", PHONE_PAGES[name])


@pytest.mark.parametrize("name", HANDHELD_PAGES)
def test_a_warehouse_handheld_page_has_no_axe_violations(
    handheld: Page, ids: Ids, name: str
) -> None:
    _check(handheld, ids, f"handheld {name}", HANDHELD_PAGES[name])


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_an_admin_page_has_no_axe_violations(desktop: Page, ids: Ids, name: str) -> None:
    _check(desktop, ids, f"admin {name}", ADMIN_PAGES[name])


def test_the_signed_out_pages_have_no_axe_violations(
    stranger: Page, server: Server, ids: Ids
) -> None:
    stranger.goto(server.url + "/login")
    expect(by(stranger, "login-screen")).to_be_visible()
    assert_no_violations(stranger, "login")
    stranger.goto(ids.new_link)
    expect(by(stranger, "enroll-screen")).to_be_visible()
    assert_no_violations(stranger, "enroll")
    # The customer's order status page behind the QR code (server-rendered, public).
    stranger.goto(ids.ship_url)
    expect(stranger.locator("main, body").first).to_contain_text("AX-00002")
    assert_no_violations(stranger, "order status page")


@pytest.mark.parametrize("layout", ["phone", "desktop"])
def test_the_first_tab_stop_skips_to_the_content(
    request: pytest.FixtureRequest, layout: str
) -> None:
    page: Page = request.getfixturevalue(layout)
    visit(page, "/orders")
    page.reload()  # focus starts at the top of a freshly loaded page
    expect(by(page, "order-item").first).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_attribute("data-testid", "skip-link")
    expect(skip).to_have_text("Skip to content")
    expect(skip).to_be_in_viewport()  # visible once focused
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next Tab goes into the page, not back through the navigation.
    page.keyboard.press("Tab")
    inside = page.evaluate("document.querySelector('main').contains(document.activeElement)")
    assert inside, json.dumps(page.evaluate("document.activeElement.outerHTML.slice(0, 200)"))
    # The focus ring: solid, at least 2 px, dark blue (10:1 on white) or white on the blue bar.
    ring = page.evaluate(RING)
    assert ring["style"] == "solid" and float(ring["width"].removesuffix("px")) >= 2, ring
    assert ring["color"] in ("rgb(31, 68, 103)", "rgb(255, 255, 255)"), ring


# The console's widest tables at the narrowest desktop window (900 px: pwa/js/ui/admin/common.js
# WIDE): their wrappers scroll sideways, and a keyboard must be able to scroll them.
NARROW = {"width": 900, "height": 700}


@pytest.mark.parametrize(
    "name", ["orders", "order", "mutations", "inventory-stock", "inventory-moves", "audit"]
)
def test_an_admin_table_at_a_narrow_window_has_no_axe_violations(
    desktop: Page, ids: Ids, name: str
) -> None:
    desktop.set_viewport_size(NARROW)
    try:
        _check(desktop, ids, f"admin {name} at {NARROW['width']} px", ADMIN_PAGES[name])
    finally:
        desktop.set_viewport_size(DESKTOP)


@pytest.mark.parametrize(
    ("lang", "skip"), [("zh-Hans", "跳到主要内容"), ("zh-Hant", "跳到主要內容")]
)
def test_the_chinese_pages_say_their_language(phone: Page, lang: str, skip: str) -> None:
    """A screen reader reads Chinese as Chinese: <html lang> follows the choice in Settings; the
    skip link speaks it too."""
    visit(phone, "/settings")
    try:
        by(phone, "lang-select").select_option(lang)
        expect(phone.locator("html")).to_have_attribute("lang", lang)
        expect(by(phone, "skip-link")).to_have_text(skip)
        visit(phone, "/orders")
        expect(by(phone, "order-item").first).to_be_visible()
        assert_no_violations(phone, f"phone orders in {lang}")
    finally:
        visit(phone, "/settings")
        by(phone, "lang-select").select_option("en")
        expect(phone.locator("html")).to_have_attribute("lang", "en")
