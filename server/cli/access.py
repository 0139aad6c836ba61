"""``orderly token`` and ``create-admin``: a bearer API token for a user, an enrollment link
(and its QR code) for an admin's passkey."""

from __future__ import annotations

import argparse
import asyncio
import sys

from server.cli.common import open_migrated, parse_period, say
from server.config import Settings


async def _token(settings: Settings, args: argparse.Namespace, days: float) -> str:
    from server.auth.tokens import ensure_user, issue_token

    db = await open_migrated(settings)
    try:
        user_id, _ = await ensure_user(
            db, args.user, args.role, args.warehouse, change=args.change_role
        )
        return await issue_token(db, user_id, label=args.name, scope=args.scope, days=days)
    finally:
        await db.close()


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    from server.auth.tokens import UnknownRole, UserMismatch

    try:
        days = parse_period(args.expires).total_seconds() / 86400
        token = asyncio.run(_token(settings, args, days))
    except (UnknownRole, UserMismatch, ValueError) as e:
        print(f"orderly token: {e}", file=sys.stderr)
        return 2
    print(token)
    return 0


async def admin_link(settings: Settings, name: str, only_without_passkey: bool) -> str | None:
    """An enrollment link for admin ``name`` (created if missing). None when the admin has a
    passkey and ``only_without_passkey``; raises ``ValueError`` for a user who is not an admin."""
    from server import audit, times
    from server.audit import AuditEntry
    from server.auth import enrollment
    from sync.ids import uuid7

    db = await open_migrated(settings)
    try:
        async with db.write() as conn:
            row = await conn.fetchrow("SELECT id, role FROM users WHERE name = ?", (name,))
            if row is not None and row["role"] != "admin":
                raise ValueError(f"{name!r} exists and is a {row['role']}, not an admin")
            if row is None:
                user_id = uuid7()
                await conn.execute(
                    "INSERT INTO users (id, name, role, warehouse_id, disabled, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (user_id, name, "admin", None, False, times.now()),
                )
            else:
                user_id = row["id"]
                if only_without_passkey and await conn.fetchval(
                    "SELECT COUNT(*) FROM passkeys WHERE user_id = ? AND revoked = ?",
                    (user_id, False),
                ):
                    return None
            link, _ = await enrollment.create(conn, settings, user_id, None)
            await audit.append(
                conn, [AuditEntry("admin.create_admin_cli", user_id, {"name": name})]
            )
        return link.url
    finally:
        await db.close()


def show_link(url: str, settings: Settings) -> None:
    from server.auth.enrollment import qr

    say(f"enrollment link: {url}")
    say(f"  open it on the phone or computer that will hold the passkey (valid for "
         f"{settings.enrollment_ttl_hours} hours, once):")  # fmt: skip
    qr(url).terminal(out=sys.stdout, compact=True)
    sys.stdout.flush()


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> int:
    try:
        url = asyncio.run(admin_link(settings, args.name, only_without_passkey=False))
    except ValueError as e:
        print(f"orderly create-admin: {e}", file=sys.stderr)
        return 2
    assert url is not None
    show_link(url, settings)
    return 0
