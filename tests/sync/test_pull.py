"""Pull: paged snapshots, deltas with latest state only, resets, and bad cursors."""

from __future__ import annotations

import pytest

from server.db.sync_store import compact
from sync.context import Actor
from sync.direct import put_rows
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
    assert by_table == {
        "warehouses": 2,
        "products": 3,
        "customers": 1,
        "orders": 12,
        "order_lines": 12,
    }
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


# ---- initial-sync progress --------------------------------------------------------------------


async def test_paged_initial_sync_reports_done_rising_to_total(store, catalog):
    await _create_orders(store, REP, 12)
    in_scope = 2 + 3 + 1 + 12 + 12  # warehouses, products, the customer, orders, lines
    cursor, seen = None, []
    while True:
        r = await pull(store, REP, PullRequest("client-pull-1", 1, cursor, 5))
        if r.snapshot is None:
            break
        seen.append((r.snapshot.done, r.snapshot.total, len(r.changes)))
        cursor = r.cursor
    assert all(total == in_scope for _, total, _ in seen)
    dones = [done for done, _, _ in seen]
    assert dones == sorted(dones) and dones[0] == 5 and dones[-1] == in_scope
    # done counts exactly the rows sent so far.
    running = 0
    for done, _, n in seen:
        running += n
        assert done == running
    # After the snapshot: deltas, without progress.
    assert r.changes == [] and r.more is False and r.cursor.split(".")[1] == "d"


async def test_snapshot_total_follows_rows_written_while_it_pages(store, catalog):
    await _create_orders(store, REP, 2)
    first = await pull(store, REP, PullRequest("client-pull-1", 1, None, 3))
    assert first.snapshot.done == 3 and first.snapshot.total == 2 + 3 + 1 + 2 + 2
    # After the snapshot began: o-0000 and o-0001 again (merged), o-0002 and o-0003 new, with
    # ids after the ones already paged, so the snapshot sends them too.
    await _create_orders(store, REP, 4, start=4)
    cursor, last = first.cursor, first.snapshot
    while True:
        r = await pull(store, REP, PullRequest("client-pull-1", 1, cursor, 3))
        if r.snapshot is None:
            break
        assert r.snapshot.done >= last.done and r.snapshot.total >= r.snapshot.done
        cursor, last = r.cursor, r.snapshot
    assert last.done == last.total == 10 + 2 + 2


async def test_old_snapshot_cursor_is_answered_with_a_reset(store, catalog):
    await _create_orders(store, REP, 3)
    r = await pull(store, REP, PullRequest("client-pull-1", 1, None, 4))
    epoch, _, scope, high, _total, _done, table, after = r.cursor.split(".")
    # A cursor of the six-part form issued before snapshots counted their rows.
    old = ".".join([epoch, "s", scope, high, table, after])
    r = await pull(store, REP, PullRequest("client-pull-1", 1, old, 4))
    assert r.reset is True
    assert r.snapshot.done == 4 and r.snapshot.total == 2 + 3 + 1 + 3 + 3
    assert r.changes[0].t == "warehouses"  # from the start again


async def test_deltas_carry_no_snapshot_progress(store, catalog):
    _, cursor, _, _ = await _pull_all(store, REP)
    await _create_orders(store, REP, 1)
    r = await pull(store, REP, PullRequest("client-pull-1", 1, cursor))
    assert r.changes and r.snapshot is None


# ---- stock levels in the catalog ----------------------------------------------------------------


