"""The console's channel filter offers the channels the orders have (issue 17 item 13):
``GET /api/admin/orders/channels`` counts them, none invented, none left out."""

from __future__ import annotations

from typing import Any

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation
from tests.server.test_warehouse import push


def test_the_channels_are_the_orders(live_server: LiveServer) -> None:
    server = live_server

    async def catalog(db: Any) -> None:
        await put_rows(SqlSyncStore(db), Actor("u-admin", "admin"), "products",
                       [{"id": "p-1", "sku": "T1", "name": "Tea", "unit_price": 500}])  # fmt: skip

    server.run_db(catalog)
    rep, customer = server.token("rep", "sales"), uuid7()
    sent = [mutation(1, "customer.upsert", id=customer, name="Tea House")]
    for i, channel in enumerate(("field", "field", "wechat")):
        sent.append(mutation(i + 2, "order.create", id=uuid7(), number=f"CH-{i}",
                             customer_id=customer, channel=channel,
                             lines=[{"id": uuid7(), "product_id": "p-1", "qty": 1,
                                     "unit_price": 500}]))  # fmt: skip
    assert all(r["status"] == "applied" for r in push(server, rep, "rep-phone", *sent))
    with server.client(server.token("boss", "admin")) as c:
        assert c.get("/api/admin/orders/channels").json() == [
            {"channel": "field", "count": 2}, {"channel": "wechat", "count": 1}]  # fmt: skip
    with server.client(rep) as c:
        assert c.get("/api/admin/orders/channels").status_code == 403
