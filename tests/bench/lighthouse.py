"""First load on a phone: Lighthouse's performance score of the login page, next to the same
browser's score for a blank page served by the same server (the raw limit of this machine).

    python -m tests.bench.lighthouse                  # 3 runs each, medians
    python -m tests.bench.lighthouse --runs 5
    python -m tests.bench.lighthouse --tree /tmp/before   # another checkout's server and pwa/

Lighthouse comes from npm in tests/bench/lighthouse/ (its own package.json and lock, installed
here with ``npm ci`` when missing: not a dependency of the PWA) and drives Debian's chromium
(``CHROME_PATH=/usr/bin/chromium``, headless, no sandbox) with its default mobile profile: a
Moto G Power sized screen, 4x CPU slowdown and simulated slow 4G (150 ms RTT, 1.6 Mbit/s).

The server is ``orderly serve`` on a fresh data directory, serving a copy of pwa/ that has one
more file, ``/js/blank.html`` (one line of text: Lighthouse fails on a page with nothing
painted), so the blank page goes through the same HTTP stack, headers and compression as the
app. The login page is ``/`` signed out: what a phone shows on its first visit. Each run starts
with empty storage (no service worker, no HTTP cache). Progress on stderr, a markdown table on
stdout; docs/benchmarks.md § First load (Lighthouse) has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.processes import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --no-first-run --disable-component-update"
BLANK = b'<!doctype html><html lang="en"><meta charset="utf-8"><title>blank</title><p>blank</p>\n'


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclass
class Run:
    score: float
    fcp_ms: float
    lcp_ms: float
    tbt_ms: float
    speed_index_ms: float
    requests: int
    bytes: int


def lighthouse_bin() -> Path:
    cli = HERE / "node_modules" / ".bin" / "lighthouse"
    if not cli.exists():
        say("installing Lighthouse (npm ci in tests/bench/lighthouse)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    return cli


def lighthouse(url: str, out: Path) -> Run:
    cmd = [
        str(lighthouse_bin()), url, "--only-categories=performance", "--output=json",
        f"--output-path={out}", f"--chrome-flags={CHROME_FLAGS}", "--quiet",
    ]  # fmt: skip
    subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300)
    report = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(f"Lighthouse on {url}: {report['runtimeError']}")
    audits = report["audits"]
    requests = audits["network-requests"]["details"]["items"]
    return Run(
        score=report["categories"]["performance"]["score"],
        fcp_ms=audits["first-contentful-paint"]["numericValue"],
        lcp_ms=audits["largest-contentful-paint"]["numericValue"],
        tbt_ms=audits["total-blocking-time"]["numericValue"],
        speed_index_ms=audits["speed-index"]["numericValue"],
        requests=len(requests),
        bytes=int(audits["total-byte-weight"]["numericValue"]),
    )


def median(runs: list[Run]) -> Run:
    """The run of median score (its own figures, not a mix of several runs)."""
    ordered = sorted(runs, key=lambda r: r.score)
    return ordered[len(ordered) // 2]


def serve(tree: Path, data: Path) -> tuple[subprocess.Popen, str]:
    """``orderly serve`` of ``tree`` (its server/ and a copy of its pwa/ with /js/blank.html)."""
    pwa = data / "pwa"
    shutil.copytree(tree / "pwa", pwa, ignore=shutil.ignore_patterns("node_modules"))
    (pwa / "js" / "blank.html").write_bytes(BLANK)
    (pwa / "node_modules").symlink_to(ROOT / "pwa" / "node_modules")  # npm ci'd in this checkout
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLY_")}
    env |= {
        "ORDERLY_DATA_DIR": str(data / "data"),
        "ORDERLY_HOST": "127.0.0.1",
        "ORDERLY_PORT": str(port),
        "ORDERLY_PUBLIC_URL": f"http://localhost:{port}",
        "ORDERLY_PWA_DIR": str(pwa),
    }
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve"], cwd=tree, env=env, stdout=log, stderr=log
    )
    wait_healthy(f"http://127.0.0.1:{port}", proc, 60, data / "server.log")
    return proc, f"http://localhost:{port}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose server runs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="orderly-lh-") as tmp:
        proc, base = serve(args.tree.resolve(), Path(tmp))
        try:
            pages = {"login page `/`": f"{base}/", "blank page": f"{base}/js/blank.html"}
            results = {}
            for name, url in pages.items():
                runs = []
                for i in range(args.runs):
                    run = lighthouse(url, Path(tmp) / f"lh-{len(results)}-{i}.json")
                    say(f"  {name} run {i + 1}: {run}")
                    runs.append(run)
                results[name] = (median(runs), [r.score for r in runs])
        finally:
            proc.terminate()
            proc.wait(10)
    version = json.loads((HERE / "package.json").read_text())["devDependencies"]["lighthouse"]
    print(
        f"\nLighthouse {version}, mobile profile, {CHROMIUM}; {platform.node()}, "
        f"{os.cpu_count()} cores; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; median of {args.runs}\n"
    )
    print("| page | performance | runs | FCP | LCP | TBT | Speed Index | requests | bytes |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for name, (r, scores) in results.items():
        print(
            f"| {name} | {r.score:.2f} | {' '.join(f'{s:.2f}' for s in scores)} "
            f"| {r.fcp_ms / 1000:.1f} s | {r.lcp_ms / 1000:.1f} s | {r.tbt_ms:.0f} ms "
            f"| {r.speed_index_ms / 1000:.1f} s | {r.requests} | {r.bytes / 1000:,.0f} kB |"
        )


if __name__ == "__main__":
    main()
