"""Load: many devices pushing and pulling, many idle event streams, one server on loopback.

    python -m tests.bench.load --db sqlite --devices 1000 --streams 3000 --seconds 60
    python -m tests.bench.load --db postgres --devices 1000 --streams 3000 --seconds 60
    python -m tests.bench.load --db sqlite --devices 50 --streams 100 --seconds 10   # a quick look

A fresh database (an SQLite file, or a PostgreSQL database made for the run and dropped after
it) gets the catalog (two warehouses, ten products) and one sales rep per device, each with an
API token, written in bulk in one transaction before the server starts. Then ``orderly serve``
runs in its own process (it inherits the raised open-file limit) and this process, one asyncio
loop, plays:

- ``--streams`` idle ``GET /api/sync/events`` connections, opened first (bearer tokens of the
  reps, in turn) and held for the whole run; each counts the pokes it hears. A stream that ends
  before the run does is an error.
- ``--devices`` devices, each the Python sync client (sync/client.py over HttpTransport, its own
  connection): an initial pull, then a rep's rhythm until the time is up: think (``--think``, a
  random 1-5 s), queue an order (three lines) offline — a new customer first on every fifth
  visit — then push the outbox and pull with its cursor. Devices start spread over the first
  think time, as a fleet does.

Recorded per operation: count, errors (an exception, a non-2xx answer, or a mutation the server
did not apply), p50/p95/p99 latency, throughput over the measured window; the server's CPU (from
/proc), this process's CPU and its event-loop lag (a loaded generator inflates every latency it
measures, so it is shown). At the end every order a device saw acknowledged is looked up in the
database: all must be there. Next to it, the raw limits of the same machine in the same run:
``GET /api/health`` round trips with the same number of concurrent clients and no think time
(the HTTP floor of this server), and the raw insert rate of tests/bench/raw.py.

Progress on stderr; a markdown summary on stdout (``--json FILE`` also writes the figures).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from server.auth.tokens import PREFIX, hash_token
from server.config import Settings
from server.db.sql import open_database
from sync.context import now_iso
from sync.ids import uuid7
from tests.bench import PRODUCTS, WAREHOUSES, Orders, PgDatabases, build_world, fresh_sqlite, raw
from tests.device.client import SyncClient
from tests.device.transport import HttpTransport
from tests.processes import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
APPLIED = frozenset({"applied", "merged", "duplicate"})
TICKS = os.sysconf("SC_CLK_TCK")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def raise_file_limit() -> int:
    """The open-file limit up to the hard limit (a server started after inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---- the fleet: reps with tokens, written in bulk ---------------------------------------------


@dataclass
class Rep:
    user_id: str
    token: str


async def make_reps(settings: Settings, n: int) -> list[Rep]:
    """``n`` sales reps, each with an API token (as ``orderly token`` makes them, but in one
    transaction: a thousand CLI runs would take minutes)."""
    db = await open_database(settings)
    reps = [Rep(uuid7(), PREFIX + os.urandom(24).hex()) for _ in range(n)]
    now = now_iso()
    try:
        async with db.write() as conn:
            await conn.executemany(
                "INSERT INTO users (id, name, role, warehouse_id, disabled, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(r.user_id, f"load-rep-{k:05d}", "sales", None, False, now)
                 for k, r in enumerate(reps)],
            )  # fmt: skip
            await conn.executemany(
                "INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, revoked)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(uuid7(), r.user_id, hash_token(r.token), "load", now, False) for r in reps],
            )
    finally:
        await db.close()
    return reps


async def stored_orders(settings: Settings, ids: list[str]) -> int:
    """How many of the order ``ids`` the database holds."""
    db = await open_database(settings)
    found = 0
    try:
        async with db.read() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found += await conn.fetchval(
                    f"SELECT COUNT(*) FROM orders WHERE id IN ({marks})", chunk
                )
    finally:
        await db.close()
    return found


