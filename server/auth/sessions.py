"""Login sessions: opaque tokens stored as their SHA-256, sliding expiry, CSRF (docs/auth.md)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from server import times
from server.auth.errors import DeviceRevoked
from server.db.sql import Conn, Database
from sync.ids import uuid7

PREFIX = "oss_"
# Sliding expiry and last-seen are written at most this often per session.
TOUCH_EVERY = timedelta(seconds=60)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    id: str
    token: str
    csrf: str
    expires_at: str


@dataclass(frozen=True)
class Session:
    id: str
    user_id: str
    user_name: str
    role: str
    warehouse_id: str | None
    device_id: str | None
    passkey_id: str | None
    csrf_hash: str

    def csrf_ok(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(digest(presented or ""), self.csrf_hash)


async def start(
    conn: Conn, user_id: str, device_id: str | None, passkey_id: str | None, days: int
) -> NewSession:
    token, csrf = PREFIX + secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now, expires = times.now(), times.from_now(days=days)
    session_id = uuid7()
    await conn.execute(
        "INSERT INTO sessions (id, token_hash, csrf_hash, user_id, device_id, passkey_id,"
        " created_at, last_seen_at, expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (session_id, digest(token), digest(csrf), user_id, device_id, passkey_id, now, now,
         expires, False),
    )  # fmt: skip
    return NewSession(session_id, token, csrf, expires)


async def resolve(db: Database, token: str, days: int) -> Session | None:
    """The live session for ``token``, its expiry slid forward; None if unknown or ended.
    Raises ``DeviceRevoked`` for a session of a revoked device, so the app knows why."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    # Every request of the app asks this: one statement, one round trip.
    row = await db.fetchrow(
        "SELECT s.id, s.user_id, s.device_id, s.passkey_id, s.csrf_hash, s.revoked,"
        " s.expires_at, s.last_seen_at, u.name, u.role, u.warehouse_id, u.disabled,"
        " d.revoked AS device_revoked FROM sessions s JOIN users u ON u.id = s.user_id"
        " LEFT JOIN devices d ON d.id = s.device_id WHERE s.token_hash = ?",
        (digest(token),),
    )
    if row is None:
        return None
    if row["device_revoked"]:
        raise DeviceRevoked(
            "this device was revoked by an admin; log in again to keep syncing "
            "(nothing waiting on the device is lost)"
        )
    now = times.now()
    if row["revoked"] or row["disabled"] or row["expires_at"] <= now:
        return None
    if times.parse(now) - times.parse(row["last_seen_at"]) > TOUCH_EVERY:
        async with db.write() as conn:
            await conn.execute(
                "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?",
                (now, times.from_now(days=days), row["id"]),
            )
            if row["device_id"]:
                await conn.execute(
                    "UPDATE devices SET last_seen_at = ? WHERE id = ?", (now, row["device_id"])
                )
    return Session(
        row["id"], row["user_id"], row["name"], row["role"], row["warehouse_id"],
        row["device_id"], row["passkey_id"], row["csrf_hash"],
    )  # fmt: skip


async def end(db: Database, session_id: str) -> None:
    async with db.write() as conn:
        await conn.execute("UPDATE sessions SET revoked = ? WHERE id = ?", (True, session_id))
