"""The audit log as an export's table: every matching entry with its actor's name."""

from __future__ import annotations

from server import audit
from server.db.sql import Database

COLUMNS = ["seq", "at", "actor_id", "actor", "action", "subject", "detail"]


async def every(db: Database, **filters: str | None) -> list[tuple]:
    """Every entry matching ``filters`` (those of ``audit.entries``), newest first, as rows of
    ``COLUMNS``."""
    rows = await audit.entries(db, **filters, limit=None)
    async with db.read() as conn:
        names = await audit.actor_names(conn, {r.actor_id for r in rows if r.actor_id})
    return [
        (r.seq, r.at, r.actor_id, names.get(r.actor_id or ""), r.action, r.subject, r.detail)
        for r in rows
    ]
