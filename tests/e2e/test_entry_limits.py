"""The catalog's bounds at entry (issue 13 item 2, docs/pwa.md § Validation), in a real browser
on a real server, phone viewport: a 2,500-character note and a unit price of 99,999,999,999.00 on
the new-order form are refused as they are typed, the limit shown next to the field (2,000
characters; ¥10,000,000,000.00), saving refuses with the same words, and nothing reaches the
outbox or the server; in Chinese the words are Chinese. A note of 2,000 emoji (4,000 UTF-16
units, 2,000 characters as the server counts) is taken and reaches the server whole."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import Server, device, new_server, serving
from tests.e2e.sales import PHONE, SYNC_TIMEOUT, Api, by, create_customer, enroll, go, wait_synced

TEA = "Limits green tea"
CUSTOMER = "Limits Teahouse"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "limits")) as srv:
        yield srv


@pytest.fixture(scope="module")
def catalog(api: Api) -> str:
    return api.put_product("LIM-TEA", TEA, 4500)


def _outbox(page: Page) -> int:
    """The mutations waiting in the device's outbox, as home shows them."""
    go(page, "home")
    count = by(page, "pending-count")
    expect(count).to_have_text(re.compile(r"^\d+$"))  # "…" while the count loads
    return int(count.text_content() or "-1")


def _start_order(page: Page) -> None:
    go(page, "home")
    by(page, "new-order").click()
    by(page, "customer-search").fill(CUSTOMER)
    by(page, "customer-option").filter(has_text=CUSTOMER).first.click()
    by(page, "line-add").click()
    by(page, "product-option").filter(has_text=TEA).first.click()
    by(page, "product-picker-close").click()


def _type_too_much(page: Page) -> None:
    by(page, "line").first.get_by_test_id("line-price").fill("99999999999")
    by(page, "order-notes").fill("茶" * 2500)


def test_too_long_a_note_and_too_high_a_price_are_refused_at_entry(
    server: Server, api: Api, catalog: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = device(browser, contexts, **PHONE, locale="en-US")
    _, link = api.invite("Lina Limits")
    enroll(page, link)
    create_customer(page, CUSTOMER)
    wait_synced(page)

    _start_order(page)
    # The limits show before they are reached: the counter and the range of a line.
    expect(by(page, "order-notes-count")).to_have_text("0 / 2,000")
    expect(by(page, "line-limits")).to_contain_text("1,000,000")
    expect(by(page, "line-limits")).to_contain_text("10,000,000,000.00")

    _type_too_much(page)
    expect(by(page, "order-notes-count")).to_have_text("2,500 / 2,000")
    expect(by(page, "order-notes-count")).to_have_class(re.compile(r"\bover\b"))
    expect(by(page, "order-notes-problem")).to_have_text(
        "Notes: at most 2,000 characters (now 2,500)."
    )
    expect(by(page, "line-problem")).to_have_text(
        "Line 1 · Unit price: at most CN¥10,000,000,000.00."
    )
    expect(by(page, "line").first.get_by_test_id("line-price")).to_have_attribute(
        "aria-invalid", "true"
    )

    by(page, "save-order").click()
    expect(by(page, "error")).to_contain_text("Notes: at most 2,000 characters")
    expect(by(page, "error")).to_contain_text("Unit price: at most CN¥10,000,000,000.00")
    expect(by(page, "order-new")).to_be_visible()  # not saved: still on the form
    assert _outbox(page) == 0

    # In Chinese, the same refusals in Chinese only.
    by(page, "nav-settings").click()
    by(page, "lang-select").select_option("zh-Hans")
    _start_order(page)
    _type_too_much(page)
    note, price = by(page, "order-notes-problem"), by(page, "line-problem")
    expect(note).to_have_text("备注：最多 2,000 个字符（现在 2,500 个）。")
    expect(price).to_have_text("第 1 条明细 · 单价：最多 ¥10,000,000,000.00。")
    by(page, "save-order").click()
    expect(by(page, "error")).to_be_visible()
    for text in (note.text_content(), price.text_content(), by(page, "error").text_content()):
        assert not re.search(r"[A-Za-z]", text or ""), text
    assert _outbox(page) == 0
    assert not api.pull_all().get("orders"), "nothing reached the server"

    # At the bound it is taken: 2,000 characters as the server counts them (code points).
    _start_order(page)
    by(page, "order-notes").fill("😀" * 2000)
    expect(by(page, "order-notes-count")).to_have_text("2,000 / 2,000")
    expect(by(page, "order-notes-problem")).to_have_count(0)
    by(page, "save-order").click()
    expect(by(page, "order-detail")).to_be_visible()
    wait_synced(page)
    [order] = api.pull_all()["orders"].values()
    assert order["notes"] == "😀" * 2000
    expect(by(page, "pending-count")).to_have_text("0", timeout=SYNC_TIMEOUT)
