"""PostgreSQL itself restarted while devices push and pull (and the server is killed too): the
server answers 503 ``database_unavailable`` during the outage, never 500, its pool reconnects,
and everything converges exactly once.

The restart (``pg_ctlcluster ... restart``) cuts every PostgreSQL connection on the machine: fine
in CI, where the suite runs alone; while developing next to other people's PostgreSQL tests,
run it rarely.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dbs import TestDatabases
from tests.faults.harness import run_faults


@pytest.mark.postgres_only  # restarts PostgreSQL
async def test_postgres_restarted_mid_sync_loses_nothing(
    databases: TestDatabases, tmp_path: Path
) -> None:
    stats = await run_faults(
        await databases.fresh(),
        tmp_path,
        kills=3,
        devices=4,
        seed=11,
        max_gap=2.0,
        pg_restarts=1,
        pg_gap=3.0,
        min_seconds=8.0,
    )
    print(stats.summary(), "PostgreSQL restart took", stats.pg_restart_seconds)
    assert stats.pg_restarts == 1 and stats.kills == 3
    assert stats.orders > 0
    # The restart hit a running server: requests during it were answered 503, not 500.
    assert stats.statuses[503] > 0, stats.summary()
