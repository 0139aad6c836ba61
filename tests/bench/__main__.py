"""``python -m tests.bench`` (``make bench``): every benchmark, printed as a markdown table.

    python -m tests.bench                  # 100,000 orders, SQLite engine + HTTP + PostgreSQL
    python -m tests.bench --orders 20000   # a quick run
    python -m tests.bench --no-http --no-postgres
    python -m tests.bench --no-peer        # without pouchdb-server beside the HTTP rows
    python -m tests.bench --orders 20000 --profile /tmp/prof   # cProfile the engine instead

Progress goes to stderr, the table to stdout. docs/benchmarks.md says what each row means.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import platform
import pstats
import sqlite3
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from server.config import Settings
from tests.bench import (
    LINES,
    Orders,
    PgDatabases,
    Result,
    World,
    bench_initial_sync,
    bench_peer,
    bench_push,
    build_world,
    expected_rows,
    fresh_sqlite,
    http_server,
    raw,
    say,
    signing_key_rows,
    table,
)

run = asyncio.run


def sqlite_benchmarks(root: Path, n: int, with_http: bool, with_peer: bool) -> list[Result]:
    out: list[Result] = []

    say("SQLite: raw sqlite3 inserts (execute per row, then executemany)")
    raw_each = raw.push_sqlite(
        run(fresh_sqlite(root, "raw1")).sqlite_path, Orders(["c"] * 50), "u-raw", n, many=False
    )
    raw_many = raw.push_sqlite(
        run(fresh_sqlite(root, "raw2")).sqlite_path, Orders(["c"] * 50), "u-raw", n, many=True
    )
    say(f"  {raw_each.rate:,.0f} and {raw_many.rate:,.0f} orders/s")

    say(f"SQLite: engine push of {n:,} orders (this seeds the initial sync)")
    settings = run(fresh_sqlite(root, "engine"))
    world = run(build_world(settings))
    pushed = run(bench_push.engine(settings, world, n, "SQLite"))
    pushed.raw = raw_many
    say(f"  {pushed.rate:,.0f} orders/s")

    say("SQLite: raw read + encode, then engine initial syncs")
    expected = expected_rows(n, run(signing_key_rows(settings)))
    raw_read = raw.read_sqlite(settings.sqlite_path, n)
    say(f"  raw {raw_read.rate:,.0f} rows/s")
    rep = run(bench_initial_sync.engine(settings, world.rep, "sales rep", n, expected, "SQLite"))
    admin = run(bench_initial_sync.engine(settings, world.admin, "admin", n, expected, "SQLite"))
    rep.raw = admin.raw = raw_read
    say(f"  sales rep {rep.rate:,.0f} rows/s, admin {admin.rate:,.0f} rows/s")
    out += [raw_each, raw_many, pushed]
    syncs = [raw_read, rep, admin]

    if with_http:
        hs = run(fresh_sqlite(root, "http"))
        hworld = run(build_world(hs))
        hpush, hsync = over_http(hs, hworld, n, "SQLite")
        hpush.raw, hsync.raw = raw_many, raw_read
        out.append(hpush)
        syncs.append(hsync)
        if with_peer:
            peer_push, peer_sync = peer_benchmarks(root, hworld.customers, n, hpush, hsync)
            out += peer_push
            syncs += peer_sync
    elif with_peer:
        say("Peer: skipped with --no-http (it is compared with Orderly's HTTP rows)")
    return out + syncs


def peer_benchmarks(
    root: Path, customers: list[str], n: int, hpush: Result, hsync: Result
) -> tuple[list[Result], list[Result]]:
    """pouchdb-server doing what Orderly's HTTP push and initial sync did, each row compared
    with Orderly's: pushes in orders/s; the sync of the 4-docs database per document, as
    Orderly's per row (the 1-doc database's documents are whole orders: no ratio)."""
    say(f"Peer: {bench_peer.NAME}, push {n:,} orders as 4 docs and as 1, then read each back")
    try:
        results = bench_peer.run(root, customers, n)
    except bench_peer.Unavailable as e:
        say(f"  not available: {e}; skipped")
        return [], []
    pushes = [r for r in results if r.bench == "push"]
    syncs = [r for r in results if r.bench != "push"]
    for r in pushes:
        r.orderly = hpush
    syncs[0].orderly = hsync
    return pushes, syncs


def compared_with(peers: list[Result], hpush: Result, hsync: Result) -> list[Result]:
    """The peer's rows again, each beside this Orderly row (the same peer run, another database
    under Orderly): a row per comparison keeps the table's one 'Orderly ÷ peer' column."""
    out = []
    for r in peers:
        mine = hpush if r.bench == "push" else hsync
        if r.orderly is not None:
            out.append(replace(r, orderly=mine, note=f"{r.note}, vs {mine.db}".lstrip(", ")))
    return out


def over_http(settings: Settings, world: World, n: int, db: str) -> tuple[Result, Result]:
    """A real server on ``settings``' database: ``n`` orders pushed, then the rep's initial sync."""
    say(f"{db} over HTTP: push {n:,} orders, then the rep's initial sync")
    with http_server(settings) as base:
        hpush = bench_push.http(base, world.tokens["rep"], world, n, db)
        say(f"  push {hpush.rate:,.0f} orders/s")
        # The server wrote its signing keys at start: the sync brings them too.
        hexpected = expected_rows(n, run(signing_key_rows(settings)))
        hsync = bench_initial_sync.http(base, world.tokens["rep"], "sales rep", n, hexpected, db)
        say(f"  initial sync {hsync.rate:,.0f} rows/s")
    return hpush, hsync


