"""``SqlSyncStore``: the engine's ``Store`` over one open ``Database``. A write takes the change
sequence under the ``sync_state`` row's lock, and at commit appends the audit entries, stores the
new sequence and (PostgreSQL) notifies the other server processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from server import audit
from server.db.sql import Conn, Database
from server.db.sync_store.read_tx import SqlReadTx
from server.db.sync_store.write_tx import SqlWriteTx
from server.pokes_pg import NOTIFY_SQL

T = TypeVar("T")


class SqlSyncStore:
    """The engine's ``Store`` over one open ``Database``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Called with the newest change sequence after a write that changed rows commits.
        self.on_commit: list[Callable[[int], None]] = []

    @staticmethod
    async def _begin(conn: Conn) -> SqlWriteTx:
        lock = " FOR UPDATE" if conn.dialect == "postgres" else ""
        seq = await conn.fetchval(f"SELECT last_seq FROM sync_state WHERE id = 1{lock}")
        return SqlWriteTx(conn, int(seq))

    @staticmethod
    async def _end(tx: SqlWriteTx) -> None:
        await audit.append(tx.conn, tx.audit_entries)
        if tx.seq != tx.start_seq:
            await tx.conn.execute("UPDATE sync_state SET last_seq = ? WHERE id = 1", (tx.seq,))
            if tx.conn.dialect == "postgres":
                # Delivered at commit, to every server process (server/pokes_pg.py).
                await tx.conn.execute(NOTIFY_SQL, (str(tx.seq),))

    def _committed(self, tx: SqlWriteTx) -> None:
        if tx.seq != tx.start_seq:
            for callback in self.on_commit:
                callback(tx.seq)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqlWriteTx]:
        async with self.db.write() as conn:
            tx = await self._begin(conn)
            yield tx
            await self._end(tx)
        self._committed(tx)

    async def run_write(self, work: Callable[[SqlWriteTx], Awaitable[T]]) -> T:
        async def in_transaction(conn: Conn) -> tuple[T, SqlWriteTx]:
            tx = await self._begin(conn)
            result = await work(tx)
            await self._end(tx)
            return result, tx

        result, tx = await self.db.run_write(in_transaction)
        self._committed(tx)  # on the loop's thread, after the commit
        return result

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqlReadTx]:
        async with self.db.read() as conn:
            yield SqlReadTx(conn)

    async def run_read(self, work: Callable[[SqlReadTx], Awaitable[T]]) -> T:
        return await self.db.run_read(lambda conn: work(SqlReadTx(conn)))
