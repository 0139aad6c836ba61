"""Export, change, import again (docs/admin.md § Import, § Orders) in a real browser on a real
server, desktop 1280×800: an admin downloads the orders export, changes a quantity and the notes
in it, imports it in update mode and sees the order changed; a file the import refuses offers
its rows back as an error file."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import Api, by, enroll

CUSTOMER = "Round Trip Tea House"
NUMBER = "UPD-0001"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-import-update")) as srv:
        yield srv


def test_an_admin_exports_changes_and_reimports_orders(
    server: Server, browser: Browser, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    api = Api.admin(server)
    product = api.put_product("RT1", "Oolong, 250 g", 3_550)
    customer = str(uuid.uuid4())
    order_id = str(uuid.uuid4())
    res = api.push(f"update-setup-{uuid.uuid4().hex[:8]}", 1,
                   ("customer.upsert", {"id": customer, "name": CUSTOMER}),
                   ("order.create", {"id": order_id, "number": NUMBER, "customer_id": customer,
                                     "notes": "as first taken",
                                     "lines": [{"id": str(uuid.uuid4()), "product_id": product,
                                                "qty": 2, "unit_price": 3_550}]}))  # fmt: skip
    assert [r["status"] for r in res] == ["applied", "applied"], res

    page = device(browser, contexts, viewport=DESKTOP)
    enroll(page, server.create_admin("Ursula Update"))
    by(page, "nav-admin-orders").click()
    expect(page).to_have_url(re.compile(r"/admin/orders"))
    with page.expect_download() as got:
        by(page, "orders-export-csv").click()
    exported = got.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    [row] = [r for r in rows if r["number"] == NUMBER]
    # The import's columns, money in yuan (35.50, never 3550).
    assert (row["customer"], row["sku"], row["qty"], row["unit_price"]) == (
        CUSTOMER, "RT1", "2", "35.50")  # fmt: skip
    row |= {"qty": "7", "notes": "changed in the file"}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerow(row)
    changed = tmp_path / "orders.csv"
    changed.write_text(out.getvalue(), encoding="utf-8")

    by(page, "nav-admin-import").click()
    expect(by(page, "admin-import")).to_be_visible()
    by(page, "import-kind").select_option("orders")
    by(page, "import-mode").select_option("update")
    by(page, "import-file").set_input_files(changed)
    by(page, "import-check").click()
    expect(by(page, "import-report")).to_have_attribute("data-ok", "true", timeout=30_000)
    by(page, "import-run").click()
    done = by(page, "import-done")
    expect(done).to_have_attribute("data-action", "update", timeout=30_000)
    expect(done).to_have_attribute("data-updated", "1")

    page.goto(f"{server.url}/admin/orders/{order_id}")
    detail = by(page, "order-detail")
    expect(detail).to_contain_text("changed in the file")
    expect(by(page, "order-line")).to_have_count(1)
    expect(by(page, "order-line").locator("td").nth(2)).to_have_text("7")

    # A file the import refuses (no such order to update): the error file holds its rows.
    refused = tmp_path / "refused.csv"
    refused.write_text(out.getvalue().replace(NUMBER, "UPD-9999"), encoding="utf-8")
    by(page, "nav-admin-import").click()
    by(page, "import-mode").select_option("update")
    by(page, "import-file").set_input_files(refused)
    by(page, "import-run").click()
    expect(by(page, "import-refused")).to_be_visible(timeout=30_000)
    expect(by(page, "import-error-code")).to_have_attribute("data-code", "unknown_order")
    with page.expect_download() as got:
        by(page, "import-error-file").click()
    assert got.value.suggested_filename == "orders-errors.csv"
    lines = list(csv.reader(io.StringIO(got.value.path().read_bytes().decode("utf-8-sig"))))
    assert lines[0][-1] == "error" and len(lines) == 2
    assert lines[1][0] == "UPD-9999" and "number: unknown_order" in lines[1][-1]
