"""Every ``orderly`` command, its options and the function that runs it."""

from __future__ import annotations

import argparse

from server.cli.access import cmd_create_admin, cmd_token
from server.cli.audit import cmd_audit_checkpoint, cmd_audit_verify
from server.cli.backups import cmd_backup, cmd_restore
from server.cli.database import cmd_compact, cmd_migrate, cmd_seed
from server.cli.keys import cmd_keys_list, cmd_keys_retire, cmd_keys_revoke, cmd_keys_rotate
from server.cli.retention import cmd_purge
from server.cli.serving import cmd_serve
from server.config import Settings


def cmd_export_shared(_: Settings, args: argparse.Namespace) -> int:
    from shared.export import main

    main([args.path] if args.path else [])
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="orderly", description="Orderly: offline-first orders")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="migrate and serve the app")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--demo", action="store_true", help="seed demo data into an empty database")
    s.add_argument("--workers", type=int, default=1,
                   help="server processes (above 1 needs PostgreSQL; docs/operations.md)")  # fmt: skip
    s.set_defaults(run=cmd_serve)
    s = sub.add_parser("migrate", help="apply database migrations")
    s.set_defaults(run=cmd_migrate)
    s = sub.add_parser("seed-demo", help="write demo data")
    s.add_argument("--orders", type=int, default=40)
    s.set_defaults(run=cmd_seed)
    s = sub.add_parser("create-admin", help="make an admin and print their enrollment link + QR")
    s.add_argument("name")
    s.set_defaults(run=cmd_create_admin)
    s = sub.add_parser("audit", help="the audit log")
    audit_sub = s.add_subparsers(dest="audit_command", required=True)
    a = audit_sub.add_parser(
        "verify", help="check the hash chain and its signed checkpoints; exit 1 if broken"
    )
    a.add_argument("--checkpoint", action="append", metavar="FILE",
                   help="more checkpoints: a saved log, a checkpoint file or a backup archive"
                        " (the data dir's audit-checkpoints.jsonl is always read)")  # fmt: skip
    a.set_defaults(run=cmd_audit_verify)
    a = audit_sub.add_parser(
        "checkpoint", help="sign the chain's head and keep it outside the database"
    )
    a.set_defaults(run=cmd_audit_checkpoint)
    s = sub.add_parser("keys", help="the server's signing keys")
    keys_sub = s.add_subparsers(dest="keys_command", required=True)
    k = keys_sub.add_parser("rotate", help="make a new signing key; older ones still verify")
    k.set_defaults(run=cmd_keys_rotate)
    k = keys_sub.add_parser("list", help="every server key and what it may do")
    k.set_defaults(run=cmd_keys_list)
    k = keys_sub.add_parser("retire", help="delete a key's private half; what it signed verifies")
    k.add_argument("kid")
    k.set_defaults(run=cmd_keys_retire)
    k = keys_sub.add_parser("revoke", help="retire a key and distrust what it signed (audited)")
    k.add_argument("kid")
    k.add_argument("--since", help="distrust codes dated from this ISO-8601 time (default: now)")
    k.set_defaults(run=cmd_keys_revoke)
    s = sub.add_parser(
        "purge", help="delete QR records and scans past the retention period (audited)"
    )
    s.add_argument("--older-than", required=True, help="a period: 365d, 48h")
    s.set_defaults(run=cmd_purge)
    s = sub.add_parser("token", help="make a bearer API token (creates the user if needed)")
    s.add_argument("--user", required=True)
    s.add_argument("--role", required=True)
    s.add_argument("--warehouse", help="warehouse id, for the warehouse role")
    s.add_argument("--name", default="orderly token", help="what it is for, shown in the console")
    s.add_argument("--scope", choices=("write", "read"), default="write",
                   help="read: the token may change nothing (default write)")  # fmt: skip
    s.add_argument("--expires", default="90d", help="valid for: 90d (default), 12h, 365d")
    s.add_argument("--change-role", action="store_true",
                   help="the user exists with another role or warehouse: change it (audited)")  # fmt: skip
    s.set_defaults(run=cmd_token)
    s = sub.add_parser("compact", help="drop superseded change-log entries (old cursors reset)")
    s.add_argument("--keep", type=int, default=100_000, help="changes kept whole (default 100000)")
    s.set_defaults(run=cmd_compact)
    s = sub.add_parser("backup", help="archive the database and the signing keys (online)")
    s.add_argument("--to", help="a directory (default <data dir>/backups) or a .tar path")
    s.add_argument("--keep", type=int, help="then keep only the newest N archives there")
    s.add_argument("--recipient", action="append", metavar="AGE1…",
                   help="encrypt to this age public key (repeatable; added to"
                        " ORDERLY_BACKUP_RECIPIENTS)")  # fmt: skip
    s.set_defaults(run=cmd_backup)
    s = sub.add_parser("restore", help="put a backup back (stop the server first); new epoch")
    s.add_argument("path", help="an archive orderly backup wrote")
    s.add_argument("--yes", action="store_true", help="yes, replace the database")
    s.add_argument("--identity", action="append", metavar="FILE",
                   help="an age identity file, for an encrypted archive (.tar.age)")  # fmt: skip
    s.set_defaults(run=cmd_restore)
    s = sub.add_parser("export-shared", help="write shared/ as JSON for the PWA")
    s.add_argument("path", nargs="?")
    s.set_defaults(run=cmd_export_shared)
    return p
