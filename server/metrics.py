"""``GET /metrics``: Prometheus text format (docs/operations.md § 10).

The metrics live in prometheus_client's default registry, one per process. With several
uvicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory (cleared before each
start): every process then writes its samples there and any worker's ``/metrics`` answers the
sum of all of them (prometheus_client's multiprocess mode; the open-streams gauge adds up the
live processes). Without it, a scrape sees the one worker that answered.

HTTP requests by route and status come from Litestar's Prometheus middleware
(``orderly_requests_total``, ``orderly_request_duration_seconds``, ...); the sync counters and
latencies below are counted in the sync handlers.

Who may read it: a request from loopback that did not come through a proxy (no
``X-Forwarded-For``/``Forwarded`` header: Caddy sets one on everything it forwards), or any
request with ``Authorization: Bearer <ORDERLY_METRICS_TOKEN>`` when that token is set. Others
get 404, as if there were nothing there.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from litestar import Request, Response, get
from litestar.plugins.prometheus import PrometheusConfig
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from server.errors import NotFound
from sync.protocol import PullResponse, PushResponse

# Seconds: a push or pull on loopback takes a few milliseconds; a slow disk or a big initial
# sync page takes seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

PUSHES = Counter("orderly_sync_pushes", "Push requests the server answered (200)")
MUTATIONS = Counter(
    "orderly_sync_mutations",
    "Mutations pushed, by outcome (applied, merged, conflict, rejected, duplicate)",
    ["outcome"],
)
PULLS = Counter("orderly_sync_pulls", "Pull requests the server answered (200)")
ROWS_SENT = Counter("orderly_sync_rows_sent", "Changes (rows and deletions) sent in pulls")
RESETS = Counter("orderly_sync_resets", "Pulls answered with reset (the device starts over)")
PUSH_SECONDS = Histogram(
    "orderly_sync_push_seconds", "Time to answer a push", buckets=LATENCY_BUCKETS
)
PULL_SECONDS = Histogram(
    "orderly_sync_pull_seconds", "Time to answer a pull", buckets=LATENCY_BUCKETS
)
EVENT_STREAMS = Gauge(
    "orderly_sync_event_streams",
    "Event streams (/api/sync/events) open now",
    multiprocess_mode="livesum",
)

for outcome in ("applied", "merged", "conflict", "rejected", "duplicate"):
    MUTATIONS.labels(outcome)  # every outcome shows, at 0, from the first scrape


def pushed(response: PushResponse, seconds: float) -> None:
    PUSHES.inc()
    PUSH_SECONDS.observe(seconds)
    for result in response.results:
        MUTATIONS.labels(result.status).inc()


def pulled(response: PullResponse, seconds: float) -> None:
    PULLS.inc()
    PULL_SECONDS.observe(seconds)
    ROWS_SENT.inc(len(response.changes))
    if response.reset:
        RESETS.inc()


def http_metrics() -> PrometheusConfig:
    """Requests by method, route template and status, and their durations."""
    return PrometheusConfig(
        app_name="orderly",
        prefix="orderly",
        group_path=True,  # the route template, not every /q/<token> and order id
        exclude=["^/metrics$"],
        buckets=list(LATENCY_BUCKETS),
    )


def _local(request: Request) -> bool:
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed(request: Request, token: str) -> bool:
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode()):
            return True
    return _local(request)


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY


@get("/metrics", include_in_schema=False, name="metrics")
async def metrics(request: Request) -> Response[bytes]:
    if not allowed(request, request.app.state.orderly.settings.metrics_token):
        raise NotFound("no such page")
    return Response(
        generate_latest(registry()),
        # The classic text format every Prometheus reads (Litestar adds "; charset=utf-8").
        media_type="text/plain; version=0.0.4",
        headers={"Cache-Control": "no-store"},
    )