# ---- the server --------------------------------------------------------------------------------


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process and its children (workers), from /proc."""
        total = 0.0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / TICKS
        return total


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    kids = [int(p) for p in found]
    return kids + [k for p in kids for k in _children(p)]


@contextmanager
def serving(settings: Settings, log: Path, workers: int = 1, **extra: str) -> Iterator[Served]:
    """``orderly serve`` (``--workers``) on a free loopback port, until the block ends."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLY_")}
    env |= {"ORDERLY_HOST": "127.0.0.1", "ORDERLY_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    env["ORDERLY_DATA_DIR"] = str(settings.data_dir)
    if settings.is_postgres:
        env["ORDERLY_DATABASE_URL"] = settings.database_url
    env |= extra
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, 60, log)
        yield Served(url, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- measuring ---------------------------------------------------------------------------------


@dataclass
class Op:
    """One kind of operation: latencies of the successful ones, and the failures by kind."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def ok(self, seconds: float) -> None:
        self.latencies.append(seconds)

    def fail(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]

    def summary(self, window: float) -> dict[str, Any]:
        n = len(self.latencies)
        return {
            "count": n,
            "errors": self.error_count,
            "error_kinds": dict(self.errors),
            "per_s": n / window if window else 0.0,
            "p50_ms": self.pct(50) * 1000,
            "p95_ms": self.pct(95) * 1000,
            "p99_ms": self.pct(99) * 1000,
            "max_ms": max(self.latencies, default=float("nan")) * 1000,
        }


def _kind(exc: BaseException) -> str:
    text = str(exc).split("\n")[0][:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class Run:
    """What one load run saw."""

    push: Op = field(default_factory=lambda: Op("push"))
    pull: Op = field(default_factory=lambda: Op("pull"))
    first_pull: Op = field(default_factory=lambda: Op("initial pull"))
    stream: Op = field(default_factory=lambda: Op("stream connect"))
    mutations: int = 0  # acknowledged as applied
    rejected: dict[str, int] = field(default_factory=dict)
    order_ids: list[str] = field(default_factory=list)
    pokes: int = 0
    streams_open: int = 0
    streams_dropped: int = 0
    left_pending: int = 0  # mutations still in an outbox when the devices stopped
    waits: dict[str, int] = field(default_factory=dict)  # PostgreSQL: connection states seen
    wait_samples: int = 0
    lag: list[float] = field(default_factory=list)
    machine_busy: float = 0.0  # the whole machine, 1.0 = every core busy, in the window
    measuring: bool = False


# ---- event streams -----------------------------------------------------------------------------


async def _read_chunk(reader: asyncio.StreamReader) -> bytes:
    """One chunk of a chunked body (b"" at its end)."""
    size_line = await reader.readline()
    if not size_line:
        raise ConnectionError("the server closed the stream")
    size = int(size_line.split(b";")[0].strip() or b"0", 16)
    data = await reader.readexactly(size + 2)  # the chunk and its CRLF
    return data[:-2]


async def event_stream(
    host: str, port: int, token: str, run: Run, opened: asyncio.Event, stop: asyncio.Event
) -> None:
    """One idle ``GET /api/sync/events`` held open until ``stop``: counts pokes."""
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as e:
        run.stream.fail(_kind(e))
        opened.set()
        return
    connected = False
    try:
        writer.write(
            f"GET /api/sync/events HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise ConnectionError(f"status {status.decode(errors='replace').strip()}")
        chunked = False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower():
                chunked = True
        buffer = b""
        while not stop.is_set():
            data = await (_read_chunk(reader) if chunked else reader.read(65536))
            if not data:
                raise ConnectionError("the server ended the stream")
            buffer += data.replace(b"\r\n", b"\n")  # Litestar ends SSE lines with CRLF
            *events, buffer = buffer.split(b"\n\n")
            for event in events:
                if b"event: hello" in event and not connected:
                    connected = True
                    run.stream.ok(time.perf_counter() - started)
                    run.streams_open += 1
                    opened.set()
                elif b"event: poke" in event and run.measuring:
                    run.pokes += 1
    except asyncio.CancelledError:
        pass
    except (OSError, ConnectionError, ValueError, asyncio.IncompleteReadError) as e:
        if not stop.is_set():
            if connected:
                run.streams_dropped += 1
                run.stream.fail(f"dropped: {_kind(e)}")
            else:
                run.stream.fail(_kind(e))
    finally:
        if connected:
            run.streams_open -= 1
        opened.set()
        writer.close()


# ---- devices -----------------------------------------------------------------------------------


class Device:
    """One rep's device: the Python sync client over its own HTTP connection."""

    def __init__(
        self, k: int, rep: Rep, url: str, run: Run, tls: ssl.SSLContext, timeout: float
    ) -> None:
        self.k, self.run = k, run
        self.rng = random.Random(k)
        self.http = httpx.AsyncClient(timeout=timeout, verify=tls)
        self.client = SyncClient(
            HttpTransport(url, rep.token, client=self.http), f"load-{k:05d}", user_id=rep.user_id
        )
        self.customers: list[str] = []
        self.visits = 0
        self.sent: dict[int, str] = {}  # mutation id -> order id, for the orders

    def visit(self) -> None:
        """A rep at a customer, offline: maybe a new customer, then an order."""
        c = self.client
        if not self.customers or self.visits % 5 == 0:
            m = c.upsert_customer(
                f"Load customer {self.k}-{self.visits}",
                phone=f"+86 21 {self.k:04d} {self.visits:04d}",
                address=f"{self.visits} Load Street",
                region=self.rng.choice(["East", "West"]),
            )
            self.customers.append(m.args["id"])
        lines = [
            {"product_id": pid, "qty": self.rng.randint(1, 12), "unit_price": price}
            for pid, _, _, price in self.rng.sample(PRODUCTS, 3)
        ]
        m = c.create_order(
            f"L{self.k:05d}-{self.visits:05d}",
            self.rng.choice(self.customers),
            lines,
            priority=self.rng.choice(["high", "normal", "normal", "low"]),
            warehouse_id=self.rng.choice(WAREHOUSES)[0],
            due_date=f"2026-12-{self.rng.randint(1, 28):02d}",
        )
        self.sent[m.id] = m.args["id"]
        self.visits += 1

    async def timed(self, op: Op, call: Any) -> Any:
        started = time.perf_counter()
        try:
            result = await call
        except Exception as e:  # counted, never fatal: the outbox is kept for the next push
            op.fail(_kind(e))
            return None
        if self.run.measuring or op is self.run.first_pull:
            op.ok(time.perf_counter() - started)
        return result

    async def push(self) -> None:
        results = await self.timed(self.run.push, self.client.push())
        for r in results or ():
            if r.status in APPLIED:
                if self.run.measuring:
                    self.run.mutations += 1
                if r.id in self.sent:
                    self.run.order_ids.append(self.sent.pop(r.id))
            else:
                what = f"{r.status}: {r.error or ''}"[:120]
                self.run.rejected[what] = self.run.rejected.get(what, 0) + 1

    async def live(self, think: tuple[float, float], stop: asyncio.Event) -> None:
        try:
            await asyncio.sleep(self.rng.uniform(0, think[1]))
            await self.timed(self.run.first_pull, self.client.pull())
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), self.rng.uniform(*think))
                    break
                except TimeoutError:
                    pass
                self.visit()
                await self.push()
                await self.timed(self.run.pull, self.client.pull())
            if self.client.pending:  # what a failed push left: sent before the device stops
                await self.push()
        finally:
            await self.http.aclose()


