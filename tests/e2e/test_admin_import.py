"""The import page (docs/admin.md § Import) in a real browser on a real server: an admin checks
a file with a bad row (the report names the row; nothing is written), then imports an XLSX of
1,000 orders made here with openpyxl, sees the summary, and finds the orders on /admin/orders."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import Api, by, enroll

ORDERS = 1000
CUSTOMER = "Importer Test Trading Co."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-import")) as srv:
        yield srv


def orders_xlsx(path: Path) -> Path:
    """1,000 orders: odd ones of one line, even ones of two (1,500 lines)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("orders")
    sheet.append(["number", "customer", "sku", "qty", "unit_price", "priority", "due_date"])
    for i in range(1, ORDERS + 1):
        number = f"IMP-{i:04d}"
        sheet.append([number, CUSTOMER, "IM1", i % 7 + 1, None, "high" if i % 10 == 0 else None,
                      "2027-03-31"])  # fmt: skip
        if i % 2 == 0:
            sheet.append([number, None, "IM2", 1, 3.25, None, None])
    book.save(path)
    return path


def test_an_admin_imports_a_thousand_orders_and_finds_them(
    server: Server, browser: Browser, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    api = Api.admin(server)
    api.put_product("IM1", "Jasmine tea, 500 g", 4_800)
    api.put_product("IM2", "Tea cups, 6 pcs", 2_000)
    [result] = api.push(f"import-setup-{uuid.uuid4().hex[:8]}", 1,
                        ("customer.upsert", {"id": str(uuid.uuid4()), "name": CUSTOMER}))  # fmt: skip
    assert result["status"] == "applied", result

    page = device(browser, contexts, viewport=DESKTOP)
    enroll(page, server.create_admin("Ivy Importer"))
    by(page, "nav-admin-import").click()
    expect(page).to_have_url(re.compile(r"/admin/import$"))
    expect(by(page, "admin-import")).to_be_visible()
    expect(by(page, "import-exports-note")).to_be_visible()
    href = by(page, "import-template-orders").get_attribute("href") or ""
    assert href.startswith("data:text/csv") and "number%2Ccustomer%2Csku%2Cqty" in href, href

    # A CSV with an unknown SKU on its third row: the check names it, an import writes nothing.
    bad = tmp_path / "bad.csv"
    bad.write_text(f"number,customer,sku,qty\nBAD-1,{CUSTOMER},IM1,1\nBAD-1,,NOPE,2\n",
                   encoding="utf-8")  # fmt: skip
    by(page, "import-kind").select_option("orders")
    by(page, "import-file").set_input_files(bad)
    by(page, "import-run").click()
    report = by(page, "import-report")
    expect(report).to_have_attribute("data-ok", "false")
    expect(by(page, "import-refused")).to_be_visible()
    row = by(page, "import-error-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-row", "3")
    expect(row.get_by_test_id("import-error-code")).to_have_attribute("data-code", "unknown_sku")
    assert "BAD-1" not in str(api.pull_all().get("orders", {}))

    # 1,000 orders in an XLSX: checked, then imported.
    by(page, "import-file").set_input_files(orders_xlsx(tmp_path / "orders.xlsx"))
    by(page, "import-check").click()
    expect(by(page, "import-report")).to_have_attribute("data-ok", "true", timeout=60_000)
    expect(by(page, "import-ready")).to_contain_text("1,000")
    expect(by(page, "import-error-row")).to_have_count(0)
    started = time.monotonic()
    by(page, "import-run").click()
    done = by(page, "import-done")
    expect(done).to_be_visible(timeout=120_000)
    took = time.monotonic() - started
    expect(done).to_have_attribute("data-created", str(ORDERS))
    expect(done).to_have_attribute("data-lines", str(ORDERS * 3 // 2))
    print(f"\nimport of {ORDERS} orders from the page: {took:.1f} s")

    # The orders page finds them.
    by(page, "import-see").click()
    expect(page).to_have_url(re.compile(r"/admin/orders"))
    by(page, "orders-search").fill("IMP-")
    by(page, "orders-search").press("Enter")
    expect(by(page, "orders-total")).to_have_attribute("data-total", str(ORDERS))
    by(page, "orders-search").fill("IMP-0500")
    by(page, "orders-search").press("Enter")
    found = by(page, "order-row")
    expect(found).to_have_count(1)
    expect(found).to_have_attribute("data-number", "IMP-0500")
