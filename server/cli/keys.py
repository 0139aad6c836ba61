"""``orderly keys rotate|list|retire|revoke``: the server's signing keys."""

from __future__ import annotations

import argparse
import asyncio
import sys

from server.cli.common import open_migrated, say
from server.config import Settings


async def _publish_keys(settings: Settings) -> int:
    from server.db.sync_store import SqlSyncStore
    from server.keys import load
    from server.qr.keys import publish

    db = await open_migrated(settings)
    try:
        return await publish(SqlSyncStore(db), load(settings.keys_dir))
    finally:
        await db.close()


def cmd_keys_rotate(settings: Settings, _: argparse.Namespace) -> int:
    from server.keys import make_current, new_key

    kid = new_key(settings.keys_dir)
    # Its public key goes to every device first, then it signs: running servers follow at once.
    asyncio.run(_publish_keys(settings))
    make_current(settings.keys_dir, kid)
    say(f"new signing key {kid}: the server signs with it from now on; older keys still verify")
    return 0


def cmd_keys_list(settings: Settings, _: argparse.Namespace) -> int:
    from server.keys import load

    async def rows() -> list:
        db = await open_migrated(settings)
        try:
            async with db.read() as conn:
                return await conn.fetch(
                    "SELECT id, revoked, revoked_at FROM signing_keys WHERE kind = ?"
                    " AND deleted = ? ORDER BY id",
                    ("server", False),
                )
        finally:
            await db.close()

    keys = load(settings.keys_dir)
    current = keys.signing()
    for row in asyncio.run(rows()):
        kid = row["id"]
        state = ("signs now" if kid == current
                 else f"revoked from {row['revoked_at']}" if row["revoked"]
                 else "verifies, can sign again" if kid in keys.private
                 else "retired: verifies only")  # fmt: skip
        say(f"{kid}  {state}")
    return 0


def _forget_key(settings: Settings, kid: str, command: str) -> int:
    from server.keys import KeyInUse, forget

    try:
        forget(settings.keys_dir, kid)
    except KeyInUse as e:
        print(f"orderly keys {command}: {e}", file=sys.stderr)
        return 2
    except KeyError:
        pass  # retired before: its row is what counts
    return 0


def cmd_keys_retire(settings: Settings, args: argparse.Namespace) -> int:
    """The key's private half is deleted: it never signs again; what it signed still verifies."""
    asyncio.run(_publish_keys(settings))  # its public key is a row before its file goes
    if (rc := _forget_key(settings, args.kid, "retire")) != 0:
        return rc
    say(f"signing key {args.kid} retired: its private key is deleted; what it signed verifies")
    return 0


def cmd_keys_revoke(settings: Settings, args: argparse.Namespace) -> int:
    """Retire the key and distrust what it signed from ``--since`` (default now) on."""
    from datetime import UTC

    from server import times
    from server.db.sync_store import SqlSyncStore
    from server.qr.keys import NotAServerKey, revoke_server_key

    try:
        moment = times.parse(args.since) if args.since else None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # a time without an offset is UTC
        since = times.iso(moment) if moment is not None else times.now()
    except ValueError:
        print(f"orderly keys revoke: --since is an ISO-8601 time: {args.since!r}", file=sys.stderr)
        return 2
    asyncio.run(_publish_keys(settings))
    if (rc := _forget_key(settings, args.kid, "revoke")) != 0:
        return rc

    async def revoke() -> int:
        from server.keys import load
        from server.qr.service import QrService

        db = await open_migrated(settings)
        try:
            store = SqlSyncStore(db)
            await revoke_server_key(store, args.kid, since)
            service = QrService(db, store, load(settings.keys_dir), settings.public_url)
            return await service.reissue_signed_by(args.kid)
        finally:
            await db.close()

    try:
        reissued = asyncio.run(revoke())
    except NotAServerKey:
        print(f"orderly keys revoke: no server key {args.kid!r}", file=sys.stderr)
        return 2
    say(f"signing key {args.kid} revoked: codes it signed dated from {since} on are refused "
         f"everywhere once devices sync; {reissued} open orders whose code it signed have a "
         "new one (print their labels again)")  # fmt: skip
    return 0
