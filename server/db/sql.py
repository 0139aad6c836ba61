"""The one place raw SQL runs: connections, transactions and placeholders for SQLite and
PostgreSQL. SQL is written once with ``?`` placeholders; PostgreSQL gets ``$n``.

piccolo declares the tables and runs migrations; the sync hot path (push/pull) runs here, on a
writer connection (SQLite: one, serialised, ``BEGIN IMMEDIATE``, on its own thread) or a pool
(PostgreSQL).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import asyncpg

from server.config import Settings
from server.db.engines import postgres_config

# What the database failing (not our code, not the client's input) raises: the connection broke
# or could not be made, the server is shutting down, the pool is reconnecting. A request that
# meets one answers 503 and the device sends it again (server/error_responses.py); a push aborts whole
# rather than storing its mutations as server bugs (sync/push.py, ``WriteTx.unavailable``).
DATABASE_GONE: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,  # the connection broke or could not be made
    asyncpg.exceptions.OperatorInterventionError,  # admin/crash shutdown, cannot connect now
    asyncpg.InterfaceError,  # the connection is gone (database_gone tells which: others are bugs)
    # A pooled connection PostgreSQL cut while shutting down, caught between two protocol
    # states ("cannot switch to state 15; another operation is in progress"): seen when a
    # restart lands as a request starts its transaction (tests/faults/test_postgres_restart.py).
    asyncpg.exceptions.InternalClientError,
    ConnectionError,  # refused or reset while the pool reconnects
    TimeoutError,
)
# SQLite's own failures of the same kind: the file, the disk or the lock, not the statement.
_SQLITE_GONE = ("database is locked", "disk i/o error", "database or disk is full",
                "unable to open database file")  # fmt: skip


def database_gone(exc: BaseException) -> bool:
    """Whether ``exc`` means the database itself failed for a moment (see DATABASE_GONE)."""
    if isinstance(exc, asyncpg.InterfaceError):
        # "connection is closed"; and "connection has been released back to the pool": the pool
        # took back a connection PostgreSQL cut under a running transaction (seen once when a
        # restart landed mid-push, tests/faults/test_postgres_restart.py). Other InterfaceErrors
        # are misuse: bugs.
        return "closed" in str(exc) or "released back to the pool" in str(exc)
    if isinstance(exc, sqlite3.OperationalError):
        return str(exc).lower().startswith(_SQLITE_GONE)
    return isinstance(exc, DATABASE_GONE)


Row = dict[str, Any]
T = TypeVar("T")


class Conn(Protocol):
    dialect: str

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None: ...
    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]: ...
    async def fetch_tuples(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]: ...
    async def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None: ...
    async def fetchval(self, sql: str, args: Sequence[Any] = ()) -> Any: ...


class Database(Protocol):
    dialect: str

    async def close(self) -> None: ...
    def write(self) -> Any: ...  # async context manager yielding a Conn in a write transaction
    def read(self) -> Any: ...  # async context manager yielding a Conn in a consistent snapshot
    # The same as one call: ``work`` runs in a write transaction / a read snapshot. SQLite runs
    # all of it on the connection's own thread (``work`` must await nothing but the Conn).
    async def run_write(self, work: Callable[[Conn], Awaitable[T]]) -> T: ...
    async def run_read(self, work: Callable[[Conn], Awaitable[T]]) -> T: ...


# ---- SQLite -----------------------------------------------------------------------------------
#
# Each SQLite connection lives on its own thread. A statement issued from the event loop is one
# hand-off to that thread (``_SqliteThere``); a whole unit of work (``run_write``/``run_read``: a
# push, a pull) runs on that thread at once, its statements called directly (``_SqliteHere``).
# The engine's coroutines never suspend on SQLite, so the thread drives them to completion with
# one ``send``: a push of 100 orders is one hand-off instead of ~4,000 (docs/benchmarks.md).


class _SqliteCalls:
    """The statements, as plain functions on one sqlite3 connection, run on its thread."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        self.con.execute(sql, args)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.con.executemany(sql, rows)

    def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        cur = self.con.execute(sql, args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def fetch_tuples(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        return self.con.execute(sql, args).fetchall()

    def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        cur = self.con.execute(sql, args)
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def fetchval(self, sql: str, args: Sequence[Any] = ()) -> Any:
        row = self.con.execute(sql, args).fetchone()
        return row[0] if row else None


class _SqliteHere:
    """``Conn`` for code already running on the connection's thread: no hand-offs."""

    dialect = "sqlite"

    def __init__(self, calls: _SqliteCalls) -> None:
        self._c = calls

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        self._c.execute(sql, args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._c.executemany(sql, rows)

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return self._c.fetch(sql, args)

    async def fetch_tuples(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        return self._c.fetch_tuples(sql, args)

    async def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        return self._c.fetchrow(sql, args)

    async def fetchval(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self._c.fetchval(sql, args)


class _SqliteThere:
    """``Conn`` for the event loop: each statement is one hand-off to the connection's thread."""

    dialect = "sqlite"

    def __init__(self, thread: _SqliteThread) -> None:
        self._t = thread
        self._c = thread.calls

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        await self._t.call(self._c.execute, sql, args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._t.call(self._c.executemany, sql, rows)

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return await self._t.call(self._c.fetch, sql, args)

    async def fetch_tuples(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        return await self._t.call(self._c.fetch_tuples, sql, args)

    async def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        return await self._t.call(self._c.fetchrow, sql, args)

    async def fetchval(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return await self._t.call(self._c.fetchval, sql, args)


def _drive(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends to its end, here and now."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("work on a SQLite thread awaited something that is not SQLite")


class _SqliteThread:
    """One sqlite3 connection and the one thread that uses it."""

    def __init__(self, path: Path, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.calls = _SqliteCalls(self._pool.submit(_open_sqlite, path).result())

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def run(self, work: Callable[[Conn], Awaitable[T]], begin: str, end: str) -> T:
        """``work`` in one transaction, wholly on this thread."""
        here = _SqliteHere(self.calls)

        async def transaction() -> T:
            here._c.execute(begin)
            try:
                result = await work(here)
            except BaseException:
                here._c.execute("ROLLBACK")
                raise
            here._c.execute(end)
            return result

        return await self.call(_drive, transaction())

    def close(self) -> None:
        self._pool.submit(self.calls.con.close).result()
        self._pool.shutdown()


def _open_sqlite(path: Path) -> sqlite3.Connection:
    # Autocommit mode: transactions are ours (BEGIN IMMEDIATE / BEGIN ... COMMIT / ROLLBACK).
    con = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA busy_timeout=10000")
    con.execute("PRAGMA cache_size=-65536")
    return con


class SqliteDatabase:
    """One writer connection (SQLite has one writer anyway) and a few readers (WAL)."""

    dialect = "sqlite"

    def __init__(self, path: Path, readers: int = 2) -> None:
        self.path = path
        self._readers_n = readers
        self._writer: _SqliteThread | None = None
        self._write_lock = asyncio.Lock()
        self._readers: asyncio.Queue[_SqliteThread] = asyncio.Queue()
        self._all: list[_SqliteThread] = []

    async def open(self) -> SqliteDatabase:
        def open_all() -> None:
            self._writer = _SqliteThread(self.path, "sqlite-writer")
            self._all.append(self._writer)
            for i in range(self._readers_n):
                reader = _SqliteThread(self.path, f"sqlite-reader-{i}")
                self._all.append(reader)
                self._readers.put_nowait(reader)

        await asyncio.to_thread(open_all)
        return self

    async def close(self) -> None:
        all_, self._all = self._all, []
        await asyncio.to_thread(lambda: [t.close() for t in all_])

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Conn]:
        assert self._writer is not None, "database not open"
        conn = _SqliteThere(self._writer)
        async with self._write_lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def run_write(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        assert self._writer is not None, "database not open"
        async with self._write_lock:
            return await self._writer.run(work, "BEGIN IMMEDIATE", "COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        reader = await self._readers.get()
        try:
            conn = _SqliteThere(reader)
            # A deferred transaction pins one WAL snapshot for every statement inside it.
            await conn.execute("BEGIN")
            try:
                yield conn
            finally:
                await conn.execute("ROLLBACK")
        finally:
            self._readers.put_nowait(reader)

    async def run_read(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        reader = await self._readers.get()
        try:
            return await reader.run(work, "BEGIN", "ROLLBACK")
        finally:
            self._readers.put_nowait(reader)


# ---- PostgreSQL ---------------------------------------------------------------------------


_PLACEHOLDER = re.compile(r"\?")


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

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        await self._con.execute(to_dollar(sql), *args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._con.executemany(to_dollar(sql), rows)

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return [dict(r) for r in await self._con.fetch(to_dollar(sql), *args)]

    async def fetch_tuples(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        return [tuple(r) for r in await self._con.fetch(to_dollar(sql), *args)]

    async def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        r = await self._con.fetchrow(to_dollar(sql), *args)
        return dict(r) if r is not None else None

    async def fetchval(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return await self._con.fetchval(to_dollar(sql), *args)


class PostgresDatabase:
    dialect = "postgres"

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self._min, self._max = min_size, max_size
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> PostgresDatabase:
        self._pool = await asyncpg.create_pool(
            min_size=self._min, max_size=self._max, **postgres_config(self.url)
        )
        return self

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[_PgConn]:
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

    async def run_read(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        async with self.read() as conn:
            return await work(conn)


async def open_database(settings: Settings) -> SqliteDatabase | PostgresDatabase:
    if settings.is_postgres:
        return await PostgresDatabase(settings.database_url).open()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return await SqliteDatabase(settings.sqlite_path).open()


def is_unique_violation(exc: BaseException) -> bool:
    return isinstance(exc, asyncpg.UniqueViolationError) or (
        isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)
    )


async def refresh_statistics(db: Database) -> None:
    """Give the query planner fresh statistics. Without them (PostgreSQL with autovacuum off, as
    on the test machines) every snapshot page is planned as a full scan and sort, and an initial
    sync grows quadratic in the table size. Run at start and after bulk loads."""
    if db.dialect == "postgres":
        async with db.write() as conn:
            await conn.execute("ANALYZE")
    else:
        async with db.write() as conn:
            await conn.execute("PRAGMA optimize")
