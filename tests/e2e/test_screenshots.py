"""The main screens on a phone (390×844 CSS px, 2× pixels), walked by a sales rep of the demo
data: each screen is checked to have rendered what it should, and photographed.

``ORDERLY_SCREENSHOTS=1`` writes the pictures to docs/screenshots/ (docs/screenshots.md shows
them); otherwise they go to a temporary directory and the walk is the same test. English only:
this machine has no CJK font (the Chinese UIs are checked by switching in Settings)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from sync.ids import uuid7
from tests.e2e.conftest import Server, device, new_server, serving
from tests.e2e.sales import (
    QR_PER_ORDER,
    SYNC_TIMEOUT,
    Api,
    by,
    create_customer,
    fill_order,
    go,
    open_order,
    set_online,
)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own with the demo data (`orderly seed-demo`): customers, products with
    stock in two warehouses, orders of rep1 and rep2."""
    srv = new_server(tmp_path_factory, "demo")
    srv.cli("seed-demo", "--orders", "12")
    with serving(srv):
        yield srv


@pytest.fixture
def phone(browser: Browser, contexts: list[BrowserContext]) -> Page:
    return device(browser, contexts, **PHONE, locale="en-US", timezone_id="Asia/Shanghai")


def _prepare(server: Server) -> tuple[str, str, str]:
    """Through the API, before rep1's phone enrolls: one of rep1's orders confirmed and in
    picking with a payment (a timeline to show), and a priority conflict of rep1's on another
    (rep1 changed it from another client after the admin had). Answers (enrollment link,
    the timeline order's number, the conflicted order's number)."""
    admin = Api.admin(server, "admin")
    rep = Api.of(server, "rep1", "sales")
    try:
        rep1 = admin.user_id("rep1")
        truth = admin.pull_all()
        mine = sorted(
            (o for o in truth["orders"].values() if o["owner_id"] == rep1),
            key=lambda o: o["number"],
        )
        timeline, conflicted = mine[0], mine[1]
        tid = timeline["id"]
        results = admin.push(
            "e2e-shots-admin",
            1,
            ("order.transition", {"id": tid, "from": "submitted", "to": "confirmed"}),
            ("order.transition", {"id": tid, "from": "confirmed", "to": "picking"}),
            (
                "payment.record",
                {
                    "id": uuid7(),
                    "order_id": tid,
                    "method": "transfer",
                    "amount": timeline["total"] // 2,
                    "status": "paid",
                },
            ),
        )
        assert [r["status"] for r in results] == ["applied"] * 3, results
        base = conflicted["priority"]
        theirs, ours = [p for p in ("high", "normal", "low") if p != base]
        change = {"id": conflicted["id"], "base_version": conflicted["version"]}
        [r] = admin.push(
            "e2e-shots-admin", 4, ("order.update", {**change, "set": {"priority": theirs}})
        )
        assert r["status"] == "applied", r
        [r] = rep.push("e2e-shots-rep1", 1, ("order.update", {**change, "set": {"priority": ours}}))
        assert r["status"] == "conflict", r
        return admin.enrollment_link(rep1), timeline["number"], conflicted["number"]
    finally:
        admin.http.close()
        rep.http.close()


def _shot(page: Page, shots: Path, name: str) -> None:
    """What the phone's screen shows (the title bar and the bottom navigation stay put)."""
    page.screenshot(path=shots / f"{name}.png", animations="disabled")


def test_the_main_screens_on_a_phone(demo_server: Server, phone: Page, shots: Path) -> None:
    page = phone
    link, timeline_number, conflict_number = _prepare(demo_server)

    # Login (nobody signed in on this phone yet) and enrollment.
    page.goto(demo_server.url + "/login")
    expect(by(page, "login-screen")).to_be_visible()
    expect(by(page, "health")).to_have_text("ok, sqlite")
    _shot(page, shots, "login")
    page.goto(link)
    expect(by(page, "enroll-screen")).to_be_visible()
    expect(by(page, "health")).to_have_text("ok, sqlite")
    _shot(page, shots, "enroll")
    by(page, "enroll").click()
    expect(by(page, "signed-in")).to_be_visible()
    expect(by(page, "me-name")).to_have_text("rep1")
    expect(by(page, "last-sync")).not_to_have_attribute("data-at", "", timeout=SYNC_TIMEOUT)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=SYNC_TIMEOUT)

    # Products with the stock of each warehouse.
    go(page, "products")
    expect(by(page, "product-item")).to_have_count(10)
    by(page, "product-search").fill("tea")
    expect(by(page, "product-item")).to_have_count(4)  # three teas and the clay teapot
    by(page, "product-item").filter(has_text="Green tea").click()
    expect(by(page, "stock-row")).to_have_count(2)
    _shot(page, shots, "products")

    # Customers (rep1's four) and one with their purchase history.
    go(page, "customers")
    expect(by(page, "customer-item")).to_have_count(4)
    _shot(page, shots, "customers")
    by(page, "customer-item").filter(has_text="Jade Garden").click()
    expect(by(page, "customer-detail")).to_be_visible()
    expect(by(page, "customer-order")).to_have_count(3)
    _shot(page, shots, "customer")

    # Offline from here: a new customer and an order wait to be sent.
    set_online(page, False)
    create_customer(page, "Sunrise Mart East", phone="+86 21 5555 2024", address="8 Canal Road")
    go(page, "home")
    by(page, "new-order").click()
    fill_order(page, "Sunrise Mart East", [("Oolong tea", 6), ("Porcelain cup", 24)])
    by(page, "order-priority").select_option("high")
    by(page, "order-notes").fill("Deliver before the weekend")
    expect(by(page, "order-total")).to_contain_text("804.00")
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, shots, "order-entry")
    by(page, "save-order").click()
    expect(by(page, "order-detail")).to_be_visible()
    new_number = by(page, "order-number").text_content()

    go(page, "orders")
    expect(by(page, "order-item")).to_have_count(7)
    expect(by(page, "order-item").first).to_have_attribute("data-number", new_number or "")
    _shot(page, shots, "orders")

    go(page, "home")
    expect(by(page, "online-state")).to_have_attribute("data-online", "false")
    expect(by(page, "pending-count")).to_have_text(str(2 + QR_PER_ORDER))
    expect(by(page, "conflicts-badge")).to_have_text("1")
    _shot(page, shots, "home-offline")

    # An order with its status timeline and a payment (lines read-only: picking started).
    open_order(page, timeline_number)
    expect(by(page, "timeline-step")).to_have_count(3)
    expect(by(page, "order-status")).to_have_text("Picking")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # lines, payments, timeline
    _shot(page, shots, "order-detail")

    # The conflict: base, server and mine side by side.
    go(page, "conflicts")
    by(page, "conflict-item").click()
    expect(by(page, "conflict-subject")).to_have_text(conflict_number)
    for side in ("conflict-base", "conflict-server", "conflict-mine"):
        expect(by(page, side)).to_be_visible()
    expect(by(page, "conflict-use-mine")).to_be_visible()
    _shot(page, shots, "conflict")

    # Settings: the language switch (the Chinese UIs are there; pictures stay English).
    go(page, "home")
    by(page, "nav-settings").click()
    expect(by(page, "settings")).to_be_visible()
    expect(by(page, "device-code")).to_have_text(new_number.split("-")[0] if new_number else "")
    _shot(page, shots, "settings")
    title = by(page, "settings").locator("h1")
    for lang, text in (("zh-Hans", "设置"), ("zh-Hant", "設定"), ("en", "Settings")):
        by(page, "lang-select").select_option(lang)
        expect(title).to_have_text(text)
    set_online(page, True)
