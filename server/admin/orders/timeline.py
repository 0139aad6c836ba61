"""An order's timeline: all that happened to it, oldest first, from every table that records it —
its status history, the mutations logged about it, scans, redemptions, conflicts (and their
settlement), QR tokens, and admins' actions in the audit log.

Each source gives at most ``TIMELINE_LIMIT`` entries, its newest; ``truncated`` says one had more.
"""

from __future__ import annotations

import msgspec

from server.admin.orders.schemas import Entry
from server.admin.tabular import major_units
from server.db.sql import Conn
from sync.store import Row

TIMELINE_LIMIT = 500  # entries per source (mutations, scans, …): the newest are kept


def mutation_order_expr(dialect: str) -> str:
    """The order a logged mutation names, spelled as its index (migration 2026-11-24T18:08:40)."""
    if dialect == "postgres":
        return "COALESCE(args::json ->> 'order_id', args::json ->> 'id')"
    return "COALESCE(json_extract(args, '$.order_id'), json_extract(args, '$.id'))"


def _mutation_summary(name: str, args_text: str) -> str:
    try:
        args = msgspec.json.decode(args_text)
    except msgspec.DecodeError:
        return name
    if not isinstance(args, dict):
        return name
    if name == "order.transition":
        return f"{name}: {args.get('from')} → {args.get('to')}"
    if name == "order.update" and isinstance(args.get("set"), dict):
        return f"{name}: {', '.join(sorted(args['set']))}"
    if name == "payment.record":
        return f"{name}: {args.get('method')} {major_units(args.get('amount'))}"
    if name == "order.line.upsert" and isinstance(args.get("line"), dict):
        return f"{name}: {args['line'].get('qty')}"
    return name


def _entry(
    at: str,
    kind: str,
    summary: str,
    *,
    outcome: str | None = None,
    user_id: str | None = None,
    device_code: str | None = None,
    detail: str | None = None,
) -> Entry:
    """An entry without the user's name (``who``: filled in once, for all entries, at the end)."""
    return Entry(at=at, kind=kind, summary=summary, outcome=outcome, user_id=user_id, who=None,
                 device_code=device_code, detail=detail)  # fmt: skip


def _status_steps(history: list[dict]) -> list[Entry]:
    entries = []
    for step in history:
        reason = step.get("reason")
        if step.get("reasons"):  # the review rules that held it
            reason = "; ".join(str(r.get("detail", r.get("rule"))) for r in step["reasons"])
        summary = f"{step['from']} → {step['to']}" if step.get("from") else step.get("to", "")
        entries.append(_entry(step.get("at") or "", "status", summary, outcome=step.get("to"),
                              user_id=step.get("by"), detail=reason))  # fmt: skip
    return entries


