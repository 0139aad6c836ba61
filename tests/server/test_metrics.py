"""GET /metrics (docs/operations.md § 10): push and pull through the real API, scrape, parse
with prometheus_client's own parser, and compare the counts. The registry is per process and
other tests in this process count too, so every check is on the difference of two scrapes."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import PULL, PUSH, assert_error, mutation, pull_body, push_body

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: httpx.Client) -> Samples:
    r = client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def requests(samples: Samples, path: str, method: str, status: str) -> float:
    """orderly_requests_total for one route and status, whatever other labels it has."""
    return sum(
        v
        for (name, labels), v in samples.items()
        if name == "orderly_requests_total"
        and ("path", path) in labels
        and ("method", method) in labels
        and ("status_code", status) in labels
    )


def test_sync_counters_and_latencies(live_server: LiveServer):
    token = live_server.token("admin", "admin")
    with live_server.client() as local, live_server.client(token) as c:
        before = scrape(local)
        client_id = uuid7()
        customer = uuid7()
        pushed = [
            mutation(1, "customer.upsert", id=customer, name="First"),
            mutation(2),
            mutation(3, "no.such.mutation", x=1),  # rejected: an unknown mutation
        ]
        r = c.post(PUSH, json=push_body(client_id, pushed))
        assert r.status_code == 200, r.text
        outcomes = [result["status"] for result in r.json()["results"]]
        assert outcomes == ["applied", "applied", "rejected"]
        # The same mutations again: the server already has them.
        r = c.post(PUSH, json=push_body(client_id, pushed[:2]))
        assert [res["status"] for res in r.json()["results"]] == ["duplicate", "duplicate"]
        # A refused push (wrong schema) is no push: counted only as an HTTP 4xx.
        bad = push_body(client_id, [mutation(4)], schema=-1)
        refused = str(c.post(PUSH, json=bad).status_code)
        assert refused.startswith("4")

        r = c.post(PULL, json=pull_body(client_id))
        assert r.status_code == 200, r.text
        first = r.json()
        sent = len(first["changes"])
        assert sent >= 2
        r = c.post(PULL, json=pull_body(client_id, first["cursor"]))
        sent += len(r.json()["changes"])
        # A cursor of another epoch (a restored database): the device starts over (reset).
        elsewhere = "otherepoch." + first["cursor"].split(".", 1)[1]
        r = c.post(PULL, json=pull_body(client_id, elsewhere))
        assert r.status_code == 200 and r.json()["reset"], r.text
        sent += len(r.json()["changes"])
        resets, pulls = 1, 3
        after = scrape(local)

    assert delta(before, after, "orderly_sync_pushes_total") == 2
    assert delta(before, after, "orderly_sync_mutations_total", outcome="applied") == 2
    assert delta(before, after, "orderly_sync_mutations_total", outcome="rejected") == 1
    assert delta(before, after, "orderly_sync_mutations_total", outcome="duplicate") == 2
    assert delta(before, after, "orderly_sync_mutations_total", outcome="conflict") == 0
    assert ("orderly_sync_mutations_total", (("outcome", "merged"),)) in after
    assert delta(before, after, "orderly_sync_pulls_total") == pulls
    assert delta(before, after, "orderly_sync_rows_sent_total") == sent
    assert delta(before, after, "orderly_sync_resets_total") == resets
    assert delta(before, after, "orderly_sync_push_seconds_count") == 2
    assert delta(before, after, "orderly_sync_pull_seconds_count") == pulls
    assert delta(before, after, "orderly_sync_push_seconds_sum") > 0
    # Every push took less than 30 s: all of them in the bucket le=30.
    assert delta(before, after, "orderly_sync_push_seconds_bucket", le="30.0") == 2
    # HTTP requests by route template and status.
    assert requests(after, PUSH, "POST", "200") - requests(before, PUSH, "POST", "200") == 2
    assert requests(after, PUSH, "POST", refused) - requests(before, PUSH, "POST", refused) == 1


def test_open_event_streams_gauge(live_server: LiveServer):
    token = live_server.token("admin", "admin")
    with live_server.client() as local:
        before = value(scrape(local), "orderly_sync_event_streams")
        opened = threading.Event()
        stop = threading.Event()

        def listen() -> None:
            with (
                live_server.client(token, timeout=10) as c,
                c.stream("GET", "/api/sync/events") as r,
            ):
                for line in r.iter_lines():
                    if line.startswith("event: hello"):
                        opened.set()
                    if stop.is_set():
                        break

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        assert opened.wait(10)
        assert value(scrape(local), "orderly_sync_event_streams") == before + 1
        stop.set()
        # A push pokes the stream: the listener reads one more line and hangs up.
        with live_server.client(token) as c:
            c.post(PUSH, json=push_body(uuid7(), [mutation(1)]))
        thread.join(10)
        for _ in range(100):
            if value(scrape(local), "orderly_sync_event_streams") == before:
                break
            threading.Event().wait(0.05)
        assert value(scrape(local), "orderly_sync_event_streams") == before


def test_metrics_only_from_loopback_or_with_the_token(serve: Callable[..., LiveServer]):
    server = serve(metrics_token="s3cret-metrics-token-0123456789")
    with server.client() as c:
        assert c.get("/metrics").status_code == 200  # loopback, no proxy
        # Through a proxy (Caddy adds X-Forwarded-For) loopback is not enough.
        proxied = c.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
        assert_error(proxied, 404, "not_found")
        assert "orderly_sync" not in proxied.text
        wrong = c.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7",
                                           "Authorization": "Bearer wrong"})  # fmt: skip
        assert wrong.status_code == 404
        right = c.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7",
                                           "Authorization": "Bearer s3cret-metrics-token-0123456789"})  # fmt: skip
        assert right.status_code == 200 and "orderly_sync_pushes_total" in right.text
        # Not in the API schema.
        assert "/metrics" not in c.get("/schema/openapi.json").json()["paths"]
