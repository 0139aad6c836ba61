"""The rep's phone as its users expect it (issue 17, items 1–8), in a real browser on a real
server, phone viewport. Each test walks one item the way a rep would, on one rep's phone
(module-scoped: the tests run in any order, each looks only at what it made)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.e2e.conftest import Server, device, new_server, passkey_page, serving
from tests.e2e.sales import (
    PHONE,
    SYNC_TIMEOUT,
    Api,
    app,
    by,
    create_customer,
    enroll,
    go,
    wait_synced,
)

TEA = "Everyday jasmine tea"
CUSTOMER = "Everyday Teahouse"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "everyday")) as srv:
        yield srv


@pytest.fixture(scope="module")
def catalog(api: Api) -> dict[str, str]:
    """A warehouse with 5 of the tea (¥45.00) available."""
    wh = api._json("POST", "/api/admin/warehouses", {"code": "EVD", "name": "Everyday depot"})
    tea = api._json(
        "POST", "/api/admin/products", {"sku": "EVD-TEA", "name": TEA, "unit_price": 4500}
    )
    api._json(
        "POST",
        "/api/admin/stock/adjust",
        {"product_id": tea["id"], "warehouse_id": wh["id"], "delta": 5, "reason": "receive"},
    )
    return {"warehouse": wh["id"], "tea": tea["id"]}


@pytest.fixture(scope="module")
def rep(server: Server, api: Api, catalog: dict[str, str], browser: Browser) -> Iterator[Page]:
    """Rita's phone, enrolled, with the customer made on it."""
    page = passkey_page(browser, **PHONE, locale="en-US")
    _, link = api.invite("Rita Everyday")
    enroll(page, link)
    create_customer(page, CUSTOMER)
    wait_synced(page)
    yield page
    page.context.close()


def _start_order(page: Page) -> None:
    go(page, "home")
    by(page, "new-order").click()
    by(page, "customer-search").fill(CUSTOMER)
    by(page, "customer-option").filter(has_text=CUSTOMER).first.click()
    by(page, "line-add").click()
    by(page, "product-option").filter(has_text=TEA).first.click()
    by(page, "product-picker-close").click()


def test_a_decimal_comma_price_is_read_as_a_decimal_and_shown_before_saving(
    rep: Page, api: Api, catalog: dict[str, str], browser: Browser, contexts: list[BrowserContext]
) -> None:
    """Item 1: "18,5" is ¥18.50 (not ¥185), the amount read is shown under the field; a price of
    0 and more than the stock available are warned of, and the order still saves."""
    page = rep
    _start_order(page)
    line = by(page, "line").first
    expect(line.get_by_test_id("line-price-read")).to_have_text("= CN¥45.00")
    line.get_by_test_id("line-price").fill("18,5")
    expect(line.get_by_test_id("line-price-read")).to_have_text("= CN¥18.50")
    expect(line.get_by_test_id("line-total")).to_have_text("CN¥18.50")
    expect(line.get_by_test_id("line-warning")).to_have_count(0)

    line.get_by_test_id("line-price").fill("0")
    expect(line.get_by_test_id("line-warning")).to_have_attribute("data-kind", "free")
    line.get_by_test_id("line-price").fill("1,234.5")
    expect(line.get_by_test_id("line-price-read")).to_have_text("= CN¥1,234.50")
    line.get_by_test_id("line-price").fill("99999999999")  # a long amount wraps, the page stays
    expect(line.get_by_test_id("line-price-read")).to_contain_text("99,999,999,999.00")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    line.get_by_test_id("line-price").fill("18,5")

    # 5 are available in all warehouses, and in the depot once it is chosen; 6 is one too many.
    line.get_by_test_id("line-qty").fill("6")
    expect(line.get_by_test_id("line-warning")).to_have_text("Only 5 available in stock.")
    by(page, "order-warehouse").select_option(catalog["warehouse"])
    expect(line.get_by_test_id("line-warning")).to_have_attribute("data-kind", "stock")
    line.get_by_test_id("line-qty").fill("5")
    expect(line.get_by_test_id("line-warning")).to_have_count(0)
    expect(by(page, "order-total")).to_have_text("CN¥92.50")

    by(page, "save-order").click()
    expect(by(page, "order-detail")).to_be_visible()
    number = by(page, "order-number").text_content()
    wait_synced(page)
    rows = api.pull_all()
    [order] = [o for o in rows["orders"].values() if o["number"] == number]
    [sent] = [x for x in rows["order_lines"].values() if x["order_id"] == order["id"]]
    assert (sent["unit_price"], sent["qty"], order["total"]) == (1850, 5, 9250)

    # A rep whose phone speaks German types "1.234,5": one thousand two hundred thirty-four and a half.
    german = device(browser, contexts, **PHONE, locale="de-DE")
    _, link = api.invite("Greta Komma")
    enroll(german, link)
    create_customer(german, CUSTOMER)
    _start_order(german)
    price = by(german, "line").first.get_by_test_id("line-price")
    price.fill("1.234,5")
    expect(by(german, "line-price-read")).to_contain_text("1,234.50")
    price.fill("1.234")  # a thousand two hundred thirty-four where a comma marks decimals
    expect(by(german, "line-price-read")).to_contain_text("1,234.00")


