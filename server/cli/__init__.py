"""``orderly``: serve, migrate, seed-demo, create-admin, token, audit, keys, compact, purge,
backup, restore, export-shared.

One module per command group (``serving``, ``database``, ``access``, ``audit``, ``keys``,
``retention``, ``backups``); ``parser`` lists every command and its options in the order
``orderly --help`` shows them.
"""

from __future__ import annotations

import os
import sys

from server.cli.parser import parser
from server.config import from_env

__all__ = ["main", "parser"]


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = from_env()
    if args.command == "export-shared":
        return args.run(settings, args)
    from server.datadir import keep_private
    from server.db.migrate import SquashedHistory

    # Every other command reads or writes the data dir: owner-only, whatever the umask.
    before = os.umask(0o077)
    try:
        keep_private(settings.data_dir)
        return args.run(settings, args)
    except SquashedHistory as e:  # every command but export-shared migrates first
        print(f"orderly {args.command}: {e}", file=sys.stderr)
        return 1
    finally:
        os.umask(before)  # for a caller in the same process (the tests)