async def test_stock_levels_reach_everyone_stock_moves_only_their_warehouse(store, catalog):
    picker = Actor("u-pick", "warehouse", "wh-1")
    clock = Clock("client-admin")
    moves = [
        MutationIn(i + 1, "stock.move", {"id": f"m-{i}", "product_id": "p-1",
                                         "warehouse_id": wh, "delta": 5, "reason": "receive"},
                   str(clock.now()))
        for i, wh in enumerate(["wh-1", "wh-2"])
    ]  # fmt: skip
    await push(store, ADMIN, PushRequest("client-admin", 1, moves))
    for actor, want_moves in ((REP, set()), (picker, {"m-0"}), (ADMIN, {"m-0", "m-1"})):
        changes, cursor, _, _ = await _pull_all(store, actor, client_id=f"c-{actor.user_id}")
        levels = {c.row["warehouse_id"]: c.row["on_hand"] for c in changes if c.t == "stock_levels"}
        assert levels == {"wh-1": 5, "wh-2": 5}, actor
        assert {c.id for c in changes if c.t == "stock_moves"} == want_moves, actor
    # A later move changes the level on a rep's device as a delta; the move itself stays away.
    late = MutationIn(3, "stock.move", {"id": "m-2", "product_id": "p-1", "warehouse_id": "wh-2",
                                        "delta": -2, "reason": "pick"}, str(clock.now()))  # fmt: skip
    _, rep_cursor, _, _ = await _pull_all(store, REP, client_id="c-rep-2")
    await push(store, ADMIN, PushRequest("client-admin", 1, [late]))
    changes, _, _, _ = await _pull_all(store, REP, rep_cursor, client_id="c-rep-2")
    assert [(c.t, c.row["on_hand"]) for c in changes] == [("stock_levels", 3)]


# ---- buckets match exactly ----------------------------------------------------------------------


async def test_a_warehouse_pulls_its_own_rows_only_when_ids_differ_by_a_wildcard_or_case(
    store, catalog
):
    # `wh_north` as a LIKE pattern also matched `whXnorth` (and, on SQLite, `WH_NORTH`).
    names = ("wh_north", "whXnorth", "WH_NORTH")
    await put_rows(store, ADMIN, "warehouses",
                   [{"id": w, "code": f"N{i}", "name": w} for i, w in enumerate(names)])  # fmt: skip
    clock = Clock("client-admin")

    def move(i: int, wh: str) -> MutationIn:
        args = {"id": f"m-{wh}-{i}", "product_id": "p-1", "warehouse_id": wh, "delta": 5,
                "reason": "receive"}  # fmt: skip
        return MutationIn(i, "stock.move", args, str(clock.now()))

    await push(
        store, ADMIN, PushRequest("client-admin", 1, [move(i + 1, w) for i, w in enumerate(names)])
    )
    rep_clock = Clock("client-rep-1")
    muts = [MutationIn(1, "customer.upsert", {"id": "c-1", "name": "Acme"}, str(rep_clock.now()))]
    for i, wh in enumerate(names):
        args = {"id": f"o-{wh}", "number": f"K7F-0000{i}", "customer_id": "c-1", "warehouse_id": wh,
                "lines": [{"id": f"l-{wh}", "product_id": "p-1", "qty": 1, "unit_price": 5}]}  # fmt: skip
        muts.append(MutationIn(2 + i, "order.create", args, str(rep_clock.now())))
    results = await push(store, REP, PushRequest("client-rep-1", 1, muts))
    assert {r.status for r in results.results} == {"applied"}, results

    picker = Actor("u-north", "warehouse", "wh_north")
    changes, cursor, _, _ = await _pull_all(store, picker, client_id="c-north")
    mine = {(c.t, c.id) for c in changes if c.t in ("orders", "order_lines", "stock_moves")}
    assert mine == {("orders", "o-wh_north"), ("order_lines", "l-wh_north"),
                    ("stock_moves", "m-wh_north-1")}  # fmt: skip
    # Deltas too: later moves in the look-alike warehouses stay away.
    later = [move(i + 4, w) for i, w in enumerate(names)]
    await push(store, ADMIN, PushRequest("client-admin", 1, later))
    changes, _, _, _ = await _pull_all(store, picker, cursor, client_id="c-north")
    assert {c.id for c in changes if c.t == "stock_moves"} == {"m-wh_north-4"}
