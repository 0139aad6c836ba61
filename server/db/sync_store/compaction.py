"""Change-log compaction (``orderly compact``)."""

from __future__ import annotations

from server.db.sql import Database


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
