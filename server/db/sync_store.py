"""The sync engine's ``Store`` in SQL, for SQLite and PostgreSQL alike.

Change sequence numbers come from the single ``sync_state`` row, read under a write lock that is
held until commit (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on PostgreSQL). So
sequence numbers are handed out in commit order, and a reader never sees change N+1 without N:
the pull cursor cannot skip a change that commits late.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from piccolo.columns import Boolean

from server import audit
from server.audit import AuditEntry
from server.db.sql import Conn, Database, database_gone
from server.db.tables import TABLES
from server.pokes_pg import NOTIFY_SQL
from sync import buckets as bk
from sync.store import ClientState, LoggedMutation, Row, SyncState
from sync.tables import LOCAL_TABLES, META_COLUMNS, SERVER_ONLY, SYNCED_TABLES

# Boolean columns clients see; SQLite hands them back as 0/1.
_WIRE_BOOLS: dict[str, tuple[str, ...]] = {
    t._meta.tablename: tuple(
        c._meta.db_column_name
        for c in t._meta.columns
        if isinstance(c, Boolean) and c._meta.db_column_name not in META_COLUMNS
    )
    for t in TABLES
    if t._meta.tablename in (*SYNCED_TABLES, *LOCAL_TABLES)
}
# The columns a pull sends, selected by name so snapshot rows need no copy to drop the rest.
_WIRE_COLUMNS: dict[str, str] = {
    t._meta.tablename: ", ".join(
        c._meta.db_column_name for c in t._meta.columns if c._meta.db_column_name not in SERVER_ONLY
    )
    for t in TABLES
    if t._meta.tablename in SYNCED_TABLES
}
_TABLES = frozenset(SYNCED_TABLES) | frozenset(LOCAL_TABLES)
T = TypeVar("T")
_IN_CHUNK = 500


def _table(name: str) -> str:
    if name not in _TABLES:  # table names reach SQL text: only known ones
        raise ValueError(f"not a table of the sync engine: {name}")
    return name


def _bucket_filter(
    dialect: str, buckets: bk.Buckets | None, columns: Sequence[str]
) -> tuple[str, list[str]]:
    """SQL that keeps rows in any of ``buckets``: the space-framed name found as plain text.

    Not ``LIKE``: its ``_`` is a wildcard, so warehouse ``wh_north`` pulled ``whXnorth``'s rows,
    and SQLite's LIKE ignores case (tests/sync/test_pull.py, buckets match exactly)."""
    if buckets is None:
        return "", []
    find = "instr({}, ?) > 0" if dialect == "sqlite" else "strpos({}, ?) > 0"
    ors = [find.format(col) for col in columns for _ in buckets]
    args = [f" {b} " for _ in columns for b in sorted(buckets)]
    return " AND (" + " OR ".join(ors) + ")", args


