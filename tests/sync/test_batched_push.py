"""The batched push (docs/scale.md, "The batched push"): reads made ahead, writes held and sent as
a set, savepoints undone in memory; and when sending the set fails, the push run again statement
by statement so each mutation's failure is its own. That the rules decide the same either way is
held by tests/sync/test_vectors.py (80 scenarios recorded statement by statement, replayed
through the batched push, no diff) and by the convergence simulation."""

from __future__ import annotations

from typing import Any

import pytest

from server.db.sync_store import SqlSyncStore
from server.db.sync_store.batch_tx import BatchedWriteTx
from sync.context import Actor
from sync.hlc import Clock
from sync.ids import uuid7
from sync.protocol import MutationIn, PushRequest
from sync.push import push

REP = Actor("u-batch", "sales", device_id="dev-batch")


class Phone:
    def __init__(self, client_id: str) -> None:
        self.client_id, self.clock, self.next_id = client_id, Clock(client_id), 1

    def mutation(self, name: str, args: dict[str, Any]) -> MutationIn:
        m = MutationIn(self.next_id, name, args, str(self.clock.now()))
        self.next_id += 1
        return m

    async def push(self, store: SqlSyncStore, *mutations: MutationIn) -> list[tuple[Any, ...]]:
        resp = await push(store, REP, PushRequest(self.client_id, 1, list(mutations)))
        return [(r.status, r.error) for r in resp.results]


def order(number: str, customer_id: str, line_id: str | None = None) -> dict[str, Any]:
    return {"id": uuid7(), "number": number, "customer_id": customer_id,
            "lines": [{"id": line_id or uuid7(), "product_id": "p-1", "qty": 2,
                       "unit_price": 1200}]}  # fmt: skip


async def rows(store: SqlSyncStore, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
    async with store.db.read() as conn:
        return await conn.fetch(sql, args)


async def test_a_mutation_reads_what_an_earlier_one_of_the_same_push_wrote(store, catalog):
    phone = Phone("c-same-push")
    first = order("SAME-1", "c-1")
    results = await phone.push(
        store,
        phone.mutation("customer.upsert", {"id": "c-1", "name": "Jade Garden"}),
        phone.mutation("order.create", first),
        # The number is taken by the order two mutations up, still held, not yet sent.
        phone.mutation("order.create", order("SAME-1", "c-1")),
        # A line id the first order holds.
        phone.mutation("order.create", order("SAME-2", "c-1", first["lines"][0]["id"])),
        phone.mutation(
            "order.update", {"id": first["id"], "base_version": 0, "set": {"notes": "ring twice"}}
        ),  # fmt: skip
    )
    assert results == [
        ("applied", None),
        ("applied", None),
        ("rejected", "number_taken"),
        ("rejected", "already_exists"),
        ("applied", None),
    ]
    [stored] = await rows(store, "SELECT number, notes FROM orders")
    assert stored == {"number": "SAME-1", "notes": "ring twice"}
    logged = await rows(store, "SELECT mutation_id, status FROM mutation_log ORDER BY mutation_id")
    assert [r["status"] for r in logged] == [
        "applied",
        "applied",
        "rejected",
        "rejected",
        "applied",
    ]


async def test_a_savepoint_is_undone_in_memory(store, catalog):
    async def work(tx: BatchedWriteTx) -> None:
        assert isinstance(tx, BatchedWriteTx)
        await tx.insert("customers", {"id": "c-kept", "name": "Kept", "version": 1})
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                await tx.update("customers", "c-kept", {"name": "Renamed"})
                await tx.insert("customers", {"id": "c-gone", "name": "Gone", "version": 2})
                await tx.insert("orders", {"id": "o-gone", "number": "GONE-1", "version": 3})
                await tx.add_changes([(2, "customers", "c-gone", "put", " all ", "")])
                assert [r["id"] for r in await tx.find("orders", "number", "GONE-1")] == ["o-gone"]
                raise RuntimeError("refused half way")
        assert await tx.get("customers", "c-gone") is None
        assert await tx.find("orders", "number", "GONE-1") == []
        assert (await tx.get("customers", "c-kept"))["name"] == "Kept"  # type: ignore[index]
        async with tx.savepoint():
            await tx.update("customers", "c-kept", {"region": "East"})

    await store.run_write(work, batched=True)
    stored = await rows(store, "SELECT id, name, region FROM customers ORDER BY id")
    assert stored == [{"id": "c-kept", "name": "Kept", "region": "East"}]
    assert await rows(store, "SELECT id FROM orders") == []
    changes = await rows(store, "SELECT row_id FROM change_log WHERE row_id LIKE 'c-%'")
    assert changes == []  # the one change named was in the undone savepoint


async def _refuse_number(store: SqlSyncStore, number: str) -> None:
    """A trigger refusing one order number: a failure only sending the set meets."""
    async with store.db.write() as conn:
        if conn.dialect == "sqlite":
            await conn.execute(
                "CREATE TRIGGER refuse_number BEFORE INSERT ON orders"
                f" WHEN NEW.number = '{number}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            await conn.execute(
                "CREATE FUNCTION refuse_number() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                f" IF NEW.number = '{number}' THEN RAISE EXCEPTION 'refused'; END IF;"
                " RETURN NEW; END $$"
            )
            await conn.execute(
                "CREATE TRIGGER refuse_number BEFORE INSERT ON orders"
                " FOR EACH ROW EXECUTE FUNCTION refuse_number()"
            )


async def test_a_set_that_fails_to_send_is_run_again_statement_by_statement(store, catalog):
    await _refuse_number(store, "BOOM-1")
    phone = Phone("c-fallback")
    results = await phone.push(
        store,
        phone.mutation("customer.upsert", {"id": "c-1", "name": "Jade Garden"}),
        phone.mutation("order.create", order("OK-1", "c-1")),
        phone.mutation("order.create", order("BOOM-1", "c-1")),
        phone.mutation("order.create", order("OK-2", "c-1")),
    )
    # Batched, the whole set failed at the end; run again, only the refused order fails, and
    # it is stored with its outcome like any mutation.
    assert results == [
        ("applied", None),
        ("applied", None),
        ("rejected", "internal_error"),
        ("applied", None),
    ]
    stored = await rows(store, "SELECT number FROM orders ORDER BY number")
    assert [r["number"] for r in stored] == ["OK-1", "OK-2"]
    logged = await rows(store, "SELECT mutation_id, error FROM mutation_log ORDER BY mutation_id")
    assert [r["error"] for r in logged] == [None, None, "internal_error", None]


async def test_the_changes_of_a_batched_push_are_numbered_in_order(store, catalog):
    phone = Phone("c-numbered")
    orders = [order(f"N-{n}", "c-1") for n in range(5)]
    await phone.push(
        store,
        phone.mutation("customer.upsert", {"id": "c-1", "name": "Jade Garden"}),
        *(phone.mutation("order.create", o) for o in orders),
    )
    async with store.db.read() as conn:
        seqs = [r["seq"] for r in await conn.fetch("SELECT seq FROM change_log ORDER BY seq")]
        last = await conn.fetchval("SELECT last_seq FROM sync_state WHERE id = 1")
        versions = await conn.fetch("SELECT id, version FROM orders")
        line_versions = await conn.fetch("SELECT order_id, version FROM order_lines")
    assert seqs == list(range(1, last + 1))
    # An order's version is newer than its lines' (the base clients edit its lines from).
    by_order = {r["id"]: r["version"] for r in versions}
    assert all(by_order[r["order_id"]] > r["version"] for r in line_versions)
