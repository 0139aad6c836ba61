"""Benchmarks (not timed tests, not part of the pytest suite): ``python -m tests.bench``.

What is measured and why is in docs/benchmarks.md. This module holds what the benchmarks share:
fresh databases, the world orders refer to (catalog, users, customers), the orders themselves, a
real uvicorn server on loopback, and the rows of the result table.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from server.auth.tokens import ensure_user, issue_token
from server.cli.serving import UVICORN_STACK
from server.config import Settings
from server.db.migrate import migrate
from server.db.sql import open_database
from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.hlc import Clock
from sync.ids import uuid7
from sync.protocol import MutationIn, PushRequest
from tests.processes import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
BATCH = 100  # orders (mutations) per push, and per raw transaction
LINES = 3  # lines per order
PAGE = 5000  # pull limit, and raw read page
CUSTOMERS = 50
PG_ADMIN_URL = os.environ.get(
    "ORDERLY_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

PRODUCTS = [(f"p-{i:02d}", f"SKU-{i:02d}", f"Product {i}", 500 + 250 * i) for i in range(10)]
WAREHOUSES = [("wh-1", "W1", "Main"), ("wh-2", "W2", "North")]


# ---- results ------------------------------------------------------------------------------


@dataclass
class Result:
    bench: str  # "push" | "initial sync"
    path: str  # "engine" | "HTTP" | "raw sqlite3" ...
    db: str  # "SQLite" | "PostgreSQL"
    orders: int
    rows: int  # rows written (push) or received (sync)
    seconds: float
    rate: float  # orders/s for push, rows/s for sync
    unit: str
    bytes_per_row: float | None = None
    raw: Result | None = None  # the raw limit this one is compared with
    orderly: Result | None = None  # a peer's row: the Orderly row doing the same work
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return self.rate / self.raw.rate if self.raw else None

    @property
    def orderly_ratio(self) -> float | None:
        """Orderly's rate ÷ this peer's: above 100 % Orderly does the same work faster."""
        return self.orderly.rate / self.rate if self.orderly else None


def table(results: list[Result]) -> str:
    head = (
        "| benchmark | path | database | orders | rows | seconds | rate | bytes/row "
        "| raw limit | ratio to raw | Orderly | Orderly ÷ peer |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    out = []
    for r in results:
        bpr = f"{r.bytes_per_row:.0f}" if r.bytes_per_row else ""
        raw = f"{r.raw.rate:,.0f} {r.raw.unit}" if r.raw else ""
        ratio = f"**{r.ratio:.0%}**" if r.ratio is not None else ""
        orderly = f"{r.orderly.rate:,.0f} {r.orderly.unit}" if r.orderly else ""
        vs = f"**{r.orderly_ratio:.0%}**" if r.orderly_ratio is not None else ""
        path = f"{r.path}{' — ' + r.note if r.note else ''}"
        out.append(
            f"| {r.bench} | {path} | {r.db} | {r.orders:,} | {r.rows:,} | {r.seconds:.1f} "
            f"| {r.rate:,.0f} {r.unit} | {bpr} | {raw} | {ratio} | {orderly} | {vs} |"
        )
    return head + "\n".join(out) + "\n"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---- databases ----------------------------------------------------------------------------


async def fresh_sqlite(root: Path, name: str) -> Settings:
    settings = Settings(data_dir=root / name)
    await migrate(settings)
    return settings


class PgDatabases:
    """Fresh PostgreSQL databases made for this run and dropped after it."""

    def __init__(self, admin_url: str = PG_ADMIN_URL) -> None:
        self.admin_url = admin_url
        self.made: list[str] = []

    def url(self, name: str) -> str:
        return f"{self.admin_url.rsplit('/', 1)[0]}/{name}"

    async def available(self) -> bool:
        try:
            con = await asyncpg.connect(self.admin_url, timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await con.close()
        return True

    async def fresh(self, tag: str) -> Settings:
        name = f"orderly_bench_{tag}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        con = await asyncpg.connect(self.admin_url)
        try:
            await con.execute(f'CREATE DATABASE "{name}"')
        finally:
            await con.close()
        self.made.append(name)
        settings = Settings(database_url=self.url(name))
        await migrate(settings)
        return settings

    async def analyze(self, settings: Settings) -> None:
        con = await asyncpg.connect(settings.database_url)
        try:
            await con.execute("ANALYZE")
        finally:
            await con.close()

    async def drop_all(self) -> None:
        if not self.made:
            return
        con = await asyncpg.connect(self.admin_url)
        try:
            for name in self.made:
                await con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await con.close()
        self.made.clear()


# ---- the world orders refer to -------------------------------------------------------------


@dataclass
class World:
    rep: Actor  # the sales rep who pushes every order (so all of them are in its scope)
    admin: Actor
    customers: list[str]
    tokens: dict[str, str]  # "rep"/"admin" -> bearer token


async def build_world(settings: Settings) -> World:
    """Users (with tokens), two warehouses, ten products and the rep's customers."""
    db = await open_database(settings)
    try:
        rep_id, _ = await ensure_user(db, "bench-rep", "sales")
        admin_id, _ = await ensure_user(db, "bench-admin", "admin")
        tokens = {
            "rep": await issue_token(db, rep_id, "bench"),
            "admin": await issue_token(db, admin_id, "bench"),
        }
        store = SqlSyncStore(db)
        admin = Actor(admin_id, "admin")
        rep = Actor(rep_id, "sales")
        await put_rows(
            store,
            admin,
            "warehouses",
            [{"id": i, "code": c, "name": n, "address": f"{n} road 1"} for i, c, n in WAREHOUSES],
        )
        await put_rows(
            store,
            admin,
            "products",
            [
                {"id": i, "sku": s, "name": n, "unit_price": p, "barcode": f"69{k:011d}"}
                for k, (i, s, n, p) in enumerate(PRODUCTS)
            ],
        )
        customers = [uuid7() for _ in range(CUSTOMERS)]
        await put_rows(
            store,
            admin,
            "customers",
            [
                {
                    "id": cid,
                    "name": f"Customer {k}",
                    "phone": f"+86 21 5555 {1000 + k}",
                    "address": f"{k} Market Street",
                    "region": "East" if k % 2 else "West",
                    "owner_id": rep_id,
                    "created_at": "2026-11-23T10:00:00.000Z",
                }
                for k, cid in enumerate(customers)
            ],
        )
        return World(rep=rep, admin=admin, customers=customers, tokens=tokens)
    finally:
        await db.close()


