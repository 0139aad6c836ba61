"""Refused work stays on the phone (docs/pwa.md § Refused work), in a real browser on a real
server, phone viewport: an order made offline whose product the server retired meanwhile comes
back as work that needs the rep — named, with the reason, every line kept — and, fixed, reaches
the server once under the same number; an order whose number the server has already taken is
refused, explained in Chinese, and sent again under a new number; discarding asks first."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import Server, device, new_server, serving
from tests.e2e.sales import (
    PHONE,
    SYNC_TIMEOUT,
    Api,
    by,
    create_customer,
    create_order,
    enroll,
    fill_order,
    go,
    set_online,
    wait_synced,
)

KETTLE, CUP = "Refusal kettle", "Refusal cup"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "refused")) as srv:
        yield srv


@pytest.fixture(scope="module")
def catalog(api: Api) -> dict[str, str]:
    return {KETTLE: api.put_product("REF-KET", KETTLE, 15900), CUP: api.put_product("REF-CUP", CUP, 1800)}


def _orders_numbered(api: Api, number: str) -> list[dict]:
    return [o for o in api.pull_all().get("orders", {}).values() if o["number"] == number]


def test_an_order_whose_product_was_retired_offline_is_kept_fixed_and_sent_once(
    server: Server, api: Api, catalog: dict[str, str], browser: Browser,
    contexts: list[BrowserContext], shots: Path,
) -> None:  # fmt: skip
    """Also photographs the refused-work screens (``ORDERLY_SCREENSHOTS=1``: docs/screenshots/)."""
    page = device(browser, contexts, **PHONE, locale="en-US", timezone_id="Asia/Shanghai")
    _, link = api.invite("Rita Refused")
    enroll(page, link)
    create_customer(page, "Refusal Teahouse")
    wait_synced(page)

    set_online(page, False)
    go(page, "home")
    by(page, "new-order").click()
    fill_order(page, "Refusal Teahouse", [(KETTLE, 2), (CUP, 3)])
    by(page, "order-notes").fill("Leave at the back door; call Mr Lin first.")
    by(page, "save-order").click()
    expect(by(page, "order-detail")).to_be_visible()
    order_id, number = page.url.rsplit("/", 1)[1], by(page, "order-number").text_content() or ""
    # Retired on the server while the phone is offline.
    api._json("PUT", f"/api/catalog/products/{catalog[KETTLE]}",
              {"sku": "REF-KET", "name": KETTLE, "unit_price": 15900, "active": False})  # fmt: skip
    set_online(page, True)
    wait_synced(page)

    # Home says so; the list names the order, its customer, and why.
    card = by(page, "home-refused")
    expect(card).to_be_visible(timeout=SYNC_TIMEOUT)
    card.click()
    item = by(page, "refused-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(number)
    expect(item).to_contain_text("Refusal Teahouse")
    expect(item).to_contain_text(f"The product “{KETTLE}” is no longer available.")
    # Its conflicts (the order's and its QR code's missing references) are settled with it, not
    # counted again as conflicts to look at.
    expect(by(page, "conflicts-badge")).to_be_hidden()
    page.screenshot(path=shots / "refused-list.png", animations="disabled")
    item.click()
    # Everything the rep entered is still there.
    lines = by(page, "refused-line")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_contain_text(KETTLE)
    expect(lines.nth(1)).to_contain_text(CUP)
    expect(lines.nth(1)).to_contain_text("3")
    expect(by(page, "refused-data")).to_contain_text("call Mr Lin first")
    page.screenshot(path=shots / "refused-order.png", animations="disabled", full_page=True)
    assert _orders_numbered(api, number) == []  # the server made no order

    # Fix: the order form with its lines, the same number; the retired product must go.
    by(page, "refused-fix").click()
    expect(by(page, "order-fixing")).to_be_visible()
    expect(by(page, "order-number")).to_have_text(number)
    form_lines = by(page, "line")
    expect(form_lines).to_have_count(2)
    expect(form_lines.nth(0)).to_contain_text("No longer available")
    by(page, "save-order").click()
    expect(by(page, "error")).to_contain_text("no longer available")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=shots / "refused-fix.png", animations="disabled")
    form_lines.nth(0).get_by_test_id("line-remove").click()
    expect(form_lines).to_have_count(1)
    by(page, "save-order").click()
    expect(by(page, "order-detail")).to_be_visible()
    assert page.url.rsplit("/", 1)[1] == order_id  # same order: the QR shown stays good
    wait_synced(page)
    expect(by(page, "home-refused")).to_be_hidden()

    (made,) = _orders_numbered(api, number)
    assert made["id"] == order_id
    truth = api.pull_all()
    made_lines = [ln for ln in truth["order_lines"].values() if ln["order_id"] == order_id]
    assert [(ln["product_id"], ln["qty"]) for ln in made_lines] == [(catalog[CUP], 3)]
    # The conflict the first send opened is closed by the rep's decision.
    mine = [c for c in truth["conflicts"].values() if order_id in json.dumps(c.get("mutation"))]
    assert mine and all(c["status"] == "resolved" for c in mine), mine


def test_a_taken_number_is_explained_in_chinese_and_the_order_sent_again_renumbered(
    server: Server, api: Api, catalog: dict[str, str], browser: Browser,
    contexts: list[BrowserContext],
) -> None:  # fmt: skip
    page = device(browser, contexts, **PHONE)
    _, link = api.invite("Zhou Refused")
    code = enroll(page, link)
    go(page, "home")
    by(page, "nav-settings").click()
    by(page, "lang-select").select_option("zh-Hans")
    create_customer(page, "拒绝茶馆")
    wait_synced(page)

    set_online(page, False)
    order_id, number = create_order(page, "拒绝茶馆", [(CUP, 1)])
    assert number == f"{code}-00001"
    # Meanwhile the number is taken on the server (an import, another system…).
    truth = api.pull_all()
    customer = next(c for c in truth["customers"].values() if c["name"] == "拒绝茶馆")
    res = api.push("e2e-number-thief", 1, ("order.create", {
        "id": "thief-order-0001", "number": number, "customer_id": customer["id"],
        "lines": [{"id": "thief-line-0001", "product_id": catalog[CUP], "qty": 1, "unit_price": 1800}]}))  # fmt: skip
    assert res[0]["status"] == "applied", res
    set_online(page, True)
    wait_synced(page)

    by(page, "home-refused").click()
    item = by(page, "refused-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(number)
    reason = by(page, "refused-reason")
    expect(reason).to_have_attribute("data-error", "number_taken")
    text = reason.first.inner_text()
    assert not re.search(r"[A-Za-z]{3,}", text), f"English in the Chinese reason: {text!r}"

    # Discard asks first; cancelling keeps it.
    item.click()
    by(page, "refused-discard").click()
    expect(by(page, "refused-discard-confirm")).to_be_visible()
    by(page, "refused-discard-no").click()
    expect(by(page, "refused-discard-confirm")).to_be_hidden()

    # Fixed and sent again: a new number (the old one is someone else's), a new order.
    by(page, "refused-fix").click()
    expect(by(page, "order-number")).not_to_have_text(number)
    by(page, "save-order").click()
    expect(by(page, "order-detail")).to_be_visible()
    new_number = by(page, "order-number").text_content() or ""
    new_id = page.url.rsplit("/", 1)[1]
    assert new_number == f"{code}-00002" and new_id != order_id
    wait_synced(page)
    expect(by(page, "home-refused")).to_be_hidden()
    (made,) = _orders_numbered(api, new_number)
    assert made["id"] == new_id
    (theirs,) = _orders_numbered(api, number)
    assert theirs["id"] == "thief-order-0001"


def test_discarding_refused_work_asks_and_then_it_is_gone(
    server: Server, api: Api, catalog: dict[str, str], browser: Browser,
    contexts: list[BrowserContext],
) -> None:  # fmt: skip
    page = device(browser, contexts, **PHONE)
    _, link = api.invite("Dora Discard")
    enroll(page, link)
    create_customer(page, "Discard Deli")
    wait_synced(page)
    set_online(page, False)
    _, number = create_order(page, "Discard Deli", [(CUP, 1)])
    api._json("PUT", f"/api/catalog/products/{catalog[CUP]}",
              {"sku": "REF-CUP", "name": CUP, "unit_price": 1800, "active": False})  # fmt: skip
    try:
        set_online(page, True)
        wait_synced(page)
        by(page, "home-refused").click()
        by(page, "refused-item").click()
        by(page, "refused-discard").click()
        by(page, "refused-discard-yes").click()
        expect(by(page, "refused")).to_be_visible()
        expect(by(page, "refused-item")).to_have_count(0)
        go(page, "home")
        expect(by(page, "home-refused")).to_be_hidden()
        wait_synced(page)
        assert _orders_numbered(api, number) == []
    finally:
        api._json("PUT", f"/api/catalog/products/{catalog[CUP]}",
                  {"sku": "REF-CUP", "name": CUP, "unit_price": 1800, "active": True})  # fmt: skip
