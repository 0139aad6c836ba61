"""Initial sync: a client pulls with a null cursor, limit 5000, until ``more`` is false.

Engine: ``sync.pull.pull`` on ``SqlSyncStore``, each response encoded with ``msgspec.json`` as
the server sends it (bytes/row = size of the response bodies / rows received). HTTP: the same
pulls as JSON to ``POST /api/sync/pull`` of a real uvicorn server with a bearer token; the client
decodes each body (it needs the cursor), which is in the time.

Both count the rows received per table, off the clock, and fail unless they are what the
database holds (``expected_rows``): the world, the orders and lines, the server's signing keys.
"""

from __future__ import annotations

import time
from collections import Counter

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


class _Change(msgspec.Struct):
    t: str  # the table; the row itself is skipped, as a client would hand it on undecoded


class _Page(msgspec.Struct):
    cursor: str
    more: bool
    changes: list[_Change]


def _client_id(who: str, how: str) -> str:
    return f"bench-{who.replace(' ', '-')}-{how}"


def _check(got: Counter[str], expected: dict[str, int], where: str) -> None:
    if dict(got) != expected:
        raise RuntimeError(
            f"{where}: the initial sync brought {dict(sorted(got.items()))},"
            f" expected {dict(sorted(expected.items()))}"
        )


async def engine(
    settings: Settings,
    actor: Actor,
    who: str,
    orders: int,
    expected: dict[str, int],
    db_name: str,
) -> Result:
    db = await open_database(settings)
    store = SqlSyncStore(db)
    nbytes = pulls = 0
    spent = 0.0
    got: Counter[str] = Counter()
    cursor = None
    try:
        while True:
            t0 = time.perf_counter()
            req = PullRequest(
                client_id=_client_id(who, "engine"), schema=1, cursor=cursor, limit=PAGE
            )
            resp = await pull(store, actor, req)
            nbytes += len(_enc.encode(resp))
            spent += time.perf_counter() - t0
            got.update(c.t for c in resp.changes)
            pulls += 1
            cursor = resp.cursor
            if not resp.more:
                break
    finally:
        await db.close()
    _check(got, expected, f"engine {who}")
    rows = got.total()
    return Result(
        "initial sync", f"engine, {who}", db_name, orders, rows, spent, rows / spent, "rows/s",
        nbytes / rows, extra={"pulls": pulls},
    )  # fmt: skip


def http(
    base: str, token: str, who: str, orders: int, expected: dict[str, int], db_name: str
) -> Result:
    dec = msgspec.json.Decoder(_Page)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    nbytes = pulls = 0
    spent = 0.0
    got: Counter[str] = Counter()
    cursor = None
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        while True:
            t0 = time.perf_counter()
            body = _enc.encode(
                PullRequest(client_id=_client_id(who, "http"), schema=1, cursor=cursor, limit=PAGE)
            )
            r = client.post("/api/sync/pull", content=body)
            r.raise_for_status()
            page = dec.decode(r.content)
            spent += time.perf_counter() - t0
            nbytes += len(r.content)
            got.update(c.t for c in page.changes)
            pulls += 1
            cursor = page.cursor
            if not page.more:
                break
    _check(got, expected, f"HTTP {who}")
    rows = got.total()
    return Result(
        "initial sync", f"HTTP + JSON (uvicorn, loopback), {who}", db_name, orders, rows, spent,
        rows / spent, "rows/s", nbytes / rows, extra={"pulls": pulls},
    )  # fmt: skip
