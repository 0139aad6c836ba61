"""The migrations build, on an empty database of either kind, exactly the tables
``server/db/tables.py`` declares (columns, types, nullability, defaults, indexes), plus what the
baseline adds in SQL (composite and expression indexes, the audit log's triggers, the one-row
tables' rows); and piccolo finds nothing in the declaration that no migration makes."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from piccolo.columns import BigInt, BigSerial, Boolean, Integer, Serial, Text, Varchar
from piccolo.columns.base import Column
from piccolo.table import Table

from server.config import Settings
from server.db.migrate import SquashedHistory, migrate
from server.db.sql import open_database
from server.db.tables import TABLES
from tests import dbs

# An index: (its columns, "<expr>" for an expression; unique; access method).
Index = tuple[tuple[str, ...], bool, str]

# What the baseline makes in SQL, by table: the queries that need them are named beside each.
SQL_INDEXES: dict[str, set[Index]] = {
    # push: a client's mutation is logged once; the order timeline finds an order's mutations
    "mutation_log": {(("client_id", "mutation_id"), True, "btree"), (("<expr>",), False, "btree")},
    "change_log": {(("table_name", "row_id"), False, "btree")},  # compaction, pull
    "field_history": {(("table_name", "row_id", "field", "version"), False, "btree")},  # merges
    "stock_levels": {(("warehouse_id", "product_id"), True, "btree")},  # one level per place
    "audit_log": {(("seq",), True, "btree"), (("subject", "seq"), False, "btree")},
    "sessions": {(("expires_at",), False, "btree")},  # the sweep of expired sessions
    "orders": {  # the admin orders list: each filter in the list's keyset order
        (("created_at", "id"), False, "btree"),
        (("status", "created_at", "id"), False, "btree"),
        (("owner_id", "created_at", "id"), False, "btree"),
        (("warehouse_id", "created_at", "id"), False, "btree"),
        (("assignee_id", "created_at", "id"), False, "btree"),
        (("due_date", "status"), False, "btree"),
        (("updated_at",), False, "btree"),
    },
}
# PostgreSQL, where pg_trgm can be had: the orders search's ILIKE '%…%' reads these.
TRIGRAM_INDEXES: dict[str, set[Index]] = {
    "orders": {(("number",), False, "gin")},
    "customers": {(("name",), False, "gin")},
}


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Settings]:
    """A database with no tables at all (SQLite: a new data dir; PostgreSQL: a new database)."""
    if dbs.KIND != "postgres":
        yield Settings(data_dir=tmp_path / "empty")
        return
    name = f"orderly_empty_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        con = await asyncpg.connect(dbs.PG_ADMIN_URL)
        try:
            await con.execute(sql)
        finally:
            await con.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield Settings(database_url=dbs._pg_url(name), data_dir=tmp_path / "data")
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def migrated(empty_database: Settings) -> Settings:
    asyncio.run(migrate(empty_database))
    return empty_database


# ---- what the declaration says ------------------------------------------------------------------


def _declared_type(column: Column, postgres: bool) -> str:
    if isinstance(column, Varchar):
        return f"character varying({column.length})" if postgres else f"VARCHAR({column.length})"
    for kind, pg, lite in ((BigSerial, "bigint", "INTEGER"), (Serial, "integer", "INTEGER"),
                           (BigInt, "bigint", "INTEGER"),
                           (Integer, "integer", "INTEGER"), (Boolean, "boolean", "BOOLEAN"),
                           (Text, "text", "TEXT")):  # fmt: skip
        if isinstance(column, kind):
            return pg if postgres else lite
    raise AssertionError(f"a column type this test does not know: {type(column).__name__}")


def _declared_default(column: Column) -> str | None:
    if isinstance(column, Serial):
        return "<serial>"
    value = column.default
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def declared(table: type[Table], postgres: bool) -> dict[str, Any]:
    columns = {
        c._meta.db_column_name: (_declared_type(c, postgres), c._meta.null and not
                                 c._meta.primary_key, _declared_default(c), c._meta.primary_key)
        for c in table._meta.columns
    }  # fmt: skip
    indexes: set[Index] = set()
    for c in table._meta.columns:
        if c._meta.unique:
            indexes.add(((c._meta.db_column_name,), True, "btree"))
        if c._meta.index:
            indexes.add(((c._meta.db_column_name,), False, "btree"))
    return {"columns": columns, "indexes": indexes}


# ---- what the database has ----------------------------------------------------------------------


def _default(text: str | None) -> str | None:
    """A column default as either database reports it, as the declaration's value reads."""
    if text is None or text.lower() == "null" or text.startswith("NULL::"):
        return None
    if text.startswith("nextval("):
        return "<serial>"
    text = re.sub(r"::[a-z ]+$", "", text)  # PostgreSQL's cast: ''::character varying
    return text[1:-1] if text.startswith("'") else text


