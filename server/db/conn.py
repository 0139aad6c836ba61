"""What code that runs SQL is given: a ``Database`` to open transactions on, and in each a ``Conn``.

SQL is written once with ``?`` placeholders for both databases (server/db/postgres.py turns them
into ``$n``); a row is a dict of column name to value.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

Row = dict[str, Any]
T = TypeVar("T")


def insert_sql(table: str, columns: Sequence[str]) -> str:
    """``INSERT INTO table (columns) VALUES (?, ...)``: one row's statement."""
    return f"INSERT INTO {table} ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})"


class Conn(Protocol):
    dialect: str

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None: ...
    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    # Plain inserts as a set: COPY on PostgreSQL (one data stream, no statement per row),
    # executemany on SQLite. ``table`` and ``columns`` are ours, never a client's.
    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None: ...
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
    # One read statement on its own, no transaction around it (a statement is its own
    # snapshot): what every request's sign-in check asks, in one round trip.
    async def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None: ...
