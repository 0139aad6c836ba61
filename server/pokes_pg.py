"""Pokes across server processes on PostgreSQL: ``NOTIFY`` at commit, one ``LISTEN`` per process.

The tick that hands out new change sequences (``server/db/sequencer.py``) ends with
``pg_notify('orderly_poke', '<last_seq> <bucket> <bucket> ...')`` (``NOTIFY_SQL``, the buckets
of the changes it numbered), so PostgreSQL delivers it when, and only if, the tick commits, in
commit order. Every server process holds one dedicated connection that ``LISTEN``s on the
channel and hands each sequence and its buckets to ``relay`` (``AppState.relayed``: poke this
process's event streams of those buckets if the sequence is new to it). A payload of the
sequence alone (the CLI's writes, or buckets too many for a notification) pokes every stream. A dropped connection is logged and opened again with backoff; after each (re)connect
the listener reads ``sync_state.last_seq`` once, so commits made while it was away still poke.

Writers outside the server (``orderly seed-demo``, ``orderly keys rotate``, ...) notify too, so
running servers poke their devices about those writes as well. On SQLite there is one process and
the in-memory fan-out of ``server/poke.py`` is all there is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable

import asyncpg

from server.db.engines import postgres_config

CHANNEL = "orderly_poke"
# ``?`` placeholder: run through ``server.db.sql`` like every other statement.
NOTIFY_CALL = f"pg_notify('{CHANNEL}', ?)"
NOTIFY_SQL = f"SELECT {NOTIFY_CALL}"
# How the LISTEN connections show in ``pg_stat_activity`` (one per server process).
APPLICATION_NAME = "orderly-pokes"

# PostgreSQL refuses a payload of 8,000 bytes or more; past this the buckets are left out.
MAX_PAYLOAD = 7_000

log = logging.getLogger("orderly.pokes")


def poke_payload(seq: int, buckets: frozenset[str]) -> str:
    """``"<seq> <bucket> ..."``, or ``"<seq>"`` alone (everyone) when the buckets do not fit."""
    text = " ".join([str(seq), *sorted(buckets)])
    return text if len(text.encode()) <= MAX_PAYLOAD else str(seq)


def parse_payload(payload: str) -> tuple[int, frozenset[str] | None]:
    """The sequence and buckets of a payload (None: not named, every stream's). ValueError if
    it does not start with a sequence."""
    seq, *buckets = payload.split()
    return int(seq), frozenset(buckets) if buckets else None


class PokeListener:
    """One ``LISTEN orderly_poke`` connection, kept open until ``close``."""

    def __init__(
        self,
        url: str,
        relay: Callable[[int, frozenset[str] | None], None],
        *,
        check_every: float = 30.0,
        min_delay: float = 0.5,
        max_delay: float = 30.0,
    ) -> None:
        self._url = url
        self._relay = relay
        self._check_every = check_every
        self._min_delay, self._max_delay = min_delay, max_delay
        self._task: asyncio.Task[None] | None = None
        self.connects = 0  # how many times a LISTEN connection was opened (tests, logs)
        self.listening = asyncio.Event()

    async def start(self, timeout: float = 10.0) -> PokeListener:
        """Start listening; returns once the first connection listens (or ``timeout`` passes,
        after which it keeps trying in the background)."""
        self._task = asyncio.create_task(self._run(), name="orderly-poke-listener")
        try:
            await asyncio.wait_for(self.listening.wait(), timeout)
        except TimeoutError:
            log.warning("poke listener: not connected after %.0fs; still trying", timeout)
        return self

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _on_notify(self, _con: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            seq, buckets = parse_payload(payload)
        except ValueError:
            log.warning("poke listener: ignored a payload that is not a sequence: %r", payload)
            return
        self._relay(seq, buckets)

    async def _run(self) -> None:
        failures = 0
        while True:
            con: asyncpg.Connection | None = None
            try:
                con = await asyncpg.connect(
                    **postgres_config(self._url),  # type: ignore[arg-type]
                    server_settings={"application_name": APPLICATION_NAME},
                )
                await con.add_listener(CHANNEL, self._on_notify)
                self.connects += 1
                if self.connects > 1:
                    log.warning("poke listener: listening again (after %d failed tries)", failures)
                failures = 0
                # Commits made while no connection listened: one poke for all of them.
                last = await con.fetchval("SELECT last_seq FROM sync_state WHERE id = 1")
                self._relay(int(last), None)
                self.listening.set()
                await self._watch(con)
                log.warning("poke listener: connection lost; reconnecting")
            except Exception as e:  # noqa: BLE001 - whatever broke, listen again (and say so)
                failures += 1
                log.warning("poke listener: %s: %s", type(e).__name__, e)
            finally:
                self.listening.clear()
                if con is not None:
                    con.terminate()
            # Backoff with jitter, so the processes of a restarted database do not all knock at
            # once; the first retry after a lost connection comes quickly.
            delay = min(self._max_delay, self._min_delay * 2 ** max(0, failures - 1))
            delay = delay / 2 + random.uniform(0, delay / 2)
            if failures:
                log.warning("poke listener: retrying in %.1fs", delay)
            await asyncio.sleep(delay)

    async def _watch(self, con: asyncpg.Connection) -> None:
        """Returns when the connection is gone: closed by the server, or silent to a check."""
        lost = asyncio.Event()
        con.add_termination_listener(lambda _c: lost.set())
        while not con.is_closed():
            try:
                await asyncio.wait_for(lost.wait(), self._check_every)
                return
            except TimeoutError:
                # A connection cut without a FIN (a NAT, a cable) is only seen by asking.
                await con.fetchval("SELECT 1", timeout=self._check_every)
