"""The admin console's list pages at scale: ``python -m tests.bench.bench_admin_lists``.

    python -m tests.bench.bench_admin_lists                      # 100,000 orders, 1,000 devices
    python -m tests.bench.bench_admin_lists --orders 20000 --no-postgres   # a quick run

The database is filled by bulk SQL, not through the sync engine: 100,000 orders through the
engine take a minute on SQLite and four on PostgreSQL (docs/benchmarks.md, push), and how rows got
there does not change how fast they are read. The rows have the engine's shape (sync columns,
buckets, status history, the audit hash chain) and the tables are made by the migrations, so the
indexes are the real ones. Loaded: 100,000 orders × 3 lines, 1,000 users each with a device, 2,000
customers, one ``order.create`` in mutation_log per order plus a transition for half, 50,000 scans,
2,000 conflicts, 100,000 audit entries. Then the planner statistics are refreshed (``ANALYZE``, as
after any bulk load) and a real server (uvicorn, ``orderly serve``'s app) answers on loopback.

Each endpoint: 3 warm-up requests, then ``--repeat`` timed ones (wall time of the whole HTTP
exchange, httpx keep-alive); p50 and p95. Next to each orders row, the raw limit of the same
machine in the same run: the same query (count + page, server/admin/orders/queries.py) run in-process on
the database, without HTTP; next to the others, ``GET /api/health`` (the HTTP floor).
Progress on stderr, the markdown table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from server.admin.listing import encode_cursor
from server.admin.orders import queries as admin_orders
from server.admin.orders.schemas import Filters
from server.audit import entry_hash
from server.auth.tokens import ensure_user, issue_token
from server.config import Settings
from server.db.sql import open_database
from sync import buckets as bk
from tests.bench import PgDatabases, fresh_sqlite, http_server, say

TARGET_MS = 300
WAREHOUSES = [(f"wh-{i}", f"W{i}", f"Warehouse {i}") for i in range(1, 6)]
PRODUCTS = [(f"p-{i:03d}", f"SKU-{i:03d}", f"Product {i}", 300 + 25 * i) for i in range(50)]
CHANNELS = ["field", "field", "field", "phone", "web"]
OPEN = ["submitted", "on_hold", "confirmed", "picking", "packed"]
SYNCED = ("id", "version", "field_versions", "updated_by", "deleted", "buckets")
CHUNK = 20_000


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Fill:
    """Every table's rows, generated (seeded) and handed to a loader in chunks."""

    def __init__(self, n_orders: int, n_devices: int, seed: int = 11) -> None:
        self.n, self.n_devices = n_orders, n_devices
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)
        self.seq = 0
        roles = ["sales"] * 7 + ["warehouse"] * 2 + ["finance", "support"]
        self.users = [
            (f"u-{k:05d}", f"user {k:05d}", roles[k % len(roles)],
             WAREHOUSES[k % len(WAREHOUSES)][0] if roles[k % len(roles)] == "warehouse" else None)
            for k in range(n_devices)
        ]  # fmt: skip
        self.reps = [u[0] for u in self.users if u[2] == "sales"]
        self.pickers = [u[0] for u in self.users if u[2] == "warehouse"]
        self.device_of = {u[0]: f"d-{k:05d}" for k, u in enumerate(self.users)}
        self.customers = [(f"c-{k:05d}", self.reps[k % len(self.reps)]) for k in range(2000)]
        self.order_ids: list[str] = []

    def version(self) -> int:
        self.seq += 1
        return self.seq

    def synced(self, row_id: str, by: str, buckets: bk.Buckets) -> tuple:
        return (row_id, self.version(), "{}", f"{by}/{self.device_of.get(by, '-')}", False,
                bk.encode(buckets))  # fmt: skip

    def tables(self) -> Iterator[tuple[str, tuple[str, ...], list[tuple]]]:
        rng, now = self.rng, self.now
        made = iso(now - timedelta(days=400))
        yield (
            "users",
            ("id", "name", "role", "warehouse_id", "disabled", "created_at"),
            [(*u, False, made) for u in self.users],
        )
        yield "devices", ("id", "user_id", "name", "platform", "app_version", "code",
                          "created_at", "last_seen_at", "last_sync_at", "pending_count",
                          "revoked"), [
            (self.device_of[u[0]], u[0], f"phone of {u[1]}", "Android 14", "1.4.0",
             f"{k:06X}"[-6:], made, iso(now - timedelta(hours=rng.randint(0, 200))),
             iso(now - timedelta(hours=rng.randint(0, 200))), rng.choice([0, 0, 0, 2]),
             k % 97 == 0)
            for k, u in enumerate(self.users)
        ]  # fmt: skip
        yield (
            "warehouses",
            (*SYNCED, "code", "name"),
            [(*self.synced(i, "u-admin", bk.CATALOG), c, n) for i, c, n in WAREHOUSES],
        )
        yield "products", (*SYNCED, "sku", "name", "unit_price", "unit", "active", "safety_stock",
                           "reorder_point"), [
            (*self.synced(i, "u-admin", bk.CATALOG), s, n, p, "pcs", True, 10, 20)
            for i, s, n, p in PRODUCTS
        ]  # fmt: skip
        yield "customers", (*SYNCED, "name", "phone", "owner_id", "created_at"), [
            (*self.synced(cid, rep, bk.for_customer({"owner_id": rep})), f"Customer {cid[2:]}",
             f"+86 21 {cid[2:]}", rep, made)
            for cid, rep in self.customers
        ]  # fmt: skip
        yield from self._orders()
        yield from self._events()

    def _orders(self) -> Iterator[tuple[str, tuple[str, ...], list[tuple]]]:
        rng, now, n = self.rng, self.now, self.n
        order_cols = (*SYNCED, "number", "customer_id", "owner_id", "status", "priority",
                      "due_date", "notes_hlc", "warehouse_id", "assignee_id", "channel", "total",
                      "status_history", "created_at", "updated_at")  # fmt: skip
        line_cols = (*SYNCED, "order_id", "product_id", "qty", "unit_price")
        log_cols = ("client_id", "mutation_id", "name", "args", "hlc", "user_id", "device_id",
                    "status", "received_at")  # fmt: skip
        orders, lines, log = [], [], []
        mids: dict[str, int] = {}
        start = now - timedelta(days=365)
        for k in range(n):
            created = start + timedelta(seconds=k * 365 * 86400 / n + rng.random())
            age = (now - created).days
            status = (rng.choice(["completed"] * 8 + ["cancelled", "returned"]) if age > 30
                      else rng.choice(OPEN + ["shipped", "delivered", "completed", "draft"]))  # fmt: skip
            cid, rep = rng.choice(self.customers)
            wh = rng.choice(WAREHOUSES)[0] if rng.random() < 0.9 else None
            picked = rng.choice(self.pickers) if wh and rng.random() < 0.3 else None
            due = (created.date() + timedelta(days=rng.randint(2, 20))).isoformat()
            oid = f"o-{k:07d}"
            self.order_ids.append(oid)
            total = 0
            for j in range(3):
                pid, _, _, price = PRODUCTS[(k * 7 + j * 13) % len(PRODUCTS)]
                qty = rng.randint(1, 12)
                total += qty * price
                lines.append((*self.synced(f"l-{k:07d}-{j}", rep, bk.for_order(
                    {"owner_id": rep, "warehouse_id": wh})), oid, pid, qty, price))  # fmt: skip
            at = iso(created)
            history = [{"to": "submitted", "at": at, "by": rep, "hlc": at}]
            if status not in ("submitted", "draft"):
                history.append({"from": "submitted", "to": status, "at": at, "by": "u-admin",
                                "hlc": at})  # fmt: skip
            updated = iso(min(now, created + timedelta(hours=rng.randint(0, 72))))
            orders.append((
                *self.synced(oid, rep, bk.for_order({"owner_id": rep, "warehouse_id": wh})),
                f"SO-{k:08d}", cid, rep, status, rng.choice(["high", "normal", "normal", "low"]),
                due, "", wh, picked, rng.choice(CHANNELS), total, json.dumps(history), at,
                updated,
            ))  # fmt: skip
            client = f"client-{rep}"
            mids[client] = mids.get(client, 0) + 1
            args = {"id": oid, "number": f"SO-{k:08d}", "customer_id": cid, "status": "submitted"}
            log.append((client, mids[client], "order.create", json.dumps(args), at, rep,
                        self.device_of[rep], "applied", at))  # fmt: skip
            if k % 2:
                mids[client] += 1
                args = {"id": oid, "from": "submitted", "to": "confirmed"}
                log.append((client, mids[client], "order.transition", json.dumps(args), at, rep,
                            self.device_of[rep], rng.choice(["applied"] * 9 + ["rejected"]),
                            updated))  # fmt: skip
            if len(orders) >= CHUNK:
                yield "orders", order_cols, orders
                yield "order_lines", line_cols, lines
                yield "mutation_log", log_cols, log
                orders, lines, log = [], [], []
        yield "orders", order_cols, orders
        yield "order_lines", line_cols, lines
        yield "mutation_log", log_cols, log

    def _events(self) -> Iterator[tuple[str, tuple[str, ...], list[tuple]]]:
        rng, now = self.rng, self.now
        scans = []
        for k in range(self.n // 2):
            picker = rng.choice(self.pickers)
            at = iso(now - timedelta(seconds=rng.randint(0, 365 * 86400)))
            scans.append((*self.synced(f"s-{k:07d}", picker, {"all"}),
                          rng.choice(["view", "pick", "pack", "ship"]),
                          rng.choice(["valid"] * 20 + ["forged", "revoked"]), None, None,
                          rng.choice(self.order_ids), None, None, self.device_of[picker], picker,
                          at, at))  # fmt: skip
        yield "scans", (*SYNCED, "action", "result", "code", "token_id", "order_id", "product_id",
                        "warehouse_id", "device_id", "user_id", "at", "received_at"), scans  # fmt: skip
        conflicts = []
        for k in range(self.n // 50):
            rep = rng.choice(self.reps)
            oid = rng.choice(self.order_ids)
            conflicts.append((*self.synced(f"x-{k:06d}", rep, {"all", f"rep:{rep}"}), "field",
                              "normal", rng.choice(["open", "resolved", "resolved"]), "orders",
                              oid, "priority", '"normal"', '"high"', '"low"', "changed since",
                              "{}", rep, self.device_of[rep], f"client-{rep}",
                              iso(now - timedelta(seconds=rng.randint(0, 90 * 86400)))))  # fmt: skip
        yield "conflicts", (*SYNCED, "kind", "severity", "status", "table_name", "row_id",
                            "field", "base_value", "server_value", "client_value", "reason",
                            "mutation", "user_id", "device_id", "client_id",
                            "created_at"), conflicts  # fmt: skip

    def audit(self, head_seq: int, head_hash: str) -> tuple[list[tuple], int, str]:
        """``n`` audit entries chained on the head (the hashes verify)."""
        rows, prev, seq = [], head_hash, head_seq
        start = self.now - timedelta(days=365)
        for k in range(self.n):
            seq += 1
            at = iso(start + timedelta(seconds=k * 365 * 86400 / self.n))
            actor = self.reps[k % len(self.reps)]
            subject = f"client-{actor}#{k}"
            detail = '{"name":"order.create"}'
            digest = entry_hash(prev, seq, at, actor, "mutation.applied", subject, detail)
            rows.append((seq, at, actor, "mutation.applied", subject, detail, prev, digest))
            prev = digest
        return rows, seq, prev


# ---- loading ----------------------------------------------------------------------------------

AUDIT_COLS = ("seq", "at", "actor_id", "action", "subject", "detail", "prev_hash", "hash")


def load_sqlite(path: Path, fill: Fill) -> None:
    con = sqlite3.connect(str(path), isolation_level=None)
    con.execute("BEGIN")
    for table, cols, rows in fill.tables():
        if rows:
            marks = ", ".join("?" * len(cols))
            con.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
    seq, head = con.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    rows, seq, head = fill.audit(seq, head)
    con.executemany(f"INSERT INTO audit_log ({', '.join(AUDIT_COLS)}) VALUES "
                    f"({', '.join('?' * len(AUDIT_COLS))})", rows)  # fmt: skip
    con.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, head))
    con.execute("UPDATE sync_state SET last_seq = ? WHERE id = 1", (fill.seq,))
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.close()


