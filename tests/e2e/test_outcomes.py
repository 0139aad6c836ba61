"""Everyone learns the outcome (docs/pwa.md, "Conflicts and outcomes"), on a phone in a real
browser against a real server: a rep's offline note that an admin's later note replaced (last
writer wins) is told to the rep — what they wrote, what stands, who, when — and they put theirs
back; a conflict an admin settles on the console reaches the rep's phone with the decision and
the value that won; conflict cards name the order, customer and product, with field labels and
formatted values, in English and in Simplified Chinese with no column name in sight.

``ORDERLY_SCREENSHOTS=1`` writes the outcome screens to docs/screenshots/ (docs/screenshots.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import (
    SYNC_TIMEOUT,
    Api,
    app,
    by,
    create_customer,
    create_order,
    enroll,
    go,
    open_order,
    set_online,
    set_priority,
    wait_synced,
)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "locale": "en-US", "timezone_id": "Asia/Shanghai"}  # fmt: skip
GIFT_BOX = ("OUT-BOX", "Gift box", 2500)
TEAPOT = ("OUT-POT", "Clay teapot", 9900)
# What a conflict card must never show: column names, kinds as keys, JSON.
RAW = re.compile(r"\b(qty|unit_price|product_id|due_date|customer_id|line_changed|overwritten)\b|[{}\"]")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own (its enrollments on top of the other tests' would pass the
    default limit of /api/auth/* per client address)."""
    with serving(new_server(tmp_path_factory, "outcomes")) as srv:
        yield srv


@pytest.fixture(scope="module")
def catalog(api: Api) -> dict[str, str]:
    return {name: api.put_product(sku, name, price) for sku, name, price in (GIFT_BOX, TEAPOT)}


@pytest.fixture(scope="module")
def admin_api(server: Server) -> Iterator[Api]:
    """An admin who writes through the API, by name (the rep's phone names them)."""
    client = Api.of(server, "Bo Admin", "admin")
    yield client
    client.http.close()


def rep_phone(browser: Browser, contexts: list[BrowserContext], api: Api, name: str) -> Page:
    """A rep's phone, enrolled and synced, with a customer and an order of theirs."""
    _, link = api.invite(name)
    page = device(browser, contexts, **PHONE)
    enroll(page, link)
    return page


def _order(api: Api, order_id: str) -> dict:
    return api.pull_all()["orders"][order_id]


def _shot(page: Page, shots: Path, name: str) -> None:
    page.screenshot(path=shots / f"{name}.png", animations="disabled")


