"""``orderly``: serve, migrate, seed-demo, create-admin, token, audit, keys, compact, purge,
backup, restore, export-shared."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from server.config import Settings, from_env, local_url


def _say(text: str) -> None:
    print(text, flush=True)


async def _open(settings: Settings):
    from server.db.migrate import migrate
    from server.db.sql import open_database

    await migrate(settings)
    return await open_database(settings)


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    from server.db.migrate import migrate

    asyncio.run(migrate(settings))
    _say(f"database is up to date ({_where(settings)})")
    return 0


async def _seed(settings: Settings, orders: int, only_if_empty: bool) -> bool:
    from server.seed import is_seeded, seed_demo

    db = await _open(settings)
    try:
        if only_if_empty and await is_seeded(db):
            return False
        await seed_demo(db, orders=orders, progress=lambda t: _say(f"  seed: {t}"))
        return True
    finally:
        await db.close()


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    _say(f"seeding demo data into {_where(settings)}")
    asyncio.run(_seed(settings, args.orders, only_if_empty=False))
    _say("done")
    return 0


async def _token(settings: Settings, args: argparse.Namespace, days: float) -> str:
    from server.auth.tokens import ensure_user, issue_token

    db = await _open(settings)
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


async def _admin_link(settings: Settings, name: str, only_without_passkey: bool) -> str | None:
    """An enrollment link for admin ``name`` (created if missing). None when the admin has a
    passkey and ``only_without_passkey``; raises ``ValueError`` for a user who is not an admin."""
    from server import audit, times
    from server.audit import AuditEntry
    from server.auth import enrollment
    from sync.ids import uuid7

    db = await _open(settings)
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


def _show_link(url: str, settings: Settings) -> None:
    from server.auth.enrollment import qr

    _say(f"enrollment link: {url}")
    _say(f"  open it on the phone or computer that will hold the passkey (valid for "
         f"{settings.enrollment_ttl_hours} hours, once):")  # fmt: skip
    qr(url).terminal(out=sys.stdout, compact=True)
    sys.stdout.flush()


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> int:
    try:
        url = asyncio.run(_admin_link(settings, args.name, only_without_passkey=False))
    except ValueError as e:
        print(f"orderly create-admin: {e}", file=sys.stderr)
        return 2
    assert url is not None
    _show_link(url, settings)
    return 0


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
    db = await _open(settings)
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
        _say(f"audit chain intact: {check.entries} entries{anchored}")
        return 0
    before = f" ({check.entries} entries before it verified)" if check.entries else ""
    _say(f"audit chain BROKEN at entry {check.first_bad_seq}: {check.reason}{before}")
    return 1


async def _audit_checkpoint(settings: Settings) -> str:
    from server import audit_anchor
    from server.keys import load

    db = await _open(settings)
    try:
        checkpoint = await audit_anchor.make(db, load(settings.keys_dir))
    finally:
        await db.close()
    audit_anchor.keep(settings.data_dir, checkpoint)
    return checkpoint.line()


def cmd_audit_checkpoint(settings: Settings, _: argparse.Namespace) -> int:
    _say(f"audit checkpoint: {asyncio.run(_audit_checkpoint(settings))}")
    return 0


async def _publish_keys(settings: Settings) -> int:
    from server.db.sync_store import SqlSyncStore
    from server.keys import load
    from server.qr.keys import publish

    db = await _open(settings)
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
    _say(f"new signing key {kid}: the server signs with it from now on; older keys still verify")
    return 0


def cmd_keys_list(settings: Settings, _: argparse.Namespace) -> int:
    from server.keys import load

    async def rows() -> list:
        db = await _open(settings)
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
        _say(f"{kid}  {state}")
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
    _say(f"signing key {args.kid} retired: its private key is deleted; what it signed verifies")
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

        db = await _open(settings)
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
    _say(f"signing key {args.kid} revoked: codes it signed dated from {since} on are refused "
         f"everywhere once devices sync; {reissued} open orders whose code it signed have a "
         "new one (print their labels again)")  # fmt: skip
    return 0


def parse_period(text: str):
    """``365d``, ``12h`` (days or hours) as a timedelta; ValueError otherwise."""
    from datetime import timedelta

    text = text.strip().lower()
    unit, number = text[-1:], text[:-1]
    if unit not in ("d", "h") or not number.isdigit() or int(number) <= 0:
        raise ValueError(
            f"a period is a positive number of days or hours, like 365d or 12h: {text!r}"
        )
    return timedelta(days=int(number)) if unit == "d" else timedelta(hours=int(number))


async def _purge(settings: Settings, older_than) -> dict[str, int]:
    from server.db.sync_store import SqlSyncStore
    from server.keys import load
    from server.qr.service import QrService

    db = await _open(settings)
    try:
        service = QrService(db, SqlSyncStore(db), load(settings.keys_dir), settings.public_url)
        return await service.purge(older_than)
    finally:
        await db.close()


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    try:
        period = parse_period(args.older_than)
    except ValueError as e:
        _say(str(e))
        return 2
    removed = asyncio.run(_purge(settings, period))
    what = ", ".join(f"{n} {table}" for table, n in removed.items())
    _say(f"purged QR records and scans older than {args.older_than}: {what} (audited)")
    return 0


# A fleet of thousands comes online at once (docs/operations.md §4): a listen backlog as deep as
# the kernel allows by default, and idle keep-alive connections kept longer than a device thinks
# between requests (a connection the server closes just as a device sends on it is a lost
# request; proxies keep theirs 60 s or more).
UVICORN_TUNING = {"backlog": 4096, "timeout_keep_alive": 75}


def raise_file_limit() -> int:
    """Each connection (a device, an event stream) is a file descriptor: the soft limit (often
    1,024) up to the hard one. Answers the limit now in force."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            return soft
        return hard
    return soft


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    settings = settings.with_(host=args.host or settings.host, port=args.port or settings.port)
    if args.workers < 1:
        print("orderly serve: --workers must be 1 or more", file=sys.stderr)
        return 2
    if args.workers > 1 and not settings.is_postgres:
        from server.workers import SQLITE_REFUSAL

        print(f"orderly serve: {SQLITE_REFUSAL}", file=sys.stderr)
        return 2
    if not os.environ.get("ORDERLY_PUBLIC_URL"):
        settings = settings.with_(public_url=local_url(settings.port))
    if args.demo:
        if asyncio.run(_seed(settings, 40, only_if_empty=True)):
            _say("demo data written (users admin, rep1, rep2, picker1); API tokens: orderly token")
        # Until the demo admin has a passkey, every start offers a link to make one.
        if link := asyncio.run(_admin_link(settings, "admin", only_without_passkey=True)):
            _show_link(link, settings)
    # The audit chain's head, signed, into the log and the data dir (server/audit_anchor.py).
    _say(f"audit checkpoint: {asyncio.run(_audit_checkpoint(settings))}")
    url = settings.public_url.rstrip("/")
    raise_file_limit()  # the workers inherit it
    if args.workers > 1:
        from server import workers

        _say(f"Orderly is serving {_where(settings)} at {url} with {args.workers} worker "
             f"processes  (API schema: {url}/schema)")  # fmt: skip
        workers.serve(settings, args.workers, **UVICORN_TUNING)
        return 0
    _say(f"Orderly is serving {_where(settings)} at {url}  (API schema: {url}/schema)")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        **UVICORN_TUNING,
    )
    return 0