def _sqlite_schema(path: Path) -> dict[str, dict[str, Any]]:
    con = sqlite3.connect(path)
    try:
        found = {}
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            columns = {}
            for _, column, kind, notnull, default, pk in con.execute(f"PRAGMA table_info({name})"):
                # An INTEGER PRIMARY KEY is the rowid: numbered by SQLite, never NULL.
                auto = bool(pk) and kind == "INTEGER" and default is None
                columns[column] = (kind, not notnull and not pk,
                                   "<serial>" if auto else _default(default), bool(pk))  # fmt: skip
            indexes = set()
            for _, index, unique, origin, _ in con.execute(f"PRAGMA index_list({name})"):
                if origin != "pk":
                    parts = con.execute(f"PRAGMA index_info({index})").fetchall()
                    cols = tuple(c if c is not None else "<expr>" for _, _, c in parts)
                    indexes.add((cols, bool(unique), "btree"))
            found[name] = {"columns": columns, "indexes": indexes}
        return found
    finally:
        con.close()


async def _postgres_schema(url: str) -> dict[str, dict[str, Any]]:
    con = await asyncpg.connect(url)
    try:
        found: dict[str, dict[str, Any]] = {}
        for r in await con.fetch(
            "SELECT c.table_name, c.column_name, c.data_type, c.character_maximum_length AS n,"
            " c.is_nullable, c.column_default,"
            " EXISTS (SELECT 1 FROM information_schema.table_constraints t"
            "  JOIN information_schema.key_column_usage k USING (constraint_name, table_name)"
            "  WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_name = c.table_name"
            "  AND k.column_name = c.column_name) AS pk"
            " FROM information_schema.columns c WHERE c.table_schema = 'public'"
        ):
            kind = f"{r['data_type']}({r['n']})" if r["n"] else r["data_type"]
            table = found.setdefault(r["table_name"], {"columns": {}, "indexes": set()})
            table["columns"][r["column_name"]] = (
                kind,
                r["is_nullable"] == "YES",
                _default(r["column_default"]),
                r["pk"],
            )
        for r in await con.fetch(
            "SELECT t.relname AS tbl, i.indisunique AS uniq, am.amname AS method,"
            " ARRAY(SELECT COALESCE(a.attname, '<expr>') FROM unnest(i.indkey) WITH ORDINALITY"
            "  AS k(attnum, n) LEFT JOIN pg_attribute a"
            "  ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0"
            "  ORDER BY k.n) AS cols"
            " FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
            " JOIN pg_class ix ON ix.oid = i.indexrelid JOIN pg_am am ON am.oid = ix.relam"
            " JOIN pg_namespace s ON s.oid = t.relnamespace"
            " WHERE s.nspname = 'public' AND NOT i.indisprimary"
        ):
            found[r["tbl"]]["indexes"].add((tuple(r["cols"]), r["uniq"], r["method"]))
        return found
    finally:
        await con.close()


