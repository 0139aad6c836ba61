"""Bearer API tokens: opaque random strings, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from server.db.sql import Conn, Database
from shared.roles import ROLES
from sync.context import Actor, now_iso
from sync.ids import uuid7

PREFIX = "oly_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UnknownRole(ValueError):
    pass


async def ensure_user(
    db: Database, name: str, role: str, warehouse_id: str | None = None
) -> tuple[str, bool]:
    """The id of the user called ``name``, created with ``role`` if missing. (id, created)."""
    if role not in ROLES:
        raise UnknownRole(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    async with db.write() as conn:
        row = await conn.fetchrow("SELECT id FROM users WHERE name = ?", (name,))
        if row:
            await conn.execute(
                "UPDATE users SET role = ?, warehouse_id = ? WHERE id = ?",
                (role, warehouse_id, row["id"]),
            )
            return row["id"], False
        user_id = uuid7()
        await conn.execute(
            "INSERT INTO users (id, name, role, warehouse_id, disabled, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, name, role, warehouse_id, False, now_iso()),
        )
        return user_id, True


async def issue_token(db: Database, user_id: str, label: str = "") -> str:
    token = PREFIX + secrets.token_urlsafe(32)
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, revoked)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (uuid7(), user_id, hash_token(token), label, now_iso(), False),
        )
    return token


async def actor_for_token(db: Database, token: str) -> tuple[Actor, str] | None:
    """The acting user for a bearer token and the token's id, or None if it is unknown,
    revoked or its user disabled."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    async with db.read() as conn:
        row = await conn.fetchrow(
            "SELECT t.id AS token_id, u.id, u.role, u.warehouse_id, u.disabled, t.revoked"
            " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
            (hash_token(token),),
        )
    if row is None or row["revoked"] or row["disabled"]:
        return None
    actor = Actor(user_id=row["id"], role=row["role"], warehouse_id=row["warehouse_id"])
    return actor, row["token_id"]


async def token_alive(conn: Conn, token_id: str, now: str) -> bool:
    """Whether the token with this id still signs its user in."""
    row = await conn.fetchrow(
        "SELECT t.revoked, u.disabled FROM api_tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.id = ?",
        (token_id,),
    )
    return row is not None and not (row["revoked"] or row["disabled"])
