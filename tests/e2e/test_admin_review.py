"""The review queue (docs/admin.md § Review) in a real browser on a real server: an admin sets an
abnormal-amount limit in the rules' editor, a rep's order above it (pushed through the API)
shows in the queue on hold with the reason in words, the admin releases it, it leaves the queue,
and the server has it confirmed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import Api, by, enroll


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-review")) as srv:
        yield srv


def test_an_order_above_the_limit_waits_in_the_queue_until_released(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = device(browser, contexts, viewport=DESKTOP)
    enroll(page, server.create_admin("Rosa Reviewer"))
    by(page, "nav-admin-review").click()
    expect(page).to_have_url(re.compile(r"/admin/review$"))
    expect(by(page, "review-order")).to_have_count(0)

    # The rules' editor: hold orders above 1,000.00.
    expect(by(page, "rule-abnormal-enabled")).not_to_be_checked()
    by(page, "rule-abnormal-enabled").check()
    by(page, "rule-abnormal-amount").fill("1000")
    by(page, "rules-save").click()
    expect(by(page, "rules-saved")).to_be_visible()

    # A rep's order of 1,500.00, and one of 500.00, through the API.
    product = Api.admin(server).put_product("RV1", "Rice, 25 kg", 50_000)
    rep = Api.of(server, "Rex Rep", "sales")
    customer, big, small = (str(uuid.uuid4()) for _ in range(3))

    def order(oid: str, number: str, qty: int) -> tuple[str, dict]:
        line = {"id": str(uuid.uuid4()), "product_id": product, "qty": qty, "unit_price": 50_000}
        return "order.create", {"id": oid, "number": number, "customer_id": customer,
                                "lines": [line]}  # fmt: skip

    results = rep.push("rex-phone", 1, ("customer.upsert", {"id": customer, "name": "Harbour Deli"}),
                       order(big, "REX-00001", 3), order(small, "REX-00002", 1))  # fmt: skip
    assert [r["status"] for r in results] == ["applied"] * 3, results

    by(page, "review-reload").click()
    row = by(page, "review-order").and_(page.locator('[data-number="REX-00001"]'))
    expect(row).to_have_count(1)
    expect(by(page, "review-order")).to_have_count(1)  # the small one was not held
    expect(row).to_contain_text("Harbour Deli")
    reason = row.get_by_test_id("review-reason")
    expect(reason).to_have_attribute("data-rule", "abnormal_amount")
    expect(reason).to_contain_text("is above the limit of")
    expect(reason).to_contain_text("1,500.00")

    row.get_by_test_id("review-release").click()
    expect(by(page, "review-order")).to_have_count(0)
    expect(by(page, "review-held-count")).to_have_text("0")

    orders = Api.admin(server).pull_all()["orders"]
    assert orders[big]["status"] == "confirmed"
    assert [s["to"] for s in orders[big]["status_history"]] == ["submitted", "on_hold", "confirmed"]
    assert orders[small]["status"] == "submitted"