def schema(settings: Settings) -> dict[str, dict[str, Any]]:
    if settings.is_postgres:
        return asyncio.run(_postgres_schema(settings.database_url))
    return _sqlite_schema(settings.sqlite_path)


async def _trigram_available(settings: Settings) -> bool:
    con = await asyncpg.connect(settings.database_url)
    try:
        return await con.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')"
        )
    finally:
        await con.close()


# ---- the tests ----------------------------------------------------------------------------------


def test_migrating_an_empty_database_makes_exactly_the_declared_tables(migrated: Settings):
    postgres = migrated.is_postgres
    found = schema(migrated)
    assert set(found) == {t._meta.tablename for t in TABLES} | {"migration"}  # piccolo's own
    extra = {**SQL_INDEXES}
    if postgres and asyncio.run(_trigram_available(migrated)):
        extra = {t: extra.get(t, set()) | TRIGRAM_INDEXES.get(t, set())
                 for t in {*extra, *TRIGRAM_INDEXES}}  # fmt: skip
    for table in TABLES:
        name = table._meta.tablename
        want = declared(table, postgres)
        assert found[name]["columns"] == want["columns"], name
        assert found[name]["indexes"] == want["indexes"] | extra.get(name, set()), name


def test_the_one_row_tables_start_with_their_row(migrated: Settings) -> None:
    rows = dbs.query(migrated, "SELECT id, epoch, last_seq, horizon FROM sync_state")
    assert [(r["id"], r["last_seq"], r["horizon"]) for r in rows] == [(1, 0, 0)]
    assert re.fullmatch(r"[0-9a-f]{16}", rows[0]["epoch"])
    assert dbs.query(migrated, "SELECT id, seq, hash FROM audit_head") == [
        {"id": 1, "seq": 0, "hash": "0" * 64}
    ]


def test_the_audit_log_refuses_updates_and_deletes(migrated: Settings) -> None:
    async def attempts() -> list[str]:
        db = await open_database(migrated)
        refused = []
        try:
            async with db.write() as conn:
                await conn.execute(
                    "INSERT INTO audit_log (seq, at, action, prev_hash, hash)"
                    " VALUES (1, '2026-01-01T00:00:00Z', 'test', ?, ?)",
                    ("0" * 64, "1" * 64),
                )
            for sql in ("UPDATE audit_log SET action = 'rewritten'", "DELETE FROM audit_log"):
                try:
                    async with db.write() as conn:
                        await conn.execute(sql, ())
                except Exception as e:  # noqa: BLE001 - either driver's error, checked below
                    refused.append(str(e))
            async with db.read() as conn:
                assert await conn.fetch("SELECT action FROM audit_log", ()) == [{"action": "test"}]
        finally:
            await db.close()
        return refused

    refused = asyncio.run(attempts())
    assert len(refused) == 2 and all("append-only" in e for e in refused), refused


def test_piccolo_finds_no_change_the_migrations_lack() -> None:
    """What ``piccolo migrations new orderly --auto`` would write: nothing."""
    from piccolo.apps.migrations.commands.new import AutoMigrationManager

    from server.db.piccolo_app import APP_CONFIG

    statements = asyncio.run(AutoMigrationManager().get_alter_statements(app_config=APP_CONFIG))
    assert [s for change in statements for s in change.statements] == []


def as_made_before_the_baseline(settings: Settings) -> None:
    """Make a migrated database read as one made in November, by the squashed migrations."""

    async def rename() -> None:
        db = await open_database(settings)
        try:
            async with db.write() as conn:
                await conn.execute("UPDATE migration SET name = '2026-11-23T10:54:58:324441'", ())
        finally:
            await db.close()

    asyncio.run(rename())


def test_a_database_from_before_the_baseline_is_refused_with_what_to_do(
    migrated: Settings,
) -> None:
    as_made_before_the_baseline(migrated)
    with pytest.raises(SquashedHistory, match="make it again"):
        asyncio.run(migrate(migrated))