def _order_due(page: Page, due: date | None, draft: bool = False) -> str:
    """A one-line order, due on ``due`` (a draft if ``draft``); answers its number."""
    _start_order(page)
    if due:
        by(page, "order-due").fill(due.isoformat())
    by(page, "save-draft" if draft else "save-order").click()
    expect(by(page, "order-detail")).to_be_visible()
    return by(page, "order-number").text_content() or ""


def _groups(page: Page, numbers: set[str]) -> list[tuple[str, list[str]]]:
    """The list's headings, top to bottom, with those of ``numbers`` under each."""
    for number in numbers:
        expect(app(page).locator(f'[data-number="{number}"]')).to_be_visible()
    out = []
    for section in by(page, "order-group").all():
        mine = [n for n in section.get_by_test_id("order-item").evaluate_all(
            "els => els.map(e => e.dataset.number)") if n in numbers]  # fmt: skip
        if mine:
            out.append((section.get_attribute("data-group") or "", mine))
    return out


@pytest.mark.dates
def test_orders_list_newest_first_or_by_due_date_with_the_overdue_flagged(rep: Page) -> None:
    """Item 2: the list reads newest first under "Today"; by due date the overdue order is on
    top, flagged, then the rest by their day; the choice is kept on the phone."""
    page = rep
    today = date.today()
    late = _order_due(page, today - timedelta(days=2))
    later = _order_due(page, today + timedelta(days=40))
    undated = _order_due(page, None)
    mine = {late, later, undated}

    go(page, "orders")
    expect(by(page, "order-sort")).to_have_value("created")
    assert _groups(page, mine) == [("today", [undated, later, late])]
    flagged = app(page).locator(f'[data-number="{late}"]')
    expect(flagged).to_have_attribute("data-overdue", "true")
    expect(flagged.get_by_test_id("order-overdue")).to_have_text("Overdue")
    expect(
        app(page).locator(f'[data-number="{later}"]').get_by_test_id("order-overdue")
    ).to_have_count(0)

    by(page, "order-sort").select_option("due")
    expect(by(page, "order-group").first).to_have_attribute("data-group", "overdue")
    expect(by(page, "order-group").first.get_by_role("heading")).to_contain_text(
        re.compile("Overdue")
    )
    assert _groups(page, mine) == [("overdue", [late]), ("dueLater", [later]), ("noDue", [undated])]

    go(page, "home")
    go(page, "orders")
    expect(by(page, "order-sort")).to_have_value("due")
    by(page, "order-sort").select_option("created")


