"""``SqlSyncStore``: the engine's ``Store`` over one open ``Database``.

SQLite (one writer): a write reads the change sequence at its start and stores the new one with
its audit entries at commit. PostgreSQL: no global lock — a write queues its changes and audit
entries, and the tick after its commit numbers and chains them and notifies every server process
(server/db/sequencer.py, docs/scale.md); a write that lost a race for a row (deadlock, or an id or
number another push took first) is run again whole.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from server import audit
from server.db.errors import lost_a_race
from server.db.sql import Conn, Database, database_gone
from server.db.sync_store.batch_tx import BatchedWriteTx
from server.db.sync_store.read_tx import SqlReadTx
from server.db.sync_store.write_tx import SqlWriteTx

T = TypeVar("T")
RETRIES = 6
log = logging.getLogger("orderly.sync.store")


class SqlSyncStore:
    """The engine's ``Store`` over one open ``Database``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        sequencer = getattr(db, "sequencer", None)
        # Called with the newest change sequence and the buckets the changes went to once a
        # write that changed rows has committed (PostgreSQL: once the tick after it has
        # numbered its changes; the buckets of every commit the tick numbered).
        self.on_commit: list[Callable[[int, frozenset[str] | None], None]] = (
            sequencer.listeners if sequencer is not None else []
        )

    @staticmethod
    async def _begin(conn: Conn, batched: bool = False) -> SqlWriteTx:
        make = BatchedWriteTx if batched else SqlWriteTx
        if conn.dialect == "postgres":
            return make(conn, 0)
        return make(conn, int(await conn.fetchval("SELECT last_seq FROM sync_state WHERE id = 1")))

    @staticmethod
    async def _end(tx: SqlWriteTx) -> None:
        await tx.flush()
        await audit.append(tx.conn, tx.audit_entries)
        if tx.conn.dialect == "sqlite" and tx.seq != tx.start_seq:
            await tx.conn.execute("UPDATE sync_state SET last_seq = ? WHERE id = 1", (tx.seq,))

    def _committed(self, tx: SqlWriteTx) -> None:
        if tx.conn.dialect == "sqlite" and tx.seq != tx.start_seq:
            touched = tx.buckets_touched()
            for callback in self.on_commit:
                callback(tx.seq, touched)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqlWriteTx]:
        async with self.db.write() as conn:
            tx = await self._begin(conn)
            tx.retry_races = False  # a block cannot be run again: a lost race is its error
            yield tx
            await self._end(tx)
        self._committed(tx)

    async def run_write(
        self, work: Callable[[SqlWriteTx], Awaitable[T]], batched: bool = False
    ) -> T:
        """``work`` in one transaction. PostgreSQL: run again after a lost race, up to
        ``RETRIES`` times. ``batched`` (a push): in a ``BatchedWriteTx``, except on the last try
        and after a batched try failed otherwise than by a lost race or a database gone —
        statement by statement, each mutation's failure is then its own (stored, answered)."""
        last_try = False

        async def in_transaction(conn: Conn) -> tuple[T, SqlWriteTx]:
            tx = await self._begin(conn, batched and not last_try)
            # The last try stores a lost race as a mutation's failure, like any other error.
            tx.retry_races = tx.retry_races and not last_try
            result = await work(tx)
            await self._end(tx)
            return result, tx

        for attempt in range(RETRIES):
            last_try = attempt == RETRIES - 1
            try:
                result, tx = await self.db.run_write(in_transaction)
                break
            except Exception as e:
                if batched and not last_try and not (lost_a_race(e) or database_gone(e)):
                    log.warning("batched push failed (%r); running it statement by statement", e)
                    batched = False
                    continue
                if last_try or not lost_a_race(e):
                    raise
                await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
        self._committed(tx)  # on the loop's thread, after the commit
        return result

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqlReadTx]:
        async with self.db.read() as conn:
            yield SqlReadTx(conn)

    async def run_read(self, work: Callable[[SqlReadTx], Awaitable[T]]) -> T:
        return await self.db.run_read(lambda conn: work(SqlReadTx(conn)))
