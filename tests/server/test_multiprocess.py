"""Several server processes on one PostgreSQL (docs/operations.md §2): ``orderly serve --workers``.

The multi-process tests need PostgreSQL, so they run in the PostgreSQL pass (``make
test-postgres``, ``ORDERLY_TEST_DB=postgres``), which CI runs on every change; the SQLite pass
leaves them out and says so (tests/conftest.py). SQLite serves one process: ``--workers`` above
1 is refused there, which the first test checks on either database.

- Many clients push concurrently through three worker processes while pulling all the time; at
  the end every client holds every row at its latest version: the pull cursor skipped no change
  that a concurrent writer committed late (change sequences are handed out under the
  ``sync_state`` row lock held to commit, server/db/sync_store.py).
- A poke reaches event streams held open on other worker processes than the one that took the
  push (NOTIFY/LISTEN, server/pokes_pg.py), and a LISTEN connection cut by the database comes
  back by itself.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from server.auth.tokens import ensure_user, issue_token
from server.config import Settings
from server.db.sql import open_database
from server.db.sync_store import SqlSyncStore
from server.pokes_pg import APPLICATION_NAME, PokeListener
from sync.context import Actor
from sync.direct import put_rows
from sync.hlc import Clock
from sync.ids import uuid7
from sync.protocol import SCHEMA_VERSION
from sync.tables import SYNCED_TABLES
from tests import dbs as test_dbs
from tests.device.client import SyncClient
from tests.device.transport import HttpTransport
from tests.processes import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
CLIENTS = 24
ROUNDS = 4
START_TIMEOUT = 30.0

# Several processes need PostgreSQL: left out of the SQLite pass (tests/conftest.py).
postgres_only = pytest.mark.postgres_only


def _env(data: Path, port: int, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLY_")}
    return env | {
        "ORDERLY_DATA_DIR": str(data),
        "ORDERLY_DATABASE_URL": database_url,
        "ORDERLY_HOST": "127.0.0.1",
        "ORDERLY_PORT": str(port),
        "ORDERLY_PUBLIC_URL": f"http://localhost:{port}",
        "PYTHONUNBUFFERED": "1",
    }


def test_several_workers_on_sqlite_are_refused_with_the_reason(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--workers", "2"],
        cwd=ROOT,
        env=_env(tmp_path, free_port()),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "needs PostgreSQL" in done.stderr and "one process" in done.stderr
    assert not (tmp_path / "orderly.sqlite3").exists()  # refused before touching anything


# ---- a server with several worker processes ---------------------------------------------------


class Workers:
    """An ``orderly serve --workers N`` process tree on a fresh PostgreSQL database."""

    def __init__(self, settings: Settings, data: Path) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = _env(data, self.port, settings.database_url)
        self.log = data / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--workers", str(WORKERS)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        wait_healthy(self.url, self.process, START_TIMEOUT, self.log)
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server exited:\n{self.output()}"
            # Every worker up: each holds a LISTEN connection once its start is done.
            if len(self.listeners()) == WORKERS:
                return
            time.sleep(0.2)
        pytest.fail(f"{WORKERS} workers not up after {START_TIMEOUT}s:\n{self.output()}")

    def listeners(self) -> list[int]:
        """Server pids of the LISTEN connections of this server's database."""

        async def ask() -> list[int]:
            con = await asyncpg.connect(self.settings.database_url)
            try:
                rows = await con.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = $1"
                    " AND datname = current_database()",
                    APPLICATION_NAME,
                )
                return [r["pid"] for r in rows]
            finally:
                await con.close()

        return asyncio.run(ask())

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def worker_pids(self) -> list[int]:
        """The processes uvicorn started (children of the ``orderly serve`` process)."""
        assert self.process is not None
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry))
        return pids

    def _connections(self) -> dict[str, int]:
        """Established connections to the server's port: socket inode -> client port."""
        out = {}
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
                if state == "01" and int(local.rsplit(":", 1)[1], 16) == self.port:
                    out[inode] = int(remote.rsplit(":", 1)[1], 16)
        return out

    def _holders(self) -> dict[str, int]:
        """Socket inode -> the worker process holding it."""
        out = {}
        for pid in self.worker_pids():
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue
            for fd in fds:
                try:
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:["):
                    out[link[8:-1]] = pid
        return out

    def owner(self, client_port: int) -> int | None:
        """The worker process holding the server end of the connection from ``client_port``."""
        holders = self._holders()
        for inode, port in self._connections().items():
            if port == client_port and inode in holders:
                return holders[inode]
        return None

    def busy(self) -> set[int]:
        """The worker processes holding a client connection right now."""
        holders = self._holders()
        return {holders[i] for i in self._connections() if i in holders}


async def _prepare(settings: Settings, users: int) -> list[str]:
    """The catalog the orders need, and one admin (every row visible) with a token per client."""
    db = await open_database(settings)
    try:
        store, admin = SqlSyncStore(db), Actor("u-admin", "admin")
        await put_rows(store, admin, "warehouses", [{"id": "wh-1", "code": "W1", "name": "Main"}])
        await put_rows(store, admin, "products", [
            {"id": "p-1", "sku": "TEA-1", "name": "Tea", "unit_price": 1200},
            {"id": "p-2", "sku": "CUP-1", "name": "Cup", "unit_price": 300},
        ])  # fmt: skip
        tokens = []
        for i in range(users):
            user_id, _ = await ensure_user(db, f"mp-admin-{i}", "admin", None)
            tokens.append(await issue_token(db, user_id, label="orderly token"))
        return tokens
    finally:
        await db.close()


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    assert test_dbs.KIND == "postgres", "postgres_only tests run in the PostgreSQL pass"
    root = tmp_path_factory.mktemp("multiprocess")
    dbs = test_dbs.TestDatabases(root / "dbs")
    try:
        settings = asyncio.run(dbs.fresh())
        srv = Workers(settings, root)
        srv.tokens = asyncio.run(_prepare(settings, CLIENTS))  # type: ignore[attr-defined]
        srv.start()
        try:
            yield srv
        finally:
            srv.stop()
    finally:
        dbs.drop_all_sync()


# ---- every client ends with every change --------------------------------------------------


async def _client_work(client: SyncClient, n: int, rng: random.Random) -> None:
    """``ROUNDS`` pushes of new customers and orders and edits of earlier ones, while another
    task pulls over and over; the pushes of all clients interleave across the workers."""
    writing = True

    async def keep_pulling() -> None:
        while writing:
            await client.pull()
            await asyncio.sleep(rng.uniform(0.0, 0.05))

    puller = asyncio.create_task(keep_pulling())
    customers: list[str] = []
    orders: list[str] = []
    try:
        for r in range(ROUNDS):
            cust = client.upsert_customer(f"Shop {n}-{r}")
            customers.append(cust.args["id"])
            order = client.create_order(
                f"MP-{n:03d}-{r}",
                cust.args["id"],
                [{"product_id": rng.choice(["p-1", "p-2"]), "qty": r + 1, "unit_price": 300}],
            )
            orders.append(order.args["id"])
            client.update_order(rng.choice(orders), notes=f"round {r} by client {n}")
            client.upsert_customer(
                f"Shop {n}-{r}", rng.choice(customers), phone=f"+1-555-{n:03d}{r}"
            )
            await client.push()
            await asyncio.sleep(rng.uniform(0.0, 0.05))
    finally:
        writing = False
        await puller


async def _database_rows(settings: Settings) -> dict[str, dict[str, int]]:
    """Every live row of every synced table: id -> version."""
    con = await asyncpg.connect(settings.database_url)
    try:
        out = {}
        for table in SYNCED_TABLES:
            rows = await con.fetch(f"SELECT id, version FROM {table} WHERE NOT deleted")
            out[table] = {r["id"]: r["version"] for r in rows}
        return out
    finally:
        await con.close()


def _versions(tables: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, int]]:
    return {t: {i: int(r["version"]) for i, r in tables.get(t, {}).items()} for t in SYNCED_TABLES}