def catalog_rows() -> int:
    """Rows ``build_world`` writes that every client pulls (warehouses, products, customers)."""
    return len(WAREHOUSES) + len(PRODUCTS) + CUSTOMERS


def expected_rows(orders: int, signing_keys: int) -> dict[str, int]:
    """Rows per table a full initial sync brings: the world, the orders and their lines, and the
    ``signing_keys`` rows in the database (``signing_key_rows``)."""
    rows = {
        "warehouses": len(WAREHOUSES),
        "products": len(PRODUCTS),
        "customers": CUSTOMERS,
        "orders": orders,
        "order_lines": orders * LINES,
        "signing_keys": signing_keys,
    }
    return {table: n for table, n in rows.items() if n}


async def signing_key_rows(settings: Settings) -> int:
    """The live ``signing_keys`` rows (catalog: every client pulls them). The benchmark writes
    none; a server writes one per key of its own when it starts (server/qr/keys.py ``publish``),
    so a sync through a started server brings them and one through the engine alone does not.
    Counted, not assumed: how many keys a server has is its business."""
    db = await open_database(settings)
    try:
        async with db.read() as conn:
            return int(
                await conn.fetchval("SELECT count(*) FROM signing_keys WHERE deleted = ?", [False])
            )
    finally:
        await db.close()


class Orders:
    """``order.create`` arguments with three lines each, the same shape in every benchmark."""

    def __init__(self, customers: list[str], seed: int = 7) -> None:
        self.customers = customers
        self.rng = random.Random(seed)
        self.clock = Clock("bench-device")

    def args(self, n: int) -> dict[str, Any]:
        rng = self.rng
        lines = [
            {"id": uuid7(), "product_id": pid, "qty": rng.randint(1, 12), "unit_price": price}
            for pid, _, _, price in rng.sample(PRODUCTS, LINES)
        ]
        return {
            "id": uuid7(),
            "number": f"B{n:08d}",
            "customer_id": rng.choice(self.customers),
            "lines": lines,
            "priority": rng.choice(["high", "normal", "normal", "low"]),
            "warehouse_id": rng.choice(WAREHOUSES)[0],
            "due_date": f"2026-12-{rng.randint(1, 28):02d}",
            "notes": rng.choice([None, None, "ring twice", "leave at the back door"]),
        }

    def batches(self, total: int, client_id: str) -> Iterator[PushRequest]:
        for start in range(0, total, BATCH):
            muts = [
                MutationIn(
                    id=start + i + 1,
                    name="order.create",
                    args=self.args(start + i),
                    hlc=str(self.clock.now()),
                )
                for i in range(min(BATCH, total - start))
            ]
            yield PushRequest(client_id=client_id, schema=1, mutations=muts)


# ---- a real server on loopback -----------------------------------------------------------------


@contextmanager
def http_server(settings: Settings) -> Iterator[str]:
    """``server.app:create_app`` under uvicorn in its own process, as ``orderly serve`` runs it."""
    port = free_port()
    env = {**os.environ, "ORDERLY_PORT": str(port)}
    if settings.is_postgres:
        env["ORDERLY_DATABASE_URL"] = settings.database_url
    else:
        env["ORDERLY_DATA_DIR"] = str(settings.data_dir)
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", "--no-access-log",
            *(f"--{k}={v}" for k, v in UVICORN_STACK.items()),  # as orderly serve runs it
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, 60)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
