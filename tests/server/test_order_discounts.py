"""Discounts through HTTP (issue 17): an order pushed with a line's and the order's discount
reads back in the console's detail with each line's net and the order's total, and in what the
rep's device pulls."""

from __future__ import annotations

from typing import Any

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation
from tests.server.test_warehouse import pulled, push


def test_the_console_and_the_device_read_discounted_lines_net(live_server: LiveServer) -> None:
    server = live_server

    async def catalog(db: Any) -> None:
        await put_rows(SqlSyncStore(db), Actor("u-admin", "admin"), "products",
                       [{"id": "p-1", "sku": "T1", "name": "Tea", "unit_price": 4500}])  # fmt: skip

    server.run_db(catalog)
    rep = server.token("rep", "sales")
    customer, order = uuid7(), uuid7()
    lines = [{"id": uuid7(), "product_id": "p-1", "qty": 2, "unit_price": 4500,
              "discount_bp": 1000},
             {"id": uuid7(), "product_id": "p-1", "qty": 1, "unit_price": 999}]  # fmt: skip
    results = push(server, rep, "rep-phone",
                   mutation(1, "customer.upsert", id=customer, name="Tea House"),
                   mutation(2, "order.create", id=order, number="DSC-1", customer_id=customer,
                            lines=lines, discount_bp=500))  # fmt: skip
    assert [r["status"] for r in results] == ["applied", "applied"], results

    with server.client(server.token("boss", "admin")) as c:
        detail = c.get(f"/api/admin/orders/{order}").json()
    amounts = sorted((ln["qty"], ln["discount_bp"], ln["amount"]) for ln in detail["lines"])
    assert amounts == [(1, 0, 999), (2, 1000, 8100)]  # 90.00 less 10 %
    assert detail["discount_bp"] == 500
    assert detail["order"]["total"] == 8644  # 81.00 + 9.99 = 90.99, less 5 % = 86.4405

    (got,) = [o for o in pulled(server, rep, "orders") if o["id"] == order]
    assert (got["discount_bp"], got["total"]) == (500, 8644)
    assert sorted(ln["discount_bp"] for ln in pulled(server, rep, "order_lines")) == [0, 1000]
