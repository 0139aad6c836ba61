"""``orderly backup`` and ``restore`` (server/backup/)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from server.cli.common import say, where
from server.config import Settings


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.audit_anchor import FILE as CHECKPOINTS
    from server.audit_anchor import read as read_checkpoints
    from server.backup import BackupError, backup, prune

    try:
        to = [settings.backup_recipients, *(args.recipient or [])]
        path, manifest = asyncio.run(backup(settings, Path(args.to) if args.to else None, to))
        removed = prune(path.parent, args.keep) if args.keep else []
    except BackupError as e:
        print(f"orderly backup: {e}", file=sys.stderr)
        return 1
    say(f"backup of {where(settings)} written to {path}")
    if path.suffix != ".age":
        say("  NOT encrypted: it holds the private signing keys. Set ORDERLY_BACKUP_RECIPIENTS"
             " (age public keys) or pass --recipient (docs/operations.md § 6)")  # fmt: skip
    say(f"  change history {manifest.epoch} up to change {manifest.last_seq}, "
         f"migration {manifest.migration}, "
         f"{sum(p.endswith('.pem') for p in manifest.parts)} signing keys")  # fmt: skip
    for checkpoint in read_checkpoints(settings.data_dir / CHECKPOINTS)[-1:]:  # this backup's
        say(f"  audit checkpoint: {checkpoint.line()}")
    if removed:
        say(f"  kept the newest {args.keep}; removed {', '.join(p.name for p in removed)}")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.backup import BackupError, restore

    if not args.yes:
        print(f"orderly restore: this REPLACES the database of {where(settings)} with the "
              "archive's. Stop every server process first, then run again with --yes.",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        keys = [Path(p) for p in args.identity or []]
        done = asyncio.run(restore(settings, Path(args.path), keys))
    except BackupError as e:
        print(f"orderly restore: {e}", file=sys.stderr)
        return 1
    m = done.manifest
    say(f"restored {where(settings)} from {args.path} (made {m.created_at}, "
         f"change {m.last_seq})")  # fmt: skip
    if done.migrated_to != done.migrated_from:
        say(f"  migrated from {done.migrated_from} to {done.migrated_to}")
    if done.set_aside:
        say(f"  the replaced database is kept in {done.set_aside}")
    say(f"  new change history {done.new_epoch}: every device's next sync starts over (reset)"
         " and pushes what it has not sent. Start the server now.")  # fmt: skip
    return 0
