"""The admin inventory page (docs/admin.md § Inventory) in a real browser on a real server: an
admin raises a product's reorder point above its available stock and sees it in the low-stock
alert, receives stock for it and sees the level, the ledger's move and the alert gone, then
applies a stocktake counted through the API and the level becomes the counted number."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import Api, by, enroll


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-inventory")) as srv:
        yield srv


@pytest.fixture
def admin_page(browser: Browser, contexts: list[BrowserContext], server: Server) -> Page:
    page = device(browser, contexts, viewport=DESKTOP)
    enroll(page, server.create_admin("Ada Admin"))
    return page


def _stock_row(page: Page, sku: str):
    return by(page, "stock-row").and_(page.locator(f'[data-sku="{sku}"]'))


def test_low_stock_receiving_and_a_stocktake(server: Server, admin_page: Page) -> None:
    page = admin_page
    api = Api.admin(server)
    wh = api._json("POST", "/api/admin/warehouses", {"code": "MAIN", "name": "Main depot"})
    tea = api._json("POST", "/api/admin/products",
                    {"sku": "TEA-9", "name": "Oolong tea", "barcode": "690000000009",
                     "unit_price": 1200})  # fmt: skip
    api._json("POST", "/api/admin/stock/adjust", {"product_id": tea["id"],
              "warehouse_id": wh["id"], "delta": 5, "reason": "receive"})  # fmt: skip

    by(page, "nav-admin-inventory").click()
    expect(page).to_have_url(re.compile(r"/admin/inventory$"))
    expect(by(page, "admin-inventory")).to_be_visible()
    row = _stock_row(page, "TEA-9")
    expect(row.get_by_test_id("stock-available")).to_have_text("5")
    expect(row).to_have_attribute("data-state", "ok")
    expect(by(page, "low-stock-alert")).to_have_count(0)

    # Products: the reorder point goes above the 5 available.
    by(page, "inventory-tab-products").click()
    expect(page).to_have_url(re.compile(r"tab=products"))
    product = by(page, "product-row").and_(page.locator('[data-sku="TEA-9"]'))
    product.get_by_test_id("product-edit").click()
    form = by(page, "product-form")
    expect(form.get_by_test_id("product-barcode")).to_have_value("690000000009")
    form.get_by_test_id("product-reorder").fill("10")
    form.get_by_test_id("product-safety").fill("2")
    form.get_by_test_id("product-save").click()
    expect(by(page, "product-form")).to_have_count(0)
    expect(product.get_by_test_id("product-reorder-value")).to_have_text("10")
    expect(product.get_by_test_id("product-low")).to_be_visible()

    # Stock levels: the alert names it.
    by(page, "inventory-tab-stock").click()
    alert = by(page, "low-stock-alert")
    expect(alert).to_be_visible()
    expect(alert.get_by_test_id("low-stock-item")).to_have_attribute("data-sku", "TEA-9")
    expect(alert.get_by_test_id("low-stock-item")).to_have_attribute("data-state", "reorder")
    expect(by(page, "low-stock-badge")).to_have_text("1")
    expect(row).to_have_attribute("data-state", "reorder")

    # Receive 20 from the level's row: the form comes with the product and the warehouse.
    row.get_by_test_id("stock-receive").click()
    expect(page).to_have_url(re.compile(r"tab=receive"))
    expect(by(page, "adjust-product")).to_have_value(tea["id"])
    expect(by(page, "adjust-warehouse")).to_have_value(wh["id"])
    by(page, "adjust-qty").fill("20")
    by(page, "adjust-note").fill("PO-4711")
    by(page, "adjust-submit").click()
    expect(by(page, "adjust-done")).to_contain_text("25")

    by(page, "inventory-tab-stock").click()
    expect(row.get_by_test_id("stock-on-hand")).to_have_text("25")
    expect(row.get_by_test_id("stock-available")).to_have_text("25")
    expect(row).to_have_attribute("data-state", "ok")
    expect(by(page, "low-stock-alert")).to_have_count(0)
    expect(by(page, "low-stock-badge")).to_have_count(0)

    # The ledger shows the receipt, newest first.
    row.get_by_test_id("stock-moves").click()
    expect(page).to_have_url(re.compile(r"tab=moves"))
    first = by(page, "move-row").first
    expect(first).to_have_attribute("data-delta", "20")
    expect(first).to_have_attribute("data-reason", "receive")
    expect(first.get_by_test_id("move-ref")).to_have_text("PO-4711")
    expect(by(page, "move-row")).to_have_count(2)

    # A stocktake counted on a handheld (through the API): 18 on the shelf.
    session = api._json("POST", "/api/stocktakes", {"warehouse_id": wh["id"]})
    (result,) = api.push("e2e-handheld", 1, ("stocktake.line", {
        "id": str(uuid.uuid4()), "session_id": session["id"], "warehouse_id": wh["id"],
        "product_id": tea["id"], "counted": 18}))  # fmt: skip
    assert result["status"] == "applied", result

    by(page, "inventory-tab-stocktakes").click()
    listed = by(page, "stocktake-row").and_(page.locator(f'[data-id="{session["id"]}"]'))
    expect(listed).to_have_attribute("data-status", "open")
    listed.get_by_test_id("stocktake-view").click()
    detail = by(page, "stocktake-detail")
    variance = detail.get_by_test_id("variance-row")
    expect(variance).to_have_attribute("data-sku", "TEA-9")
    expect(variance.get_by_test_id("variance-counted")).to_have_text("18")
    expect(variance.get_by_test_id("variance-value")).to_have_text("-7")
    by(page, "stocktake-apply").click()
    expect(by(page, "stocktake-apply-question")).to_be_visible()
    by(page, "stocktake-apply-confirm").click()
    expect(by(page, "stocktake-applied")).to_be_visible()
    expect(listed).to_have_attribute("data-status", "applied")

    by(page, "inventory-tab-stock").click()
    expect(row.get_by_test_id("stock-on-hand")).to_have_text("18")
    expect(row).to_have_attribute("data-state", "ok")
    moves = api._json("GET", f"/api/admin/stock-moves?product_id={tea['id']}&reason=count")
    assert [(m["delta"], m["ref"]) for m in moves["rows"]] == [(-7, f"stocktake:{session['id']}")]
