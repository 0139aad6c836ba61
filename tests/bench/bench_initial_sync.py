"""Initial sync: a client pulls with a null cursor, limit 5000, until ``more`` is false.

Engine: ``sync.pull.pull`` on ``SqlSyncStore``, each response encoded with ``msgspec.json`` as
the server sends it (bytes/row = size of the response bodies / rows received). HTTP: the same
pulls as JSON to ``POST /api/sync/pull`` of a real uvicorn server with a bearer token; the client
decodes each body (it needs the cursor), which is in the time.
"""

from __future__ import annotations

import time

import httpx
import msgspec

from server.config import Settings
from server.db.sql import open_database
from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.protocol import PullRequest
from sync.pull import pull
from tests.bench import PAGE, Result

_enc = msgspec.json.Encoder()


class _Page(msgspec.Struct):
    cursor: str
    more: bool
    changes: list[msgspec.Raw]


def _client_id(who: str, how: str) -> str:
    return f"bench-{who.replace(' ', '-')}-{how}"


def _check(rows: int, expected: int, where: str) -> None:
    if rows != expected:
        raise RuntimeError(f"{where}: the initial sync brought {rows} rows, expected {expected}")


async def engine(
    settings: Settings, actor: Actor, who: str, orders: int, expected: int, db_name: str
) -> Result:
    db = await open_database(settings)
    store = SqlSyncStore(db)
    rows = nbytes = pulls = 0
    cursor = None
    try:
        t0 = time.perf_counter()
        while True:
            req = PullRequest(
                client_id=_client_id(who, "engine"), schema=1, cursor=cursor, limit=PAGE
            )
            resp = await pull(store, actor, req)
            nbytes += len(_enc.encode(resp))
            rows += len(resp.changes)
            pulls += 1
            cursor = resp.cursor
            if not resp.more:
                break
        spent = time.perf_counter() - t0
    finally:
        await db.close()
    _check(rows, expected, f"engine {who}")
    return Result(
        "initial sync", f"engine, {who}", db_name, orders, rows, spent, rows / spent, "rows/s",
        nbytes / rows, extra={"pulls": pulls},
    )  # fmt: skip


def http(base: str, token: str, who: str, orders: int, expected: int, db_name: str) -> Result:
    dec = msgspec.json.Decoder(_Page)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    rows = nbytes = pulls = 0
    cursor = None
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        t0 = time.perf_counter()
        while True:
            body = _enc.encode(
                PullRequest(client_id=_client_id(who, "http"), schema=1, cursor=cursor, limit=PAGE)
            )
            r = client.post("/api/sync/pull", content=body)
            r.raise_for_status()
            page = dec.decode(r.content)
            nbytes += len(r.content)
            rows += len(page.changes)
            pulls += 1
            cursor = page.cursor
            if not page.more:
                break
        spent = time.perf_counter() - t0
    _check(rows, expected, f"HTTP {who}")
    return Result(
        "initial sync", f"HTTP + JSON (uvicorn, loopback), {who}", db_name, orders, rows, spent,
        rows / spent, "rows/s", nbytes / rows, extra={"pulls": pulls},
    )  # fmt: skip
