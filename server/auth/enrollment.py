"""Enrollment links: one-time, expiring, stored as their SHA-256 (docs/auth.md)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import msgspec
import segno

from server import times
from server.auth.errors import EnrollmentExpired, EnrollmentInvalid, EnrollmentUsed
from server.auth.sessions import digest
from server.config import Settings
from server.db.sql import Conn
from sync.ids import uuid7

PREFIX = "oen_"


class EnrollmentLink(msgspec.Struct):
    user_id: str
    url: str
    expires_at: str
    qr_svg: str  # the link as a QR code, an SVG document to show on screen


@dataclass(frozen=True)
class Enrollment:
    id: str
    user_id: str


def link_url(settings: Settings, token: str) -> str:
    # The token rides in the fragment: browsers never send it to a server or in a Referer.
    return f"{settings.public_url.rstrip('/')}/enroll#{token}"


def qr(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


async def create(
    conn: Conn, settings: Settings, user_id: str, created_by: str | None
) -> tuple[EnrollmentLink, str]:
    """A new link for ``user_id``; older unused links of the user stop working. (link, token)"""
    token = PREFIX + secrets.token_urlsafe(32)
    now = times.now()
    await conn.execute(
        "UPDATE enrollments SET expires_at = ? WHERE user_id = ? AND used_at IS NULL"
        " AND expires_at > ?",
        (now, user_id, now),
    )
    expires = times.from_now(hours=settings.enrollment_ttl_hours)
    await conn.execute(
        "INSERT INTO enrollments (id, user_id, token_hash, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (uuid7(), user_id, digest(token), created_by, now, expires),
    )
    url = link_url(settings, token)
    svg = qr(url).svg_inline(scale=4, title="Enrollment link")
    return EnrollmentLink(user_id, url, expires, svg), token


async def check(conn: Conn, token: str) -> Enrollment:
    """The enrollment a token names, if it can still be used."""
    row = None
    if token.startswith(PREFIX) and len(token) < 200:
        row = await conn.fetchrow(
            "SELECT e.id, e.user_id, e.expires_at, e.used_at, u.disabled FROM enrollments e"
            " JOIN users u ON u.id = e.user_id WHERE e.token_hash = ?",
            (digest(token),),
        )
    if row is None or row["disabled"]:
        raise EnrollmentInvalid("this enrollment link is not valid; ask an admin for a new one")
    if row["used_at"] is not None:
        raise EnrollmentUsed("this enrollment link was used already; ask an admin for a new one")
    if row["expires_at"] <= times.now():
        raise EnrollmentExpired("this enrollment link has expired; ask an admin for a new one")
    return Enrollment(row["id"], row["user_id"])


async def use(conn: Conn, enrollment_id: str) -> None:
    """Use the link up, in the transaction that stores the passkey: only one finish wins."""
    now = times.now()
    row = await conn.fetchrow(
        "UPDATE enrollments SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?"
        " RETURNING id",
        (now, enrollment_id, now),
    )
    if row is None:
        raise EnrollmentUsed("this enrollment link was used or has expired in the meantime")
