"""Faults on a real server: ``orderly serve`` killed with SIGKILL while devices push, PostgreSQL
restarted under it, and what must hold afterwards.

``run_faults`` starts a real server process on a database, lets a few devices (the Python sync
client over HTTP, each with its own ``orderly token``) make customers and orders and sync them
in a loop, and meanwhile kills the server at random moments -- many of them while a push is on
the wire -- and starts it again on the same database. Devices treat every failure as "offline"
and retry with the same mutation ids. At the end every device drains its outbox and pulls to
the end, and ``check`` asserts: every mutation a device made is in ``mutation_log`` exactly once
with an outcome, every order made exists once under its number, every device's rows equal what a
fresh device of the same user pulls, no request ever got a 500, and the SQLite file passes
``PRAGMA integrity_check``.

The CI tests (tests/faults/test_faults.py) run it briefly; tests/bench/bench_faults.py runs it
with hundreds of kills (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from server.config import Settings
from server.db.sql import open_database
from sync.ids import uuid7
from sync.protocol import PullRequest, PullResponse, PushRequest, PushResponse
from tests.device.client import SyncClient
from tests.device.transport import HttpTransport, TransportError
from tests.processes import free_port, run_orderly, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
# The PostgreSQL cluster of this machine (Debian's layout: /etc/postgresql/<version>/main).
PG_VERSIONS = Path("/etc/postgresql")
OUTCOMES = frozenset({"applied", "merged", "conflict", "rejected"})


def server_env(settings: Settings, port: int) -> dict[str, str]:
    """The environment of an ``orderly serve`` on ``port`` over ``settings``' database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLY_")}
    return env | {
        "ORDERLY_DATA_DIR": str(settings.data_dir),
        "ORDERLY_DATABASE_URL": settings.database_url,
        "ORDERLY_HOST": "127.0.0.1",
        "ORDERLY_PORT": str(port),
        "ORDERLY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
    }


