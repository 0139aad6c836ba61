"""The raw limits of this machine, measured in the same run as the engine.

Push: plain sqlite3 (stdlib, WAL, synchronous=NORMAL, the app's cache size) inserting the same
order and order line rows the engine stores (every column, sync columns included) into the same
migrated schema (same indexes), 100 orders per transaction. Twice: one ``execute`` per row, and
``executemany`` per table per transaction (the floor of what Python can ask of SQLite).

Initial sync: plain sqlite3 ``SELECT`` of the same rows (the columns a client receives, in id
order, pages of 5000 via ``fetchmany``) turned into dicts and encoded with ``msgspec.json``.

PostgreSQL: the same with asyncpg (``executemany`` per table per transaction; a server-side
cursor read in pages of 5000).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from sync import buckets as bk
from sync.context import now_iso
from sync.tables import SERVER_ONLY, SYNCED_TABLES
from tests.bench import BATCH, LINES, PAGE, Orders, Result

_json = msgspec.json.Encoder()


def stored_rows(
    args: dict[str, Any], owner_id: str, seq: int, hlc: str, now: str
) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """The rows ``order.create`` stores for ``args`` (as sync/rules/orders.py and sync/writer.py
    build them), with change sequences from ``seq + 1``. Returns (order, lines, last seq)."""
    client_id, by = "bench-raw-client", f"{owner_id}/-"
    order = {
        "id": args["id"],
        "number": args["number"],
        "customer_id": args["customer_id"],
        "owner_id": owner_id,
        "status": "submitted",
        "priority": args["priority"],
        "due_date": args["due_date"],
        "notes": args["notes"],
        "notes_hlc": hlc,
        "delivery_address": None,
        "warehouse_id": args["warehouse_id"],
        "assignee_id": None,
        "channel": "field",
        "total": sum(ln["qty"] * ln["unit_price"] for ln in args["lines"]),
        "status_history": _json.encode(
            [{"to": "submitted", "at": now, "by": owner_id, "hlc": hlc}]
        ).decode(),
        "created_at": now,
        "updated_at": now,
    }
    buckets = bk.encode(bk.for_order(order))

    def meta(row: dict[str, Any], s: int) -> dict[str, Any]:
        fields = [k for k in row if k != "id"]
        return {
            **row,
            "version": s,
            "field_versions": _json.encode(dict.fromkeys(fields, (s, client_id))).decode(),
            "updated_by": by,
            "deleted": False,
            "buckets": buckets,
        }

    seq += 1
    order = meta(order, seq)
    lines = []
    for ln in args["lines"]:
        seq += 1
        lines.append(meta({"id": ln["id"], "order_id": args["id"], **{
            k: ln[k] for k in ("product_id", "qty", "unit_price")}}, seq))  # fmt: skip
    return order, lines, seq


def _batches(orders: Orders, owner_id: str, total: int):
    """Per batch of 100 orders: (order rows, line rows), built before the clock starts."""
    seq = 0
    for start in range(0, total, BATCH):
        now = now_iso()
        os_, ls = [], []
        for n in range(start, min(start + BATCH, total)):
            o, lines, seq = stored_rows(orders.args(n), owner_id, seq, str(orders.clock.now()), now)
            os_.append(o)
            ls.extend(lines)
        yield os_, ls


def _insert_sql(table: str, row: dict[str, Any], marks: str = "?") -> str:
    cols = list(row)
    if marks == "?":
        values = ",".join("?" * len(cols))
    else:
        values = ",".join(f"${i + 1}" for i in range(len(cols)))
    return f"INSERT INTO {table} ({','.join(cols)}) VALUES ({values})"


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA cache_size=-65536")
    return con


def push_sqlite(path: Path, orders: Orders, owner_id: str, total: int, many: bool) -> Result:
    con = _connect(path)
    spent = 0.0
    try:
        for os_, ls in _batches(orders, owner_id, total):
            o_sql, l_sql = _insert_sql("orders", os_[0]), _insert_sql("order_lines", ls[0])
            o_vals = [tuple(r.values()) for r in os_]
            l_vals = [tuple(r.values()) for r in ls]
            t0 = time.perf_counter()
            con.execute("BEGIN IMMEDIATE")
            if many:
                con.executemany(o_sql, o_vals)
                con.executemany(l_sql, l_vals)
            else:
                for k, o in enumerate(o_vals):
                    con.execute(o_sql, o)
                    for line in l_vals[k * LINES : (k + 1) * LINES]:
                        con.execute(l_sql, line)
            con.execute("COMMIT")
            spent += time.perf_counter() - t0
    finally:
        con.close()
    how = "executemany" if many else "execute per row"
    return Result(
        "push", f"raw sqlite3 ({how})", "SQLite", total, total * (1 + LINES), spent,
        total / spent, "orders/s",
    )  # fmt: skip


def _wire_columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] not in SERVER_ONLY]


def read_sqlite(path: Path, orders: int) -> Result:
    """Every row a full-scope client receives, read and encoded with nothing in between."""
    con = _connect(path)
    rows = nbytes = 0
    try:
        t0 = time.perf_counter()
        con.execute("BEGIN")
        for table in SYNCED_TABLES:
            names = _wire_columns(con, table)
            cur = con.execute(
                f"SELECT {','.join(names)} FROM {table} WHERE deleted = 0 ORDER BY id"
            )
            while page := cur.fetchmany(PAGE):
                body = _json.encode([dict(zip(names, r, strict=True)) for r in page])
                rows += len(page)
                nbytes += len(body)
        con.execute("ROLLBACK")
        spent = time.perf_counter() - t0
    finally:
        con.close()
    return Result(
        "initial sync", "raw sqlite3 SELECT + msgspec", "SQLite", orders, rows, spent,
        rows / spent, "rows/s", nbytes / rows,
    )  # fmt: skip


# ---- PostgreSQL ----------------------------------------------------------------------------


async def push_pg(url: str, orders: Orders, owner_id: str, total: int) -> Result:
    con = await asyncpg.connect(url)
    spent = 0.0
    try:
        for os_, ls in _batches(orders, owner_id, total):
            o_sql = _insert_sql("orders", os_[0], "$")
            l_sql = _insert_sql("order_lines", ls[0], "$")
            o_vals = [tuple(r.values()) for r in os_]
            l_vals = [tuple(r.values()) for r in ls]
            t0 = time.perf_counter()
            async with con.transaction():
                await con.executemany(o_sql, o_vals)
                await con.executemany(l_sql, l_vals)
            spent += time.perf_counter() - t0
    finally:
        await con.close()
    return Result(
        "push", "raw asyncpg (executemany)", "PostgreSQL", total, total * (1 + LINES), spent,
        total / spent, "orders/s",
    )  # fmt: skip


async def read_pg(url: str, orders: int) -> Result:
    con = await asyncpg.connect(url)
    rows = nbytes = 0
    try:
        t0 = time.perf_counter()
        async with con.transaction(isolation="repeatable_read", readonly=True):
            for table in SYNCED_TABLES:
                names = [
                    r["column_name"]
                    for r in await con.fetch(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_name = $1 ORDER BY ordinal_position",
                        table,
                    )
                    if r["column_name"] not in SERVER_ONLY
                ]
                cur = await con.cursor(
                    f"SELECT {','.join(names)} FROM {table} WHERE deleted = false ORDER BY id"
                )
                while page := await cur.fetch(PAGE):
                    body = _json.encode([dict(r) for r in page])
                    rows += len(page)
                    nbytes += len(body)
        spent = time.perf_counter() - t0
    finally:
        await con.close()
    return Result(
        "initial sync", "raw asyncpg SELECT + msgspec", "PostgreSQL", orders, rows, spent,
        rows / spent, "rows/s", nbytes / rows,
    )  # fmt: skip
