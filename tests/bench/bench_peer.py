"""The peer: pouchdb-server 4.2.0 (CouchDB's replication protocol over LevelDB) doing the work
Orderly's HTTP rows do, on the same machine in the same run.

pouchdb-server is its own npm project in tests/bench/peer/ (pinned by its package-lock.json),
installed by the benchmark on first use (``npm ci`` into tests/bench/peer/node_modules), never
by the PWA or the test suite. Each run starts it on a free loopback port in a temp directory
and stops it after.

Push: the same orders ``Orders`` makes for Orderly, 100 per ``POST /{db}/_bulk_docs`` over one
keep-alive httpx client, either as 4 documents per order (the order and its 3 lines, as
Orderly's rows) or as 1 (the lines inside the order). Building the body is not timed; sending
it and decoding the answer is. Every document must answer ``ok`` and be counted in the
database after. Initial sync: ``GET /{db}/_changes?include_docs=true&limit=5000&since=…`` until
a page comes back short, the client decoding each body (it needs ``last_seq``); documents are
counted per type off the clock and must be every one written.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import msgspec

from tests.bench import BATCH, LINES, PAGE, ROOT, Orders, Result, say
from tests.processes import OUTPUT_TAIL, free_port

PEER_DIR = ROOT / "tests" / "bench" / "peer"
SERVER_BIN = PEER_DIR / "node_modules" / ".bin" / "pouchdb-server"
NAME = "pouchdb-server 4.2.0"
DB = "LevelDB"  # the table's database column


class Unavailable(RuntimeError):
    """The peer cannot run here (no node or npm, or its install failed): its rows are skipped."""


def install() -> None:
    """``npm ci`` the peer's pinned packages unless the lock file installed is the one checked in.
    ``--ignore-scripts``: leveldown loads its prebuilt binary from the package itself, and the
    one install script left (sqlite3's, for a backend the peer does not use) would download."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise Unavailable(f"{tool} is not on PATH")
    installed = PEER_DIR / "node_modules" / ".package-lock.json"
    wanted = PEER_DIR / "package-lock.json"
    if (
        SERVER_BIN.exists()
        and installed.exists()
        and installed.stat().st_mtime >= wanted.stat().st_mtime
    ):
        return
    say("  npm ci in tests/bench/peer (once)")
    done = subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=PEER_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise Unavailable(f"npm ci failed:\n{(done.stdout + done.stderr)[-OUTPUT_TAIL:]}")


@contextmanager
def server(data_dir: Path, timeout: float = 60) -> Iterator[str]:
    """pouchdb-server in its own process, its databases, config and log in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = data_dir / "stdout.txt"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                "node", str(SERVER_BIN), "--host", "127.0.0.1", "--port", str(port),
                "--dir", str(data_dir), "--config", str(data_dir / "config.json"),
                "--no-stdout-logs", "--no-color",
            ],
            cwd=data_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_answering(base, proc, log, timeout)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_answering(base: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    began = time.monotonic()
    with httpx.Client(timeout=2) as http:
        while time.monotonic() - began < timeout:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"pouchdb-server exited with {proc.returncode}:\n"
                    f"{log.read_text(errors='replace')[-OUTPUT_TAIL:]}"
                )
            try:
                if http.get(base + "/").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"pouchdb-server did not answer in {timeout:.0f} s")


# ---- the documents -------------------------------------------------------------------------


def _docs(args: dict[str, Any], embedded: bool) -> list[dict[str, Any]]:
    """An order's documents: its arguments as the order document, the lines inside it or as
    documents of their own that name the order (what Orderly's rows hold of them)."""
    order = {k: v for k, v in args.items() if k not in ("id", "lines")}
    if embedded:
        return [{"_id": args["id"], "type": "order", **order, "lines": args["lines"]}]
    lines = [
        {"_id": line["id"], "type": "line", "order_id": args["id"]}
        | {k: v for k, v in line.items() if k != "id"}
        for line in args["lines"]
    ]
    return [{"_id": args["id"], "type": "order", **order}, *lines]


class _Saved(msgspec.Struct):
    id: str
    ok: bool = False
    error: str | None = None


class _DocHead(msgspec.Struct):
    type: str  # the rest of the document is skipped, as Orderly's client skips its rows


class _Change(msgspec.Struct):
    id: str
    doc: _DocHead


class _Changes(msgspec.Struct):
    results: list[_Change]
    last_seq: int | str


def _path(embedded: bool) -> str:
    return "1 doc per order (lines inside)" if embedded else f"{1 + LINES} docs per order"


def push(base: str, db: str, customers: list[str], total: int, embedded: bool) -> Result:
    """``total`` orders into a new database ``db``, ``BATCH`` per ``_bulk_docs``."""
    enc, dec = msgspec.json.Encoder(), msgspec.json.Decoder(list[_Saved])
    headers = {"content-type": "application/json"}
    orders = Orders(customers)
    spent, sent_bytes, docs, next_report = 0.0, 0, 0, time.monotonic() + 15
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        client.put(f"/{db}").raise_for_status()
        for start in range(0, total, BATCH):
            batch = [
                d
                for n in range(start, min(start + BATCH, total))
                for d in _docs(orders.args(n), embedded)
            ]
            body = enc.encode({"docs": batch})
            t0 = time.perf_counter()
            r = client.post(f"/{db}/_bulk_docs", content=body)
            r.raise_for_status()
            saved = dec.decode(r.content)
            spent += time.perf_counter() - t0
            bad = [s for s in saved if not s.ok]
            if bad or len(saved) != len(batch):
                raise RuntimeError(f"{NAME}: _bulk_docs did not save every document: {bad[:3]}")
            sent_bytes += len(body)
            docs += len(batch)
            if time.monotonic() > next_report:
                done = min(start + BATCH, total)
                say(f"  push {NAME}: {done:,}/{total:,} ({done / spent:,.0f} orders/s)")
                next_report = time.monotonic() + 15
        info = client.get(f"/{db}")
        info.raise_for_status()
        stored = info.json()["doc_count"]
    if stored != docs:
        raise RuntimeError(f"{NAME}: {db} holds {stored} documents, {docs} were saved")
    return Result(
        "push", f"{NAME}, _bulk_docs, {_path(embedded)}", DB, total, docs, spent, total / spent,
        "orders/s", extra={"request_bytes_per_order": sent_bytes / total},
    )  # fmt: skip


def initial_sync(base: str, db: str, total: int, embedded: bool) -> Result:
    """Every document of ``db`` through its changes feed, ``PAGE`` per request."""
    dec = msgspec.json.Decoder(_Changes)
    spent, nbytes, pulls = 0.0, 0, 0
    got: Counter[str] = Counter()
    since: int | str = 0
    with httpx.Client(base_url=base, timeout=120) as client:
        while True:
            t0 = time.perf_counter()
            r = client.get(
                f"/{db}/_changes", params={"include_docs": "true", "limit": PAGE, "since": since}
            )
            r.raise_for_status()
            page = dec.decode(r.content)
            spent += time.perf_counter() - t0
            nbytes += len(r.content)
            got.update(c.doc.type for c in page.results)
            pulls += 1
            since = page.last_seq
            if len(page.results) < PAGE:
                break
    expected = {"order": total} if embedded else {"order": total, "line": total * LINES}
    if dict(got) != expected:
        raise RuntimeError(f"{NAME}: the changes feed of {db} brought {dict(got)}, not {expected}")
    docs = got.total()
    return Result(
        "initial sync", f"{NAME}, _changes, {_path(embedded)}", DB, total, docs, spent,
        docs / spent, "docs/s", nbytes / docs, extra={"pulls": pulls},
    )  # fmt: skip


def run(root: Path, customers: list[str], total: int) -> list[Result]:
    """Both shapes pushed into databases of their own, then each read back: push rows first."""
    install()
    pushes, syncs = [], []
    with server(root / "pouchdb") as base:
        for embedded in (False, True):
            db = "orders-embedded" if embedded else "orders"
            pushes.append(push(base, db, customers, total, embedded))
            say(f"  {pushes[-1].path}: push {pushes[-1].rate:,.0f} orders/s")
            syncs.append(initial_sync(base, db, total, embedded))
            say(f"  {syncs[-1].path}: initial sync {syncs[-1].rate:,.0f} docs/s")
    return pushes + syncs
