"""The users and devices lists, with what the console shows beside each (passkeys and devices
of a user; a device's open conflicts, refused mutations and staleness)."""

from __future__ import annotations

from server import times
from server.admin.users.schemas import DeviceRow, UserRow
from server.db.sql import Conn, Database
from server.errors import NotFound
from sync.store import Row

_USER_SQL = (
    "SELECT u.id, u.name, u.role, u.warehouse_id, u.disabled, u.created_at,"
    " (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id AND p.revoked = ?) AS passkeys,"
    " (SELECT COUNT(*) FROM devices d WHERE d.user_id = u.id AND d.revoked = ?) AS devices"
    " FROM users u"
)


def _user_row(r: Row) -> UserRow:
    return UserRow(**{**r, "disabled": bool(r["disabled"])})


async def users(db: Database) -> list[UserRow]:
    async with db.read() as conn:
        rows = await conn.fetch(_USER_SQL + " ORDER BY u.name", (False, False))
    return [_user_row(r) for r in rows]


async def user(conn: Conn, user_id: str) -> UserRow:
    """One user, read in the caller's transaction (a write's, to answer what it made)."""
    row = await conn.fetchrow(_USER_SQL + " WHERE u.id = ?", (False, False, user_id))
    if row is None:
        raise NotFound(f"no user {user_id}")
    return _user_row(row)


_DEVICE_SQL = (
    "SELECT d.id, d.user_id, u.name AS user_name, d.code, d.name, d.platform,"
    " d.app_version, d.created_at, d.last_seen_at, d.last_sync_at, d.pending_count,"
    " d.revoked, d.revoked_at, d.signing_public_key, u.disabled AS user_disabled,"
    " COALESCE(oc.n, 0) AS open_conflicts, COALESCE(er.n, 0) AS errors FROM devices d"
    " JOIN users u ON u.id = d.user_id"
    " LEFT JOIN (SELECT device_id, COUNT(*) AS n FROM conflicts"
    "  WHERE status IN ('open', 'referred') AND deleted = ? AND device_id IS NOT NULL"
    "  GROUP BY device_id) oc ON oc.device_id = d.id"
    " LEFT JOIN (SELECT device_id, COUNT(*) AS n FROM mutation_log"
    "  WHERE status = 'rejected' AND device_id IS NOT NULL GROUP BY device_id) er"
    "  ON er.device_id = d.id"
)


async def devices(db: Database, stale_hours: int, user_id: str | None = None) -> list[DeviceRow]:
    """Every device (of one user), newest first, with its open conflicts and rejected
    mutations counted in one grouped pass each (no query per device). ``stale_hours``: without
    a sync for that long a device is stale (ORDERLY_DEVICE_STALE_HOURS)."""
    sql, args = _DEVICE_SQL, [False]
    if user_id:
        sql += " WHERE d.user_id = ?"
        args.append(user_id)
    async with db.read() as conn:
        rows = await conn.fetch(sql + " ORDER BY d.created_at DESC", args)
    since = times.from_now(hours=-stale_hours)
    return [
        DeviceRow(
            **{k: v for k, v in r.items()
               if k not in ("signing_public_key", "revoked", "user_disabled")},
            revoked=bool(r["revoked"]),  # SQLite answers 0/1
            user_disabled=bool(r["user_disabled"]),
            has_signing_key=r["signing_public_key"] is not None,
            stale=not r["revoked"] and not r["user_disabled"]
            and (r["last_sync_at"] or r["created_at"]) < since,
            stale_after_hours=stale_hours,
        )
        for r in rows
    ]
