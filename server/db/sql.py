"""The one place raw SQL runs: connections, transactions and placeholders for SQLite and
PostgreSQL. SQL is written once with ``?`` placeholders; PostgreSQL gets ``$n``.

piccolo declares the tables and runs migrations; the sync hot path (push/pull) runs here, on a
writer connection (SQLite: one, serialised, ``BEGIN IMMEDIATE``) or a pool (PostgreSQL).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import asyncpg

from server.config import Settings
from server.db.engines import postgres_config

Row = dict[str, Any]


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


# ---- SQLite -----------------------------------------------------------------------------------


class _SqliteConn:
    dialect = "sqlite"

    def __init__(self, con: aiosqlite.Connection) -> None:
        self._con = con

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        await self._con.execute(sql, args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._con.executemany(sql, rows)

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        async with self._con.execute(sql, args) as cur:
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in await cur.fetchall()]

    async def fetch_tuples(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        async with self._con.execute(sql, args) as cur:
            return list(await cur.fetchall())

    async def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetch(sql, args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, args: Sequence[Any] = ()) -> Any:
        async with self._con.execute(sql, args) as cur:
            row = await cur.fetchone()
            return row[0] if row else None


async def _open_sqlite(path: Path) -> aiosqlite.Connection:
    con = await aiosqlite.connect(str(path), isolation_level=None)
    await con.execute("PRAGMA journal_mode=WAL")
    await con.execute("PRAGMA synchronous=NORMAL")
    await con.execute("PRAGMA busy_timeout=10000")
    await con.execute("PRAGMA cache_size=-65536")
    return con


class SqliteDatabase:
    """One writer connection (SQLite has one writer anyway) and a few readers (WAL)."""

    dialect = "sqlite"

    def __init__(self, path: Path, readers: int = 2) -> None:
        self.path = path
        self._readers_n = readers
        self._writer: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all: list[aiosqlite.Connection] = []

    async def open(self) -> SqliteDatabase:
        self._writer = await _open_sqlite(self.path)
        self._all.append(self._writer)
        for _ in range(self._readers_n):
            con = await _open_sqlite(self.path)
            self._all.append(con)
            self._readers.put_nowait(con)
        return self

    async def close(self) -> None:
        for con in self._all:
            await con.close()
        self._all.clear()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[_SqliteConn]:
        assert self._writer is not None, "database not open"
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteConn(self._writer)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            else:
                await self._writer.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[_SqliteConn]:
        con = await self._readers.get()
        try:
            # A deferred transaction pins one WAL snapshot for every statement inside it.
            await con.execute("BEGIN")
            try:
                yield _SqliteConn(con)
            finally:
                await con.execute("ROLLBACK")
        finally:
            self._readers.put_nowait(con)


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


async def open_database(settings: Settings) -> SqliteDatabase | PostgresDatabase:
    if settings.is_postgres:
        return await PostgresDatabase(settings.database_url).open()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return await SqliteDatabase(settings.sqlite_path).open()


def is_unique_violation(exc: BaseException) -> bool:
    return isinstance(exc, asyncpg.UniqueViolationError) or (
        isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)
    )
