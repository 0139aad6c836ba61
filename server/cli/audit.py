"""``orderly audit verify`` and ``audit checkpoint``: the audit log's hash chain checked against
its signed checkpoints, and a new checkpoint kept outside the database."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from server.cli.common import open_migrated, say
from server.config import Settings


async def _audit_verify(settings: Settings, extra: list[Path]):
    from server import audit_anchor
    from server.audit import verify
    from server.keys import load

    checkpoints = []
    for path in [settings.data_dir / audit_anchor.FILE, *extra]:
        if path.exists():
            checkpoints += audit_anchor.read(path)
        elif path in extra:
            raise FileNotFoundError(f"no file {path}")
    db = await open_migrated(settings)
    try:
        chain = await verify(db)
        if not chain.ok:
            return chain, checkpoints
        anchored = await audit_anchor.check(db, load(settings.keys_dir), checkpoints)
        return anchored or chain, checkpoints
    finally:
        await db.close()


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    try:
        check, checkpoints = asyncio.run(
            _audit_verify(settings, [Path(p) for p in args.checkpoint or []])
        )
    except (FileNotFoundError, OSError) as e:
        print(f"orderly audit verify: {e}", file=sys.stderr)
        return 2
    if check.ok:
        newest = max((c.seq for c in checkpoints), default=None)
        anchored = (f"; {len(checkpoints)} signed checkpoints agree (newest at entry {newest})"
                    if checkpoints else "; no signed checkpoint to compare with")  # fmt: skip
        say(f"audit chain intact: {check.entries} entries{anchored}")
        return 0
    before = f" ({check.entries} entries before it verified)" if check.entries else ""
    say(f"audit chain BROKEN at entry {check.first_bad_seq}: {check.reason}{before}")
    return 1


async def checkpoint(settings: Settings) -> str:
    from server import audit_anchor
    from server.keys import load

    db = await open_migrated(settings)
    try:
        checkpoint = await audit_anchor.make(db, load(settings.keys_dir))
    finally:
        await db.close()
    audit_anchor.keep(settings.data_dir, checkpoint)
    return checkpoint.line()


def cmd_audit_checkpoint(settings: Settings, _: argparse.Namespace) -> int:
    say(f"audit checkpoint: {asyncio.run(checkpoint(settings))}")
    return 0
