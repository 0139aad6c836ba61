"""Pull: paged snapshots, deltas with latest state only, resets, and bad cursors."""

from __future__ import annotations

import pytest

from server.db.sync_store import compact
from sync.context import Actor
from sync.errors import BadCursor, UpgradeRequired
from sync.hlc import Clock
from sync.protocol import MutationIn, PullRequest, PushRequest
from sync.pull import pull
from sync.push import push
from tests.conftest import ADMIN

REP = Actor("u-rep", "sales")


async def _pull_all(store, actor, cursor=None, limit=5000, client_id="client-pull-1"):
    changes, pages, reset = [], 0, False
    while True:
        r = await pull(store, actor, PullRequest(client_id, 1, cursor, limit))
        pages += 1
        reset = reset or r.reset
        changes.extend(r.changes)
        cursor = r.cursor
        if not r.more:
            return changes, cursor, pages, reset


async def _create_orders(store, actor, n, client_id="client-rep-1", start=1):
    clock = Clock(client_id)
    muts = [MutationIn(start, "customer.upsert", {"id": "c-1", "name": "Acme"}, str(clock.now()))]
    for i in range(n):
        muts.append(
            MutationIn(
                start + 1 + i,
                "order.create",
                {
                    "id": f"o-{i:04d}",
                    "number": f"K7F-{i:05d}",
                    "customer_id": "c-1",
                    "lines": [{"id": f"l-{i:04d}", "product_id": "p-1", "qty": 1, "unit_price": 5}],
                },
                str(clock.now()),
            )
        )
    return await push(store, actor, PushRequest(client_id, 1, muts))


async def test_snapshot_pages_cover_every_row_once(store, catalog):
    await _create_orders(store, REP, 12)
    changes, _, pages, _ = await _pull_all(store, REP, limit=5)
    ids = [(c.t, c.id) for c in changes]
    assert len(ids) == len(set(ids))
    by_table = {t: sum(1 for tt, _ in ids if tt == t) for t, _ in ids}
    assert by_table == {"warehouses": 2, "products": 3, "customers": 1, "orders": 12, "order_lines": 12}
    assert pages >= 7
    assert all(c.op == "put" and c.row is not None for c in changes)


async def test_deltas_send_latest_state_once(store, catalog):
    await _create_orders(store, REP, 1)
    _, cursor, _, _ = await _pull_all(store, REP)
    clock = Clock("client-rep-1")
    muts = [
        MutationIn(3 + i, "order.update",
                   {"id": "o-0000", "base_version": 0, "set": {"notes": f"v{i}"}}, str(clock.now()))
        for i in range(4)
    ]  # fmt: skip
    await push(store, REP, PushRequest("client-rep-1", 1, muts))
    changes, _, _, _ = await _pull_all(store, REP, cursor)
    orders = [c for c in changes if c.t == "orders"]
    assert len(orders) == 1
    assert orders[0].row["notes"] == "v3"
    assert orders[0].v == orders[0].row["version"]


async def test_empty_delta_moves_cursor_to_the_newest_change(store, catalog):
    _, cursor, _, _ = await _pull_all(store, REP)
    # A change this rep cannot see: the rep's cursor still moves past it, with nothing sent.
    other = Actor("u-other", "sales")
    await _create_orders(store, other, 1, client_id="client-other")
    changes, cursor2, _, _ = await _pull_all(store, REP, cursor)
    assert changes == []
    assert int(cursor2.rsplit(".", 1)[1]) > int(cursor.rsplit(".", 1)[1])


async def test_cursor_older_than_compaction_horizon_resets(store, catalog):
    await _create_orders(store, REP, 2)
    _, old_cursor, _, _ = await _pull_all(store, REP)
    clock = Clock("client-rep-1")
    await push(store, REP, PushRequest("client-rep-1", 1, [
        MutationIn(4, "order.update", {"id": "o-0000", "base_version": 0, "set": {"priority": "high"}},
                   str(clock.now()))]))  # fmt: skip
    horizon, removed = await compact(store.db, keep=0)
    assert removed >= 1
    r = await pull(store, REP, PullRequest("client-pull-1", 1, old_cursor))
    assert r.reset is True
    assert {c.t for c in r.changes} >= {"orders", "products"}
    # A fresh cursor after the horizon does not reset.
    _, cursor, _, reset = await _pull_all(store, REP)
    r = await pull(store, REP, PullRequest("client-pull-1", 1, cursor))
    assert r.reset is False and horizon > 0


async def test_cursor_from_another_history_resets(store, catalog):
    _, cursor, _, _ = await _pull_all(store, REP)
    epoch, rest = cursor.split(".", 1)
    r = await pull(store, REP, PullRequest("client-pull-1", 1, "0000000000000000." + rest))
    assert r.reset is True


async def test_scope_change_resets(store, catalog):
    picker = Actor("u-pick", "warehouse", "wh-1")
    _, cursor, _, _ = await _pull_all(store, picker)
    moved = Actor("u-pick", "warehouse", "wh-2")
    r = await pull(store, moved, PullRequest("client-pull-1", 1, cursor))
    assert r.reset is True


async def test_cursor_ahead_of_server_resets(store, catalog):
    _, cursor, _, _ = await _pull_all(store, REP)
    head, seq = cursor.rsplit(".", 1)
    r = await pull(store, REP, PullRequest("client-pull-1", 1, f"{head}.{int(seq) + 1000}"))
    assert r.reset is True


@pytest.mark.parametrize("bad", ["nonsense", "a.d.b.notanumber", "a.s.b.1.2", "..."])
async def test_garbled_cursor_is_a_clear_error(store, catalog, bad):
    with pytest.raises(BadCursor):
        await pull(store, REP, PullRequest("client-pull-1", 1, bad))


async def test_unknown_schema_needs_upgrade(store):
    with pytest.raises(UpgradeRequired):
        await pull(store, ADMIN, PullRequest("client-pull-1", 2, None))


async def test_last_mutation_id_is_reported(store, catalog):
    await _create_orders(store, REP, 3, client_id="client-pull-1")
    r = await pull(store, REP, PullRequest("client-pull-1", 1, None))
    assert r.last_mutation_id == 4
