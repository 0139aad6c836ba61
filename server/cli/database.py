"""``orderly migrate``, ``seed-demo`` and ``compact``: the database's schema, demo data and
change log."""

from __future__ import annotations

import argparse
import asyncio

from server.cli.common import open_migrated, say, where
from server.config import Settings


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    from server.db.migrate import migrate

    asyncio.run(migrate(settings))
    say(f"database is up to date ({where(settings)})")
    return 0


async def seed(settings: Settings, orders: int, only_if_empty: bool) -> bool:
    from server.seed import is_seeded, seed_demo

    db = await open_migrated(settings)
    try:
        if only_if_empty and await is_seeded(db):
            return False
        await seed_demo(db, orders=orders, progress=lambda t: say(f"  seed: {t}"))
        return True
    finally:
        await db.close()


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    say(f"seeding demo data into {where(settings)}")
    asyncio.run(seed(settings, args.orders, only_if_empty=False))
    say("done")
    return 0


async def _compact(settings: Settings, keep: int) -> tuple[int, int]:
    from server.db.sync_store import compact

    db = await open_migrated(settings)
    try:
        return await compact(db, keep)
    finally:
        await db.close()


def cmd_compact(settings: Settings, args: argparse.Namespace) -> int:
    horizon, removed = asyncio.run(_compact(settings, args.keep))
    say(f"change log compacted up to change {horizon}: {removed} superseded entries removed")
    return 0