async def _compact(settings: Settings, keep: int) -> tuple[int, int]:
    from server.db.sync_store import compact

    db = await _open(settings)
    try:
        return await compact(db, keep)
    finally:
        await db.close()


def cmd_compact(settings: Settings, args: argparse.Namespace) -> int:
    horizon, removed = asyncio.run(_compact(settings, args.keep))
    _say(f"change log compacted up to change {horizon}: {removed} superseded entries removed")
    return 0


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
    _say(f"backup of {_where(settings)} written to {path}")
    if path.suffix != ".age":
        _say("  NOT encrypted: it holds the private signing keys. Set ORDERLY_BACKUP_RECIPIENTS"
             " (age public keys) or pass --recipient (docs/operations.md § 6)")  # fmt: skip
    _say(f"  change history {manifest.epoch} up to change {manifest.last_seq}, "
         f"migration {manifest.migration}, "
         f"{sum(p.endswith('.pem') for p in manifest.parts)} signing keys")  # fmt: skip
    for checkpoint in read_checkpoints(settings.data_dir / CHECKPOINTS)[-1:]:  # this backup's
        _say(f"  audit checkpoint: {checkpoint.line()}")
    if removed:
        _say(f"  kept the newest {args.keep}; removed {', '.join(p.name for p in removed)}")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.backup import BackupError, restore

    if not args.yes:
        print(f"orderly restore: this REPLACES the database of {_where(settings)} with the "
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
    _say(f"restored {_where(settings)} from {args.path} (made {m.created_at}, "
         f"change {m.last_seq})")  # fmt: skip
    if done.migrated_to != done.migrated_from:
        _say(f"  migrated from {done.migrated_from} to {done.migrated_to}")
    if done.set_aside:
        _say(f"  the replaced database is kept in {done.set_aside}")
    _say(f"  new change history {done.new_epoch}: every device's next sync starts over (reset)"
         " and pushes what it has not sent. Start the server now.")  # fmt: skip
    return 0


def cmd_export_shared(_: Settings, args: argparse.Namespace) -> int:
    from shared.export import main

    main([args.path] if args.path else [])
    return 0


def _where(settings: Settings) -> str:
    if settings.is_postgres:
        return "PostgreSQL " + settings.database_url.split("@")[-1]
    return f"SQLite {settings.sqlite_path}"


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


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = from_env()
    if args.command == "export-shared":
        return args.run(settings, args)
    from server.datadir import keep_private

    # Every other command reads or writes the data dir: owner-only, whatever the umask.
    before = os.umask(0o077)
    try:
        keep_private(settings.data_dir)
        return args.run(settings, args)
    finally:
        os.umask(before)  # for a caller in the same process (the tests)


if __name__ == "__main__":
    sys.exit(main())