class SqlWriteTx:
    def __init__(self, conn: Conn, seq: int) -> None:
        self.conn = conn
        self.seq = seq
        self.start_seq = seq
        self._sp = 0
        self.audit_entries: list[AuditEntry] = []

    def audit(self, action: str, subject: str, detail: dict[str, Any], actor_id: str) -> None:
        self.audit_entries.append(AuditEntry(action, subject, detail, actor_id))

    def _fix(self, table: str, row: Row | None) -> Row | None:
        if row is not None and self.conn.dialect == "sqlite":
            for name in _WIRE_BOOLS.get(table, ()):
                row[name] = bool(row[name])
        return row

    async def get(self, table: str, row_id: str) -> Row | None:
        row = await self.conn.fetchrow(f"SELECT * FROM {_table(table)} WHERE id = ?", (row_id,))
        return self._fix(table, row)

    async def get_many(self, table: str, row_ids: Sequence[str]) -> dict[str, Row]:
        ids = list(dict.fromkeys(row_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.conn.fetch(f"SELECT * FROM {_table(table)} WHERE id IN ({marks})", ids)
        return {r["id"]: self._fix(table, r) for r in rows}  # type: ignore[index]

    async def find(self, table: str, column: str, value: Any) -> list[Row]:
        if column not in ("order_id", "number", "session_id", "customer_id"):
            raise ValueError(f"no lookup by {column}")
        rows = await self.conn.fetch(
            f"SELECT * FROM {_table(table)} WHERE {column} = ? ORDER BY id", (value,)
        )
        return [self._fix(table, r) for r in rows]  # type: ignore[misc]

    async def insert(self, table: str, row: Row) -> None:
        cols = list(row)
        marks = ",".join("?" * len(cols))
        await self.conn.execute(
            f"INSERT INTO {_table(table)} ({','.join(cols)}) VALUES ({marks})",
            [row[c] for c in cols],
        )

    async def insert_many(self, table: str, rows: Sequence[Row]) -> None:
        cols = list(rows[0])
        marks = ",".join("?" * len(cols))
        await self.conn.executemany(
            f"INSERT INTO {_table(table)} ({','.join(cols)}) VALUES ({marks})",
            [[row[c] for c in cols] for row in rows],
        )

    async def update(self, table: str, row_id: str, fields: Row) -> None:
        sets = ",".join(f"{c} = ?" for c in fields)
        await self.conn.execute(
            f"UPDATE {_table(table)} SET {sets} WHERE id = ?", [*fields.values(), row_id]
        )

    async def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    async def add_change(
        self, seq: int, table: str, row_id: str, op: str, buckets: str, removed: str
    ) -> None:
        await self.conn.execute(
            "INSERT INTO change_log (seq, table_name, row_id, op, buckets, removed) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (seq, table, row_id, op, buckets, removed),
        )

    async def add_changes(self, changes: Sequence[tuple[int, str, str, str, str, str]]) -> None:
        await self.conn.executemany(
            "INSERT INTO change_log (seq, table_name, row_id, op, buckets, removed) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            changes,
        )

    async def add_history(
        self,
        table: str,
        row_id: str,
        field: str,
        value: str,
        version: int,
        replaced_at: int,
        hlc: str,
        by: str,
    ) -> None:
        await self.conn.execute(
            "INSERT INTO field_history (table_name, row_id, field, value, version, replaced_at,"
            " hlc, replaced_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (table, row_id, field, value, version, replaced_at, hlc, by),
        )

    async def history_value(
        self, table: str, row_id: str, field: str, at_version: int
    ) -> tuple[bool, str | None]:
        row = await self.conn.fetchrow(
            "SELECT value, version FROM field_history WHERE table_name = ? AND row_id = ? "
            "AND field = ? AND replaced_at > ? AND replaced_at > version "
            "ORDER BY replaced_at LIMIT 1",
            (table, row_id, field, at_version),
        )
        if row is None or row["version"] > at_version:
            return False, None
        return True, row["value"]

    def unavailable(self, exc: BaseException) -> bool:
        return database_gone(exc)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        self._sp += 1
        name = f"m{self._sp}"
        seq = self.seq
        await self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            await self.conn.execute(f"RELEASE SAVEPOINT {name}")
            self.seq = seq
            raise
        else:
            await self.conn.execute(f"RELEASE SAVEPOINT {name}")

    async def client(self, client_id: str) -> ClientState | None:
        return await _client(self.conn, client_id)

    async def user_name(self, user_id: str) -> str | None:
        return await self.conn.fetchval("SELECT name FROM users WHERE id = ?", (user_id,))

    async def user(self, user_id: str) -> Row | None:
        return await self.conn.fetchrow(
            "SELECT id, role, warehouse_id, disabled FROM users WHERE id = ?", (user_id,)
        )

    async def save_client(self, state: ClientState, now: str) -> None:
        await self.conn.execute(
            "INSERT INTO sync_clients (client_id, user_id, device_id, last_mutation_id, pending,"
            " created_at, last_push_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (client_id) DO UPDATE SET user_id = excluded.user_id,"
            " device_id = excluded.device_id, last_mutation_id = excluded.last_mutation_id,"
            " pending = excluded.pending, last_push_at = excluded.last_push_at",
            (
                state.client_id,
                state.user_id,
                state.device_id,
                state.last_mutation_id,
                state.pending,
                now,
                now,
            ),
        )

    async def log_mutation(self, entry: LoggedMutation) -> None:
        await self.conn.execute(
            "INSERT INTO mutation_log (client_id, mutation_id, name, args, hlc, user_id,"
            " device_id, status, conflict_id, error, message, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.client_id,
                entry.mutation_id,
                entry.name,
                entry.args,
                entry.hlc,
                entry.user_id,
                entry.device_id,
                entry.status,
                entry.conflict_id,
                entry.error,
                entry.message,
                entry.received_at,
            ),
        )

    async def refused_redemptions(self, order_id: str) -> list[LoggedMutation]:
        # The order a logged mutation names, spelled as its index (``mutation_log_order`` of
        # the baseline migration; server/admin/orders.py mutation_order_expr).
        if self.conn.dialect == "postgres":
            names = "COALESCE(args::json ->> 'order_id', args::json ->> 'id')"
        else:
            names = "COALESCE(json_extract(args, '$.order_id'), json_extract(args, '$.id'))"
        rows = await self.conn.fetch(
            "SELECT client_id, mutation_id, name, args, hlc, user_id, device_id, status,"
            " conflict_id, error, message, received_at FROM mutation_log"
            f" WHERE {names} = ? AND name = ? AND error = ? ORDER BY received_at",
            (order_id, "qr.redeem", "leased"),
        )
        return [LoggedMutation(**r) for r in rows]

    async def logged(self, client_id: str, mutation_id: int) -> LoggedMutation | None:
        row = await self.conn.fetchrow(
            "SELECT client_id, mutation_id, name, args, hlc, user_id, device_id, status,"
            " conflict_id, error, message, received_at FROM mutation_log"
            " WHERE client_id = ? AND mutation_id = ?",
            (client_id, mutation_id),
        )
        return LoggedMutation(**row) if row else None


async def _client(conn: Conn, client_id: str) -> ClientState | None:
    row = await conn.fetchrow(
        "SELECT c.client_id, c.user_id, c.device_id, c.last_mutation_id, c.pending,"
        " d.revoked AS device_revoked FROM sync_clients c"
        " LEFT JOIN devices d ON d.id = c.device_id WHERE c.client_id = ?",
        (client_id,),
    )
    if not row:
        return None
    return ClientState(**{**row, "device_revoked": bool(row["device_revoked"])})


class SqlReadTx:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def state(self) -> SyncState:
        row = await self.conn.fetchrow(
            "SELECT epoch, last_seq, horizon FROM sync_state WHERE id = 1"
        )
        assert row is not None, "sync_state row missing: run migrations"
        return SyncState(**row)

    async def client(self, client_id: str) -> ClientState | None:
        return await _client(self.conn, client_id)

    async def changed_rows(
        self, after: int, upto: int, buckets: bk.Buckets | None, limit: int
    ) -> list[tuple[str, str, int]]:
        where, args = _bucket_filter(self.conn.dialect, buckets, ("buckets", "removed"))
        rows = await self.conn.fetch_tuples(
            "SELECT table_name, row_id, MAX(seq) AS s FROM change_log"
            f" WHERE seq > ? AND seq <= ?{where}"
            " GROUP BY table_name, row_id ORDER BY s LIMIT ?",
            [after, upto, *args, limit],
        )
        return [(t, i, s) for t, i, s in rows]

    async def rows(self, table: str, ids: Sequence[str]) -> list[Row]:
        out: list[Row] = []
        for i in range(0, len(ids), _IN_CHUNK):
            chunk = ids[i : i + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            out.extend(
                await self.conn.fetch(f"SELECT * FROM {_table(table)} WHERE id IN ({marks})", chunk)
            )
        return self._fix_all(table, out)

    async def snapshot_page(
        self, table: str, after_id: str, buckets: bk.Buckets | None, limit: int
    ) -> list[Row]:
        where, args = _bucket_filter(self.conn.dialect, buckets, ("buckets",))
        rows = await self.conn.fetch(
            f"SELECT {_WIRE_COLUMNS[_table(table)]} FROM {table}"
            f" WHERE deleted = ? AND id > ?{where} ORDER BY id LIMIT ?",
            [False, after_id, *args, limit],
        )
        return self._fix_all(table, rows)

    async def count_rows(self, table: str, buckets: bk.Buckets | None) -> int:
        where, args = _bucket_filter(self.conn.dialect, buckets, ("buckets",))
        n = await self.conn.fetchval(
            f"SELECT COUNT(*) FROM {_table(table)} WHERE deleted = ?{where}", [False, *args]
        )
        return int(n)

    def _fix_all(self, table: str, rows: list[Row]) -> list[Row]:
        names = _WIRE_BOOLS.get(table, ())
        if names and self.conn.dialect == "sqlite":
            for r in rows:
                for n in names:
                    r[n] = bool(r[n])
        return rows


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


async def compact(db: Database, keep: int) -> tuple[int, int]:
    """Drop change-log entries superseded by a later change of the same row, up to
    ``last_seq - keep``, and move the horizon there. Cursors older than the horizon get
    ``reset`` (they might miss a bucket departure whose entry is gone). Returns
    (horizon, entries removed)."""
    async with db.write() as conn:
        lock = " FOR UPDATE" if conn.dialect == "postgres" else ""
        last = int(await conn.fetchval(f"SELECT last_seq FROM sync_state WHERE id = 1{lock}"))
        horizon = max(0, last - keep)
        before = int(
            await conn.fetchval("SELECT COUNT(*) FROM change_log WHERE seq <= ?", (horizon,))
        )
        await conn.execute(
            "DELETE FROM change_log WHERE seq <= ? AND seq < ("
            " SELECT MAX(c2.seq) FROM change_log c2"
            " WHERE c2.table_name = change_log.table_name AND c2.row_id = change_log.row_id)",
            (horizon,),
        )
        after = int(
            await conn.fetchval("SELECT COUNT(*) FROM change_log WHERE seq <= ?", (horizon,))
        )
        await conn.execute("UPDATE sync_state SET horizon = ? WHERE id = 1", (horizon,))
    return horizon, before - after
