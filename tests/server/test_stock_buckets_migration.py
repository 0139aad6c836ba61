"""The migration that put stock levels into the catalog bucket, on rows written before it."""

from __future__ import annotations

import importlib

from sync.context import Actor
from sync.ids import stock_level_id
from sync.protocol import PullRequest
from sync.pull import pull
from tests.conftest import ADMIN
from tests.sync.test_rules import Device, move

migration = importlib.import_module("server.db.migrations.orderly_2026_11_24t13_00_00_000000")


async def test_levels_written_before_join_the_catalog(store, catalog):
    office = Device(store, ADMIN, "admin-desk")
    for wh in ("wh-1", "wh-2"):
        assert (await office.send("stock.move", move(f"m-{wh}", 4, wh=wh))).status == "applied"
    async with store.db.write() as conn:  # as the rows were before this release
        await conn.execute(
            "UPDATE stock_levels SET buckets = ' all wh:' || warehouse_id || ' '", ()
        )
    rep = Actor("u-rep", "sales")
    before = await pull(store, rep, PullRequest("rep-phone-01", 1, None))
    assert not [c for c in before.changes if c.t == "stock_levels"]

    async with store.db.write() as conn:
        await conn.execute(migration.SQL, ())
        rows = await conn.fetch("SELECT id, buckets FROM stock_levels ORDER BY id", ())
    assert {r["id"]: r["buckets"] for r in rows} == {
        stock_level_id(wh, "p-1"): f" all catalog wh:{wh} " for wh in ("wh-1", "wh-2")
    }
    after = await pull(store, rep, PullRequest("rep-phone-01", 1, None))
    assert len([c for c in after.changes if c.t == "stock_levels"]) == 2
    # Running it again changes nothing.
    async with store.db.write() as conn:
        await conn.execute(migration.SQL, ())
        again = await conn.fetch("SELECT id, buckets FROM stock_levels ORDER BY id", ())
    assert again == rows