async def _watch_lag(run: Run, stop: asyncio.Event, every: float = 0.1) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(every)
        if run.measuring:
            run.lag.append(time.perf_counter() - t - every)


# ---- a run -------------------------------------------------------------------------------------


@dataclass
class Result:
    db: str
    devices: int
    streams: int
    seconds: float
    run: Run
    server_cpu: float  # server CPU seconds / window seconds (1.0 = one core)
    generator_cpu: float
    health: Op | None = None
    health_window: float = 0.0
    raw_insert: float | None = None  # orders/s
    stored: int = 0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def errors(self) -> int:
        r = self.run
        return (
            r.push.error_count
            + r.pull.error_count
            + r.first_pull.error_count
            + r.stream.error_count
            + sum(r.rejected.values())
            + (len(r.order_ids) - self.stored)
            + r.left_pending
        )

    def as_dict(self) -> dict[str, Any]:
        r, w = self.run, self.seconds
        lag = sorted(r.lag) or [0.0]
        return {
            "db": self.db,
            "devices": self.devices,
            "streams": self.streams,
            "seconds": w,
            "push": r.push.summary(w),
            "pull": r.pull.summary(w),
            "initial_pull": r.first_pull.summary(w),
            "stream_connect": r.stream.summary(w),
            "mutations": r.mutations,
            "mutations_per_s": r.mutations / w,
            "rejected": r.rejected,
            "orders_acknowledged": len(r.order_ids),
            "orders_stored": self.stored,
            "pokes": r.pokes,
            "streams_dropped": r.streams_dropped,
            "left_pending": r.left_pending,
            "pg_connections": {
                k: round(v / r.wait_samples, 2)
                for k, v in sorted(r.waits.items(), key=lambda kv: -kv[1])
            }
            if r.wait_samples
            else {},
            "server_cpu": self.server_cpu,
            "generator_cpu": self.generator_cpu,
            "machine_busy": r.machine_busy,
            "loop_lag_p50_ms": lag[len(lag) // 2] * 1000,
            "loop_lag_p99_ms": lag[min(len(lag) - 1, int(0.99 * len(lag)))] * 1000,
            "health": self.health.summary(self.health_window) if self.health else None,
            "raw_insert_orders_per_s": self.raw_insert,
            "errors": self.errors(),
            "load_average": self.load,
        }


async def health_floor(url: str, clients: int, seconds: float, tls: ssl.SSLContext) -> Op:
    """``GET /api/health`` as fast as ``clients`` connections can ask it (no think time)."""
    op = Op("health")
    stop = time.perf_counter() + seconds

    async def one(k: int) -> None:
        async with httpx.AsyncClient(timeout=60, verify=tls) as http:
            await asyncio.sleep(k / clients)  # spread the connects over the first second
            while time.perf_counter() < stop:
                started = time.perf_counter()
                try:
                    resp = await http.get(f"{url}/api/health")
                    if resp.status_code != 200:
                        op.fail(f"HTTP {resp.status_code}")
                        continue
                except httpx.HTTPError as e:
                    op.fail(_kind(e))
                    continue
                op.ok(time.perf_counter() - started)

    await asyncio.gather(*(one(k) for k in range(clients)))
    return op


async def drive(
    served: Served,
    reps: list[Rep],
    devices: int,
    streams: int,
    seconds: float,
    think: tuple[float, float] = (1.0, 5.0),
    timeout: float = 120.0,
    pg_url: str = "",
) -> tuple[Run, float, float, float]:
    """The streams, then the devices for ``seconds`` (after a warm-up of one think time).
    Returns (run, window seconds, server CPU share, generator CPU share)."""
    run, stop, stream_stop = Run(), asyncio.Event(), asyncio.Event()
    url = served.url
    host, port = url.removeprefix("http://").split(":")
    tls = ssl.create_default_context()  # one for all clients (httpx makes one per client)
    lag = asyncio.create_task(_watch_lag(run, stream_stop))

    say(f"  opening {streams:,} event streams")
    opened_at = time.perf_counter()
    stream_tasks = []
    for k in range(streams):
        opened = asyncio.Event()
        stream_tasks.append(
            asyncio.create_task(
                event_stream(host, int(port), reps[k % len(reps)].token, run, opened, stream_stop)
            )
        )
        if k % 100 == 99:
            await opened.wait()  # a hundred at a time in flight: a fleet coming online
    while run.streams_open + run.stream.error_count < streams:
        await asyncio.sleep(0.05)
        if time.perf_counter() - opened_at > 120:
            run.stream.fail("not open within 120 s")
            break
    say(
        f"  {run.streams_open:,} streams open in {time.perf_counter() - opened_at:.1f} s "
        f"({run.stream.error_count} failed); starting {devices:,} devices"
    )

    fleet = [Device(k, reps[k], url, run, tls, timeout) for k in range(devices)]
    tasks = [asyncio.create_task(d.live(think, stop)) for d in fleet]
    await asyncio.sleep(think[1] + 1)  # every device has started and made its first pull
    say(f"  warmed up ({len(run.first_pull.latencies):,} initial pulls); measuring {seconds:.0f} s")
    cpu0, mine0, t0 = served.cpu_seconds(), _own_cpu(), time.perf_counter()
    busy0, all0 = _machine_busy()
    run.measuring = True
    if pg_url:
        await _sample_waits(pg_url, run, seconds)
    else:
        await asyncio.sleep(seconds)
    run.measuring = False
    window = time.perf_counter() - t0
    cpu, mine = served.cpu_seconds() - cpu0, _own_cpu() - mine0
    busy1, all1 = _machine_busy()
    run.machine_busy = (busy1 - busy0) / max(all1 - all0, 1e-9)
    say(f"  stopping the devices ({run.streams_open:,} streams still open)")
    stop.set()
    await asyncio.gather(*tasks)
    run.left_pending = sum(d.client.pending for d in fleet)
    stream_stop.set()
    for t in stream_tasks:
        t.cancel()
    await asyncio.gather(*stream_tasks, return_exceptions=True)
    await lag
    return run, window, cpu / window, mine / window


async def _sample_waits(url: str, run: Run, seconds: float) -> None:
    """What the server's PostgreSQL connections are doing, ten times a second: where time goes
    (a connection waiting on a lock shows ``Lock: tuple`` / ``transactionid`` / ``advisory``)."""
    con = await asyncpg.connect(url)
    try:
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            rows = await con.fetch(
                "SELECT state, wait_event_type, wait_event FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
            )
            for r in rows:
                what = r["state"] or "?"
                if r["wait_event_type"]:
                    what += f" / {r['wait_event_type']}: {r['wait_event']}"
                run.waits[what] = run.waits.get(what, 0) + 1
            run.wait_samples += 1
            await asyncio.sleep(min(0.1, left))
    finally:
        await con.close()


def _machine_busy() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine so far, from /proc/stat: every process
    counted, the database's and the load generator's too."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / TICKS, sum(fields[:8]) / TICKS


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def prepare(settings: Settings, devices: int) -> list[Rep]:
    await build_world(settings)  # warehouses, products (and a rep of its own with customers)
    return await make_reps(settings, devices)


def load_run(
    settings: Settings,
    db: str,
    devices: int,
    streams: int,
    seconds: float,
    *,
    think: tuple[float, float] = (1.0, 5.0),
    health_seconds: float = 0.0,
    log: Path,
    server_env: dict[str, str] | None = None,
    workers: int = 1,
) -> Result:
    """One whole run against a fresh ``settings`` database: seed, serve, drive, check."""
    t = time.perf_counter()
    reps = asyncio.run(prepare(settings, devices))
    say(f"  {devices:,} reps with tokens written in {time.perf_counter() - t:.1f} s")
    with serving(settings, log, workers, **(server_env or {})) as served:
        run, window, server_cpu, gen_cpu = asyncio.run(
            drive(served, reps, devices, streams, seconds, think, pg_url=settings.database_url)
        )
        health, hwin = None, 0.0
        if health_seconds:
            say(f"  raw HTTP floor: GET /api/health from {devices:,} clients, {health_seconds} s")
            h0 = time.perf_counter()
            health = asyncio.run(
                health_floor(served.url, devices, health_seconds, ssl.create_default_context())
            )
            hwin = time.perf_counter() - h0
    stored = asyncio.run(stored_orders(settings, run.order_ids))
    return Result(
        db, devices, streams, window, run, server_cpu, gen_cpu, health, hwin, None, stored,
        os.getloadavg(),
    )  # fmt: skip


# ---- the report --------------------------------------------------------------------------------


def markdown(results: list[Result]) -> str:
    head = (
        "| database | operation | count | errors | per second | p50 ms | p95 ms | p99 ms "
        "| max ms |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for res in results:
        d = res.as_dict()
        ops = [("push (1-2 mutations)", d["push"]), ("pull (cursor)", d["pull"]),
               ("initial pull", d["initial_pull"]), ("event stream connect", d["stream_connect"])]  # fmt: skip
        if d["health"]:
            ops.append(("raw: GET /api/health, no think time", d["health"]))
        for name, s in ops:
            rate = "" if name in ("initial pull", "event stream connect") else f"{s['per_s']:,.1f}"
            rows.append(
                f"| {res.db} | {name} | {s['count']:,} | {s['errors']} | {rate} "
                f"| {s['p50_ms']:,.0f} | {s['p95_ms']:,.0f} | {s['p99_ms']:,.0f} "
                f"| {s['max_ms']:,.0f} |"
            )
    out = head + "\n".join(rows) + "\n\n"
    for res in results:
        d = res.as_dict()
        raw_ins = (
            f"; raw insert {d['raw_insert_orders_per_s']:,.0f} orders/s"
            if d["raw_insert_orders_per_s"]
            else ""
        )
        out += (
            f"- {res.db}: {d['devices']:,} devices, {d['streams']:,} streams, "
            f"{d['seconds']:.0f} s measured; **{d['mutations_per_s']:,.1f} mutations/s** "
            f"({d['mutations']:,}), {d['pull']['per_s']:,.1f} pulls/s; orders acknowledged "
            f"{d['orders_acknowledged']:,}, in the database {d['orders_stored']:,}; "
            f"rejected {sum(d['rejected'].values())}, left unsent {d['left_pending']}; streams dropped {d['streams_dropped']}, "
            f"pokes heard {d['pokes']:,}; server CPU {d['server_cpu']:.0%} of a core, "
            f"generator {d['generator_cpu']:.0%}, whole machine {d['machine_busy']:.0%} busy "
            f"(loop lag p50 {d['loop_lag_p50_ms']:.0f} ms, "
            f"p99 {d['loop_lag_p99_ms']:.0f} ms){raw_ins}; load average "
            f"{d['load_average'][0]:.1f}; **errors {d['errors']}**\n"
        )
        for op in ("push", "pull", "initial_pull", "stream_connect"):
            if d[op]["error_kinds"]:
                out += f"  - {op} errors: {d[op]['error_kinds']}\n"
        if d["rejected"]:
            out += f"  - not applied: {d['rejected']}\n"
        if d["pg_connections"]:
            what = ", ".join(f"{k} {v:g}" for k, v in d["pg_connections"].items())
            out += f"  - the server's PostgreSQL connections, on average: {what}\n"
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tests.bench.load", description=__doc__.split("\n")[0]
    )
    p.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    p.add_argument("--devices", type=int, default=1000)
    p.add_argument("--streams", type=int, default=3000)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--think", default="1,5", help="think time between visits: MIN,MAX seconds")
    p.add_argument("--health-seconds", type=float, default=10, help="0 skips the HTTP floor")
    p.add_argument("--raw-orders", type=int, default=20_000, help="0 skips the raw insert rate")
    p.add_argument("--json", type=Path, help="also write the figures here")
    p.add_argument("--workers", type=int, default=1, help="orderly serve --workers (PostgreSQL)")
    p.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="ORDERLY_X=V",
        help="a setting for the server (e.g. ORDERLY_POKE_MIN_INTERVAL=5); repeatable",
    )
    args = p.parse_args(argv)
    think = tuple(float(x) for x in args.think.split(","))
    server_env = dict(kv.split("=", 1) for kv in args.server_env)
    limit = raise_file_limit()
    need = args.devices + args.streams + 200
    if limit < need:
        say(f"the open-file limit is {limit}, below the {need} this run needs: raise ulimit -Hn")
        return 2
    started = datetime.now(UTC)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="orderly-load-") as tmp:
        root = Path(tmp)
        for db in args.db or ["sqlite", "postgres"]:
            say(f"{db}: {args.devices:,} devices, {args.streams:,} streams, {args.seconds:.0f} s")
            if db == "sqlite":
                settings = asyncio.run(fresh_sqlite(root, "load"))
                res = load_run(settings, "SQLite", args.devices, args.streams, args.seconds,
                               think=think, health_seconds=args.health_seconds,
                               log=root / "server-sqlite.log", server_env=server_env)  # fmt: skip
                if args.raw_orders:
                    raw_path = asyncio.run(fresh_sqlite(root, "raw")).sqlite_path
                    res.raw_insert = raw.push_sqlite(
                        raw_path, Orders(["c"] * 50), "u-raw", args.raw_orders, many=True
                    ).rate
            else:
                pg = PgDatabases()
                if not asyncio.run(pg.available()):
                    say(f"PostgreSQL: not reachable at {pg.admin_url}; skipped")
                    continue
                try:
                    settings = asyncio.run(pg.fresh("load"))
                    settings = settings.with_(data_dir=root / "pg-data")
                    res = load_run(settings, "PostgreSQL", args.devices, args.streams,
                                   args.seconds, think=think, health_seconds=args.health_seconds,
                                   log=root / "server-pg.log", server_env=server_env,
                                   workers=args.workers)  # fmt: skip
                    if args.raw_orders:
                        raw_db = asyncio.run(pg.fresh("raw"))
                        res.raw_insert = asyncio.run(
                            raw.push_pg(
                                raw_db.database_url, Orders(["c"] * 50), "u-raw", args.raw_orders
                            )  # fmt: skip
                        ).rate
                finally:
                    asyncio.run(pg.drop_all())
            results.append(res)
            say(markdown([res]))
    print(
        f"Run {started:%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; think time {think[0]:g}-{think[1]:g} s; open-file limit "
        f"{limit:,}; {args.workers} server process(es)"
        f"{'; server ' + ' '.join(args.server_env) if args.server_env else ''}.\n"
    )
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps([r.as_dict() for r in results], indent=2, default=str))
    return 0 if all(r.errors() == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