def test_a_reps_offline_note_overwritten_by_an_admins_later_note_is_told_to_the_rep(
    server: Server, api: Api, admin_api: Api, catalog: dict[str, str], browser: Browser,
    contexts: list[BrowserContext], shots: Path,
) -> None:  # fmt: skip
    page = rep_phone(browser, contexts, api, "Nora Notes")
    create_customer(page, "Lotus Tea Rooms")
    order_id, number = create_order(page, "Lotus Tea Rooms", [("Gift box", 2)])
    wait_synced(page)

    # Offline, the rep notes how to deliver; meanwhile the admin writes another note, later.
    set_online(page, False)
    open_order(page, number)
    by(page, "order-edit").click()
    by(page, "order-notes").fill("Rep: call Mr Lin first")
    by(page, "order-save").click()
    expect(by(page, "order-notes-value")).to_have_text("Rep: call Mr Lin first")
    base = _order(api, order_id)["version"]
    [r] = admin_api.push("e2e-bo-desk", 1, ("order.update", {
        "id": order_id, "base_version": base, "set": {"notes": "Admin: use the back door"}}))
    assert r["status"] == "applied", r

    # Back online: the admin's later note stands, and the rep's phone says so.
    set_online(page, True)
    wait_synced(page)
    [notice] = [c for c in api.pull_all()["conflicts"].values() if c["row_id"] == order_id]
    assert (notice["kind"], notice["severity"], notice["status"]) == ("overwritten", "low", "open")
    assert notice["winner_name"] == "Bo Admin"
    card = by(page, "home-outcomes")
    expect(card).to_have_text(re.compile("1 update on your changes"), timeout=SYNC_TIMEOUT)
    expect(by(page, "conflicts-badge")).to_have_text("1")
    open_order(page, number)
    expect(by(page, "order-notes-value")).to_have_text("Admin: use the back door")
    # The order's page has it too, with what became of it.
    mine = by(page, "order-conflict")
    expect(mine).to_have_attribute("data-kind", "overwritten")
    expect(mine.get_by_test_id("outcome-standing")).to_have_text("Admin: use the back door")

    go(page, "home")
    card.click()
    item = by(page, "outcome-item")
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-kind", "overwritten")
    expect(item).to_contain_text("Your change was replaced · Notes")
    expect(item.get_by_test_id("outcome-new")).to_be_visible()
    expect(item.get_by_test_id("outcome-subject")).to_have_text(f"Order {number} · Lotus Tea Rooms")
    expect(item.get_by_test_id("outcome-who")).to_contain_text("Replaced by Bo Admin")
    expect(item.get_by_test_id("outcome-when")).to_have_css("white-space", "nowrap")
    expect(item.get_by_test_id("outcome-standing")).to_have_text("Admin: use the back door")
    expect(item.get_by_test_id("outcome-mine")).to_have_text("Rep: call Mr Lin first")
    expect(item).not_to_contain_text("notes")  # the label, "Notes", never the column
    _shot(page, shots, "outcome-overwritten")
    # Seen: no more count on the tab or home.
    expect(by(page, "conflicts-badge")).to_be_hidden()
    go(page, "home")
    expect(by(page, "home-outcomes")).to_be_hidden()

    # Taken up as a conflict: the rep puts their note back; it reaches the server.
    go(page, "conflicts")
    by(page, "conflicts-tab-outcomes").click()
    by(page, "outcome-item").click()
    expect(by(page, "conflict-reason")).to_contain_text("replaced by a later change")
    expect(by(page, "conflict-server")).to_contain_text("Admin: use the back door")
    expect(by(page, "conflict-mine")).to_contain_text("Rep: call Mr Lin first")
    expect(by(page, "conflict-admin")).to_be_hidden()  # a notice is the rep's to take up
    by(page, "conflict-use-mine").click()
    expect(by(page, "conflict-status")).to_have_text("resolved")
    wait_synced(page)
    assert _order(api, order_id)["notes"] == "Rep: call Mr Lin first"
    settled = api.pull_all()["conflicts"][notice["id"]]
    assert (settled["status"], settled["resolution"], settled["resolver_name"]) == (
        "resolved", "client", "Nora Notes"
    )  # fmt: skip