class ServerProcess:
    """``orderly serve`` as a child process that can be killed and started again on the same
    database and port. Every start appends to one log file."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.settings = settings
        self.port = free_port()
        self.env = server_env(settings, self.port)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def cli(self, *args: str) -> str:
        """``orderly ARGS`` on this server's database; answers its output."""
        return run_orderly(self.env, *args)

    def token(self, user: str, role: str) -> str:
        return self.cli("token", "--user", user, "--role", role).strip()

    def spawn(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        with self.log.open("ab") as log:
            log.write(f"---- start {self.starts + 1}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    async def wait_healthy(self, timeout: float = START_TIMEOUT) -> float:
        """Waits for ``/api/health`` to answer 200; answers how long it took. In a thread, so
        the devices' tasks keep running meanwhile."""
        assert self.process is not None
        return await asyncio.to_thread(wait_healthy, self.url, self.process, timeout, self.log)

    async def start(self) -> float:
        self.spawn()
        return await self.wait_healthy()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, connections cut where they are."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def restart_postgres() -> float:
    """Restarts this machine's PostgreSQL cluster (a clean restart: committed data stays);
    answers how long the command took. Breaks every PostgreSQL connection on the machine."""
    (version,) = [p.name for p in PG_VERSIONS.iterdir()]
    began = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return time.monotonic() - began


@dataclass
class Stats:
    """What happened during a run (docs/benchmarks.md reports these)."""

    database: str = ""
    devices: int = 0
    kills: int = 0
    kills_mid_push: int = 0  # kills while at least one push was on the wire
    pg_restarts: int = 0
    pg_restart_seconds: list[float] = field(default_factory=list)
    pushes: int = 0
    pushes_cut: int = 0  # pushes whose connection broke after it was made (not refused)
    pushes_refused: int = 0
    mutations: int = 0
    orders: int = 0
    duplicates: int = 0  # results "duplicate": the first answer was lost
    statuses: Counter[int] = field(default_factory=Counter)  # HTTP answers by status
    outcomes: Counter[str] = field(default_factory=Counter)  # mutation_log outcomes
    restart_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        restart = sum(self.restart_seconds) / max(1, len(self.restart_seconds))
        return (
            f"{self.database}: {self.kills} kills ({self.kills_mid_push} with a push in flight), "
            f"{self.pg_restarts} PostgreSQL restarts, {self.pushes} pushes "
            f"({self.pushes_cut} cut, {self.pushes_refused} refused), {self.mutations} "
            f"mutations, {self.orders} orders, {self.duplicates} duplicates, HTTP "
            f"{dict(sorted(self.statuses.items()))}, outcomes {dict(self.outcomes)}, "
            f"restart {restart:.2f}s avg, {self.seconds:.1f}s"
        )


class CountingTransport:
    """``HttpTransport`` that counts what the fault tests report: pushes in flight, pushes cut,
    HTTP statuses, results answered ``duplicate``."""

    def __init__(self, url: str, token: str, stats: Stats, inflight: Counter[str]) -> None:
        self.stats = stats
        self.inflight = inflight
        # No keep-alive across kills would hide nothing: a dead pooled connection is one more
        # way a request fails, and the client must survive it too.
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(10.0, connect=2.0),
            event_hooks={"response": [self._answered]},
        )
        self.inner = HttpTransport(url, token, client=self.http)

    async def _answered(self, response: httpx.Response) -> None:
        self.stats.statuses[response.status_code] += 1

    async def push(self, req: PushRequest) -> PushResponse:
        self.stats.pushes += 1
        self.inflight["push"] += 1
        try:
            resp = await self.inner.push(req)
        except TransportError as e:
            if isinstance(e.__cause__, httpx.ConnectError):
                self.stats.pushes_refused += 1
            elif isinstance(e.__cause__, httpx.RequestError):
                self.stats.pushes_cut += 1
            raise
        finally:
            self.inflight["push"] -= 1
        self.stats.duplicates += sum(r.status == "duplicate" for r in resp.results)
        return resp

    async def pull(self, req: PullRequest) -> PullResponse:
        return await self.inner.pull(req)

    async def aclose(self) -> None:
        await self.http.aclose()


@dataclass
class Device:
    """One installation: a sync client, what it made (to check), and its own random."""

    name: str
    token: str
    client: SyncClient
    transport: CountingTransport
    rng: random.Random
    customers: list[str] = field(default_factory=list)
    orders: dict[str, str] = field(default_factory=dict)  # order id -> number
    made: int = 0

    def make_some(self) -> int:
        """Queues one to three mutations a sales rep would make; answers how many."""
        n = self.rng.randint(1, 3)
        for _ in range(n):
            roll = self.rng.random()
            if not self.customers or roll < 0.2:
                cid = uuid7()
                self.client.upsert_customer(f"{self.name} customer {len(self.customers)}", cid)
                self.customers.append(cid)
            elif not self.orders or roll < 0.7:
                number = f"{self.name}-{len(self.orders) + 1:05d}"
                m = self.client.create_order(number, self.rng.choice(self.customers))
                self.orders[m.args["id"]] = number
            else:
                order_id = self.rng.choice(list(self.orders))
                self.client.update_order(order_id, notes=f"note {self.made}")
            self.made += 1
        return n

    async def sync_once(self) -> bool:
        """One push and pull; False when the server could not be reached (offline)."""
        try:
            await self.client.push()
            await self.client.pull()
        except TransportError:
            return False
        return True

    async def drain(self, timeout: float) -> None:
        """Retries until the outbox is empty and a pull went to the end."""
        deadline = time.monotonic() + timeout
        while not await self.sync_once() or self.client.pending:
            assert time.monotonic() < deadline, f"{self.name} could not drain its outbox"
            await asyncio.sleep(0.1)


async def _work(device: Device, stop: asyncio.Event) -> None:
    while not stop.is_set():
        device.make_some()
        if not await device.sync_once():
            await asyncio.sleep(device.rng.uniform(0.02, 0.15))  # offline: back off a little
        else:
            await asyncio.sleep(device.rng.uniform(0.0, 0.03))


async def _killer(
    server: ServerProcess,
    stats: Stats,
    inflight: Counter[str],
    rng: random.Random,
    kills: int,
    max_gap: float,
    turn: asyncio.Lock,
) -> None:
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(0.05, max_gap))
        async with turn:
            await _kill_and_restart(server, stats, inflight, rng)


