"""SQLite: one writer connection (``BEGIN IMMEDIATE``, serialised) and a few readers (WAL), each
connection on a thread of its own.

Each SQLite connection lives on its own thread. A statement issued from the event loop is one
hand-off to that thread (``_SqliteThere``); a whole unit of work (``run_write``/``run_read``: a
push, a pull) runs on that thread at once, its statements called directly (``_SqliteHere``).
The engine's coroutines never suspend on SQLite, so the thread drives them to completion with
one ``send``: a push of 100 orders is one hand-off instead of ~4,000 (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from server.db.conn import Conn, Row, insert_sql

T = TypeVar("T")


class _SqliteCalls:
    """The statements, as plain functions on one sqlite3 connection, run on its thread."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        self.con.execute(sql, args)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.con.executemany(sql, rows)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        self.con.executemany(insert_sql(table, columns), rows)

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

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        self._c.insert_rows(table, columns, rows)

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

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        await self._t.call(self._c.insert_rows, table, columns, rows)

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
    # SQLite's own LOWER (and LIKE's case-blindness) know ASCII only: "CAFÉ" did not find "Café".
    # Python's is Unicode's, as PostgreSQL's lower() in a UTF-8 database; no index uses LOWER.
    con.create_function("lower", 1, _lower, deterministic=True)
    return con


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


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

    async def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        # run_read's own hop; the BEGIN/ROLLBACK around one statement run on the reader's thread.
        return await self.run_read(lambda conn: conn.fetchrow(sql, args))
