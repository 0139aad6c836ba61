"""Every page of the admin console at a desktop window (1280×800), walked by the demo admin on
the demo data plus a day's worth of activity made through the API: each page is checked to
have rendered what it should (with the left navigation's alert counts), and photographed.

``ORDERLY_SCREENSHOTS=1`` writes the pictures to docs/screenshots/admin-*.png (shown in
docs/screenshots.md); otherwise they go to a temporary directory and the walk is the same
test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from sync.ids import uuid7
from tests.days import day
from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import Api, by, enroll

# The navigation's overdue count is against today: one order due a week ago, the demo orders due
# after the day they are seeded.
pytestmark = pytest.mark.dates


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = new_server(tmp_path_factory, "admin-demo")
    srv.cli("seed-demo", "--orders", "24")
    with serving(srv):
        yield srv


@pytest.fixture
def desktop(browser: Browser, contexts: list[BrowserContext]) -> Page:
    return device(browser, contexts, viewport=DESKTOP, locale="en-US", timezone_id="Asia/Shanghai")


def _walk_an_order(admin: Api, client: str, first: int, order: dict, last: str) -> int:
    """Moves an order along the machine up to ``last`` (paying it in full on the way)."""
    steps = ["confirmed", "picking", "packed", "shipped", "delivered"]
    now = order["status"]
    batch: list[tuple[str, dict]] = []
    for to in steps[: steps.index(last) + 1]:
        batch.append(("order.transition", {"id": order["id"], "from": now, "to": to}))
        now = to
    pay = {"id": uuid7(), "order_id": order["id"], "method": "card", "amount": order["total"]}
    batch.append(("payment.record", pay))
    results = admin.push(client, first, *batch)
    assert {r["status"] for r in results} == {"applied"}, results
    return first + len(batch)


def _prepare(server: Server) -> str:
    """Through the API, before the admin signs in: orders at every stage with payments, one of
    them overdue; a rep's conflict; an order held by the review rules; a product low on stock;
    a complaint. Answers the admin's enrollment link."""
    admin = Api.admin(server, "Lee Manager")
    rep = Api.of(server, "rep1", "sales")
    try:
        truth = admin.pull_all()
        orders = sorted(truth["orders"].values(), key=lambda o: o["number"])
        client, n = "e2e-admin-shots", 1
        for order, last in zip(orders[:6], ["confirmed", "picking", "packed", "shipped",
                                            "delivered", "delivered"], strict=True):  # fmt: skip
            n = _walk_an_order(admin, client, n, order, last)
        # Overdue: a submitted order due a week ago.
        late = orders[7]
        [r] = admin.push(client, n, ("order.update", {"id": late["id"], "base_version":
                                                       late["version"], "set": {"due_date": day(-7)}}))  # fmt: skip
        assert r["status"] == "applied", r
        n += 1
        # A conflict of rep1's: the admin changed the priority first.
        mine = [o for o in orders if o["owner_id"] == admin.user_id("rep1")]
        target = mine[-1]
        theirs, ours = [p for p in ("high", "normal", "low") if p != target["priority"]]
        change = {"id": target["id"], "base_version": target["version"]}
        [r] = admin.push(client, n, ("order.update", {**change, "set": {"priority": theirs}}))
        assert r["status"] == "applied", r
        [r] = rep.push("e2e-shots-rep1", 1, ("order.update", {**change, "set": {"priority": ours}}))
        assert r["status"] == "conflict", r
        # Review: orders above 2,000.00 wait for a person; rep1 sends a big one.
        admin._json("PUT", "/api/admin/review-rules",
                    {"abnormal_amount": {"enabled": True, "amount": 200_000}})  # fmt: skip
        big = {"id": uuid7(), "number": "K7F-00099", "customer_id": target["customer_id"],
               "lines": [{"id": uuid7(), "product_id": "p-tea-pue", "qty": 40, "unit_price": 12800}]}  # fmt: skip
        [r] = rep.push("e2e-shots-rep1", 2, ("order.create", big))
        assert r["status"] == "applied", r
        # Low stock: a reorder point above what is there.
        admin._json("PATCH", "/api/admin/products/p-tea-pue", {"reorder_point": 5000})
        # After-sales: a complaint about a delivered order.
        admin._json("POST", "/api/admin/after-sales", {
            "kind": "complaint", "category": "damaged", "order_id": orders[4]["id"],
            "description": "Two cartons arrived crushed."})  # fmt: skip
        return admin.enrollment_link(admin.user_id("admin"))
    finally:
        admin.http.close()
        rep.http.close()


