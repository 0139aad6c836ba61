"""``orderly purge``: QR records and scans past the retention period deleted (audited)."""

from __future__ import annotations

import argparse
import asyncio

from server.cli.common import open_migrated, parse_period, say
from server.config import Settings


async def _purge(settings: Settings, older_than) -> dict[str, int]:
    from server.db.sync_store import SqlSyncStore
    from server.keys import load
    from server.qr.service import QrService

    db = await open_migrated(settings)
    try:
        service = QrService(db, SqlSyncStore(db), load(settings.keys_dir), settings.public_url)
        return await service.purge(older_than)
    finally:
        await db.close()


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    try:
        period = parse_period(args.older_than)
    except ValueError as e:
        say(str(e))
        return 2
    removed = asyncio.run(_purge(settings, period))
    what = ", ".join(f"{n} {table}" for table, n in removed.items())
    say(f"purged QR records and scans older than {args.older_than}: {what} (audited)")
    return 0
