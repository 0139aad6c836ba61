"""``orderly``: serve, migrate, seed-demo, token, compact, export-shared."""

from __future__ import annotations

import argparse
import asyncio
import sys

from server.config import Settings, from_env


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


async def _token(settings: Settings, name: str, role: str, warehouse: str | None) -> str:
    from server.auth.tokens import ensure_user, issue_token

    db = await _open(settings)
    try:
        user_id, _ = await ensure_user(db, name, role, warehouse)
        return await issue_token(db, user_id, label="orderly token")
    finally:
        await db.close()


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    from server.auth.tokens import UnknownRole

    try:
        token = asyncio.run(_token(settings, args.user, args.role, args.warehouse))
    except UnknownRole as e:
        print(f"orderly token: {e}", file=sys.stderr)
        return 2
    print(token)
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    settings = settings.with_(host=args.host or settings.host, port=args.port or settings.port)
    if args.demo and asyncio.run(_seed(settings, 40, only_if_empty=True)):
        _say("demo data written (users admin, rep1, rep2, picker1); API tokens: orderly token")
    url = f"http://{'localhost' if settings.host in ('127.0.0.1', '0.0.0.0') else settings.host}:{settings.port}"
    _say(f"Orderly is serving {_where(settings)} at {url}  (API schema: {url}/schema)")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
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
    s.set_defaults(run=cmd_serve)
    s = sub.add_parser("migrate", help="apply database migrations")
    s.set_defaults(run=cmd_migrate)
    s = sub.add_parser("seed-demo", help="write demo data")
    s.add_argument("--orders", type=int, default=40)
    s.set_defaults(run=cmd_seed)
    s = sub.add_parser("token", help="make a bearer API token (creates the user if needed)")
    s.add_argument("--user", required=True)
    s.add_argument("--role", required=True)
    s.add_argument("--warehouse", help="warehouse id, for the warehouse role")
    s.set_defaults(run=cmd_token)
    s = sub.add_parser("compact", help="drop superseded change-log entries (old cursors reset)")
    s.add_argument("--keep", type=int, default=100_000, help="changes kept whole (default 100000)")
    s.set_defaults(run=cmd_compact)
    s = sub.add_parser("export-shared", help="write shared/ as JSON for the PWA")
    s.add_argument("path", nargs="?")
    s.set_defaults(run=cmd_export_shared)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(from_env(), args)


if __name__ == "__main__":
    sys.exit(main())