async def postgres_benchmarks(n: int, with_http: bool, peers: list[Result]) -> list[Result]:
    pg = PgDatabases()
    if not await pg.available():
        say(f"PostgreSQL: not reachable at {pg.admin_url}; skipped")
        return []
    try:
        say("PostgreSQL: raw asyncpg inserts")
        raw_db = await pg.fresh("raw")
        raw_push = await raw.push_pg(raw_db.database_url, Orders(["c"] * 50), "u-raw", n)
        say(f"  {raw_push.rate:,.0f} orders/s")
        say(f"PostgreSQL: engine push of {n:,} orders")
        settings = await pg.fresh("engine")
        world = await build_world(settings)
        pushed = await bench_push.engine(settings, world, n, "PostgreSQL")
        pushed.raw = raw_push
        say(f"  {pushed.rate:,.0f} orders/s")
        say("PostgreSQL: raw read + encode, then engine initial syncs")
        expected = expected_rows(n, await signing_key_rows(settings))
        raw_read = await raw.read_pg(settings.database_url, n)
        rep = await bench_initial_sync.engine(
            settings, world.rep, "sales rep", n, expected, "PostgreSQL"
        )
        admin = await bench_initial_sync.engine(
            settings, world.admin, "admin", n, expected, "PostgreSQL"
        )
        rep.raw = admin.raw = raw_read
        say(f"  raw {raw_read.rate:,.0f}, rep {rep.rate:,.0f}, admin {admin.rate:,.0f} rows/s")
        # Without planner statistics (autovacuum off, or a table just loaded) every snapshot
        # page may be a full scan and sort: the same pulls again once the tables are analyzed.
        await pg.analyze(settings)
        rep_a = await bench_initial_sync.engine(
            settings, world.rep, "sales rep", n, expected, "PostgreSQL"
        )
        admin_a = await bench_initial_sync.engine(
            settings, world.admin, "admin", n, expected, "PostgreSQL"
        )
        for r in (rep_a, admin_a):
            r.raw, r.note = raw_read, "after ANALYZE"
        say(f"  after ANALYZE: rep {rep_a.rate:,.0f}, admin {admin_a.rate:,.0f} rows/s")
        out = [raw_push, pushed, raw_read, rep, admin, rep_a, admin_a]
        if with_http:
            hs = await pg.fresh("http")
            hworld = await build_world(hs)
            # The server runs in its own process; this one only waits for it.
            hpush, hsync = await asyncio.to_thread(over_http, hs, hworld, n, "PostgreSQL")
            hpush.raw, hsync.raw = raw_push, raw_read
            out += [hpush, hsync, *compared_with(peers, hpush, hsync)]
        return out
    finally:
        await pg.drop_all()


def profile(root: Path, n: int, out_dir: Path) -> None:
    """cProfile the engine's push and the rep's initial sync on SQLite; top functions to stderr."""
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = run(fresh_sqlite(root, "engine"))
    world = run(build_world(settings))
    expected = expected_rows(n, run(signing_key_rows(settings)))
    for name, job in (
        ("push", lambda: bench_push.engine(settings, world, n, "SQLite")),
        (
            "initial_sync",
            lambda: bench_initial_sync.engine(
                settings, world.rep, "sales rep", n, expected, "SQLite"
            ),
        ),
    ):
        prof = cProfile.Profile()
        prof.enable()
        result = run(job())
        prof.disable()
        path = out_dir / f"{name}.prof"
        prof.dump_stats(path)
        say(f"\n== {name}: {result.rate:,.0f} {result.unit} under cProfile; stats in {path}")
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n")[0])
    p.add_argument("--orders", type=int, default=100_000, help="orders to push and sync")
    p.add_argument("--no-http", action="store_true", help="skip the HTTP rows")
    p.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL rows")
    p.add_argument(
        "--no-peer", action="store_true", help="skip the peer (pouchdb-server) beside HTTP"
    )
    p.add_argument("--profile", type=Path, metavar="DIR", help="profile the engine instead")
    args = p.parse_args(argv)
    n = args.orders
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="orderly-bench-") as tmp:
        root = Path(tmp)
        if args.profile:
            profile(root, n, args.profile)
            return 0
        results = sqlite_benchmarks(root, n, not args.no_http, not args.no_peer)
        if not args.no_postgres:
            peers = [r for r in results if r.orderly is not None]
            results += run(postgres_benchmarks(n, not args.no_http, peers))
    push = [r for r in results if r.bench == "push"]
    sync = [r for r in results if r.bench != "push"]
    print(
        f"Run {started:%Y-%m-%d %H:%M} UTC, {(datetime.now(UTC) - started).seconds} s; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}, msgspec {msgspec.__version__}; "
        f"{n:,} orders x {LINES} lines, batches of 100, pull limit 5000.\n"
    )
    print(table(push + sync))
    for r in results:
        if r.extra:
            what = f"{r.bench}, {r.path}{' (' + r.note + ')' if r.note else ''}, {r.db}"
            print(f"- {what}: " + ", ".join(
                f"{k} {v:,.0f}" for k, v in r.extra.items()))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
