"""The engine's ``ReadTx`` in SQL: the sync state, changes since a cursor, rows by id and
snapshot pages, in one read snapshot."""

from __future__ import annotations

from collections.abc import Sequence

from server.db.sql import Conn
from server.db.sync_store.rows import (
    IN_CHUNK,
    WIRE_BOOLS,
    WIRE_COLUMNS,
    bucket_filter,
    client_state,
    sync_table,
)
from sync import buckets as bk
from sync.store import ClientState, Row, SyncState


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
        return await client_state(self.conn, client_id)

    async def changed_rows(
        self, after: int, upto: int, buckets: bk.Buckets | None, limit: int
    ) -> list[tuple[str, str, int]]:
        where, args = bucket_filter(self.conn.dialect, buckets, ("buckets", "removed"))
        rows = await self.conn.fetch_tuples(
            "SELECT table_name, row_id, MAX(seq) AS s FROM change_log"
            f" WHERE seq > ? AND seq <= ?{where}"
            " GROUP BY table_name, row_id ORDER BY s LIMIT ?",
            [after, upto, *args, limit],
        )
        return [(t, i, s) for t, i, s in rows]

    async def rows(self, table: str, ids: Sequence[str]) -> list[Row]:
        out: list[Row] = []
        for i in range(0, len(ids), IN_CHUNK):
            chunk = ids[i : i + IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            out.extend(
                await self.conn.fetch(
                    f"SELECT * FROM {sync_table(table)} WHERE id IN ({marks})", chunk
                )
            )
        return self._fix_all(table, out)

    async def snapshot_page(
        self, table: str, after_id: str, buckets: bk.Buckets | None, limit: int
    ) -> list[Row]:
        where, args = bucket_filter(self.conn.dialect, buckets, ("buckets",))
        rows = await self.conn.fetch(
            f"SELECT {WIRE_COLUMNS[sync_table(table)]} FROM {table}"
            f" WHERE deleted = ? AND id > ?{where} ORDER BY id LIMIT ?",
            [False, after_id, *args, limit],
        )
        return self._fix_all(table, rows)

    async def count_rows(self, table: str, buckets: bk.Buckets | None) -> int:
        where, args = bucket_filter(self.conn.dialect, buckets, ("buckets",))
        n = await self.conn.fetchval(
            f"SELECT COUNT(*) FROM {sync_table(table)} WHERE deleted = ?{where}", [False, *args]
        )
        return int(n)

    def _fix_all(self, table: str, rows: list[Row]) -> list[Row]:
        names = WIRE_BOOLS.get(table, ())
        if names and self.conn.dialect == "sqlite":
            for r in rows:
                for n in names:
                    r[n] = bool(r[n])
        return rows
