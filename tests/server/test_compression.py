"""Response compression in the app (server/compression.py): pull pages and the PWA's files answer
brotli or gzip when asked and decode to the very bytes of the plain answer; small answers, images
and the live-update stream go out as they are, and the stream still delivers its events."""

from __future__ import annotations

import gzip
import hashlib
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import brotli
import httpx
import pytest

from server.compression import MINIMUM_SIZE
from tests.server.conftest import LiveServer
from tests.server.test_api import EVENTS, PULL, PUSH, _sse_events, mutation, pull_body, push_body

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}


@contextmanager
def raw(client: httpx.Client, method: str, url: str, encoding: str, **kw) -> Iterator[tuple]:
    """The answer to a request sent with ``Accept-Encoding: encoding``, and its body as it came
    over the wire (httpx would decode it otherwise)."""
    with client.stream(method, url, headers={"Accept-Encoding": encoding}, **kw) as response:
        yield response, b"".join(response.iter_raw())


def fetch(client: httpx.Client, method: str, url: str, encoding: str, **kw) -> tuple:
    with raw(client, method, url, encoding, **kw) as (response, body):
        assert response.status_code == 200, body[:300]
        return response.headers, body


@pytest.fixture(scope="module")
def admin(shared_server: LiveServer) -> Iterator[httpx.Client]:
    with shared_server.client(shared_server.token("admin", "admin")) as client:
        # A pull page well above the minimum: customers with longish names.
        body = push_body("client-compress", [mutation(n) for n in range(1, 61)])
        assert client.post(PUSH, json=body).status_code == 200
        yield client


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_pull_page_answers_compressed_and_decodes_to_the_plain_bytes(
    admin: httpx.Client, encoding: str
) -> None:
    request = {"json": pull_body("client-compress-reader")}
    plain_headers, plain = fetch(admin, "POST", PULL, "identity", **request)
    assert "content-encoding" not in plain_headers
    assert len(plain) > 4 * MINIMUM_SIZE
    headers, body = fetch(admin, "POST", PULL, encoding, **request)
    assert headers["content-encoding"] == encoding
    assert "accept-encoding" in headers["vary"].lower()
    assert len(body) < len(plain) / 2
    assert DECODE[encoding](body) == plain


def test_a_client_that_asks_for_both_gets_brotli(admin: httpx.Client) -> None:
    headers, _ = fetch(admin, "POST", PULL, "gzip, deflate, br", json=pull_body("client-both"))
    assert headers["content-encoding"] == "br"


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_the_pwa_files_answer_compressed_and_decode_to_what_the_precache_names(
    shared_server: LiveServer, encoding: str
) -> None:
    """The service worker checks each file's SHA-256 against the manifest after the browser has
    decoded it (pwa/sw.js fetchChecked): the decoded bytes must be the file's."""
    with shared_server.client() as client:
        manifest = client.get("/precache.json").json()
        compressed = 0
        for entry in manifest["files"]:
            if entry["url"].endswith(".png"):
                continue  # images pass through (the next test)
            headers, body = fetch(client, "GET", entry["url"], encoding)
            if "content-encoding" in headers:
                assert headers["content-encoding"] == encoding, entry["url"]
                body = DECODE[encoding](body)
                compressed += 1
            else:
                assert len(body) < MINIMUM_SIZE, entry["url"]
            assert hashlib.sha256(body).hexdigest() == entry["hash"], entry["url"]
        # The shell, the app's modules, the vendor packages, the generated vocabulary.
        assert compressed >= 10, manifest["files"]
        headers, body = fetch(client, "GET", "/sw.js", encoding)
        assert headers["content-encoding"] == encoding
        assert DECODE[encoding](body).startswith(b"self.PRECACHE = ")


def test_a_small_answer_and_an_image_go_out_as_they_are(shared_server: LiveServer) -> None:
    with shared_server.client() as client:
        headers, body = fetch(client, "GET", "/api/health", "gzip, br")
        assert "content-encoding" not in headers
        assert len(body) < MINIMUM_SIZE and body.startswith(b"{")
        headers, body = fetch(client, "GET", "/icons/icon-512.png", "gzip, br")
        assert "content-encoding" not in headers
        assert len(body) > MINIMUM_SIZE and body.startswith(b"\x89PNG")


def test_the_live_update_stream_is_not_compressed_and_delivers_pokes(
    live_server: LiveServer,
) -> None:
    token = live_server.token("rep1", "sales")
    events: queue.Queue[tuple[str, str] | dict] = queue.Queue()

    def listen() -> None:
        with (
            live_server.client(token, timeout=httpx.Timeout(15.0)) as listener,
            listener.stream("GET", EVENTS, headers={"Accept-Encoding": "gzip, br"}) as response,
        ):
            events.put(dict(response.headers))
            for item in _sse_events(response):
                events.put(item)
                if item[0] == "poke":
                    return

    threading.Thread(target=listen, daemon=True).start()
    headers = events.get(timeout=10)
    assert isinstance(headers, dict)
    assert headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in headers
    # Each event arrives on its own, before the stream ends: nothing holds it for a block.
    assert events.get(timeout=10)[0] == "hello"
    with live_server.client(token) as pusher:
        r = pusher.post(PUSH, json=push_body("client-compress-poke", [mutation(1)]))
        assert r.json()["results"][0]["status"] == "applied"
        seq = pusher.get("/api/health").json()["last_seq"]
    assert events.get(timeout=10) == ("poke", str(seq))
