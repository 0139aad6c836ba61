"""The audit log as an export's table: every matching entry with its actor's name."""

from __future__ import annotations

from typing import Any

import msgspec

from server import audit
from server.admin.audit.names import subject_names
from server.db.sql import Database
from shared import money

# Keys of an entry's detail that hold money (minor units, as stored): an export says them in yuan.
MONEY_KEYS = frozenset({"amount", "refund_amount", "total", "unit_price"})

COLUMNS = ["seq", "at", "actor_id", "actor", "action", "subject", "subject_kind",
           "subject_name", "detail"]  # fmt: skip


async def every(db: Database, **filters: Any) -> list[tuple]:
    """Every entry matching ``filters`` (those of ``audit.entries``), newest first, as rows of
    ``COLUMNS``: with the actor's name and what the subject is (order SAPI-00101, …)."""
    rows = await audit.entries(db, **filters, limit=None)
    async with db.read() as conn:
        names = await audit.actor_names(conn, {r.actor_id for r in rows if r.actor_id})
        subjects = await subject_names(conn, {r.subject for r in rows if r.subject})
    out = []
    for r in rows:
        named = subjects.get(r.subject)
        out.append((r.seq, r.at, r.actor_id, names.get(r.actor_id or ""), r.action, r.subject,
                    named.kind if named else None, named.name if named else None,
                    in_yuan(r.detail)))
    return out


def in_yuan(detail: str) -> str:
    """The detail JSON with its money said in yuan (``"amount": 2050`` → ``"¥20.50"``); the
    stored entry is hash-chained and stays as written."""
    try:
        parsed = msgspec.json.decode(detail)
    except msgspec.DecodeError:
        return detail
    if not isinstance(parsed, dict) or not MONEY_KEYS & parsed.keys():
        return detail
    said = {k: money.text(v) if k in MONEY_KEYS and isinstance(v, int) and not isinstance(v, bool)
            else v for k, v in parsed.items()}  # fmt: skip
    return msgspec.json.encode(said).decode()
