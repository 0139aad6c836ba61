"""The Python sync client against a real server over HTTP: two devices, offline edits, a
conflict, a lost connection, and a revoked token."""

from __future__ import annotations

import asyncio

import pytest

from sync.errors import Unauthorized
from tests.device.client import SyncClient
from tests.device.transport import HttpTransport, TransportError


def _catalog(live) -> None:
    from server.db.sync_store import SqlSyncStore
    from sync.context import Actor
    from sync.direct import put_rows

    async def work(db):
        store = SqlSyncStore(db)
        admin = Actor("u-admin", "admin")
        await put_rows(store, admin, "warehouses", [{"id": "wh-1", "code": "W1", "name": "Main"}])
        await put_rows(store, admin, "products",
                       [{"id": "p-1", "sku": "TEA-1", "name": "Tea", "unit_price": 1200}])  # fmt: skip

    live.run_db(work)


def test_two_devices_sync_and_conflict_over_http(live_server):
    _catalog(live_server)
    rep_token = live_server.token("rep-http", "sales")

    async def scenario():
        async with (
            HttpTransport(live_server.base_url, rep_token) as t1,
            HttpTransport(live_server.base_url, rep_token) as t2,
        ):
            phone = SyncClient(t1, "phone-http-0001", base_delay=0)
            tablet = SyncClient(t2, "tablet-http-001", base_delay=0)
            cust = phone.upsert_customer("Golden Leaf")
            order = phone.create_order(
                "K7F-00001", cust.args["id"], [{"product_id": "p-1", "qty": 2, "unit_price": 1200}]
            )
            order_id = order.args["id"]
            # Offline edit of an order that never synced: its own create is its base.
            phone.update_order(order_id, priority="high")
            await phone.sync()
            assert phone.pending == 0
            assert phone.row("orders", order_id)["priority"] == "high"
            await tablet.sync()
            assert tablet.row("orders", order_id)["priority"] == "high"

            # Both edit the same field from the same base while "offline"; phone syncs first.
            phone.update_order(order_id, delivery_address="1 Dock Road")
            tablet.update_order(order_id, delivery_address="9 Hill Street")
            await phone.sync()
            await tablet.sync()
            await phone.sync()
            return phone, tablet, order_id

    phone, tablet, order_id = asyncio.run(scenario())
    for device in (phone, tablet):
        assert device.row("orders", order_id)["delivery_address"] == "1 Dock Road"
    conflicts = list(tablet.store.tables.get("conflicts", {}).values())
    assert len(conflicts) == 1
    c = conflicts[0]
    assert (c["field"], c["server_value"], c["client_value"]) == (
        "delivery_address",
        "1 Dock Road",
        "9 Hill Street",
    )
    assert c["status"] == "open" and c["client_id"] == "tablet-http-001"
    rows = live_server.query("SELECT status FROM mutation_log ORDER BY id")
    assert [r["status"] for r in rows].count("conflict") == 1

    # The author takes their own value after all: a write every device of the order pulls.
    async def settle():
        async with (
            HttpTransport(live_server.base_url, rep_token) as t1,
            HttpTransport(live_server.base_url, rep_token) as t2,
        ):
            phone.transport, tablet.transport = t1, t2
            tablet.resolve_conflict(c["id"], "client")
            await tablet.sync()
            await phone.sync()

    asyncio.run(settle())
    for device in (phone, tablet):
        assert device.pending == 0 and not device.store.unpulled
        # The mirrors, as pulled: not a prediction.
        order = device.store.tables["orders"][order_id]
        assert order["delivery_address"] == "9 Hill Street"
        settled = device.store.tables["conflicts"][c["id"]]
        assert (settled["status"], settled["resolution"]) == ("resolved", "client")
        assert settled["resolved_value"] == "9 Hill Street"
    assert tablet.results[max(tablet.results)].status == "applied"


class _Recording(HttpTransport):
    """Keeps every pull response's snapshot progress."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.progress: list = []

    async def pull(self, req):
        resp = await super().pull(req)
        self.progress.append(resp.snapshot)
        return resp


def test_initial_sync_over_http_reports_its_progress(live_server):
    _catalog(live_server)
    rep_token = live_server.token("rep-progress", "sales")

    async def scenario():
        async with HttpTransport(live_server.base_url, rep_token) as t:
            rep = SyncClient(t, "rep-progress-01", base_delay=0)
            for i in range(3):
                cust = rep.upsert_customer(f"Shop {i}")
                rep.create_order(f"P-{i}", cust.args["id"],
                                 [{"product_id": "p-1", "qty": 1, "unit_price": 1200}])  # fmt: skip
            await rep.sync()
        async with _Recording(live_server.base_url, rep_token) as t:
            fresh = SyncClient(t, "rep-progress-02", base_delay=0, pull_limit=4)
            await fresh.pull()
            return t.progress, fresh

    progress, fresh = asyncio.run(scenario())
    total = 1 + 1 + 3 + 3 + 3 + 1  # warehouse, product, customers, orders, lines, signing key
    snapshots = [p for p in progress if p is not None]
    assert [(p.done, p.total) for p in snapshots] == [(4, total), (8, total), (12, total), (total, total)]
    assert progress[-1] is None and fresh.snapshot is None  # then deltas: no progress
    assert sum(len(rows) for rows in fresh.store.tables.values()) == total


def test_unreachable_server_keeps_the_outbox(live_server):
    async def scenario():
        async with HttpTransport("http://127.0.0.1:9", "oly_x", timeout=1) as t:
            device = SyncClient(t, "offline-dev-01", attempts=2, base_delay=0)
            device.upsert_customer("Nobody home")
            with pytest.raises(TransportError):
                await device.sync()
            return device.pending

    assert asyncio.run(scenario()) == 1


def test_revoked_token_is_refused_and_nothing_is_lost(live_server):
    token = live_server.token("rep-revoked", "sales")
    live_server.run_db(lambda db: _revoke(db))

    async def scenario():
        async with HttpTransport(live_server.base_url, token) as t:
            device = SyncClient(t, "revoked-dev-01", base_delay=0)
            device.upsert_customer("Kept")
            with pytest.raises(Unauthorized):
                await device.sync()
            return device.pending

    assert asyncio.run(scenario()) == 1


async def _revoke(db):
    async with db.write() as conn:
        await conn.execute("UPDATE api_tokens SET revoked = ?", (True,))
