"""WebAuthn ceremonies between begin and finish: a random challenge in ``auth_challenges``,
single-use (the finish deletes it, whatever happens next), expiring, bound to its kind and, for
registrations, to the user and the enrollment link."""

from __future__ import annotations

from dataclasses import dataclass

from server import times
from server.auth.errors import CeremonyExpired
from server.db.sql import Conn
from sync.ids import uuid7

KINDS = ("enroll", "login", "add_passkey")


@dataclass(frozen=True)
class Ceremony:
    id: str
    kind: str
    challenge: str  # base64url
    user_id: str | None
    enrollment_id: str | None


async def open_ceremony(
    conn: Conn, kind: str, challenge: str, ttl_seconds: int,
    user_id: str | None = None, enrollment_id: str | None = None,
) -> str:  # fmt: skip
    assert kind in KINDS
    ceremony_id = uuid7()
    # Expired ceremonies nobody finished go as new ones begin: the table stays small.
    await conn.execute("DELETE FROM auth_challenges WHERE expires_at < ?", (times.now(),))
    await conn.execute(
        "INSERT INTO auth_challenges (id, kind, challenge, user_id, enrollment_id, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (ceremony_id, kind, challenge, user_id, enrollment_id,
         times.from_now(seconds=ttl_seconds)),
    )  # fmt: skip
    return ceremony_id


async def take(conn: Conn, ceremony_id: str, kind: str) -> Ceremony:
    """Use up the ceremony: it is gone after this call, valid or not."""
    row = await conn.fetchrow(
        "DELETE FROM auth_challenges WHERE id = ?"
        " RETURNING id, kind, challenge, user_id, enrollment_id, expires_at",
        (ceremony_id,),
    )
    if row is None or row["kind"] != kind or row["expires_at"] <= times.now():
        raise CeremonyExpired("this sign-in attempt is unknown, used or expired: start again")
    return Ceremony(row["id"], row["kind"], row["challenge"], row["user_id"],
                    row["enrollment_id"])  # fmt: skip
