"""Bearer API tokens: opaque random strings, stored only as their SHA-256, each with a name, a
scope (``write``: what its user may do; ``read``: nothing that changes data) and an expiry;
listed and revoked from the console, every issue and revocation audited (docs/auth.md)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import msgspec

from server import audit, times
from server.audit import AuditEntry
from server.db.sql import Conn, Database
from shared.roles import ROLES
from sync.context import Actor
from sync.ids import uuid7

PREFIX = "oly_"
SCOPES = ("write", "read")
DEFAULT_DAYS = 90  # a token made without an expiry, and one made before tokens had one
# ``last_used_at`` is written at most this often per token: a request stays a read.
TOUCH_EVERY = timedelta(seconds=60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UnknownRole(ValueError):
    pass


class UserMismatch(ValueError):
    """``orderly token`` named an existing user with another role or warehouse."""


@dataclass(frozen=True)
class TokenActor:
    actor: Actor
    token_id: str
    scope: str


class TokenOut(msgspec.Struct):
    id: str
    user_id: str
    user_name: str
    name: str
    scope: str
    created_at: str
    expires_at: str
    last_used_at: str | None
    revoked: bool
    revoked_at: str | None
    expired: bool


def _expires(row: dict) -> str:
    if row["expires_at"]:
        return row["expires_at"]
    return times.iso(times.parse(row["created_at"]) + timedelta(days=DEFAULT_DAYS))


async def ensure_user(
    db: Database, name: str, role: str, warehouse_id: str | None = None, *, change: bool = False
) -> tuple[str, bool]:
    """The id of the user called ``name``, created with ``role`` if missing. (id, created).
    An existing user with another role or warehouse raises ``UserMismatch`` unless ``change``:
    then they get them, their sessions end and the change is audited."""
    if role not in ROLES:
        raise UnknownRole(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    async with db.write() as conn:
        row = await conn.fetchrow(
            "SELECT id, role, warehouse_id FROM users WHERE name = ?", (name,)
        )
        if row:
            if (row["role"], row["warehouse_id"]) != (role, warehouse_id):
                if not change:
                    raise UserMismatch(
                        f"{name!r} exists as {row['role']}"
                        + (f" of warehouse {row['warehouse_id']}" if row["warehouse_id"] else "")
                        + f"; to make them {role}"
                        + (f" of warehouse {warehouse_id}" if warehouse_id else "")
                        + " add --change-role (audited), or change them in the console"
                    )
                await conn.execute(
                    "UPDATE users SET role = ?, warehouse_id = ? WHERE id = ?",
                    (role, warehouse_id, row["id"]),
                )
                await conn.execute(
                    "UPDATE sessions SET revoked = ? WHERE user_id = ?", (True, row["id"])
                )
                detail = {"role": role, "warehouse": warehouse_id, "was_role": row["role"],
                          "was_warehouse": row["warehouse_id"], "via": "orderly token"}  # fmt: skip
                await audit.append(conn, [AuditEntry("admin.user_changed", row["id"], detail)])
            return row["id"], False
        user_id = uuid7()
        await conn.execute(
            "INSERT INTO users (id, name, role, warehouse_id, disabled, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, name, role, warehouse_id, False, times.now()),
        )
        return user_id, True


async def issue_token(
    db: Database,
    user_id: str,
    label: str = "",
    *,
    scope: str = "write",
    days: float = DEFAULT_DAYS,
    by: str | None = None,
) -> str:
    """A new token for ``user_id`` named ``label``, valid ``days``; audited (``by`` None: the
    command line)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; one of {', '.join(SCOPES)}")
    token = PREFIX + secrets.token_urlsafe(32)
    token_id, expires = uuid7(), times.from_now(days=days)
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, revoked, scope,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (token_id, user_id, hash_token(token), label, times.now(), False, scope, expires),
        )
        detail = {"user": user_id, "name": label, "scope": scope, "expires_at": expires}
        await audit.append(conn, [AuditEntry("auth.token_issued", token_id, detail, by)])
    return token


async def actor_for_token(db: Database, token: str) -> TokenActor | None:
    """The acting user for a bearer token, with the token's id and scope; None if it is
    unknown, revoked or expired, or its user disabled."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    # Every API request asks this: one statement, one round trip (one hop to SQLite's thread).
    row = await db.fetchrow(
        "SELECT t.id AS token_id, t.scope, t.created_at, t.expires_at, t.last_used_at,"
        " t.revoked, u.id, u.role, u.warehouse_id, u.disabled"
        " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
        (hash_token(token),),
    )
    now = times.now()
    if row is None or row["revoked"] or row["disabled"] or _expires(row) <= now:
        return None
    last = row["last_used_at"]
    if last is None or times.parse(now) - times.parse(last) > TOUCH_EVERY:
        await db.run_write(
            lambda conn: conn.execute(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, row["token_id"])
            )
        )
    actor = Actor(user_id=row["id"], role=row["role"], warehouse_id=row["warehouse_id"])
    return TokenActor(actor, row["token_id"], row["scope"] or "write")


async def token_alive(conn: Conn | Database, token_id: str, now: str) -> bool:
    """Whether the token with this id still signs its user in."""
    row = await conn.fetchrow(
        "SELECT t.revoked, t.created_at, t.expires_at, u.disabled FROM api_tokens t"
        " JOIN users u ON u.id = t.user_id WHERE t.id = ?",
        (token_id,),
    )
    return row is not None and not (row["revoked"] or row["disabled"] or _expires(row) <= now)


async def list_tokens(db: Database, user_id: str | None = None) -> list[TokenOut]:
    """Every token (of one user), newest first; never the token itself."""
    sql = (
        "SELECT t.id, t.user_id, u.name AS user_name, t.label, t.scope, t.created_at,"
        " t.expires_at, t.last_used_at, t.revoked, t.revoked_at FROM api_tokens t"
        " JOIN users u ON u.id = t.user_id"
    )
    args: list[object] = []
    if user_id:
        sql += " WHERE t.user_id = ?"
        args.append(user_id)
    async with db.read() as conn:
        rows = await conn.fetch(sql + " ORDER BY t.created_at DESC, t.id DESC", args)
    now = times.now()
    return [
        TokenOut(
            r["id"],
            r["user_id"],
            r["user_name"],
            r["label"],
            r["scope"] or "write",
            r["created_at"],
            _expires(r),
            r["last_used_at"],
            bool(r["revoked"]),
            r["revoked_at"],
            _expires(r) <= now,
        )  # fmt: skip
        for r in rows
    ]


async def revoke_token(db: Database, token_id: str, by: str | None, action: str) -> bool:
    """Revoke a token at once, audited as ``action``; False if there is no such token. A token
    already revoked keeps its first revocation time."""
    async with db.write() as conn:
        row = await conn.fetchrow(
            "SELECT user_id, revoked FROM api_tokens WHERE id = ?", (token_id,)
        )
        if row is None:
            return False
        if not row["revoked"]:
            await conn.execute(
                "UPDATE api_tokens SET revoked = ?, revoked_at = ? WHERE id = ?",
                (True, times.now(), token_id),
            )
            await audit.append(conn, [AuditEntry(action, token_id, {"user": row["user_id"]}, by)])
    return True
