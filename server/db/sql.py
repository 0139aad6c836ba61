"""Where queries run: ``open_database`` gives a ``Database`` for the settings' database kind
(SQLite, server/db/sqlite.py; PostgreSQL, server/db/postgres.py), and every query in the server
is SQL through it, written once with ``?`` placeholders for both. piccolo declares the tables and
runs the migrations (server/db/tables.py, migrations/); it runs no query.

The sync hot path (push/pull) runs on a writer connection (SQLite: one, serialised,
``BEGIN IMMEDIATE``, on its own thread) or a pool (PostgreSQL).
"""

from __future__ import annotations

from server.config import Settings
from server.db.conn import Conn, Database, Row
from server.db.errors import DATABASE_GONE, database_gone, is_unique_violation
from server.db.postgres import PostgresDatabase, to_dollar
from server.db.sqlite import SqliteDatabase

__all__ = [
    "DATABASE_GONE",
    "Conn",
    "Database",
    "PostgresDatabase",
    "Row",
    "SqliteDatabase",
    "database_gone",
    "is_unique_violation",
    "open_database",
    "refresh_statistics",
    "to_dollar",
]


async def open_database(settings: Settings) -> SqliteDatabase | PostgresDatabase:
    if settings.is_postgres:
        return await PostgresDatabase(
            settings.database_url,
            max_size=settings.db_pool_size,
            write_slots=settings.db_write_slots,
        ).open()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return await SqliteDatabase(settings.sqlite_path).open()


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
