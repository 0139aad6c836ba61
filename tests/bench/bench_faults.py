"""The long fault run: ``orderly serve`` SIGKILLed hundreds of times during pushes, on SQLite
and on PostgreSQL, and PostgreSQL restarted mid-sync; the checks of tests/faults/harness.py at
the end of each run (exactly once, every order once, convergence, no 500, SQLite integrity).

    python -m tests.bench.bench_faults                       # 200 kills per database
    python -m tests.bench.bench_faults --kills 30 --no-postgres
    python -m tests.bench.bench_faults --pg-restarts 0       # leave PostgreSQL alone
    python -m tests.bench.bench_faults --restarts-only       # only PostgreSQL restarts

The PostgreSQL restarts cut every connection on the machine: run it where nothing else uses
PostgreSQL. A markdown table goes to stdout (docs/benchmarks.md § Faults), progress to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import say
from tests.dbs import TestDatabases
from tests.faults.harness import Stats, run_faults


def _row(label: str, s: Stats) -> str:
    restart = sorted(s.restart_seconds)
    p50 = restart[len(restart) // 2] if restart else 0.0
    pg = ", ".join(f"{t:.1f}" for t in s.pg_restart_seconds) or "–"
    cut = f"{s.pushes_cut} cut, {s.pushes_refused} refused"
    return (
        f"| {label} | {s.kills} | {s.kills_mid_push} | {s.pg_restarts} ({pg} s) | "
        f"{s.pushes:,} ({cut}) | {s.mutations:,} | {s.orders:,} | {s.duplicates} | "
        f"{s.statuses.get(503, 0)} | {p50:.2f} / {max(restart, default=0):.2f} s | "
        f"{s.seconds:.0f} s | yes |"
    )


async def _run(root: Path, kind: str, label: str, **options: object) -> Stats:
    dbs = TestDatabases(root / kind)
    dbs.kind = kind
    try:
        settings = await dbs.fresh()
        work = root / f"{kind}-{label}".replace(" ", "-")
        work.mkdir(parents=True)
        say(f"{kind}: {label} ...")
        stats = await run_faults(settings, work, **options)  # type: ignore[arg-type]
        say("  " + stats.summary())
        return stats
    finally:
        await dbs.drop_all()


async def main(args: argparse.Namespace) -> None:
    rows: list[str] = []
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        root = Path(tmp)
        common = {"devices": args.devices, "seed": args.seed}
        if not args.restarts_only:
            s = await _run(root, "sqlite", "kills", kills=args.kills, **common)
            rows.append(_row("SQLite, SIGKILL", s))
        if args.postgres:
            if not args.restarts_only:
                s = await _run(root, "postgres", "kills", kills=args.kills, **common)
                rows.append(_row("PostgreSQL, SIGKILL", s))
            if args.pg_restarts:
                s = await _run(
                    root,
                    "postgres",
                    "restarts",
                    kills=args.pg_restarts * 3,
                    max_gap=2.0,
                    pg_restarts=args.pg_restarts,
                    pg_gap=6.0,
                    **common,
                )
                rows.append(_row("PostgreSQL restarted + SIGKILL", s))
    print(
        f"Faults, {args.devices} devices, seed {args.seed}, {platform.python_version()} on "
        f"{platform.machine()}, {time.monotonic() - began:.0f} s in all\n"
    )
    print(
        "| run | kills | kills with a push in flight | PostgreSQL restarts (took) | pushes "
        "| mutations | orders | duplicates | 503 answers | server restart p50 / max | time "
        "| checks pass |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=200, help="kills per database (default 200)")
    p.add_argument("--devices", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pg-restarts", type=int, default=2)
    p.add_argument("--no-postgres", dest="postgres", action="store_false")
    p.add_argument("--restarts-only", action="store_true", help="only the PostgreSQL restart run")
    return p.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
