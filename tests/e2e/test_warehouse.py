"""Browser tests of the warehouse flows (docs/warehouse.md) on a real server with the demo
catalog (warehouse wh-main, products with barcodes and stock): warehouse handhelds, enrolled
with passkeys, scan order QR codes offline — by a keyboard-wedge scanner typing into the scan
field and by the camera (Chromium's fake camera playing a video of the code) —, pick by
product barcodes, redeem (核销) with the double redemption settled by the server, refuse a
redemption another device holds the lease of, and count stock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from sync.ids import uuid7
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    new_server,
    passkey_page,
    serving,
)
from tests.e2e.sales import SYNC_TIMEOUT, Api, by, enroll, set_online
from tests.e2e.warehouse import (
    Orders,
    open_scan,
    qr_y4m,
    shot,
    sync_now,
    tampered,
    wedge,
)

WAREHOUSE = "wh-main"
TEA = ("p-tea-grn", 2, 4500)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own with the demo catalog and no orders (`seed-demo
    --orders 0`); redemptions never wait for review here."""
    srv = new_server(tmp_path_factory, "warehouse", ORDERLY_REDEEM_REVIEW_AMOUNT="1000000000")
    srv.cli("seed-demo", "--orders", "0")
    with serving(srv):
        yield srv


@pytest.fixture(scope="module")
def catalog(api: Api) -> dict[str, dict]:
    """The demo products, by id."""
    return api.pull_all()["products"]


@pytest.fixture(scope="module")
def orders(api: Api, server: Server) -> Orders:
    return Orders(api, server.url, "WH")


_handhelds = iter(range(1, 100))


def handheld(browser: Browser, api: Api, name: str | None = None) -> Page:
    """A new warehouse handheld of wh-main: a browser context with a passkey authenticator,
    its user invited by the admin and enrolled; the first sync done, the app works offline."""
    page = passkey_page(browser, viewport={"width": 390, "height": 844}, locale="en-US")
    invited = api._json(
        "POST",
        "/api/admin/users",
        {
            "name": name or f"Picker {next(_handhelds)}",
            "role": "warehouse",
            "warehouse_id": WAREHOUSE,
        },
    )
    assert isinstance(invited, dict), invited
    enroll(page, invited["enrollment"]["url"])
    return page


def open_stocktake(page: Page) -> None:
    open_scan(page)
    by(page, "stocktake-link").click()
    expect(by(page, "stocktake")).to_be_visible()


def _product(catalog: dict[str, dict], product_id: str) -> dict:
    assert product_id in catalog, sorted(catalog)
    return catalog[product_id]


def test_wedge_scan_offline_genuine_forged_duplicate(
    browser: Browser, api: Api, orders: Orders
) -> None:
    order = orders.make([TEA], status="shipped")
    page = handheld(browser, api)
    try:
        set_online(page, False)
        open_scan(page)

        wedge(page, order.url)
        result = by(page, "scan-result")
        expect(result).to_have_attribute("data-kind", "genuine")
        expect(by(page, "scan-order")).to_contain_text(order.number)

        wedge(page, f"{orders.origin}/q/{tampered(order.token)}")
        expect(result).to_have_attribute("data-kind", "forged")
        expect(result).to_have_attribute("data-reason", "tampered")
        # It names the order it claims, but nothing may be done with it.
        expect(by(page, "scan-actions")).to_have_count(0)

        # The trigger held down: the same code again at once counts once.
        wedge(page, f"{orders.origin}/q/{tampered(order.token)}")
        expect(by(page, "scan-duplicate")).to_be_visible()
        expect(result).to_have_attribute("data-kind", "forged")
        # Past the window (1.5 s), the same code is a new read.
        page.wait_for_timeout(1600)
        wedge(page, order.url)
        expect(by(page, "scan-duplicate")).to_be_hidden()
        expect(result).to_have_attribute("data-kind", "genuine")
        expect(by(page, "scan-actions")).to_be_visible()
        shot(page, "scan-genuine")

        # Every read is a scan.record: sent once online, stored as sent.
        set_online(page, True)
        sync_now(page)
        scans = [s for s in api.pull_all().get("scans", {}).values() if s.get("code")]
        results = sorted(
            s["result"]
            for s in scans
            if order.token in s["code"].upper() or tampered(order.token) in s["code"].upper()
        )
        assert results == ["duplicate", "forged", "valid", "valid"], results
        assert {s["warehouse_id"] for s in scans} == {WAREHOUSE}
    finally:
        page.context.close()