def test_an_admins_settlement_on_the_console_reaches_the_reps_phone(
    server: Server, api: Api, admin_api: Api, catalog: dict[str, str], browser: Browser,
    contexts: list[BrowserContext], shots: Path,
) -> None:  # fmt: skip
    page = rep_phone(browser, contexts, api, "Sam Settled")
    create_customer(page, "Peony Garden")
    order_id, number = create_order(page, "Peony Garden", [("Clay teapot", 1)])
    wait_synced(page)

    # Offline the rep lowers the priority; the admin had raised it: the rep's is a conflict.
    set_online(page, False)
    set_priority(page, number, "low", "Low")
    base = _order(api, order_id)["version"]
    [r] = admin_api.push("e2e-bo-desk-2", 1, ("order.update", {
        "id": order_id, "base_version": base, "set": {"priority": "high"}}))
    assert r["status"] == "applied", r
    set_online(page, True)
    wait_synced(page)
    [conflict] = [c for c in api.pull_all()["conflicts"].values() if c["row_id"] == order_id]
    assert (conflict["kind"], conflict["field"], conflict["status"]) == ("field", "priority", "open")
    expect(by(page, "conflicts-badge")).to_have_text("1", timeout=SYNC_TIMEOUT)

    # The admin at the console: the card names the order and the customer; a value of their own.
    admin = device(browser, contexts, viewport=DESKTOP)
    enroll(admin, server.create_admin("Ada Admin"))
    by(admin, "nav-admin-conflicts").click()
    row = by(admin, "admin-conflict-row").and_(admin.locator(f'[data-id="{conflict["id"]}"]'))
    expect(row.get_by_test_id("conflict-row-subject")).to_have_text(f"Order {number} · Peony Garden")
    expect(row).to_contain_text("Changed by someone else · Priority")
    # In Simplified Chinese too: named, in words, no column names.
    by(admin, "nav-settings").click()
    by(admin, "lang-select").select_option("zh-Hans")
    by(admin, "nav-admin-conflicts").click()
    expect(row.get_by_test_id("conflict-row-subject")).to_have_text(f"订单 {number} · Peony Garden")
    expect(row).to_contain_text("已被他人修改 · 优先级")
    assert not RAW.search(row.inner_text()), row.inner_text()
    by(admin, "nav-settings").click()
    by(admin, "lang-select").select_option("en")
    by(admin, "nav-admin-conflicts").click()
    row.get_by_test_id("conflict-open").click()
    expect(by(admin, "admin-conflict-subject")).to_have_text(number)
    expect(by(admin, "admin-conflict-subject-customer")).to_have_text("Peony Garden")
    expect(by(admin, "admin-conflict-mutation")).to_have_text("Order edit: Priority: Low")
    by(admin, "admin-conflict-custom").click()
    by(admin, "conflict-custom-value").select_option("normal")
    by(admin, "admin-conflict-custom-save").click()
    expect(by(admin, "admin-conflict-detail")).to_have_attribute("data-status", "resolved")
    wait_synced(admin)

    # The rep's phone: the decision, who made it, when, and the value that won.
    go(page, "home")
    card = by(page, "home-outcomes")
    expect(card).to_be_visible(timeout=SYNC_TIMEOUT)
    expect(by(page, "conflicts-badge")).to_have_text("1")  # the news, not a conflict to settle
    card.click()
    item = by(page, "outcome-item")
    expect(item).to_have_attribute("data-kind", "field")
    expect(item.get_by_test_id("outcome-who")).to_contain_text("Decided by Ada Admin")
    expect(item.get_by_test_id("outcome-decision")).to_have_text("Another value was set")
    expect(item.get_by_test_id("outcome-standing")).to_have_text("Normal")
    expect(item.get_by_test_id("outcome-mine")).to_have_text("Low")
    _shot(page, shots, "outcome-settled")
    by(page, "conflicts-tab-open").click()
    expect(by(page, "conflict-item")).to_have_count(0)
    # The order: the value that won, and the conflict's settlement in its conflicts.
    open_order(page, number)
    expect(by(page, "order-priority-value")).to_have_text("Normal", timeout=SYNC_TIMEOUT)
    settled = by(page, "order-conflict")
    expect(settled).to_have_attribute("data-status", "resolved")
    expect(settled.get_by_test_id("outcome-decision")).to_have_text("Another value was set")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    _shot(page, shots, "order-conflicts")

    # The admin's order page: the conflict and its settlement in the timeline.
    admin.goto(f"{server.url}/admin/orders/{order_id}")
    timeline = by(admin, "timeline-entry")
    expect(timeline.and_(admin.locator('[data-kind="conflict"]'))).to_contain_text("Priority")
    done = timeline.and_(admin.locator('[data-kind="settled"]'))
    expect(done).to_contain_text("Ada Admin")
    expect(done).to_contain_text("Normal")


def _line_conflicts(api: Api, rep: Api, order_id: str) -> None:
    """Through the API: the admin changes the order's due date and its gift box line's quantity;
    the rep's other device, from the same base, changes both too and removes the teapot's line
    the admin had changed. Three conflicts of the rep's: a due date, a quantity, a line."""
    truth = api.pull_all()
    order = truth["orders"][order_id]
    lines = {ln["product_id"]: ln for ln in truth["order_lines"].values() if ln["order_id"] == order_id}
    box, pot = lines["p-out-box"], lines["p-out-pot"]
    base = order["version"]

    def upsert(ln: dict, qty: int) -> tuple[str, dict]:
        line = {k: ln[k] for k in ("id", "product_id", "unit_price")} | {"qty": qty}
        return "order.line.upsert", {"order_id": order_id, "base_version": base, "line": line}

    first = api.push("e2e-names-admin", 1,
                     ("order.update", {"id": order_id, "base_version": base, "set": {"due_date": "2031-05-01"}}),
                     upsert(box, 5), upsert(pot, 3))  # fmt: skip
    assert [r["status"] for r in first] == ["applied"] * 3, first
    second = rep.push("e2e-names-rep-tablet", 1,
                      ("order.update", {"id": order_id, "base_version": base, "set": {"due_date": "2031-06-15"}}),
                      upsert(box, 7),
                      ("order.line.remove", {"order_id": order_id, "base_version": base, "line_id": pot["id"]}))  # fmt: skip
    assert [r["status"] for r in second] == ["conflict"] * 3, second


