"""The audit log: append-only, hash-chained (docs/auth.md).

Each entry's ``hash`` is SHA-256 of the previous entry's hash, a newline, and the entry's
canonical JSON ``[seq, at, actor_id, action, subject, detail]`` (``detail`` as the stored text).
The chain's head is the single ``audit_head`` row, read under a write lock, so two writers can
never both append after the same entry. On PostgreSQL only the ticks move it: writers queue their
entries and the tick after their commit chains them (server/db/sequencer.py, docs/scale.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import msgspec

from server.db.sql import Conn, Database
from sync.context import now_iso

GENESIS = "0" * 64
_encode = msgspec.json.Encoder(order="sorted").encode


class AuditEntry(msgspec.Struct, frozen=True):
    action: str  # "auth.login", "admin.device_revoked", "mutation.applied", ...
    subject: str = ""  # what it was done to: a user, device, "client#mutation id"
    detail: dict[str, Any] = {}
    actor_id: str | None = None


class AuditRecord(msgspec.Struct, frozen=True):
    seq: int
    at: str
    actor_id: str | None
    action: str
    subject: str
    detail: str
    prev_hash: str
    hash: str


class ChainCheck(msgspec.Struct, frozen=True):
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str | None = None


def entry_hash(prev_hash: str, seq: int, at: str, actor_id: str | None, action: str,
               subject: str, detail: str) -> str:  # fmt: skip
    canonical = _encode([seq, at, actor_id, action, subject, detail])
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical).hexdigest()


async def append(conn: Conn, entries: Sequence[AuditEntry]) -> None:
    """Append ``entries`` inside the caller's write transaction. SQLite (one writer): chained
    at once. PostgreSQL: queued, and chained in commit order by the tick that follows the commit
    (server/db/sequencer.py), so the chain's head is no lock every writer waits for."""
    if not entries:
        return
    at = now_iso()
    rows = [
        (at, e.actor_id, e.action, e.subject[:200], _encode(e.detail).decode()) for e in entries
    ]
    if conn.dialect == "postgres":
        await conn.insert_rows(
            "audit_queue", ("at", "actor_id", "action", "subject", "detail"), rows
        )
        conn.queued = True  # type: ignore[attr-defined]  # the PostgreSQL Conn ticks after commit
    else:
        await chain(conn, rows)


# audit_log's columns, in the order ``links`` gives them.
LOG_COLUMNS = ("seq", "at", "actor_id", "action", "subject", "detail", "prev_hash", "hash")


def links(seq: int, prev: str, rows: Sequence[Sequence[Any]]) -> list[tuple]:
    """``rows`` (at, actor_id, action, subject, detail) linked after the head ``(seq, prev)``:
    audit_log rows (seq, at, actor_id, action, subject, detail, prev_hash, hash), in order."""
    linked = []
    for at, actor_id, action, subject, detail in rows:
        seq += 1
        digest = entry_hash(prev, seq, at, actor_id, action, subject, detail)
        linked.append((seq, at, actor_id, action, subject, detail, prev, digest))
        prev = digest
    return linked


async def chain(conn: Conn, rows: Sequence[Sequence[Any]]) -> None:
    """Link ``rows`` (at, actor_id, action, subject, detail) onto the chain's head, in order
    (SQLite, whose one writer holds the head; PostgreSQL's ticks link in server/db/sequencer.py)."""
    head = await conn.fetchrow("SELECT seq, hash FROM audit_head WHERE id = 1")
    assert head is not None, "audit_head row missing: run migrations"
    linked = links(int(head["seq"]), head["hash"], rows)
    seq, prev = linked[-1][0], linked[-1][-1]
    await conn.insert_rows("audit_log", LOG_COLUMNS, linked)
    await conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))


async def record(db: Database, *entries: AuditEntry) -> None:
    """Append in a transaction of its own (auth events, admin actions without other writes)."""
    async with db.write() as conn:
        await append(conn, entries)


async def verify(db: Database, page: int = 5000) -> ChainCheck:
    """Walk the whole chain: every hash recomputed, every link and sequence number checked."""
    prev, expected_seq, count = GENESIS, 1, 0
    async with db.read() as conn:
        head = await conn.fetchrow("SELECT seq, hash FROM audit_head WHERE id = 1")
        while True:
            rows = await conn.fetch(
                "SELECT seq, at, actor_id, action, subject, detail, prev_hash, hash"
                " FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?",
                (expected_seq, page),
            )
            for r in rows:
                rec = AuditRecord(**r)
                if rec.seq != expected_seq:
                    return ChainCheck(False, count, expected_seq, "entry missing")
                if rec.prev_hash != prev:
                    return ChainCheck(False, count, rec.seq, "does not link to the entry before")
                digest = entry_hash(prev, rec.seq, rec.at, rec.actor_id, rec.action,
                                    rec.subject, rec.detail)  # fmt: skip
                if digest != rec.hash:
                    return ChainCheck(False, count, rec.seq, "contents do not match its hash")
                prev, expected_seq, count = rec.hash, expected_seq + 1, count + 1
            if len(rows) < page:
                break
    if head is None or int(head["seq"]) != count or head["hash"] != prev:
        return ChainCheck(False, count, count + 1, "the head names entries that are not there")
    return ChainCheck(True, count)


