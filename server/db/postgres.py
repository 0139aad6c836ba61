"""PostgreSQL: an asyncpg pool; writes in a transaction, reads in a repeatable-read snapshot.

Writes hold at most ``write_slots`` of the pool's connections at once (``ORDERLY_DB_WRITE_SLOTS``,
docs/operations.md § 2): a write waiting on a row lock keeps its connection, and a burst of pushes
on the same rows once took the whole pool, so pulls, the admin's lists and the health check queued
behind lock waiters. A write past the bound waits for a slot without a connection; the rest of the
pool stays for reads and for the one tick at a time (server/db/sequencer.py).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, TypeVar

import asyncpg

from server.db.conn import Conn, Row, insert_sql
from server.db.engines import postgres_config

T = TypeVar("T")

_PLACEHOLDER = re.compile(r"\?")

# From this many rows an insert goes as COPY: PostgreSQL then parses no statement and plans
# nothing per row (a push of 100 orders: 232 -> 160 us of statements per order, docs/scale.md);
# below it, COPY's own statement costs more than the prepared INSERT it replaces.
COPY_MIN_ROWS = 4

# Connections a write can never take: one for the tick, at least one for reads.
RESERVED = 2
# Saturated small pushes, one process (docs/benchmarks.md): 6 slots of 10 capped it at 167
# pushes/s with every slot busy, 12 of 16 gave 198/s with no wait for a slot.
POOL_SIZE = 16
WRITE_SLOTS = 12


@lru_cache(maxsize=512)
def to_dollar(sql: str) -> str:
    """``?`` placeholders to asyncpg's ``$1..$n`` (our SQL has no literal question marks)."""
    n = 0

    def number(_: re.Match[str]) -> str:
        nonlocal n
        n += 1
        return f"${n}"

    return _PLACEHOLDER.sub(number, sql)


class _PgConn:
    dialect = "postgres"

    def __init__(self, con: asyncpg.Connection) -> None:
        self._con = con
        # Set by whatever queued change-log or audit entries (server/db/sequencer.py): the
        # transaction's commit is followed by a tick.
        self.queued = False

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        await self._con.execute(to_dollar(sql), *args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._con.executemany(to_dollar(sql), rows)

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if len(rows) < COPY_MIN_ROWS:
            await self.executemany(insert_sql(table, columns), rows)
            return
        await self._con.copy_records_to_table(table, records=rows, columns=list(columns))

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return [dict(r) for r in await self._con.fetch(to_dollar(sql), *args)]

    async def fetch_tuples(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        return [tuple(r) for r in await self._con.fetch(to_dollar(sql), *args)]

    async def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        r = await self._con.fetchrow(to_dollar(sql), *args)
        return dict(r) if r is not None else None

    async def fetchval(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return await self._con.fetchval(to_dollar(sql), *args)


async def _reset(con: asyncpg.Connection) -> None:
    """A connection back in the pool. asyncpg's default reset is a round trip on every release
    (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL): we hold no session state on pooled
    connections (advisory locks and SET LOCAL end with the transaction; LISTEN has its own
    connection, server/pokes_pg.py), so only a transaction left open is ended."""
    if con.is_in_transaction():
        await con.execute("ROLLBACK")


class PostgresDatabase:
    dialect = "postgres"

    def __init__(
        self, url: str, min_size: int = 1, max_size: int = POOL_SIZE, write_slots: int = WRITE_SLOTS
    ) -> None:
        from server.db.sequencer import Sequencer

        if not 1 <= write_slots <= max_size - RESERVED:
            raise ValueError(
                f"ORDERLY_DB_WRITE_SLOTS={write_slots}: must be 1 to {max_size - RESERVED} with a "
                f"pool of {max_size} (ORDERLY_DB_POOL_SIZE), leaving connections for reads"
            )
        self.url = url
        self._min, self._max = min(min_size, max_size), max_size
        self.write_slots = write_slots
        self._writes = asyncio.Semaphore(write_slots)
        self._pool: asyncpg.Pool | None = None
        self.sequencer = Sequencer(self._transaction)

    async def open(self) -> PostgresDatabase:
        self._pool = await asyncpg.create_pool(
            min_size=self._min, max_size=self._max, reset=_reset, **postgres_config(self.url)
        )
        self.sequencer.start()
        return self

    async def close(self) -> None:
        await self.sequencer.stop()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[_PgConn]:
        """A write transaction; if it queued change-log or audit entries, its commit is followed
        by a tick that numbers them (server/db/sequencer.py) before this returns. It waits for
        one of the write slots first, holding no connection while it waits."""
        async with self._writes, self._transaction() as conn:
            yield conn
        if conn.queued:
            await self.sequencer.after_commit()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[_PgConn]:
        assert self._pool is not None, "database not open"
        async with self._pool.acquire() as con, con.transaction():
            yield _PgConn(con)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[_PgConn]:
        assert self._pool is not None, "database not open"
        async with (
            self._pool.acquire() as con,
            con.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield _PgConn(con)

    async def run_write(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        async with self.write() as conn:
            return await work(conn)

    async def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        assert self._pool is not None, "database not open"
        async with self._pool.acquire() as con:
            row = await con.fetchrow(to_dollar(sql), *args)
        return dict(row) if row is not None else None

    async def run_read(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        async with self.read() as conn:
            return await work(conn)