async def _kill_and_restart(
    server: ServerProcess, stats: Stats, inflight: Counter[str], rng: random.Random
) -> None:
    if rng.random() < 0.7:
        # Most kills wait for a push on the wire, then land a moment into it: before the
        # server read it, while it applies it, or between its commit and its answer.
        for _ in range(200):
            if inflight["push"]:
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(rng.uniform(0, 0.01))
    stats.kills_mid_push += inflight["push"] > 0
    server.kill()
    stats.kills += 1
    stats.restart_seconds.append(await server.start())


async def _pg_restarter(
    stats: Stats, rng: random.Random, restarts: int, gap: float, turn: asyncio.Lock
) -> None:
    for _ in range(restarts):
        await asyncio.sleep(rng.uniform(gap / 2, gap))
        # Not while the server is down or starting: the outage must hit a running server.
        async with turn:
            took = await asyncio.to_thread(restart_postgres)
        stats.pg_restarts += 1
        stats.pg_restart_seconds.append(took)


async def run_faults(
    settings: Settings,
    work_dir: Path,
    *,
    kills: int,
    devices: int = 4,
    seed: int = 1,
    max_gap: float = 0.6,
    pg_restarts: int = 0,
    pg_gap: float = 4.0,
    min_seconds: float = 0.0,
) -> Stats:
    """Runs devices against a server killed ``kills`` times (and PostgreSQL restarted
    ``pg_restarts`` times), for at least ``min_seconds``; then drains, checks and answers the
    figures. Raises AssertionError when anything was lost, doubled or diverged."""
    rng = random.Random(seed)
    stats = Stats(database="PostgreSQL" if settings.is_postgres else "SQLite", devices=devices)
    inflight: Counter[str] = Counter()
    server = ServerProcess(settings, work_dir / "server.log")
    began = time.monotonic()
    await server.start()
    fleet: list[Device] = []
    try:
        for i in range(devices):
            name = f"rep{i + 1}"
            token = server.token(name, "sales")
            transport = CountingTransport(server.url, token, stats, inflight)
            client = SyncClient(transport, f"faults-{name}-{seed}", user_id=None)
            fleet.append(Device(name, token, client, transport, random.Random(rng.random())))
        stop = asyncio.Event()
        workers = [asyncio.create_task(_work(d, stop)) for d in fleet]
        # Kills and PostgreSQL restarts take turns, so each restart finds the server running.
        turn = asyncio.Lock()
        chaos = [_killer(server, stats, inflight, rng, kills, max_gap, turn)]
        if pg_restarts:
            chaos.append(_pg_restarter(stats, rng, pg_restarts, pg_gap, turn))
        try:
            await asyncio.gather(*chaos)
            while time.monotonic() - began < min_seconds:
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            await asyncio.gather(*workers)
        for d in fleet:
            await d.drain(timeout=60)
        await check(server, fleet, stats)
    finally:
        for d in fleet:
            await d.transport.aclose()
        server.stop()
    stats.seconds = time.monotonic() - began
    return stats


async def _fresh_pull(server: ServerProcess, device: Device) -> dict[str, Any]:
    """What a new installation of ``device``'s user pulls from scratch."""
    async with HttpTransport(server.url, device.token) as transport:
        fresh = SyncClient(transport, f"fresh-{device.client.client_id}"[:64])
        await fresh.pull()
        return fresh.store.tables