def test_conflict_cards_name_things_and_read_in_words_in_english_and_chinese(
    server: Server, api: Api, catalog: dict[str, str], browser: Browser,
    contexts: list[BrowserContext], shots: Path,
) -> None:  # fmt: skip
    page = rep_phone(browser, contexts, api, "Lin Lines")
    create_customer(page, "Bamboo House")
    order_id, number = create_order(page, "Bamboo House", [("Gift box", 2), ("Clay teapot", 1)])
    wait_synced(page)
    rep = Api.of(server, "Lin Lines", "sales")
    try:
        _line_conflicts(api, rep, order_id)
    finally:
        rep.http.close()
    go(page, "home")
    expect(by(page, "conflicts-badge")).to_have_text("3", timeout=SYNC_TIMEOUT)
    go(page, "conflicts")
    items = by(page, "conflict-item")
    expect(items).to_have_count(3)
    for subject in (
        f"Order {number} · Bamboo House",  # the order's due date
        f"Order {number} · Bamboo House · Gift box",  # the gift box line's quantity
        f"Order {number} · Bamboo House · Clay teapot",  # the removed line
    ):  # (the names come from the store a moment after the list)
        exactly = re.compile(rf"^\s*{re.escape(subject)}\s*$")
        expect(by(page, "conflict-item-subject").filter(has_text=exactly)).to_have_count(1)
    # A line is one unit for conflicts (docs/protocol.md): the gift box's quantity is a "Line".
    expect(app(page)).to_contain_text("Changed by someone else · Line")
    expect(app(page)).to_contain_text("Changed by someone else · Due date")
    assert not RAW.search(by(page, "conflicts").inner_text())

    # The line's card: the line the admin changed, in words, its money in yuan.
    items.filter(has_text="Line changed").click()
    expect(by(page, "conflict-subject")).to_have_text(number)
    expect(by(page, "conflict-subject-product")).to_have_text("Clay teapot")
    expect(by(page, "conflict-server")).to_contain_text("3 × Clay teapot @ CN¥99.00")
    expect(by(page, "conflict-mine")).to_contain_text("Remove line")
    assert not RAW.search(by(page, "conflict-detail").inner_text())
    _shot(page, shots, "conflict-line")
    page.go_back()
    items.filter(has_text="Due date").click()
    expect(by(page, "conflict-server")).to_contain_text("May 1, 2031")
    expect(by(page, "conflict-mine")).to_contain_text("Jun 15, 2031")

    # In Simplified Chinese: the same cards, in words, no column names and no English reason.
    go(page, "home")
    by(page, "nav-settings").click()
    by(page, "lang-select").select_option("zh-Hans")
    go(page, "conflicts")
    expect(by(page, "conflict-item")).to_have_count(3)
    expect(by(page, "conflict-item-subject").filter(has_text=f"订单 {number}")).to_have_count(3)
    text = by(page, "conflicts").inner_text()
    assert "已被他人修改 · 明细行" in text and "交货日期" in text and f"订单 {number}" in text, text
    assert not RAW.search(text), text
    assert not re.search(r"[A-Za-z]{4,}", text.replace("Bamboo House", "").replace("Gift box", "")
                         .replace("Clay teapot", "")), text  # fmt: skip
    by(page, "conflict-item").filter(has_text="已被他人修改 · 明细行").click()
    expect(by(page, "conflict-subject-product")).to_have_text("Gift box")
    detail = by(page, "conflict-detail").inner_text()
    assert "7 × Gift box" in detail and "5 × Gift box" in detail and "明细行" in detail, detail
    assert not RAW.search(detail), detail
    assert not re.search(r"[A-Za-z]{4,}", detail.replace("Bamboo House", "").replace("Gift box", "")), detail
    go(page, "home")
    by(page, "nav-settings").click()
    by(page, "lang-select").select_option("en")
