"""The server killed with SIGKILL mid-push, PostgreSQL restarted mid-sync, and a response lost
after the commit: nothing applied twice, nothing lost, every device converges.

Short runs for CI (15 kills on each database, 30 across the SQLite and PostgreSQL passes);
tests/bench/bench_faults.py runs the same harness with hundreds of kills.
"""

from __future__ import annotations

from pathlib import Path

from tests.dbs import TestDatabases
from tests.faults.harness import run_faults

KILLS = 15


async def test_kills_during_pushes_lose_nothing_and_apply_nothing_twice(
    databases: TestDatabases, tmp_path: Path
) -> None:
    stats = await run_faults(await databases.fresh(), tmp_path, kills=KILLS, devices=4, seed=7)
    print(stats.summary())
    assert stats.kills == KILLS
    # The kills did land in the middle of pushes, and some answers were lost after a commit.
    assert stats.kills_mid_push >= KILLS // 3, stats.summary()
    assert stats.pushes_cut > 0, stats.summary()
    assert stats.orders > 0 and stats.mutations > stats.orders
