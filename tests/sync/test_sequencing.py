"""PostgreSQL without a global lock on the push path (docs/scale.md): writes run side by side,
changes are numbered in commit order by the tick after each commit, and a pull cursor never
skips a change that commits late."""

from __future__ import annotations

import asyncio

import pytest

from server import audit
from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.hlc import Clock
from sync.protocol import MutationIn, PullRequest, PushRequest
from sync.pull import pull
from sync.push import push
from tests.conftest import ADMIN

pytestmark = pytest.mark.postgres_only


class HeldOpen(SqlSyncStore):
    """A store whose writes stop just before they commit until ``release`` is set: the
    transaction stays open, its rows written and locked."""

    def __init__(self, store: SqlSyncStore) -> None:
        super().__init__(store.db)
        self.reached = asyncio.Event()
        self.release = asyncio.Event()

    async def _end(self, tx) -> None:  # type: ignore[override]
        await super()._end(tx)
        self.reached.set()
        await self.release.wait()


def customer(mutation_id: int, clock: Clock, customer_id: str) -> MutationIn:
    return MutationIn(mutation_id, "customer.upsert", {"id": customer_id, "name": customer_id},
                      str(clock.now()))  # fmt: skip


def order(mutation_id: int, clock: Clock, n: int, client: str, customer: str = "c-1") -> MutationIn:
    return MutationIn(mutation_id, "order.create", {
        "id": f"o-{client}-{n}", "number": f"{client.upper()}-{n:05d}", "customer_id": customer,
        "lines": [{"id": f"l-{client}-{n}", "product_id": "p-1", "qty": 1, "unit_price": 5}],
    }, str(clock.now()))  # fmt: skip


async def pull_all(store: SqlSyncStore, cursor: str | None) -> tuple[set[str], str, int]:
    """The order ids a pull from ``cursor`` brings, its final cursor and its highest change."""
    ids: set[str] = set()
    while True:
        r = await pull(store, ADMIN, PullRequest("client-admin-pull", 1, cursor, 1000))
        ids |= {c.id for c in r.changes if c.t == "orders"}
        cursor = r.cursor
        if not r.more:
            return ids, cursor, int(cursor.rsplit(".", 1)[1])


async def test_a_write_held_open_delays_only_itself_and_is_pulled_after(store, catalog) -> None:
    rep_a, rep_b = Actor("u-rep-a", "sales"), Actor("u-rep-b", "sales")
    held = HeldOpen(store)
    clock_a = Clock("client-a")
    late = asyncio.create_task(push(held, rep_a, PushRequest(
        "client-a", 1, [customer(1, clock_a, "c-a"), order(2, clock_a, 1, "a", "c-a")])))  # fmt: skip
    try:
        await asyncio.wait_for(held.reached.wait(), 30)
        # While it stays open (its rows locked), others push and commit: nothing of theirs
        # waits for it. With a global lock the first of them would wait until the timeout.
        clock = Clock("client-b")
        await push(store, rep_b, PushRequest("client-b", 1, [customer(1, clock, "c-b")]))
        for n in range(1, 21):
            request = PushRequest("client-b", 1, [order(n + 1, clock, n, "b", "c-b")])
            (result,) = (await asyncio.wait_for(push(store, rep_b, request), 10)).results
            assert result.status == "applied", result
        seen, cursor, high = await pull_all(store, None)
        assert seen == {f"o-b-{n}" for n in range(1, 21)}  # the open write is not half-visible
    finally:
        held.release.set()
    results = (await asyncio.wait_for(late, 30)).results
    assert [r.status for r in results] == ["applied", "applied"]
    # The late commit is numbered above everything pulled before it: the cursor meets it.
    later, _, newest = await pull_all(store, cursor)
    assert later == {"o-a-1"} and newest > high
    assert (await audit.verify(store.db)).ok


async def test_concurrent_pushes_number_every_change_once_in_order(store, catalog) -> None:
    async def rep(name: str) -> None:
        clock, actor = Clock(f"client-{name}"), Actor(f"u-{name}", "sales")
        await push(
            store, actor, PushRequest(f"client-{name}", 1, [customer(1, clock, f"c-{name}")])
        )
        for n in range(1, 11):
            request = PushRequest(f"client-{name}", 1, [order(n + 1, clock, n, name, f"c-{name}")])
            (result,) = (await push(store, actor, request)).results
            assert result.status == "applied", result

    # Six reps at once, and a puller following them: every order arrives, none twice.
    done = asyncio.Event()
    pulled: set[str] = set()

    async def follow() -> None:
        cursor = None
        while not done.is_set():
            ids, cursor, _ = await pull_all(store, cursor)
            pulled.update(ids)
            await asyncio.sleep(0.01)
        ids, cursor, _ = await pull_all(store, cursor)
        pulled.update(ids)

    follower = asyncio.create_task(follow())
    await asyncio.gather(*(rep(name) for name in ("r1", "r2", "r3", "r4", "r5", "r6")))
    done.set()
    await follower
    assert pulled == {
        f"o-{r}-{n}" for r in ("r1", "r2", "r3", "r4", "r5", "r6") for n in range(1, 11)
    }

    async with store.db.read() as conn:
        seqs = [r["seq"] for r in await conn.fetch("SELECT seq FROM change_log ORDER BY seq")]
        last = await conn.fetchval("SELECT last_seq FROM sync_state WHERE id = 1")
        queued = await conn.fetchval("SELECT count(*) FROM change_queue")
    assert seqs == list(range(1, last + 1)) and queued == 0  # numbered once, without gaps
    assert (await audit.verify(store.db)).ok


async def test_two_devices_creating_the_same_order_at_once_apply_it_once(store, catalog) -> None:
    rep = Actor("u-rep-same", "sales")
    await push(store, rep, PushRequest("client-first", 1, [customer(1, Clock("c"), "c-same")]))
    twins = [
        push(
            store,
            rep,
            PushRequest(f"client-{side}", 1, [order(1, Clock(f"client-{side}"), 1, "x", "c-same")]),
        )  # fmt: skip
        for side in ("one", "two")
    ]
    results = sorted(
        (r.results[0].status, r.results[0].error) for r in await asyncio.gather(*twins)
    )
    # The id was taken by one while the other ran: that one ran again and saw the same order
    # there (merged, as a re-sent create is), not a server failure.
    assert results == [("applied", None), ("merged", None)], results
    async with store.db.read() as conn:
        assert await conn.fetchval("SELECT count(*) FROM orders WHERE id = 'o-x-1'") == 1
