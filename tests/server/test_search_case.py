"""Searching the console ignores case the way people read it, beyond ASCII: "CAFÉ" finds the
customer "Café Lumière" and the product "Café beans" on SQLite as on PostgreSQL (SQLite's own
LOWER/LIKE knew ASCII only: server/db/sqlite.py)."""

from __future__ import annotations

from typing import Any

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation
from tests.server.test_warehouse import push


def test_cafe_in_capitals_finds_cafe(live_server: LiveServer) -> None:
    server = live_server

    async def catalog(db: Any) -> None:
        await put_rows(SqlSyncStore(db), Actor("u-admin", "admin"), "products", [
            {"id": "p-1", "sku": "CB-1", "name": "Café beans", "unit_price": 500},
            {"id": "p-2", "sku": "TEA-1", "name": "Green tea", "unit_price": 300}])  # fmt: skip

    server.run_db(catalog)
    rep = server.token("rep", "sales")
    cafe, other = uuid7(), uuid7()
    sent = [mutation(1, "customer.upsert", id=cafe, name="Café Lumière"),
            mutation(2, "customer.upsert", id=other, name="Cafeteria Nord")]  # fmt: skip
    for i, (number, customer) in enumerate((("S-1", cafe), ("S-2", other))):
        sent.append(mutation(3 + i, "order.create", id=uuid7(), number=number, customer_id=customer,
                             lines=[{"id": uuid7(), "product_id": "p-1", "qty": 1,
                                     "unit_price": 500}]))  # fmt: skip
    assert all(r["status"] == "applied" for r in push(server, rep, "rep-phone", *sent))

    boss = server.token("boss", "admin")

    def orders(q: str) -> set[str]:
        with server.client(boss) as c:
            r = c.get("/api/admin/orders", params={"q": q})
        assert r.status_code == 200, r.text
        return {row["number"] for row in r.json()["rows"]}

    def products(q: str) -> set[str]:
        with server.client(boss) as c:
            r = c.get("/api/admin/products", params={"q": q})
        assert r.status_code == 200, r.text
        return {row["sku"] for row in r.json()["rows"]}

    assert orders("CAFÉ") == {"S-1"}  # not the Cafeteria: É is not E
    assert orders("lumière") == orders("LUMIÈRE") == {"S-1"}
    assert orders("cafe") == {"S-2"}
    assert products("CAFÉ") == {"CB-1"}
    assert products("café BEANS") == {"CB-1"}
