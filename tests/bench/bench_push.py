"""Push throughput: a sales rep's device pushing ``order.create`` (3 lines each), 100 per push.

Engine: ``sync.push.push`` on ``SqlSyncStore`` (the server's path minus HTTP). HTTP: the same
requests as JSON to ``POST /api/sync/push`` of a real uvicorn server, with a bearer token. The
clock runs only around the push itself; building the requests is the client's work.
"""

from __future__ import annotations

import time

import httpx
import msgspec

from server.config import Settings
from server.db.sql import open_database
from server.db.sync_store import SqlSyncStore
from sync.protocol import PushResponse
from sync.push import push
from tests.bench import LINES, Orders, Result, World, say

CLIENT_ID = "bench-rep-device-1"


def _check(resp: PushResponse, sent: int) -> None:
    bad = [r for r in resp.results if r.status != "applied"]
    if bad or len(resp.results) != sent:
        raise RuntimeError(f"push did not apply every order: {bad[:3]}")


async def engine(settings: Settings, world: World, total: int, db_name: str) -> Result:
    db = await open_database(settings)
    store = SqlSyncStore(db)
    spent, done, next_report = 0.0, 0, time.monotonic() + 15
    try:
        for req in Orders(world.customers).batches(total, CLIENT_ID):
            t0 = time.perf_counter()
            resp = await push(store, world.rep, req)
            spent += time.perf_counter() - t0
            _check(resp, len(req.mutations))
            done += len(req.mutations)
            if time.monotonic() > next_report:
                say(f"  push engine {db_name}: {done:,}/{total:,} ({done / spent:,.0f} orders/s)")
                next_report = time.monotonic() + 15
    finally:
        await db.close()
    return Result(
        "push", "engine", db_name, total, total * (1 + LINES), spent, total / spent, "orders/s"
    )


def http(base: str, token: str, world: World, total: int, db_name: str) -> Result:
    enc, dec = msgspec.json.Encoder(), msgspec.json.Decoder(PushResponse)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    spent, sent_bytes, done, next_report = 0.0, 0, 0, time.monotonic() + 15
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        for req in Orders(world.customers).batches(total, CLIENT_ID):
            body = enc.encode(req)
            t0 = time.perf_counter()
            r = client.post("/api/sync/push", content=body)
            r.raise_for_status()
            resp = dec.decode(r.content)
            spent += time.perf_counter() - t0
            _check(resp, len(req.mutations))
            sent_bytes += len(body)
            done += len(req.mutations)
            if time.monotonic() > next_report:
                say(f"  push HTTP {db_name}: {done:,}/{total:,} ({done / spent:,.0f} orders/s)")
                next_report = time.monotonic() + 15
    return Result(
        "push", "HTTP + JSON (uvicorn, loopback)", db_name, total, total * (1 + LINES), spent,
        total / spent, "orders/s", extra={"request_bytes_per_order": sent_bytes / total},
    )  # fmt: skip
