"""The mutation log in the admin console (docs/admin.md § Mutation log) in a real browser on a real
server: a rep's phone sends an order the server refuses (a 2,520-character note: the app refuses
that at entry, so it goes through the API with the phone's own session, as an older app or a
script would) and a status change it refuses; an admin goes devices page → the phone's refused
count → the refused order with its lines, customer and note readable, money formatted; and from
an order's detail to the changes sent for it, and from its timeline to its refused change.

``ORDERLY_SCREENSHOTS=1`` writes docs/screenshots/admin-mutations.png (docs/screenshots.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from sync.ids import uuid7
from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import Api, app, by, create_customer, create_order, enroll, wait_synced

NOTE = "Leave at the back door, ring twice. " * 70  # 2,520 characters: the limit is 2,000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-mutations")) as srv:
        yield srv


def phone_api(server: Server, phone: Page) -> Api:
    """The API as the phone's own session (its device), not an admin token: what it pushes is
    logged as that device's."""
    [session] = [c["value"] for c in phone.context.cookies() if c["name"] == "orderly_session"]
    base = server.url.replace("localhost", "127.0.0.1")
    return Api(httpx.Client(base_url=base, headers={"Authorization": f"Bearer {session}"},
                            timeout=30))  # fmt: skip


def row_named(page: Page, name: str):
    return by(page, "mutation-row").and_(app(page).locator(f'[data-name="{name}"]'))


def test_an_admin_reads_a_refused_order_from_the_devices_page_and_an_orders_changes(
    server: Server, api: Api, browser: Browser, contexts: list[BrowserContext], shots: Path
) -> None:
    tea = api.put_product("MUT-TEA", "Jasmine pearls", 4250)
    cup = api.put_product("MUT-CUP", "Celadon cup", 1800)
    _, link = api.invite("Rita Refused")
    phone = device(browser, contexts)
    code = enroll(phone, link)
    customer = create_customer(phone, "Harbour Tea House")
    order_id, number = create_order(phone, "Harbour Tea House", [("Jasmine pearls", 1)])
    wait_synced(phone)

    rep = phone_api(server, phone)
    refused_id = uuid7()
    lines = [{"id": uuid7(), "product_id": tea, "qty": 3, "unit_price": 4250},
             {"id": uuid7(), "product_id": cup, "qty": 6, "unit_price": 1800}]  # fmt: skip
    created, moved = rep.push(
        f"e2e-mutations-{code}", 1,
        ("order.create", {"id": refused_id, "number": f"{code}-R-1", "customer_id": customer,
                          "lines": lines, "notes": NOTE, "delivery_address": "12 Quay Road"}),
        ("order.transition", {"id": order_id, "from": "draft", "to": "shipped"}),
    )  # fmt: skip
    rep.http.close()
    assert (created["status"], created["error"]) == ("rejected", "invalid_args"), created
    assert moved["status"] == "rejected", moved

    # The admin: the devices page counts the phone's refused changes and links to them.
    admin = device(browser, contexts, viewport=DESKTOP, locale="en-US")
    enroll(admin, server.create_admin("Ada Admin"))
    by(admin, "nav-admin-devices").click()
    phone_row = by(admin, "device-row").and_(app(admin).locator(f'[data-code="{code}"]'))
    expect(phone_row.get_by_test_id("device-errors")).to_have_text("2")
    phone_row.get_by_test_id("device-errors-link").click()
    expect(admin).to_have_url(re.compile(r"/admin/mutations\?device_id=[^&]+&status=rejected$"))
    expect(by(admin, "admin-mutations")).to_be_visible()
    expect(by(admin, "mutations-filter-status")).to_have_value("rejected")
    expect(by(admin, "mutations-total")).to_have_attribute("data-total", "2")
    expect(by(admin, "mutation-row")).to_have_count(2)

    # The refused order: named by its number and customer, the reason in words.
    row = row_named(admin, "order.create")
    expect(row).to_have_attribute("data-status", "rejected")
    expect(row.get_by_test_id("mutation-name")).to_have_text("New order")
    expect(row.get_by_test_id("mutation-order")).to_contain_text(f"{code}-R-1")
    expect(row.get_by_test_id("mutation-order")).to_contain_text("not on the server")
    expect(row.get_by_test_id("mutation-customer")).to_have_text("Harbour Tea House")
    expect(row.get_by_test_id("mutation-error")).to_have_text("The change was invalid.")
    row.get_by_test_id("mutation-toggle").click()

    # Its data, readable: the lines with product names and money, the customer, the note.
    detail = by(admin, "mutation-detail")
    expect(detail).to_have_count(1)
    expect(detail.get_by_test_id("mutation-message")).to_contain_text("2000")
    shown = detail.get_by_test_id("mutation-line")
    expect(shown).to_have_count(2)
    expect(shown.nth(0)).to_contain_text("MUT-TEA")
    expect(shown.nth(0)).to_contain_text("Jasmine pearls")
    expect(shown.nth(0)).to_contain_text("CN¥42.50")
    expect(shown.nth(0)).to_contain_text("CN¥127.50")
    expect(shown.nth(1)).to_contain_text("Celadon cup")
    expect(shown.nth(1)).to_contain_text("CN¥108.00")
    expect(detail.get_by_test_id("mutation-lines-total")).to_have_text("CN¥235.50")
    args = detail.get_by_test_id("mutation-args")
    expect(args.locator('[data-field="customer_id"]')).to_have_text("Harbour Tea House")
    expect(args.locator('[data-field="delivery_address"]')).to_have_text("12 Quay Road")
    expect(detail.get_by_test_id("mutation-long-text")).to_contain_text("ring twice")
    expect(detail.get_by_test_id("mutation-text-length")).to_have_text("2,520 characters")
    assert (detail.get_by_test_id("mutation-long-text").text_content() or "") == NOTE
    expect(detail).not_to_contain_text("4250")  # money never in minor units, JSON included
    expect(detail.get_by_test_id("mutation-json")).to_contain_text('"unit_price": "42.50"')
    # The picture: the list's head and both rows above the opened data.
    row.evaluate("el => window.scrollBy(0, el.getBoundingClientRect().top - 200)")
    admin.screenshot(path=shots / "admin-mutations.png", animations="disabled")

    # From an order's detail to the changes sent for it.
    row_named(admin, "order.transition").get_by_test_id("mutation-order-link").click()
    expect(by(admin, "order-detail")).to_have_attribute("data-number", number)
    by(admin, "order-mutations").click()
    expect(admin).to_have_url(re.compile(rf"/admin/mutations\?order_id={order_id}$"))
    expect(app(admin).locator("h1")).to_have_text(f"Changes sent for order {number}")
    expect(row_named(admin, "order.create")).to_have_attribute("data-status", "applied")
    expect(row_named(admin, "order.transition")).to_have_attribute("data-status", "rejected")
    expect(by(admin, "mutation-row").filter(has_text="Rita Refused")).to_have_count(
        by(admin, "mutation-row").count()
    )
    # …and from its timeline's refused change to that change, opened.
    admin.go_back()
    expect(by(admin, "order-detail")).to_be_visible()
    by(admin, "timeline-refused").first.click()
    expect(admin).to_have_url(re.compile(rf"order_id={order_id}&status=rejected$"))
    expect(by(admin, "mutation-row")).to_have_count(1)
    opened = by(admin, "mutation-detail")
    expect(opened.locator('[data-field="from"]')).to_have_text("Draft")
    expect(opened.locator('[data-field="to"]')).to_have_text("Shipped")
