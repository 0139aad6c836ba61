"""Consistency of the console's operations (issue 17 item 13), at a desktop window on a real
server: an applied stocktake keeps the variances it applied; a held order is cancelled only with
a reason, which the rep's order carries, and several held orders are released in one go with a
confirmation and each one's outcome; like conflicts are settled in bulk after a confirmation that
names each order and both values, the list updates itself, the filters leave the first row above
the fold, and a conflict's order opens in the console."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import Api, by, enroll
from tests.e2e.test_admin_conflicts import _like_conflicts, row_of


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-consistency-ops")) as srv:
        yield srv


def admin_page(server: Server, browser: Browser, contexts: list[BrowserContext], name: str) -> Page:
    page = device(browser, contexts, viewport=DESKTOP)
    enroll(page, server.create_admin(name))
    return page


def test_an_applied_stocktake_keeps_the_variances_it_applied(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    api = Api.admin(server)
    wh = api._json("POST", "/api/admin/warehouses", {"code": "VAR", "name": "Variance depot"})
    jam = api._json("POST", "/api/admin/products", {"sku": "JAM-3", "name": "Plum jam",
                                                   "unit_price": 900})  # fmt: skip
    api._json("POST", "/api/admin/stock/adjust", {"product_id": jam["id"],
              "warehouse_id": wh["id"], "delta": 5, "reason": "receive"})  # fmt: skip
    session = api._json("POST", "/api/stocktakes", {"warehouse_id": wh["id"]})
    (result,) = api.push("consistency-handheld", 1, ("stocktake.line", {
        "id": str(uuid.uuid4()), "session_id": session["id"], "warehouse_id": wh["id"],
        "product_id": jam["id"], "counted": 8}))  # fmt: skip
    assert result["status"] == "applied", result

    page = admin_page(server, browser, contexts, "Stella Stocktake")
    page.goto(f"{server.url}/admin/inventory?tab=stocktakes&id={session['id']}")
    detail = by(page, "stocktake-detail")
    row = detail.get_by_test_id("variance-row")
    expect(row).to_have_attribute("data-sku", "JAM-3")
    expect(row.get_by_test_id("variance-value")).to_have_text("+3")
    by(page, "stocktake-apply").click()
    expect(by(page, "stocktake-apply-question")).to_be_visible()
    by(page, "stocktake-apply-confirm").click()
    expect(by(page, "stocktake-applied")).to_be_visible()
    expect(detail).to_have_attribute("data-status", "applied")

    # Applied, and seen again later: the variance it applied, not 0 against on hand now.
    for _ in range(2):
        expect(row.get_by_test_id("variance-counted")).to_have_text("8")
        expect(row.get_by_test_id("variance-book")).to_have_text("5")
        expect(row.get_by_test_id("variance-value")).to_have_text("+3")
        expect(detail.locator("thead")).to_contain_text("On hand when applied")
        page.reload()
        detail = by(page, "stocktake-detail")
        row = detail.get_by_test_id("variance-row")
    level = api._json("GET", f"/api/admin/stock?warehouse_id={wh['id']}")["rows"][0]
    assert level["on_hand"] == 8
    api.http.close()


def test_a_cancel_says_why_and_held_orders_are_released_together(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    api = Api.admin(server)
    api._json("PUT", "/api/admin/review-rules",
              {"abnormal_amount": {"enabled": True, "amount": 100_000}})  # fmt: skip
    product = api.put_product("HOLD-1", "Tea chest", 60_000)
    rep = Api.of(server, "Hana Held", "sales")
    customer = str(uuid.uuid4())
    ids = [str(uuid.uuid4()) for _ in range(4)]
    numbers = [f"HOLD-{i:05d}" for i in range(4)]
    made = rep.push("hana-phone", 1, ("customer.upsert", {"id": customer, "name": "Quay Cafe"}), *[
        ("order.create", {"id": oid, "number": number, "customer_id": customer, "lines": [
            {"id": str(uuid.uuid4()), "product_id": product, "qty": 2, "unit_price": 60_000}]})
        for oid, number in zip(ids, numbers, strict=True)])  # fmt: skip
    assert [r["status"] for r in made] == ["applied"] * 5, made

    page = admin_page(server, browser, contexts, "Rui Review")
    by(page, "nav-admin-review").click()
    expect(page).to_have_url(re.compile(r"/admin/review$"))
    held = by(page, "review-order")
    expect(held).to_have_count(4)
    badge = by(page, "admin-review-badge")  # the left navigation's count of the queue
    expect(badge).to_have_text("4")

    def row(number: str):
        return held.and_(page.locator(f'[data-number="{number}"]'))

    # A cancel asks why, and goes nowhere without an answer.
    row(numbers[0]).get_by_test_id("review-cancel").click()
    reason = row(numbers[0]).get_by_test_id("review-cancel-reason")
    expect(reason).to_be_visible()
    confirm = row(numbers[0]).get_by_test_id("review-cancel-confirm")
    expect(confirm).to_be_disabled()
    reason.fill("   ")
    expect(confirm).to_be_disabled()
    reason.fill("Customer closed the shop")
    confirm.click()
    expect(held).to_have_count(3)
    expect(badge).to_have_text("3")  # asked again after the change, not a minute later
    # The reason is on the order the rep's phone pulls, on the cancel step of its timeline.
    cancelled = rep.pull_all()["orders"][ids[0]]
    assert cancelled["status"] == "cancelled"
    last = cancelled["status_history"][-1]
    assert (last["to"], last["reason"]) == ("cancelled", "Customer closed the shop")

    # Three selected; one of them is cancelled elsewhere meanwhile: its release is refused, the
    # others go through, and the page says which.
    for number in numbers[1:]:
        row(number).get_by_test_id("review-select").check()
    expect(by(page, "review-bulk")).to_have_attribute("data-count", "3")
    by(page, "review-bulk-release").click()
    expect(by(page, "review-bulk-question")).to_contain_text("3 orders")
    api._json("POST", f"/api/admin/review/orders/{ids[3]}",
              {"decision": "cancel", "note": "Duplicate of HOLD-00002"})  # fmt: skip
    by(page, "review-bulk-confirm").click()
    outcomes = by(page, "review-bulk-outcome")
    expect(outcomes).to_have_count(3)
    for number, ok in ((numbers[1], "true"), (numbers[2], "true"), (numbers[3], "false")):
        expect(outcomes.and_(page.locator(f'[data-number="{number}"]'))).to_have_attribute(
            "data-ok", ok)  # fmt: skip
    expect(outcomes.and_(page.locator('[data-ok="false"]'))).to_contain_text("no longer on hold")
    expect(held).to_have_count(0)
    expect(badge).to_have_count(0)  # the queue is empty: no count left on the navigation
    truth = api.pull_all()["orders"]
    assert [truth[i]["status"] for i in ids] == ["cancelled", "confirmed", "confirmed", "cancelled"]
    rep.http.close()
    api.http.close()


def test_bulk_settling_asks_first_naming_orders_and_values_and_the_list_updates(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    orders, conflicts = _like_conflicts(server, 2)
    api = Api.admin(server)
    truth = api.pull_all()
    numbers = [truth["orders"][o]["number"] for o in orders]
    page = admin_page(server, browser, contexts, "Cy Console")
    by(page, "nav-admin-conflicts").click()
    for conflict_id in conflicts:
        expect(row_of(page, conflict_id)).to_have_attribute("data-status", "open")

    # The filters are one compact row: the first conflict shows above the fold.
    filters = by(page, "conflict-filters").bounding_box()
    first = by(page, "admin-conflict-row").first.bounding_box()
    assert filters and first
    assert filters["height"] < 120, filters
    assert first["y"] - (filters["y"] + filters["height"]) < 200, (filters, first)
    assert first["y"] + first["height"] <= DESKTOP["height"], first
    # The dates are behind a disclosure; they open.
    expect(by(page, "conflict-filter-from")).to_be_hidden()
    by(page, "conflict-filter-dates-toggle").click()
    expect(by(page, "conflict-filter-from")).to_be_visible()

    for conflict_id in conflicts:
        row_of(page, conflict_id).get_by_test_id("conflict-select").check()
    by(page, "conflict-bulk-server").click()
    question = by(page, "conflict-bulk-question")
    expect(question).to_have_attribute("data-count", "2")
    expect(question).to_contain_text("2 conflicts")
    items = question.get_by_test_id("conflict-bulk-item")
    expect(items).to_have_count(2)
    for i, conflict_id in enumerate(conflicts):
        item = items.and_(page.locator(f'[data-id="{conflict_id}"]'))
        expect(item.get_by_test_id("conflict-bulk-subject")).to_contain_text(numbers[i])
        expect(item.get_by_test_id("conflict-bulk-subject")).to_contain_text("Bulk Teahouse")
        expect(item.get_by_test_id("conflict-bulk-what")).to_contain_text("Delivery address")
        expect(item.get_by_test_id("conflict-bulk-server-value")).to_have_text(f"{i} Dock Road")
        expect(item.get_by_test_id("conflict-bulk-device-value")).to_contain_text(f"{i} Hill Street")
    # Not yet: going back settles nothing.
    by(page, "conflict-bulk-no").click()
    expect(by(page, "conflict-bulk-question")).to_have_count(0)
    for conflict_id in conflicts:
        expect(row_of(page, conflict_id)).to_have_attribute("data-status", "open")
    by(page, "conflict-bulk-server").click()
    by(page, "conflict-bulk-yes").click()

    # The list of open conflicts drops them by itself (no Reload).
    for conflict_id in conflicts:
        expect(row_of(page, conflict_id)).to_have_count(0)
    expect(by(page, "conflict-bulk")).to_have_count(0)
    settled = api.pull_all()
    assert {(settled["conflicts"][c]["status"], settled["conflicts"][c]["resolution"])
            for c in conflicts} == {("resolved", "server")}  # fmt: skip
    assert [settled["orders"][o]["delivery_address"] for o in orders] == [
        "0 Dock Road", "1 Dock Road"]  # fmt: skip

    # A conflict's order opens in the console, not on the phone's screen.
    by(page, "conflict-filter-status").select_option("resolved")
    row_of(page, conflicts[0]).get_by_test_id("conflict-open").click()
    link = by(page, "admin-conflict-subject")
    expect(link).to_have_attribute("href", f"/admin/orders/{orders[0]}")
    link.click()
    expect(page).to_have_url(re.compile(rf"/admin/orders/{orders[0]}$"))
    expect(by(page, "admin-orders")).to_contain_text(numbers[0])
    api.http.close()