class AuditPage(msgspec.Struct, frozen=True):
    rows: list[AuditRecord]
    total: int
    next: int | None  # ``before_seq`` of the next page
    names: dict[str, str]  # the actors' names: user id -> name


def _pattern(text: str) -> str:
    """``text`` as a LIKE pattern where only ``*`` is a wildcard: ``%``, ``_`` and ``\\`` match
    themselves (a trailing backslash was a PostgreSQL error)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def _where(action: str | None, actor_id: str | None, subject: str | None,
           lower: str | None, upper: str | None,
           subject_ids: Sequence[str] = ()) -> tuple[list[str], list[Any]]:  # fmt: skip
    where: list[str] = []
    args: list[Any] = []
    if action:
        where.append("action LIKE ? ESCAPE '\\'")
        args.append(_pattern(action))
    if actor_id:
        where.append("actor_id = ?")
        args.append(actor_id)
    if subject and subject_ids:  # or a subject whose record's name matched (admin/audit/names.py)
        marks = ", ".join("?" * len(subject_ids))
        where.append(f"(subject LIKE ? ESCAPE '\\' OR subject IN ({marks}))")
        args += [_pattern(subject), *subject_ids]
    elif subject:
        where.append("subject LIKE ? ESCAPE '\\'")
        args.append(_pattern(subject))
    if lower:
        where.append("at >= ?")
        args.append(lower)
    if upper:
        where.append("at < ?")
        args.append(upper)
    return where, args


_COLUMNS = "SELECT seq, at, actor_id, action, subject, detail, prev_hash, hash FROM audit_log"


async def entries(
    db: Database, *, action: str | None = None, actor_id: str | None = None,
    subject: str | None = None, at_from: str | None = None, at_to: str | None = None,
    before_seq: int | None = None, limit: int | None = 100, subject_ids: Sequence[str] = (),
) -> list[AuditRecord]:  # fmt: skip
    """Newest first, filtered (``*`` is a wildcard in ``action`` and ``subject``; ``at_from`` /
    ``at_to`` are bounds on ``at`` as stored: ``at >= at_from AND at < at_to``), paged by
    ``before_seq``; ``limit=None``: every match (exports). ``subject_ids``: more subjects the
    ``subject`` filter takes (those whose record's name matched it)."""
    where, args = _where(action, actor_id, subject, at_from, at_to, subject_ids)
    if before_seq is not None and 0 < before_seq < 2**62:  # else: no bound, not a DB error
        where.append("seq < ?")
        args.append(before_seq)
    sql = _COLUMNS + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq DESC"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(max(1, min(limit, 1000)))
    async with db.read() as conn:
        rows = await conn.fetch(sql, args)
    return [AuditRecord(**r) for r in rows]


async def page(
    db: Database, *, action: str | None = None, actor_id: str | None = None,
    subject: str | None = None, at_from: str | None = None, at_to: str | None = None,
    before_seq: int | None = None, limit: int = 100, subject_ids: Sequence[str] = (),
) -> AuditPage:  # fmt: skip
    """A page of ``entries`` with the count of every match and where the next page starts."""
    rows = await entries(db, action=action, actor_id=actor_id, subject=subject, at_from=at_from,
                         at_to=at_to, before_seq=before_seq, limit=limit + 1,
                         subject_ids=subject_ids)  # fmt: skip
    where, args = _where(action, actor_id, subject, at_from, at_to, subject_ids)
    async with db.read() as conn:
        total = await conn.fetchval(
            "SELECT COUNT(*) FROM audit_log" + (" WHERE " + " AND ".join(where) if where else ""),
            args,
        )
        names = await actor_names(conn, {r.actor_id for r in rows[:limit] if r.actor_id})
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(rows, int(total), rows[-1].seq if more and rows else None, names)


async def actor_names(conn: Conn, ids: set[str]) -> dict[str, str]:
    """user id -> name for the ``ids`` that name a user (others: API tokens, the system)."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = await conn.fetch(f"SELECT id, name FROM users WHERE id IN ({marks})", sorted(ids))
    return {r["id"]: r["name"] for r in rows}