async def load_pg(url: str, fill: Fill) -> None:
    con = await asyncpg.connect(url)
    try:
        async with con.transaction():
            for table, cols, rows in fill.tables():
                if rows:
                    await con.copy_records_to_table(table, records=rows, columns=list(cols))
            seq, head = await con.fetchrow("SELECT seq, hash FROM audit_head WHERE id = 1")
            rows, seq, head = fill.audit(seq, head)
            await con.copy_records_to_table("audit_log", records=rows, columns=list(AUDIT_COLS))
            await con.execute("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", seq, head)
            await con.execute("UPDATE sync_state SET last_seq = $1 WHERE id = 1", fill.seq)
        await con.execute("ANALYZE")
    finally:
        await con.close()


# ---- timing -----------------------------------------------------------------------------------


def pct(times: list[float], p: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] * 1000


def timed_http(client: httpx.Client, path: str, params: dict[str, Any], repeat: int) -> list[float]:
    out = []
    for i in range(repeat + 3):
        t0 = time.perf_counter()
        r = client.get(path, params=params)
        spent = time.perf_counter() - t0
        if r.status_code != 200:
            raise RuntimeError(f"{path} {params}: {r.status_code} {r.text[:200]}")
        if i >= 3:
            out.append(spent)
    return out


async def timed_call(work: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    out = []
    for i in range(repeat + 3):
        t0 = time.perf_counter()
        await work()
        if i >= 3:
            out.append(time.perf_counter() - t0)
    return out


def cases(fill: Fill, deep: str, today: str) -> list[tuple[str, str, dict[str, Any]]]:
    month = (date.fromisoformat(today) - timedelta(days=60)).isoformat()[:8]
    rep, picker = fill.reps[3], fill.pickers[5]
    return [
        ("orders: first page", "/api/admin/orders", {}),
        ("orders: q = number part", "/api/admin/orders", {"q": "0004321"}),
        ("orders: q = customer name", "/api/admin/orders", {"q": "customer 01234"}),
        ("orders: status = picking", "/api/admin/orders", {"status": "picking"}),
        ("orders: status = completed", "/api/admin/orders", {"status": "completed"}),
        ("orders: priority = high", "/api/admin/orders", {"priority": "high"}),
        ("orders: overdue", "/api/admin/orders", {"overdue": "true"}),
        ("orders: warehouse", "/api/admin/orders", {"warehouse_id": "wh-2"}),
        ("orders: rep (owner)", "/api/admin/orders", {"owner_id": rep}),
        ("orders: assignee", "/api/admin/orders", {"assignee_id": picker}),
        ("orders: channel = web", "/api/admin/orders", {"channel": "web"}),
        ("orders: created in a month", "/api/admin/orders",
         {"created_from": f"{month}01", "created_to": f"{month}28"}),
        ("orders: synced last 2 days", "/api/admin/orders",
         {"synced_from": (date.fromisoformat(today) - timedelta(days=2)).isoformat()}),
        ("orders: rep + warehouse + status", "/api/admin/orders",
         {"owner_id": rep, "warehouse_id": "wh-1", "status": "completed"}),
        ("orders: deep page (row 50,000) by cursor", "/api/admin/orders", {"cursor": deep}),
    ]  # fmt: skip


def filters_of(params: dict[str, Any]) -> tuple[Filters, str | None]:
    p = dict(params)
    cursor = p.pop("cursor", None)
    statuses = admin_orders.statuses_of([p.pop("status")] if "status" in p else None)
    overdue = p.pop("overdue", None) == "true"
    return Filters(statuses=statuses, overdue=overdue, **p), cursor


async def run_one(settings: Settings, fill: Fill, db_name: str, repeat: int) -> list[list[str]]:
    db = await open_database(settings)
    try:
        admin_id, _ = await ensure_user(db, "bench-admin", "admin")
        token = await issue_token(db, admin_id, "bench")
        async with db.read() as conn:
            row = await conn.fetchrow(
                "SELECT created_at, id FROM orders ORDER BY created_at DESC, id DESC"
                " LIMIT 1 OFFSET ?", (min(50_000, fill.n - 1),),
            )  # fmt: skip
        deep = encode_cursor(row["created_at"], row["id"], of="orders")
        today = admin_orders.today()
        raws: dict[str, list[float]] = {}
        for name, _, params in cases(fill, deep, today):
            f, cursor = filters_of(params)
            raws[name] = await timed_call(
                lambda f=f, cursor=cursor: admin_orders.page(db, f, 50, cursor), repeat
            )
        raws["orders: overdue count"] = await timed_call(
            lambda: admin_orders.overdue_count(db), repeat
        )
        one = fill.order_ids[len(fill.order_ids) // 3]
        raws["order detail + timeline"] = await timed_call(
            lambda: admin_orders.detail(db, one), repeat
        )
    finally:
        await db.close()
    out: list[list[str]] = []
    with http_server(settings) as base, httpx.Client(
        base_url=base, headers={"authorization": f"Bearer {token}"}, timeout=120
    ) as client:  # fmt: skip
        health = timed_http(client, "/api/health", {}, repeat)
        floor = f"{pct(health, 0.5):.1f} / {pct(health, 0.95):.1f} (health)"
        plan = [*cases(fill, deep, today),
                ("orders: overdue count", "/api/admin/orders/overdue/count", {}),
                ("order detail + timeline", f"/api/admin/orders/{one}", {}),
                ("devices (all, unpaged)", "/api/admin/devices", {}),
                ("users (all, unpaged)", "/api/admin/users", {}),
                ("audit: first page", "/api/admin/audit", {}),
                ("audit: action filter", "/api/admin/audit", {"action": "mutation.applied"})]  # fmt: skip
        for name, path, params in plan:
            say(f"  {db_name}: {name}")
            times = timed_http(client, path, params, repeat)
            p50, p95 = pct(times, 0.5), pct(times, 0.95)
            raw = raws.get(name)
            limit = f"{pct(raw, 0.5):.1f} / {pct(raw, 0.95):.1f} (query)" if raw else floor
            ok = "yes" if p95 < TARGET_MS else "**no**"
            out.append([name, db_name, f"{p50:.1f}", f"{p95:.1f}", limit, ok])
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.bench.bench_admin_lists",
                                description=__doc__.split("\n")[0])  # fmt: skip
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--devices", type=int, default=1_000)
    p.add_argument("--repeat", type=int, default=20, help="timed requests per endpoint")
    p.add_argument("--no-postgres", action="store_true")
    args = p.parse_args(argv)
    started = datetime.now(UTC)
    rows: list[list[str]] = []
    fills: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="orderly-bench-lists-") as tmp:
        settings = asyncio.run(fresh_sqlite(Path(tmp), "lists"))
        say(f"SQLite: filling {args.orders:,} orders, {args.devices:,} devices")
        t0 = time.perf_counter()
        fill = Fill(args.orders, args.devices)
        load_sqlite(settings.sqlite_path, fill)
        fills["SQLite"] = time.perf_counter() - t0
        say(f"  {fills['SQLite']:.1f} s")
        rows += asyncio.run(run_one(settings, fill, "SQLite", args.repeat))
    if not args.no_postgres:
        pg = PgDatabases()

        async def postgres() -> list[list[str]]:
            if not await pg.available():
                say("PostgreSQL: not reachable; skipped")
                return []
            try:
                settings = await pg.fresh("lists")
                say(f"PostgreSQL: filling {args.orders:,} orders, {args.devices:,} devices")
                t0 = time.perf_counter()
                fill = Fill(args.orders, args.devices)
                await load_pg(settings.database_url, fill)
                fills["PostgreSQL"] = time.perf_counter() - t0
                say(f"  {fills['PostgreSQL']:.1f} s")
                return await run_one(settings, fill, "PostgreSQL", args.repeat)
            finally:
                await pg.drop_all()

        rows += asyncio.run(postgres())
    print(
        f"Run {started:%Y-%m-%d %H:%M} UTC, {(datetime.now(UTC) - started).seconds} s; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}; {args.orders:,} orders × 3 lines, {args.devices:,} users and "
        f"devices, {args.orders // 2:,} scans, {args.orders // 50:,} conflicts, "
        f"{args.orders:,} audit entries; fill by bulk SQL "
        + ", ".join(f"{k} {v:.0f} s" for k, v in fills.items())
        + f"; {args.repeat} timed requests each (uvicorn, loopback, keep-alive); ms.\n"
    )
    print("| endpoint | database | p50 ms | p95 ms | raw limit p50 / p95 ms | p95 < 300 ms |")
    print("|---|---|---:|---:|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