def test_pick_by_barcode_then_pack(
    browser: Browser, api: Api, orders: Orders, catalog: dict[str, dict]
) -> None:
    tea = _product(catalog, TEA[0])
    others = [p for p in catalog.values() if p["id"] != tea["id"] and p.get("barcode")]
    cup, wrong = others[0], others[1]
    order = orders.make([TEA, (cup["id"], 1, cup["unit_price"])], status="confirmed", paid=False)
    page = handheld(browser, api)
    try:
        set_online(page, False)
        open_scan(page)
        wedge(page, order.url)
        expect(by(page, "scan-result")).to_have_attribute("data-kind", "genuine")
        by(page, "scan-action-pick").click()
        expect(by(page, "pick-list")).to_be_visible()
        expect(by(page, "scan-order-status")).to_have_text("Picking")
        expect(by(page, "pick-line")).to_have_count(2)

        by(page, "scan-input").focus()
        wedge(page, tea["barcode"])
        expect(
            by(page, "pick-line").and_(page.locator(f'[data-product="{tea["id"]}"]'))
        ).to_have_attribute("data-picked", "true")
        wedge(page, wrong["barcode"])
        expect(by(page, "pick-message")).to_have_attribute("data-result", "wrong_item")
        expect(by(page, "pick-message")).to_contain_text(wrong["name"])
        shot(page, "scan-pick-wrong-item")
        wedge(page, cup["barcode"])
        expect(by(page, "pick-done")).to_be_visible()

        by(page, "scan-action-pack").click()
        expect(by(page, "scan-order-status")).to_have_text("Packed")

        set_online(page, True)
        sync_now(page)
        truth = api.pull_all()
        assert truth["orders"][order.id]["status"] == "packed"
        picks = sorted(
            (s["result"], s["product_id"])
            for s in truth.get("scans", {}).values()
            if s["order_id"] == order.id and s["action"] == "pick"
        )
        assert picks == sorted(
            [("ok", tea["id"]), ("wrong_item", wrong["id"]), ("ok", cup["id"])]
        ), picks
    finally:
        page.context.close()


def test_camera_reads_the_code(browser: Browser, api: Api, orders: Orders, tmp_path: Path) -> None:
    order = orders.make([TEA], status="delivered")
    video = qr_y4m(order.url.upper(), tmp_path / "order.y4m")
    camera = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        page = handheld(camera, api)
        set_online(page, False)
        open_scan(page)
        by(page, "scan-camera").click()
        expect(by(page, "scan-video")).to_be_visible()
        result = by(page, "scan-result")
        expect(result).to_have_attribute("data-kind", "genuine", timeout=20_000)
        expect(by(page, "scan-order")).to_contain_text(order.number)
        # The camera sees the code on every frame: one scan, the rest skipped as duplicates.
        expect(by(page, "scan-duplicate")).to_be_visible()
    finally:
        camera.close()


def _redeem_offline(page: Page, url: str) -> None:
    open_scan(page)
    wedge(page, url)
    expect(by(page, "scan-result")).to_have_attribute("data-kind", "genuine")
    by(page, "scan-action-redeem").click()
    expect(by(page, "scan-redemption")).to_have_attribute("data-status", "queued")


def test_two_handhelds_redeem_one_order_offline(browser: Browser, api: Api, orders: Orders) -> None:
    order = orders.make([TEA], status="delivered")
    first, second = handheld(browser, api), handheld(browser, api)
    try:
        for page in (first, second):
            set_online(page, False)
            _redeem_offline(page, order.url)
        for page in (first, second):
            set_online(page, True)
            sync_now(page)
        truth = api.pull_all()
        redemptions = [r for r in truth["redemptions"].values() if r["order_id"] == order.id]
        standing = [r for r in redemptions if r["status"] in ("completed", "pending_review")]
        assert len(standing) == 1, redemptions
        doubles = [
            c
            for c in truth["conflicts"].values()
            if c.get("kind") == "double_redemption"
            and c.get("row_id") in (order.id, standing[0]["id"])
        ]
        assert len(doubles) == 1, list(truth["conflicts"].values())
        # The first device shows it redeemed once it pulled.
        sync_now(first)
        open_scan(first)
        wedge(first, order.url)
        expect(by(first, "scan-redemption")).to_have_attribute(
            "data-status", standing[0]["status"], timeout=SYNC_TIMEOUT
        )
    finally:
        first.context.close()
        second.context.close()