def _shot(page: Page, shots: Path, name: str) -> None:
    page.screenshot(path=shots / f"admin-{name}.png", animations="disabled")


def _open(page: Page, tab: str) -> None:
    by(page, f"nav-{tab}").click()
    expect(by(page, tab)).to_be_visible()


def test_every_admin_page_at_a_desktop_window(
    demo_server: Server, desktop: Page, shots: Path
) -> None:
    page = desktop
    link = _prepare(demo_server)
    enroll(page, link)
    expect(by(page, "side-nav")).to_be_visible()
    # The left navigation counts what needs someone: overdue, held for review, low stock.
    expect(by(page, "admin-orders-badge")).to_have_text("1")
    expect(by(page, "admin-review-badge")).to_have_text("1")
    expect(by(page, "admin-inventory-badge")).not_to_have_text("0")

    _open(page, "admin-users")
    expect(by(page, "user-row")).to_have_count(5)  # admin, rep1, rep2, picker1, Lee Manager
    _shot(page, shots, "users")

    _open(page, "admin-devices")
    expect(by(page, "device-row").first).to_be_visible()
    _shot(page, shots, "devices")

    _open(page, "admin-orders")
    expect(by(page, "overdue-alert")).to_be_visible()
    expect(by(page, "order-row")).to_have_count(25)
    _shot(page, shots, "orders")
    by(page, "order-row").filter(has_text="delivered").first.get_by_test_id("order-open").click()
    expect(by(page, "order-detail")).to_be_visible()
    expect(by(page, "order-timeline")).to_contain_text("Delivered")  # in words, not codes
    # The customer's credit limit, which the review rule compares their open orders with.
    by(page, "credit-limit").fill("50000")
    by(page, "credit-limit-save").click()
    expect(by(page, "credit-limit-saved")).to_contain_text("50,000.00")
    _shot(page, shots, "order")

    _open(page, "admin-review")
    expect(by(page, "review-order").filter(has_text="K7F-00099")).to_be_visible()
    _shot(page, shots, "review")

    _open(page, "admin-conflicts")
    expect(by(page, "admin-conflict-row")).to_have_count(1)
    by(page, "admin-conflict-row").first.get_by_test_id("conflict-open").click()
    expect(by(page, "admin-conflict-detail")).to_be_visible()
    expect(by(page, "admin-conflict-who")).to_have_text("rep1")
    _shot(page, shots, "conflict")

    _open(page, "admin-inventory")
    expect(by(page, "low-stock-alert")).to_be_visible()
    expect(by(page, "stock-row").first).to_be_visible()
    _shot(page, shots, "inventory")

    _open(page, "admin-aftersales")
    expect(by(page, "case-row")).to_have_count(1)
    _shot(page, shots, "after-sales")

    _open(page, "admin-import")
    expect(by(page, "import-form")).to_be_visible()
    _shot(page, shots, "import")

    _open(page, "admin-reports")
    expect(by(page, "report-chart").locator("canvas").first).to_be_visible()
    _shot(page, shots, "reports")

    _open(page, "admin-audit")
    expect(by(page, "audit-row").first).to_be_visible()
    by(page, "audit-verify").click()
    expect(by(page, "audit-chain-ok")).to_be_visible()
    _shot(page, shots, "audit")