@postgres_only
def test_every_client_ends_with_every_change_pushed_through_several_workers(
    workers: Workers,
) -> None:
    tokens: list[str] = workers.tokens  # type: ignore[attr-defined]

    async def scenario() -> tuple[list[SyncClient], SyncClient, set[int]]:
        # One connection per client, opened anew for every few requests: the kernel spreads
        # them over the workers, so each client's pushes and pulls land on several processes.
        limits = httpx.Limits(max_keepalive_connections=0)
        transports = [
            HttpTransport(workers.url, t, client=httpx.AsyncClient(timeout=30, limits=limits))
            for t in tokens
        ]
        clients = [
            SyncClient(t, f"mp-client-{i:03d}", base_delay=0) for i, t in enumerate(transports)
        ]
        busy: set[int] = set()

        async def watch() -> None:
            while True:
                busy.update(workers.busy())
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch())
        try:
            await asyncio.gather(
                *(_client_work(c, i, random.Random(i)) for i, c in enumerate(clients))
            )
            watcher.cancel()
            # Writes are over: each client pulls to the end from the cursor it kept all along.
            for c in clients:
                await c.pull()
            fresh = SyncClient(HttpTransport(workers.url, tokens[0]), "mp-fresh-snapshot")
            await fresh.pull()
            return clients, fresh, busy
        finally:
            for t in transports:
                await t._http.aclose()

    clients, fresh, busy = asyncio.run(scenario())

    # Every mutation of every client applied, none lost, none rejected.
    for c in clients:
        assert c.pending == 0
        assert {r.status for r in c.results.values()} == {"applied"}, c.results
    expected = asyncio.run(_database_rows(workers.settings))
    assert len(expected["orders"]) == CLIENTS * ROUNDS
    assert len(expected["customers"]) == CLIENTS * ROUNDS
    assert any(v > 1 for v in expected["orders"].values())  # edits, not just inserts
    # Each client's mirror, built from delta pulls raced against other processes' commits, is
    # the database: every row, each at its latest version, and the same as a fresh snapshot.
    for c in clients:
        assert _versions(c.store.tables) == expected, c.client_id
        assert c.store.tables == fresh.store.tables, c.client_id
    # The requests were served by several processes, not one worker doing all the work.
    assert len(busy) >= 2, busy


