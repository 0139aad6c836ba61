"""The load generator of tests/bench/load.py, small: a few devices and event streams for seconds.

The long run (1,000 devices, 3,000 streams, a minute per database) is
``python -m tests.bench.load``; its figures are in docs/benchmarks.md. This one proves, on every
CI run and on the database under test, that the generator and ``orderly serve`` agree: no request
fails, no mutation is refused, every stream stays open and hears pokes, and every order a device
saw acknowledged is in the database.
"""

from __future__ import annotations

from pathlib import Path

from server.config import Settings
from tests.bench.load import load_run, raise_file_limit

DEVICES, STREAMS = 20, 50


def test_devices_and_event_streams_under_load_lose_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    raise_file_limit()
    result = load_run(
        settings,
        "test",
        DEVICES,
        STREAMS,
        seconds=3,
        think=(0.2, 0.6),
        log=tmp_path / "server.log",
    )
    run = result.run
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert result.errors() == 0, (result.as_dict(), log)
    assert len(run.first_pull.latencies) == DEVICES
    assert len(run.stream.latencies) == STREAMS and run.streams_dropped == 0
    # Every device visited its customers several times and every order reached the server.
    assert run.mutations >= DEVICES and len(run.push.latencies) >= DEVICES
    assert len(run.pull.latencies) >= DEVICES
    assert run.order_ids and result.stored == len(run.order_ids)
    assert run.left_pending == 0
    # Every stream heard pokes while the devices pushed.
    assert run.pokes >= STREAMS