def test_every_screen_says_offline_and_what_waits_and_the_first_download(
    rep: Page, api: Api, browser: Browser, contexts: list[BrowserContext]
) -> None:
    """Item 3: a slim bar on every screen but Home while offline, with the changes waiting; the
    initial sync's progress on whatever screen the rep opens while it downloads."""
    page = rep
    go(page, "orders")
    expect(by(page, "offline-banner")).to_have_count(0)
    page.context.set_offline(True)
    for tab in ("orders", "customers", "products", "conflicts"):
        go(page, tab)
        expect(by(page, "offline-banner")).to_contain_text("Offline")
    go(page, "home")
    expect(by(page, "offline-banner")).to_have_count(0)  # Home has the whole sync card
    number = _order_due(page, None)
    go(page, "orders")
    expect(by(page, "offline-banner")).to_contain_text(
        re.compile(r"\d+ changes? waits? to be sent")
    )
    assert int(by(page, "offline-banner").get_attribute("data-pending") or 0) >= 1
    page.context.set_offline(False)
    expect(by(page, "offline-banner")).to_have_count(0, timeout=SYNC_TIMEOUT)
    go(page, "home")
    expect(by(page, "pending-count")).to_have_text("0", timeout=SYNC_TIMEOUT)
    assert number

    # A new phone's first download, paged small and slow: the bar shows on the orders screen.
    phone = device(browser, contexts, **PHONE, locale="en-US")

    def small_slow_pages(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        body["limit"] = 2
        time.sleep(0.3)
        route.continue_(post_data=json.dumps(body))

    phone.route("**/api/sync/pull", small_slow_pages)
    _, link = api.invite("Rita Newphone")
    phone.goto(link)
    by(phone, "enroll").click()
    expect(by(phone, "signed-in")).to_be_visible()
    go(phone, "orders")
    expect(by(phone, "sync-bar-progress")).to_contain_text(
        re.compile(r"Downloading [\d,]+ of [\d,]+")
    )
    expect(by(phone, "sync-bar-progress")).to_have_count(0, timeout=SYNC_TIMEOUT)


def test_order_detail_shows_the_order_first_and_its_actions_last(rep: Page) -> None:
    """Item 4: customer, total and status at the top; lines before the QR code; the actions at
    the end, forward ones first; cancelling asks again (with a reason) and can be called off."""
    page = rep
    number = _order_due(page, None, draft=True)  # a draft can be submitted or cancelled
    top = lambda testid: by(page, testid).first.bounding_box()["y"]  # noqa: E731
    expect(by(page, "order-summary-customer")).to_have_text(CUSTOMER)
    expect(by(page, "order-summary-total")).to_have_text("CN¥45.00")
    expect(by(page, "order-status")).to_be_visible()
    assert top("order-summary") < top("order-lines") < top("order-qr") < top("order-actions")
    assert top("status-timeline") < top("order-actions")
    buttons = by(page, "order-actions").get_by_role("button")
    assert buttons.first.get_attribute("data-testid") == "transition-submitted"
    assert buttons.last.get_attribute("data-testid") == "transition-cancelled"

    by(page, "transition-cancelled").click()
    expect(by(page, "transition-reason")).to_be_visible()
    by(page, "order-actions").get_by_role("button", name="Cancel", exact=True).click()
    expect(by(page, "transition-confirm")).to_have_count(0)
    expect(by(page, "order-status")).not_to_have_text("Cancelled")
    assert number


def test_chinese_in_its_own_script_roles_in_words_dates_in_the_language(rep: Page) -> None:
    """Item 6: in 繁體中文 the page says so (lang), the font stack is Traditional's, the role is
    a word of the language (not "sales"), and a date picked is said back in Chinese."""
    page = rep
    try:
        go(page, "home")
        expect(by(page, "me-role")).to_have_text("Sales")
        by(page, "nav-settings").click()
        by(page, "lang-select").select_option("zh-Hant")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "PingFang TC" in font and "Noto Sans CJK TC" in font and " SC" not in font, font
        go(page, "home")
        expect(by(page, "me-role")).to_have_text("業務")
        expect(by(page, "me-role")).to_have_attribute("data-role", "sales")

        _start_order(page)
        due = date.today() + timedelta(days=40)
        by(page, "order-due").fill(due.isoformat())
        weekday = "一二三四五六日"[due.weekday()]
        expect(by(page, "order-due-read")).to_have_text(
            f"{due.year}年{due.month}月{due.day}日週{weekday}"
        )

        go(page, "home")
        by(page, "nav-settings").click()
        by(page, "lang-select").select_option("zh-Hans")
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "PingFang SC" in font and " TC" not in font, font
    finally:
        go(page, "home")
        by(page, "nav-settings").click()
        by(page, "lang-select").select_option("en")
        expect(page.locator("html")).to_have_attribute("lang", "en")


def test_small_things_settings_logout_enrollment_console_stream_and_created_time(
    rep: Page, api: Api, browser: Browser, contexts: list[BrowserContext]
) -> None:
    """Item 7: no tab is lit on Settings; logging out asks first; the enrollment page names
    whose link it is; no Permissions-Policy complaint in the console; the event stream waits
    longer after each failure; an order made offline keeps its created time when it syncs."""
    page = rep
    go(page, "home")
    by(page, "nav-settings").click()
    expect(by(page, "settings")).to_be_visible()
    expect(app(page).locator("nav.tabs [aria-current]")).to_have_count(0)

    by(page, "logout").click()
    expect(by(page, "logout-ask")).to_contain_text("Log out")
    by(page, "logout-cancel").click()
    expect(by(page, "logout-ask")).to_have_count(0)
    expect(by(page, "settings")).to_be_visible()  # still signed in

    # Made offline, synced later: the same created time before and after.
    page.context.set_offline(True)
    _order_due(page, None)
    created = by(page, "order-created-value").locator("time")
    made_at = created.get_attribute("datetime")
    page.wait_for_timeout(1500)  # the server's now moves on before the order reaches it
    page.context.set_offline(False)
    expect(by(page, "order-pending")).to_have_count(0, timeout=SYNC_TIMEOUT)
    expect(created).to_have_attribute("datetime", made_at or "?")

    # A new phone: the link names its person; the console has no policy complaints.
    phone = device(browser, contexts, **PHONE, locale="en-US")
    console: list[str] = []
    phone.on("console", lambda m: console.append(m.text))
    _, link = api.invite("Mei Whom")
    phone.goto(link)
    expect(by(phone, "enroll-whom")).to_contain_text("Mei Whom (Sales)")
    expect(by(phone, "enroll-whom")).to_have_attribute("data-role", "sales")
    assert not [m for m in console if "Permissions-Policy" in m or "feature" in m.lower()], console

    # No signal but the phone thinks it is online: the stream fails; each retry waits longer.
    attempts: list[float] = []

    def refuse(route: Route) -> None:
        attempts.append(time.monotonic())
        route.abort("internetdisconnected")

    phone.route("**/api/sync/events", refuse)
    by(phone, "enroll").click()
    expect(by(phone, "signed-in")).to_be_visible()
    deadline = time.monotonic() + 20
    while len(attempts) < 4 and time.monotonic() < deadline:
        phone.wait_for_timeout(250)
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    assert len(gaps) >= 3, attempts
    assert gaps[2] >= 1.9 and gaps[2] > gaps[0], gaps  # 0.5–1 s, 1–2 s, 2–4 s, …


def test_order_again_and_today_on_home(rep: Page, api: Api) -> None:
    """Item 5 (part): "Order again" starts a new order with the customer, lines and quantities
    of an earlier one at today's prices; Home sums up today's orders."""
    page = rep
    go(page, "home")
    summary = by(page, "today-summary")
    expect(summary).to_be_visible()
    before = int(summary.get_attribute("data-orders") or "0")

    _start_order(page)
    by(page, "line").first.get_by_test_id("line-qty").fill("3")
    by(page, "save-order").click()
    expect(by(page, "order-detail")).to_be_visible()
    first = by(page, "order-number").text_content()

    by(page, "order-again").click()
    expect(by(page, "order-new")).to_be_visible()
    expect(by(page, "customer-selected")).to_contain_text(CUSTOMER)
    expect(by(page, "line")).to_have_count(1)
    expect(by(page, "line").first.get_by_test_id("line-qty")).to_have_value("3")
    expect(by(page, "line").first.get_by_test_id("line-price")).to_have_value("45.00")
    by(page, "save-order").click()
    expect(by(page, "order-detail")).to_be_visible()
    expect(by(page, "order-number")).not_to_have_text(first or "")
    expect(by(page, "order-summary-total")).to_have_text("CN¥135.00")
    # Prices include VAT: the order says how much (13 % of ¥135.00 inclusive = ¥15.53).
    expect(by(page, "order-vat")).to_have_text("incl. VAT 13 %: CN¥15.53")

    go(page, "home")
    expect(summary).to_have_attribute("data-orders", str(before + 2))
    expect(summary).to_contain_text(f"{before + 2} orders")


def test_recent_customers_come_first_in_the_picker(rep: Page) -> None:
    """Item 5 (part): before anything is typed, the customers of the latest orders lead the
    picker, marked "Recent"; typing searches every customer as before."""
    page = rep
    create_customer(page, "Aaa First By Name")  # first by name, never ordered for
    _order_due(page, None)  # for the everyday customer: now the most recent
    go(page, "home")
    by(page, "new-order").click()
    first = by(page, "customer-option").first
    expect(first).to_contain_text(CUSTOMER)
    expect(first).to_have_attribute("data-recent", "true")
    expect(first).to_contain_text("Recent")
    by(page, "customer-search").fill("Aaa First")
    expect(by(page, "customer-option").first).to_contain_text("Aaa First By Name")
    expect(by(page, "customer-option").first).to_have_attribute("data-recent", "false")


def test_favourite_customers_come_first_and_templates_start_an_order(rep: Page) -> None:
    """Item 5 (part): a customer starred on their page leads the picker (typing too); an order
    saved as a template starts a new one with its customer, lines and quantities at today's
    prices; Settings lists the templates and deletes them. Both stay on this phone."""
    page = rep
    name = "Zz Favourite Bakery"  # last by name, never ordered for
    customer = create_customer(page, name)
    star = by(page, "customer-favourite")
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")
    try:
        go(page, "home")
        by(page, "new-order").click()
        first = by(page, "customer-option").first
        expect(first).to_contain_text(name)
        expect(first).to_have_attribute("data-favourite", "true")
        by(page, "customer-search").fill("a")  # matches many: the favourite still leads
        expect(by(page, "customer-option").first).to_contain_text(name)
        by(page, "customer-option").first.click()
        by(page, "line-add").click()
        by(page, "product-option").filter(has_text=TEA).first.click()
        by(page, "product-picker-close").click()
        by(page, "line").first.get_by_test_id("line-qty").fill("2")
        by(page, "save-order").click()
        expect(by(page, "order-detail")).to_be_visible()

        by(page, "template-save").click()
        expect(by(page, "template-name")).to_have_value(name)
        by(page, "template-name").fill("Weekly tea")
        by(page, "template-confirm").click()
        expect(by(page, "template-saved")).to_contain_text("Weekly tea")

        go(page, "home")
        by(page, "new-order").click()
        by(page, "order-template").select_option(label="Weekly tea")
        expect(by(page, "customer-selected")).to_contain_text(name)
        expect(by(page, "line")).to_have_count(1)
        expect(by(page, "line").first.get_by_test_id("line-qty")).to_have_value("2")
        expect(by(page, "line").first.get_by_test_id("line-price")).to_have_value("45.00")

        go(page, "home")
        by(page, "nav-settings").click()
        row = by(page, "template-row").and_(page.locator('[data-name="Weekly tea"]'))
        expect(row).to_contain_text("1 line")
        row.get_by_test_id("template-delete").click()
        expect(row).to_have_count(0)
    finally:  # the other tests' pickers start without this favourite
        page.goto(urljoin(page.url, f"/customers/{customer}"))
        expect(by(page, "customer-favourite")).to_have_attribute("aria-pressed", "true")
        by(page, "customer-favourite").click()
        expect(by(page, "customer-favourite")).to_have_attribute("aria-pressed", "false")


def test_discounts_per_line_and_per_order(rep: Page) -> None:
    """Item 5 (part): a line's discount and the order's, typed in percent, lower the totals as
    the server counts them (each line's net, less the order's discount, half up to the fen); a
    discount over 100 % is refused before anything is queued; an edit of the order's discount
    re-totals it, on the phone at once and on the server alike."""
    page = rep
    _start_order(page)
    line = by(page, "line").first
    line.get_by_test_id("line-qty").fill("2")  # 2 × ¥45.00
    line.get_by_test_id("line-discount").fill("10")
    expect(line.get_by_test_id("line-total")).to_have_text("CN¥81.00")
    expect(by(page, "order-discount-limit")).to_have_text("0–100 %")  # the bound, before it is hit
    by(page, "order-discount").fill("150")
    expect(by(page, "order-discount")).to_have_attribute("aria-invalid", "true")
    by(page, "save-order").click()
    expect(page.locator("#app .error")).to_contain_text("0 to 100")
    expect(by(page, "order-new")).to_be_visible()  # nothing saved
    by(page, "order-discount").fill("5")
    expect(by(page, "order-total")).to_have_text("CN¥76.95")  # 81.00 less 5 %
    by(page, "save-order").click()
    expect(by(page, "order-detail")).to_be_visible()
    expect(by(page, "order-summary-total")).to_have_text("CN¥76.95")
    expect(by(page, "line").first.get_by_test_id("line-discount")).to_have_value("10")  # editable
    expect(by(page, "line").first.get_by_test_id("line-total")).to_have_text("CN¥81.00")
    expect(by(page, "order-discount-read")).to_contain_text("5 %")
    order_url = page.url

    by(page, "order-edit").click()
    expect(by(page, "order-discount")).to_have_value("5")
    by(page, "order-discount").fill("12,5")  # a decimal comma is read too
    by(page, "order-save").click()
    expect(by(page, "order-summary-total")).to_have_text("CN¥70.88")  # 81.00 less 12.5 %
    wait_synced(page)  # the server's total is the phone's: nothing changes after the pull
    page.goto(order_url)
    expect(by(page, "order-summary-total")).to_have_text("CN¥70.88")
    expect(by(page, "order-pending")).to_have_count(0)


def test_cancelling_a_held_order_asks_why(rep: Page, api: Api) -> None:
    """A held order is cancelled only with a reason (the transition rule's, every path): the
    phone's confirm waits for one, and the order then says it on its timeline."""
    page = rep
    number = _order_due(page, None)
    wait_synced(page)
    (row,) = api._json("GET", f"/api/admin/orders?q={number}")["rows"]  # type: ignore[index]
    held = api.push(f"everyday-finance-{number}", 1, ("order.transition", {
        "id": row["id"], "from": "submitted", "to": "on_hold", "reason": "check the credit"}))  # fmt: skip
    assert held[0]["status"] == "applied", held
    by(page, "sync-now").click()
    go(page, "orders")
    page.locator(f'#app [data-testid="order-item"][data-number="{number}"]').click()
    expect(by(page, "order-status")).to_have_text("On hold", timeout=SYNC_TIMEOUT)
    by(page, "transition-cancelled").click()
    confirm = by(page, "transition-confirm")
    expect(confirm).to_be_disabled()
    by(page, "transition-reason").fill("   ")
    expect(confirm).to_be_disabled()
    by(page, "transition-reason").fill("The shop closed for the winter")
    confirm.click()
    expect(by(page, "order-status")).to_have_text("Cancelled")
    expect(by(page, "timeline-step").last).to_contain_text("The shop closed for the winter")
    wait_synced(page)  # accepted: nothing refused
    expect(by(page, "home-refused")).to_have_count(0)