# ---- pokes cross processes --------------------------------------------------------------


async def _stream(url: str, token: str) -> AsyncIterator[tuple[str, str]]:
    """(event, data) of one event stream on a connection of its own."""
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(20.0)) as http,
        http.stream(
            "GET", url + "/api/sync/events", headers={"Authorization": f"Bearer {token}"}
        ) as response,
    ):
        assert response.status_code == 200
        port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
        yield "port", str(port)
        event, data = "message", []
        async for line in response.aiter_lines():
            if line == "":
                if data:
                    yield event, "\n".join(data)
                event, data = "message", []
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                if name == "event":
                    event = value.strip()
                elif name == "data":
                    data.append(value.removeprefix(" "))


@postgres_only
def test_a_push_pokes_event_streams_held_by_other_worker_processes(workers: Workers) -> None:
    token = workers.tokens[0]  # type: ignore[attr-defined]

    async def scenario() -> None:
        streams: list[AsyncIterator[tuple[str, str]]] = []
        owners: list[int] = []
        try:
            # Open streams until they are held by at least two different workers.
            while len(streams) < 8 or len(set(owners)) < 2:
                assert len(streams) < 40, f"every stream landed on one worker: {owners}"
                s = _stream(workers.url, token)
                streams.append(s)
                event, port = await anext(s)
                assert event == "port"
                assert (await anext(s))[0] == "hello"
                owner = workers.owner(int(port))
                assert owner is not None
                owners.append(owner)

            async with httpx.AsyncClient(base_url=workers.url, timeout=20) as pusher:
                mutation = {"id": 1, "name": "customer.upsert", "hlc": str(Clock("mp-poker").now()),
                            "args": {"id": uuid7(), "name": "Poked", "base_version": 0}}  # fmt: skip
                body = {"client_id": "mp-poker-0001", "schema": SCHEMA_VERSION,
                        "mutations": [mutation]}  # fmt: skip
                r = await pusher.post(
                    "/api/sync/push", json=body, headers={"Authorization": f"Bearer {token}"}
                )
                assert r.status_code == 200, r.text
                assert r.json()["results"][0]["status"] == "applied"
                pusher_port = r.extensions["network_stream"].get_extra_info("client_addr")[1]
                took_push = workers.owner(pusher_port)
                seq = (await pusher.get("/api/health")).json()["last_seq"]
            assert took_push is not None
            assert any(o != took_push for o in owners), (took_push, owners)

            async def poke(s: AsyncIterator[tuple[str, str]]) -> int:
                async for event, data in s:
                    if event == "poke" and int(data) >= seq:
                        return int(data)
                raise AssertionError("the stream ended without a poke")

            waits = [asyncio.create_task(poke(s)) for s in streams]
            done, _ = await asyncio.wait(waits, timeout=10)
            missed = [o for o, w in zip(owners, waits, strict=True) if w not in done]
            assert not missed, f"no poke on streams of workers {missed}; {took_push} took the push"
            assert [w.result() for w in waits] == [seq] * len(streams)
        finally:
            for s in streams:
                await s.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())


# ---- the LISTEN connection comes back -------------------------------------------------------


@postgres_only
async def test_a_poke_listener_cut_off_by_the_database_listens_again(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="orderly.pokes")
    heard: list[int] = []
    listener = await PokeListener(
        settings.database_url, lambda seq, _buckets: heard.append(seq), min_delay=0.1
    ).start()
    db = await open_database(settings)
    try:
        store = SqlSyncStore(db)
        await put_rows(store, Actor("u-admin", "admin"), "warehouses",
                       [{"id": "wh-a", "code": "WA", "name": "A"}])  # fmt: skip
        first = await _last_seq(settings)
        await _until(lambda: first in heard)

        admin = await asyncpg.connect(settings.database_url)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = $1 AND datname = current_database()",
                APPLICATION_NAME,
            )
        finally:
            await admin.close()
        assert killed == 1
        await _until(lambda: listener.connects == 2)

        await put_rows(store, Actor("u-admin", "admin"), "warehouses",
                       [{"id": "wh-b", "code": "WB", "name": "B"}])  # fmt: skip
        second = await _last_seq(settings)
        assert second > first
        await _until(lambda: second in heard)
        said = [r.getMessage() for r in caplog.records if r.name == "orderly.pokes"]
        assert any("connection lost" in m for m in said), said
        assert any("listening again" in m for m in said), said
    finally:
        await listener.close()
        await db.close()


async def _last_seq(settings: Settings) -> int:
    con = await asyncpg.connect(settings.database_url)
    try:
        return int(await con.fetchval("SELECT last_seq FROM sync_state WHERE id = 1"))
    finally:
        await con.close()


async def _until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
