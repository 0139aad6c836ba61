"""IndexedDB apply rate in the browser: an initial sync's pages applied by the PWA's store.

    python -m tests.bench.bench_idb                 # 25,000 orders x 3 lines (~100,000 rows)
    python -m tests.bench.bench_idb --orders 2000   # a quick run

The pages are real: a SQLite server gets the orders through the engine, a sales rep's initial
sync is pulled (limit 5000) and the response bodies are kept. Headless Chromium then opens the
app from a real ``orderly`` server and, in the page, parses every body first (not timed), then
times two ways of writing the same rows into IndexedDB, each into a fresh database:

- the PWA: ``store.applyPull(page)`` for each page (pwa/js/store.js: one Dexie transaction per
  page over every table, bulkPut per table, cursor and meta, the pending-mutation overlay);
- the raw limit of this machine: a plain Dexie ``bulkPut`` of each page's rows per table, one
  transaction per page, same schema.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from server.db.sql import open_database
from server.db.sync_store import SqlSyncStore
from sync.protocol import PullRequest
from sync.pull import pull
from tests.bench import (
    LINES,
    PAGE,
    bench_push,
    build_world,
    catalog_rows,
    fresh_sqlite,
    http_server,
    say,
)

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

# Runs in the page: both ways, each on the same parsed pages, each into a fresh database.
_IN_PAGE = """
async ({pages, runs}) => {
 try {
  const { default: Dexie } = await import('dexie');
  const { openStore } = await import('/js/store.js');
  const { useVocabulary } = await import('/js/core/vocab.js');
  const { openDb, ROW_TABLES } = await import('/js/db.js');
  useVocabulary(await (await fetch('/shared/vocabulary.json')).json());
  const bodies = [];
  for (let i = 0; i < pages; i++) bodies.push(await (await fetch(`/bench/page/${i}`)).json());
  const rows = bodies.reduce((n, b) => n + b.changes.length, 0);
  const out = {rows, pages, store: [], raw: []};
  for (let run = 0; run < runs; run++) {
    const user = `bench-${run}-${Date.now()}`;
    const store = await openStore({user: {id: user, role: 'sales'}, device: {code: 'BEN'}});
    let t0 = performance.now();
    for (const body of bodies) await store.applyPull(body);
    out.store.push(performance.now() - t0);
    const stored = await Promise.all(ROW_TABLES.map((t) => store.db.table(t).count()));
    out.stored = stored.reduce((a, b) => a + b, 0);
    store.close();
    await Dexie.delete(`orderly-${user}`);

    const raw = openDb(`raw-${user}`);
    await raw.open();
    t0 = performance.now();
    for (const body of bodies) {
      const byTable = {};
      for (const c of body.changes) (byTable[c.t] ??= []).push(c.row);
      if (!body.changes.length) continue;
      await raw.transaction('rw', Object.keys(byTable), async () => {
        for (const [t, list] of Object.entries(byTable)) await raw.table(t).bulkPut(list);
      });
    }
    out.raw.push(performance.now() - t0);
    raw.close();
    await Dexie.delete(`orderly-raw-${user}`);
  }
  return out;
 } catch (e) {
  throw new Error(`${e.name}: ${e.message} ${e.inner ? e.inner.name + ' ' + e.inner.message : ''}`);
 }
}
"""


async def _pages(settings, n: int) -> list[bytes]:
    """Pushes ``n`` orders through the engine and keeps the rep's initial-sync response bodies."""
    world = await build_world(settings)
    await bench_push.engine(settings, world, n, "SQLite")
    db = await open_database(settings)
    enc = msgspec.json.Encoder()
    bodies, cursor = [], None
    try:
        store = SqlSyncStore(db)
        while True:
            req = PullRequest(client_id="bench-idb-rep", schema=1, cursor=cursor, limit=PAGE)
            resp = await pull(store, world.rep, req)
            bodies.append(enc.encode(resp))
            cursor = resp.cursor
            if not resp.more:
                return bodies
    finally:
        await db.close()


def _browser_run(base: str, bodies: list[bytes], runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # The service worker would answer the page's fetches itself, out of the route's reach.
        page = browser.new_context(service_workers="block").new_page()

        def serve(route) -> None:
            i = int(route.request.url.rsplit("/", 1)[1])
            route.fulfill(status=200, content_type="application/json", body=bodies[i])

        page.route("**/bench/page/*", serve)
        page.goto(base.replace("127.0.0.1", "localhost") + "/")
        result = page.evaluate(_IN_PAGE, {"pages": len(bodies), "runs": runs})
        result["chromium"] = browser.version
        browser.close()
        return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_idb", description=__doc__.split("\n")[0]
    )
    p.add_argument("--orders", type=int, default=25_000, help="orders (each 1 + 3 line rows)")
    p.add_argument("--runs", type=int, default=3, help="runs of each way (best is reported)")
    args = p.parse_args(argv)
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="orderly-bench-idb-") as tmp:
        settings = asyncio.run(fresh_sqlite(Path(tmp), "idb"))
        say(f"pushing {args.orders:,} orders and pulling the rep's initial sync")
        bodies = asyncio.run(_pages(settings, args.orders))
        expected = catalog_rows() + args.orders * (1 + LINES)
        say(f"  {len(bodies)} pages, {sum(map(len, bodies)) / 1e6:.1f} MB; applying in Chromium")
        with http_server(settings) as base:
            r = _browser_run(base, bodies, args.runs)
    if r["rows"] != expected or r["stored"] != expected:
        raise RuntimeError(
            f"expected {expected} rows, the pages held {r['rows']}, stored {r['stored']}"
        )
    store_s, raw_s = min(r["store"]) / 1000, min(r["raw"]) / 1000
    rows = r["rows"]
    print(
        f"Run {started:%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"Chromium {r['chromium']}; {args.orders:,} orders x {LINES} lines = {rows:,} rows in "
        f"{r['pages']} pages; best of {args.runs} runs each.\n"
    )
    print("| way | seconds | rows/s | share of raw |")
    print("|---|---:|---:|---:|")
    print(
        f"| raw: plain Dexie bulkPut per table, a transaction per page | {raw_s:.2f} | {rows / raw_s:,.0f} | 100 % |"
    )
    print(
        f"| PWA: store.applyPull per page | {store_s:.2f} | {rows / store_s:,.0f} | "
        f"{100 * raw_s / store_s:.0f} % |"
    )
    print(
        f"\nall runs (ms): store {[round(x) for x in r['store']]}, raw {[round(x) for x in r['raw']]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