async def check(server: ServerProcess, fleet: list[Device], stats: Stats) -> None:
    """Exactly once, every order once, convergence, no 500, an intact database."""
    db = await open_database(server.settings)
    try:
        async with db.read() as conn:
            logged = await conn.fetch(
                "SELECT client_id, mutation_id, status, error FROM mutation_log"
                " WHERE client_id LIKE 'faults-%'"
            )
            orders = await conn.fetch("SELECT id, number FROM orders")
    finally:
        await db.close()

    by_key = Counter((r["client_id"], r["mutation_id"]) for r in logged)
    twice = [k for k, n in by_key.items() if n > 1]
    assert not twice, f"mutations logged more than once: {twice[:10]}"
    stats.outcomes.update(r["status"] for r in logged)
    assert set(stats.outcomes) <= OUTCOMES, f"unexpected outcomes {stats.outcomes}"
    broken = [r for r in logged if r["error"] == "internal_error"]
    assert not broken, f"mutations that hit a server bug: {broken[:5]}"
    for d in fleet:
        made = d.client.store.next_mutation_id - 1
        assert made == d.made, f"{d.name}: {made} ids for {d.made} mutations"
        ids = sorted(m for (c, m) in by_key if c == d.client.client_id)
        assert ids == list(range(1, made + 1)), f"{d.name}: logged ids are not 1..{made}"
        # "duplicate" where the first answer was lost: the log holds the outcome.
        seen = {r.status for r in d.client.results.values()}
        assert seen <= OUTCOMES | {"duplicate"}, f"{d.name}: {seen}"
        stats.mutations += made

    numbers = Counter(r["number"] for r in orders)
    assert not [n for n, c in numbers.items() if c > 1], "an order number exists twice"
    created = {oid: num for d in fleet for oid, num in d.orders.items()}
    stats.orders = len(created)
    on_server = {r["id"]: r["number"] for r in orders if r["id"] in created}
    assert on_server == created, "the orders on the server are not the orders the devices made"
    assert len(orders) == len(created), f"{len(orders)} orders for {len(created)} made"

    for d in fleet:
        assert d.client.pending == 0
        mine = d.client.store.tables
        assert mine.get("orders", {}).keys() >= d.orders.keys(), f"{d.name} lacks its orders"
        assert not d.client.store.unconfirmed(), f"{d.name}: edits a pull has not shown back"
        assert await _fresh_pull(server, d) == mine, f"{d.name} did not converge"

    errors = {s: n for s, n in stats.statuses.items() if s >= 500 and s != 503}
    assert not errors, f"server errors answered: {errors}"
    assert_no_server_errors(server.output())
    if not server.settings.is_postgres:
        con = sqlite3.connect(server.settings.sqlite_path)
        try:
            (verdict,) = con.execute("PRAGMA integrity_check").fetchone()
        finally:
            con.close()
        assert verdict == "ok", f"SQLite integrity_check: {verdict}"


_ENTRY = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL) - |^---- start|^Orderly is serving")
_EXCEPTION = re.compile(r"^[\w.]+(Error|Exception)\b")


def server_errors(log: str) -> list[str]:
    """The server log's errors: a 500 logs "unhandled error", and anything at ERROR counts
    (a database gone under a push is a 503 and a warning: sync/push.py re-raises it rather
    than storing the mutation as a server bug). Warnings are fine (asyncpg's own about a lost
    connection comes with a traceback)."""
    entries: list[list[str]] = []
    for line in log.splitlines():
        if _ENTRY.match(line) or not entries:
            entries.append([line])
        else:
            entries[-1].append(line)
    bad = []
    for entry in entries:
        head = entry[0]
        if "unhandled error" in head or head.startswith(("ERROR - ", "CRITICAL - ")):
            raised = [line for line in entry if _EXCEPTION.match(line)]
            bad.append("\n".join(entry[:1] + raised[-1:]))
    return bad


def assert_no_server_errors(log: str) -> None:
    bad = server_errors(log)
    assert not bad, "\n".join(bad[:20])


class TcpProxy:
    """A TCP proxy in this process between a server and PostgreSQL: ``cut()`` drops every
    connection and refuses new ones (the database gone, for this server only), ``resume()``
    lets connections through again. Other users of the PostgreSQL server see nothing."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()

    async def resume(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        self._server = None
        for w in list(self._writers):
            w.transport.abort()
        self._writers.clear()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
