"""The after-sales page (docs/admin.md § After-sales) in a real browser on a real server: an
admin at a desktop window opens a complaint on a delivered, paid order and resolves it, then opens
a return of the whole order, resolves it (the order becomes returned) and records the refund on
the page; the server's payments of the order show the refund, and the order is refunded."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from sync.ids import uuid7
from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import Api, by, enroll

NUMBER = "AS-E2E-0001"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-aftersales")) as srv:
        yield srv


@pytest.fixture
def admin_page(browser: Browser, contexts: list[BrowserContext]) -> Page:
    return device(browser, contexts, viewport=DESKTOP)


def delivered_paid_order(server: Server, api: Api) -> str:
    """A rep's order (2 × Tea at 5.00, 1 × Cup at 3.00) taken to delivered and paid 13.00 by
    the admin; its id."""
    tea = api.put_product("TEA", "Tea", 500)
    cup = api.put_product("CUP", "Cup", 300)
    rep = Api.of(server, "Rita Rep", "sales")
    customer, order = uuid7(), uuid7()
    lines = [{"id": uuid7(), "product_id": tea, "qty": 2, "unit_price": 500},
             {"id": uuid7(), "product_id": cup, "qty": 1, "unit_price": 300}]  # fmt: skip
    got = rep.push("rita-phone", 1,
                   ("customer.upsert", {"id": customer, "name": "Golden Leaf Café"}),
                   ("order.create", {"id": order, "number": NUMBER, "customer_id": customer,
                                     "lines": lines}))  # fmt: skip
    assert [r["status"] for r in got] == ["applied", "applied"], got
    rep.http.close()
    path = ["submitted", "confirmed", "picking", "packed", "shipped", "delivered"]
    steps = [("order.transition", {"id": order, "from": a, "to": b})
             for a, b in itertools.pairwise(path)]  # fmt: skip
    pay = ("payment.record", {"id": uuid7(), "order_id": order, "method": "cash",
                              "amount": 1300})  # fmt: skip
    got = api.push("boss-desktop", 1, *steps, pay)
    assert {r["status"] for r in got} == {"applied"}, got
    return order


def new_case(page: Page, kind: str, category: str, description: str) -> None:
    by(page, "case-new-open").click()
    by(page, "case-new-order").fill(NUMBER)
    by(page, "case-new-order").press("Enter")
    form = by(page, "case-new-form")
    expect(form).to_have_attribute("data-order", NUMBER)
    by(page, "case-new-kind").select_option(kind)
    by(page, "case-new-category").select_option(category)
    by(page, "case-new-description").fill(description)
    if kind == "return":  # everything comes back
        for line in by(page, "case-new-line").all():
            ordered = line.locator("td.num").first.text_content() or ""
            line.get_by_test_id("case-new-qty").fill(ordered.strip())
    by(page, "case-new-submit").click()
    expect(by(page, "case-new")).to_have_count(0)


def test_a_complaint_and_a_refunded_return_on_the_page(
    server: Server, api: Api, admin_page: Page
) -> None:
    order = delivered_paid_order(server, api)
    page = admin_page
    enroll(page, server.create_admin("Ada Admin"))
    by(page, "nav-admin-aftersales").click()
    expect(page).to_have_url(re.compile(r"/admin/after-sales$"))
    expect(by(page, "admin-aftersales")).to_be_visible()
    expect(by(page, "case-row")).to_have_count(0)

    # A complaint: opened, worked, resolved with how.
    new_case(page, "complaint", "late", "Arrived two days late")
    detail = by(page, "case-detail")
    expect(detail).to_have_attribute("data-status", "open")
    number = detail.get_attribute("data-number")
    assert number == "AS-000001", number
    expect(by(page, "case-order")).to_have_attribute("data-status", "delivered")
    by(page, "case-to-in_progress").click()
    expect(detail).to_have_attribute("data-status", "in_progress")
    by(page, "case-resolution").fill("Apologised; 5% off the next order")
    by(page, "case-to-resolved").click()
    expect(detail).to_have_attribute("data-status", "resolved")
    row = by(page, "case-row").and_(page.locator(f'[data-number="{number}"]'))
    expect(row).to_have_attribute("data-status", "resolved")
    expect(by(page, "case-to-in_progress")).to_be_visible()  # reopen is offered

    # A return of everything: resolved, the order is returned; the refund settles it.
    by(page, "case-close").click()
    new_case(page, "return", "damaged", "Both boxes crushed")
    detail = by(page, "case-detail")
    expect(detail).to_have_attribute("data-number", "AS-000002")
    expect(by(page, "case-lines")).to_contain_text("Tea × 2")
    by(page, "case-resolution").fill("Goods taken back")
    by(page, "case-to-resolved").click()
    expect(detail).to_have_attribute("data-status", "resolved")
    expect(by(page, "case-order")).to_have_attribute("data-status", "returned")
    expect(by(page, "case-paid")).to_contain_text("13.00")
    by(page, "refund-amount").fill("13.00")
    by(page, "refund-method").select_option("transfer")
    by(page, "refund-submit").click()
    expect(by(page, "payment-row").and_(page.locator('[data-amount="-1300"]'))).to_have_attribute(
        "data-status", "refunded"
    )
    expect(by(page, "case-refundable")).to_contain_text("0.00")
    expect(by(page, "case-order")).to_have_attribute("data-status", "refunded")
    expect(by(page, "case-row")).to_have_count(2)

    # The server's truth, as any device pulls it.
    truth = api.pull_all()
    payments = [p for p in truth["payments"].values() if p["order_id"] == order]
    assert sorted((p["amount"], p["status"], p["method"]) for p in payments) == [
        (-1300, "refunded", "transfer"), (1300, "paid", "cash")]  # fmt: skip
    assert truth["orders"][order]["status"] == "refunded"