async def timeline(conn: Conn, order: Row, child_ids: list[str]) -> tuple[list[Entry], bool]:
    """The order's entries, oldest first, with their users' names; and whether a source had more
    than ``TIMELINE_LIMIT``. ``child_ids``: its lines and payments (their conflicts are its)."""
    oid, cap = order["id"], TIMELINE_LIMIT
    truncated = False

    def took(rows: list[Row]) -> list[Row]:
        nonlocal truncated
        truncated = truncated or len(rows) > cap
        return rows[:cap]

    history = msgspec.json.decode(order["status_history"] or "[]")
    entries = _status_steps(history[-cap:])
    truncated = len(history) > cap

    for m in took(await conn.fetch(
        "SELECT m.name, m.args, m.status, m.error, m.message, m.conflict_id, m.received_at,"
        " m.user_id, d.code FROM mutation_log m LEFT JOIN devices d ON d.id = m.device_id"
        f" WHERE {mutation_order_expr(conn.dialect)} = ? ORDER BY m.received_at DESC LIMIT ?",
        (oid, cap + 1),
    )):  # fmt: skip
        entries.append(_entry(
            m["received_at"], "mutation", _mutation_summary(m["name"], m["args"]),
            outcome=m["status"] + (f" ({m['error']})" if m["error"] else ""),
            user_id=m["user_id"], device_code=m["code"], detail=m["message"] or m["conflict_id"],
        ))  # fmt: skip

    for s in took(await conn.fetch(
        "SELECT s.action, s.result, s.at, s.user_id, d.code FROM scans s"
        " LEFT JOIN devices d ON d.id = s.device_id WHERE s.order_id = ? AND s.deleted = ?"
        " ORDER BY s.at DESC LIMIT ?", (oid, False, cap + 1),
    )):  # fmt: skip
        entries.append(_entry(s["at"], "scan", s["action"], outcome=s["result"],
                              user_id=s["user_id"], device_code=s["code"]))  # fmt: skip

    for r in took(await conn.fetch(
        "SELECT r.status, r.at, r.amount, r.user_id, r.reason, d.code FROM redemptions r"
        " LEFT JOIN devices d ON d.id = r.device_id WHERE r.order_id = ? AND r.deleted = ?"
        " ORDER BY r.at DESC LIMIT ?", (oid, False, cap + 1),
    )):  # fmt: skip
        entries.append(_entry(r["at"], "redemption", "redeem", outcome=r["status"],
                              user_id=r["user_id"], device_code=r["code"],
                              detail=r["reason"] or str(major_units(r["amount"]))))  # fmt: skip

    rows = [oid, *child_ids]
    for c in took(await conn.fetch(
        "SELECT x.kind, x.status, x.reason, x.field, x.created_at, x.user_id, d.code,"
        " x.resolution, x.resolved_value, x.resolver_id, x.resolved_at"
        " FROM conflicts x LEFT JOIN devices d ON d.id = x.device_id"
        f" WHERE x.row_id IN ({', '.join('?' * len(rows))}) AND x.deleted = ?"
        " ORDER BY x.created_at DESC LIMIT ?", (*rows, False, cap + 1),
    )):  # fmt: skip
        summary = c["kind"] + (f": {c['field']}" if c["field"] else "")
        entries.append(_entry(c["created_at"], "conflict", summary, outcome=c["status"],
                              user_id=c["user_id"], device_code=c["code"],
                              detail=c["reason"]))  # fmt: skip
        if c["status"] == "resolved" and c["resolved_at"]:
            # The settlement, when and by whom it happened: the decision and the value that
            # won (JSON, as the conflict row keeps it).
            entries.append(_entry(c["resolved_at"], "settled", summary, outcome=c["resolution"],
                                  user_id=c["resolver_id"], detail=c["resolved_value"]))  # fmt: skip

    for t in took(await conn.fetch(
        "SELECT q.issued_at, q.issuer, q.issued_by, q.revoked, q.reason, d.code FROM qr_tokens q"
        " LEFT JOIN devices d ON d.id = q.issuer WHERE q.order_id = ?"
        " ORDER BY q.issued_at DESC LIMIT ?", (oid, cap + 1),
    )):  # fmt: skip
        entries.append(_entry(t["issued_at"], "qr", "issued",
                              outcome="revoked" if t["revoked"] else "valid",
                              user_id=t["issued_by"], device_code=t["code"],
                              detail=t["reason"] if t["revoked"] else None))  # fmt: skip

    for a in took(await conn.fetch(
        "SELECT at, actor_id, action, detail FROM audit_log WHERE subject = ?"
        " ORDER BY seq DESC LIMIT ?", (oid, cap + 1),
    )):  # fmt: skip
        entries.append(_entry(a["at"], "admin", a["action"], user_id=a["actor_id"],
                              detail=a["detail"]))  # fmt: skip

    return await names_of(conn, entries), truncated


async def names_of(conn: Conn, entries: list[Entry]) -> list[Entry]:
    """The entries oldest first, each with its user's name (``who``)."""
    names = await _names(conn, {e.user_id for e in entries if e.user_id})
    entries = [
        msgspec.structs.replace(e, who=names.get(e.user_id or "", e.user_id)) for e in entries
    ]
    entries.sort(key=lambda e: e.at)
    return entries


async def _names(conn: Conn, user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    ids = sorted(user_ids)
    found = await conn.fetch(
        f"SELECT id, name FROM users WHERE id IN ({', '.join('?' * len(ids))})", ids
    )
    return {r["id"]: r["name"] for r in found}