def test_a_leased_order_is_refused_on_the_other_handheld(
    browser: Browser, api: Api, orders: Orders, server: Server
) -> None:
    order = orders.make([TEA], status="shipped")
    holder, other = handheld(browser, api), handheld(browser, api)
    try:
        open_scan(holder)
        reserve = by(holder, "lease-reserve")
        expect(reserve).not_to_have_attribute("data-count", "0")
        reserve.click()
        expect(
            by(holder, "lease-item").and_(holder.locator(f'[data-order="{order.id}"]'))
        ).to_be_visible(timeout=SYNC_TIMEOUT)
        truth = api.pull_all()
        [lease] = [
            x
            for x in truth["redemption_leases"].values()
            if x["order_id"] == order.id and not x["released"]
        ]

        sync_now(other)  # the lease row reaches the other handheld
        set_online(other, False)
        open_scan(other)
        wedge(other, order.url)
        expect(by(other, "scan-result")).to_have_attribute("data-kind", "genuine")
        expect(by(other, "scan-redeem-refused")).to_have_attribute("data-reason", "leased")
        shot(other, "scan-redeem-leased")
        expect(by(other, "scan-action-redeem")).to_be_disabled()

        # Forced through anyway (another client of the same warehouse): the server refuses it.
        forced = Api.of(server, "Forced picker", "warehouse", warehouse=lease["warehouse_id"])
        try:
            [r] = forced.push(
                "e2e-forced",
                1,
                ("qr.redeem", {"id": uuid7(), "order_id": order.id, "token": order.token}),
            )
        finally:
            forced.http.close()
        assert r["status"] == "rejected" and r["error"] == "leased", r
        assert lease["device_id"] != ""
    finally:
        holder.context.close()
        other.context.close()


def test_stocktake_counts_offline(browser: Browser, api: Api, catalog: dict[str, dict]) -> None:
    tea = _product(catalog, TEA[0])
    page = handheld(browser, api)
    try:
        open_stocktake(page)
        by(page, "stocktake-start").click()
        session = by(page, "stocktake-session")
        expect(session).to_be_visible()
        session_id = session.get_attribute("data-session")
        set_online(page, False)
        open_stocktake(page)
        expect(by(page, "stocktake-session")).to_have_attribute("data-session", session_id or "")
        expect(by(page, "stocktake-scan")).to_be_focused()
        page.keyboard.type(tea["barcode"])
        page.keyboard.press("Enter")
        expect(by(page, "stocktake-product")).to_have_text(tea["name"])
        by(page, "stocktake-count").fill("7")
        by(page, "stocktake-save").click()
        line = by(page, "stocktake-line").and_(page.locator(f'[data-product="{tea["id"]}"]'))
        book = int(line.get_by_test_id("stocktake-line-book").text_content() or "0")
        expect(line.get_by_test_id("stocktake-line-counted")).to_have_text("7")
        variance = 7 - book
        expect(line.get_by_test_id("stocktake-line-variance")).to_have_text(
            f"+{variance}" if variance > 0 else str(variance)
        )
        shot(page, "stocktake")
        set_online(page, True)
        sync_now(page)
        lines = [
            x
            for x in api.pull_all().get("stocktake_lines", {}).values()
            if x["session_id"] == session_id
        ]
        assert [(x["product_id"], x["counted"]) for x in lines] == [(tea["id"], 7)], lines
    finally:
        page.context.close()


def test_the_scanner_test_page_says_what_to_fix(browser: Browser, api: Api) -> None:
    """A wedge scanner set right (fast keys, CR) passes; one ending with Tab, or typing slowly,
    is told what to change."""
    page = handheld(browser, api)
    try:
        open_scan(page)
        by(page, "scanner-test-link").click()
        box = by(page, "scanner-input")
        expect(box).to_be_focused()

        page.keyboard.type("HTTPS://X/Q/ABC234")
        page.keyboard.press("Enter")
        report = by(page, "scanner-report")
        expect(report).to_have_attribute("data-problems", "")
        expect(by(page, "scanner-text")).to_have_text("HTTPS://X/Q/ABC234")
        expect(by(page, "scanner-suffix")).to_contain_text("CR")
        expect(by(page, "scanner-ok")).to_be_visible()

        page.keyboard.type("ABC234")
        page.keyboard.press("Tab")
        expect(report).to_have_attribute("data-problems", "tab_suffix")

        page.keyboard.type("ABC", delay=120)  # a person typing, or a scanner with a delay set
        page.keyboard.press("Enter")
        expect(report).to_have_attribute("data-problems", "slow")
        expect(report.locator('[data-problem="slow"]')).to_be_visible()
    finally:
        page.context.close()
