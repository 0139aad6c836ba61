"""The engine's ``WriteTx`` in SQL: rows, changes, field history, savepoints, clients and the
mutation log, inside one write transaction that ``SqlSyncStore`` opened."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from server.audit import AuditEntry
from server.db.conn import insert_sql
from server.db.errors import lost_a_race
from server.db.sql import Conn, database_gone
from server.db.sync_store.rows import (
    CHANGE_COLUMNS,
    HISTORY_COLUMNS,
    LOG_COLUMNS,
    QUEUED_CHANGE_COLUMNS,
    WIRE_BOOLS,
    client_state,
    sync_table,
)
from sync.store import ClientState, LoggedMutation, Row

if TYPE_CHECKING:
    from sync.prefetch import Wanted

# PostgreSQL: the rows a write reads are locked until it commits (``FOR UPDATE``), so what a
# rule decided from still holds when it writes (under SQLite's single writer it always does).
# Catalog tables that pushes only read are not: every order reads its products, and locking them
# would make all orders of a popular product wait for each other (docs/scale.md).
UNLOCKED = frozenset({"warehouses", "products", "signing_keys", "qr_revocations", "review_rules"})


class SqlWriteTx:
    """One write transaction. SQLite: the change sequence was read at its start under the
    database's single writer, and each change takes the next number. PostgreSQL: no global
    number is held; row versions come from the ``row_version`` sequence (drawn after the row is
    locked, so a row's versions only grow) and changes are queued for the tick after commit to
    number (server/db/sequencer.py)."""

    def __init__(self, conn: Conn, seq: int) -> None:
        self.conn = conn
        self.seq = seq
        self.start_seq = seq
        self._sp = 0
        self.audit_entries: list[AuditEntry] = []
        # The stored bucket texts of the changes written (" rep:u1 all "), for the poke.
        self.bucket_texts: set[str] = set()
        self._postgres = conn.dialect == "postgres"
        # PostgreSQL: a lost race (deadlock, a unique key taken meanwhile) fails the whole
        # write, which the store runs again (SqlSyncStore.run_write).
        self.retry_races = self._postgres

    def _for_update(self, table: str) -> str:
        return " FOR UPDATE" if self._postgres and table not in UNLOCKED else ""

    async def prefetch(self, wanted: Wanted) -> None:
        """Statement by statement: nothing read ahead (``BatchedWriteTx`` reads it at once)."""

    async def flush(self) -> None:
        """Statement by statement: every write is already sent."""

    def buckets_touched(self) -> frozenset[str]:
        return frozenset(b for text in self.bucket_texts for b in text.split())

    def audit(self, action: str, subject: str, detail: dict[str, Any], actor_id: str) -> None:
        self.audit_entries.append(AuditEntry(action, subject, detail, actor_id))

    def _fix(self, table: str, row: Row | None) -> Row | None:
        if row is not None and self.conn.dialect == "sqlite":
            for name in WIRE_BOOLS.get(table, ()):
                row[name] = bool(row[name])
        return row

    async def get(self, table: str, row_id: str) -> Row | None:
        row = await self.conn.fetchrow(
            f"SELECT * FROM {sync_table(table)} WHERE id = ?{self._for_update(table)}", (row_id,)
        )
        return self._fix(table, row)

    async def get_many(self, table: str, row_ids: Sequence[str]) -> dict[str, Row]:
        ids = list(dict.fromkeys(row_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.conn.fetch(
            f"SELECT * FROM {sync_table(table)} WHERE id IN ({marks}){self._for_update(table)}",
            ids,
        )
        return {r["id"]: self._fix(table, r) for r in rows}  # type: ignore[index]

    async def find(self, table: str, column: str, value: Any) -> list[Row]:
        if column not in ("order_id", "number", "session_id", "customer_id"):
            raise ValueError(f"no lookup by {column}")
        rows = await self.conn.fetch(
            f"SELECT * FROM {sync_table(table)} WHERE {column} = ? ORDER BY id"
            f"{self._for_update(table)}",
            (value,),
        )
        return [self._fix(table, r) for r in rows]  # type: ignore[misc]

    async def insert(self, table: str, row: Row) -> None:
        cols = list(row)
        marks = ",".join("?" * len(cols))
        await self.conn.execute(
            f"INSERT INTO {sync_table(table)} ({','.join(cols)}) VALUES ({marks})",
            [row[c] for c in cols],
        )

    async def insert_many(self, table: str, rows: Sequence[Row]) -> None:
        cols = list(rows[0])
        await self.conn.insert_rows(
            sync_table(table), cols, [[row[c] for c in cols] for row in rows]
        )

    async def update(self, table: str, row_id: str, fields: Row) -> None:
        sets = ",".join(f"{c} = ?" for c in fields)
        await self.conn.execute(
            f"UPDATE {sync_table(table)} SET {sets} WHERE id = ?", [*fields.values(), row_id]
        )

    async def next_seq(self) -> int:
        if self._postgres:
            return int(await self.conn.fetchval("SELECT nextval('row_version')"))
        self.seq += 1
        return self.seq

    async def add_change(
        self, seq: int, table: str, row_id: str, op: str, buckets: str, removed: str
    ) -> None:
        await self.add_changes([(seq, table, row_id, op, buckets, removed)])

    async def add_changes(self, changes: Sequence[tuple[int, str, str, str, str, str]]) -> None:
        for change in changes:
            self.bucket_texts.add(change[4])
            self.bucket_texts.add(change[5])  # the buckets a moved row left: a delete to pull
        if self._postgres:
            # Numbered by the tick after commit; the version stays on the row itself.
            await self.conn.insert_rows(
                "change_queue", QUEUED_CHANGE_COLUMNS, [change[1:] for change in changes]
            )
            self.conn.queued = True  # type: ignore[attr-defined]
            return
        await self.conn.insert_rows("change_log", CHANGE_COLUMNS, changes)

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
            insert_sql("field_history", HISTORY_COLUMNS),
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
        return database_gone(exc) or (self.retry_races and lost_a_race(exc))

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
        # Locked on PostgreSQL: two pushes of one client (a retry racing its original) apply
        # one after the other, the second seeing the first's mutation ids.
        return await client_state(self.conn, client_id, lock=self._postgres)

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
            insert_sql("mutation_log", LOG_COLUMNS),
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
