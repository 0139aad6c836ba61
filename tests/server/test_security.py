"""Security headers, request size limits, rate limits and secrets kept out of the logs
(docs/operations.md § 7), over real HTTP against a real server."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn

from server.app import create_app
from server.cli.serving import UVICORN_STACK
from server.openapi import REFERENCE_SCRIPT
from server.qr.page import CSS as STATUS_PAGE_CSS
from server.security import inline_script_hashes, source_hash
from sync.ids import uuid7
from tests.server.conftest import LiveServer, _free_socket
from tests.server.phone import Phone, invite
from tests.server.test_api import PULL, PUSH, assert_error, mutation, pull_body, push_body

FIXED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


def csp(response: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    policy: dict[str, list[str]] = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        policy[name] = sources
    return policy


def test_every_kind_of_answer_has_the_headers(shared_server: LiveServer):
    with shared_server.client() as c:
        answers = [
            c.get("/"),  # the app shell
            c.get("/js/main.js"),  # a module
            c.get("/api/health"),  # JSON
            c.get("/api/sync/pull"),  # 405 from the router
            c.post("/api/nothing", json={}),  # 404 for an unknown API path
            c.post(PULL, json=pull_body(uuid7())),  # 401 from the auth dependency
            c.get("/q/not-a-token"),  # the public status page (404)
        ]
    for r in answers:
        for name, value in FIXED.items():
            assert r.headers.get(name) == value, (r.request.url, name, r.headers)
        assert "camera=(self)" in r.headers["permissions-policy"]
        policy = csp(r)
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        # Served over http with an http public URL: no HSTS (it would pin localhost to https).
        assert "strict-transport-security" not in r.headers


def test_api_answers_and_exports_are_never_cached(shared_server: LiveServer):
    token = shared_server.token("cache-admin", "admin")
    with shared_server.client(token) as c:
        answers = [
            c.get("/api/auth/me"),  # who is signed in
            c.get("/api/admin/orders"),  # a list
            c.get("/api/admin/orders", params={"format": "csv"}),  # exports
            c.get("/api/admin/orders", params={"format": "xlsx"}),
            c.post(PULL, json=pull_body(uuid7())),  # sync
            c.get("/api/admin/orders/no-such"),  # an error
        ]
    with shared_server.client() as c:
        answers.append(c.get("/api/auth/me"))  # 401
    for r in answers:
        assert r.headers.get("cache-control") == "no-store", (r.request.url, r.headers)
    with shared_server.client() as c:  # the app's files are cached (and revalidated) as before
        assert c.get("/js/main.js").headers.get("cache-control") != "no-store"


def test_csp_allows_exactly_the_shells_inline_scripts(shared_server: LiveServer):
    with shared_server.client() as c:
        r = c.get("/")
    assert r.status_code == 200
    html = r.text
    # The import map and the service worker registration, by their hashes.
    bodies = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.DOTALL)
    assert len(bodies) >= 2 and any('"imports"' in b for b in bodies)
    policy = csp(r)
    for body in bodies:
        assert source_hash(body) in policy["script-src"]
    assert inline_script_hashes(html) == [source_hash(b) for b in bodies]
    # zxing's WebAssembly reader; scripts only from this origin; no remote anything.
    assert "'self'" in policy["script-src"] and "'wasm-unsafe-eval'" in policy["script-src"]
    assert all("http" not in s for sources in policy.values() for s in sources)
    assert policy["connect-src"] == ["'self'"]
    assert set(policy["img-src"]) == {"'self'", "data:", "blob:"}


def test_status_page_inline_style_is_allowed_by_hash(shared_server: LiveServer):
    with shared_server.client() as c:
        r = c.get("/q/not-a-token")
    assert r.headers["content-type"].startswith("text/html")
    style = re.search(r"<style>(.*?)</style>", r.text, re.DOTALL)
    assert style and style.group(1) == STATUS_PAGE_CSS
    assert source_hash(STATUS_PAGE_CSS) in csp(r)["style-src"]
    assert "'unsafe-inline'" not in csp(r)["style-src"]


def test_schema_page_has_its_own_policy(shared_server: LiveServer):
    with shared_server.client() as c:
        page = c.get("/schema")
        document = c.get("/schema/openapi.json")
    assert page.status_code == 200 and document.status_code == 200
    policy = csp(page)
    # Swagger UI from our own /vendor (pinned in pwa/package.json): no CDN, nothing remote in
    # any directive, the page's one inline script allowed by its hash, not 'unsafe-inline'.
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost)", page.text), page.text
    assert all("http" not in src for sources in policy.values() for src in sources), policy
    assert inline_script_hashes(page.text) == [source_hash(REFERENCE_SCRIPT)]
    assert policy["script-src"] == ["'self'", source_hash(REFERENCE_SCRIPT)]
    with shared_server.client() as c:
        for src in re.findall(r"(?:src|href)='(/vendor/[^']+)'", page.text):
            assert c.get(src).status_code == 200, src
        assert "/vendor/swagger-ui-dist/swagger-ui-bundle.js" in c.get("/precache.json").text
    assert policy["frame-ancestors"] == ["'none'"]
    assert page.headers["x-frame-options"] == "DENY"


def test_hsts_when_the_public_url_is_https(serve: Callable[..., LiveServer]):
    server = serve(public_url="https://orders.example.com")
    with server.client() as c:
        r = c.get("/api/health")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


# ---- request size limits ----------------------------------------------------------------------


def test_bodies_over_the_limits_get_413_too_large(serve: Callable[..., LiveServer]):
    server = serve(push_max_bytes=64 * 1024)
    token = server.token("admin", "admin")
    with server.client(token) as c:
        # The global limit (push_max_bytes) covers the push and every other JSON endpoint.
        big = push_body(uuid7(), [mutation(1, "customer.upsert", id=uuid7(), name="x" * 70_000)])
        assert_error(c.post(PUSH, json=big), 413, "too_large")
        r = c.post("/api/admin/users", json={"name": "x" * 70_000, "role": "sales"})
        assert_error(r, 413, "too_large")
        # The passkey ceremonies take 64 KiB at most, whatever the global limit.
        r = c.post("/api/auth/enroll/begin", json={"token": "oen_" + "x" * 65 * 1024})
        assert_error(r, 413, "too_large")
        # Under the limits the same endpoints answer normally.
        small = push_body(uuid7(), [mutation(1)])
        assert c.post(PUSH, json=small).status_code == 200


def test_passkey_ceremonies_are_rate_limited_per_address(serve: Callable[..., LiveServer]):
    server = serve(auth_rate_per_minute=3)
    with server.client() as c:
        codes = [c.post("/api/auth/login/begin").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200]
        assert_error(c.post("/api/auth/login/begin"), 429, "rate_limited")
        # What the app asks at every start is not limited.
        assert c.get("/api/auth/me").status_code == 401


# ---- no secrets in the logs -------------------------------------------------------------------


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("httpx", "httpcore")):
            return  # the test's own HTTP client (it prints the headers it receives)
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {text}")


@pytest.fixture
def chatty_server(databases) -> Iterator[tuple[LiveServer, Captured]]:
    """A server with uvicorn's access log on and every logger at DEBUG, captured."""
    import asyncio

    settings = asyncio.run(databases.fresh()).with_(auth_rate_per_minute=100_000)
    # Litestar sets up the root logger as it builds the app: capture after that.
    app = create_app(settings)
    captured = Captured()
    root = logging.getLogger()
    old_level = root.level
    # uvicorn's own loggers may not propagate (another server in this process set them up).
    loggers = [root, *(logging.getLogger(n) for n in ("uvicorn.access", "uvicorn.error"))]
    for logger in loggers:
        logger.addHandler(captured)
    root.setLevel(logging.DEBUG)
    sock = _free_socket()
    host, port = sock.getsockname()
    config = uvicorn.Config(
        app, **UVICORN_STACK, log_level="debug", access_log=True, log_config=None,
        lifespan="on", timeout_graceful_shutdown=3, timeout_keep_alive=1,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: server.run(sockets=[sock]), daemon=True)
    thread.start()
    live = LiveServer(settings.with_(host=host, port=port), f"http://{host}:{port}")
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    try:
        yield live, captured
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        for logger in loggers:
            logger.removeHandler(captured)
        root.setLevel(old_level)


def test_tokens_and_cookies_never_reach_the_logs(chatty_server: tuple[LiveServer, Captured]):
    server, captured = chatty_server
    admin_token = server.token("boss", "admin")
    invited = invite(server, admin_token, "rep", "sales")
    link = invited["enrollment"]["url"]
    enrollment_token = link.split("#", 1)[1]
    phone = Phone(server)
    phone.enroll(link)
    assert phone.token
    client_id = uuid7()
    with phone.authed() as c:
        assert c.post(PUSH, json=push_body(client_id, [mutation(1)])).status_code == 200
        assert c.post(PULL, json=pull_body(client_id)).status_code == 200
    # A wrong token and a replayed enrollment token are refused, and say so in the log or not,
    # but never with the token in it.
    with server.client("wrong-" + admin_token) as c:
        assert c.get("/api/admin/users").status_code == 401
    assert phone.enroll_begin(link).status_code in (400, 404, 410)
    # A browser session: the cookie and its CSRF token.
    browser = Phone(server, "Browser")
    browser.authenticator = phone.authenticator
    start = browser.login_begin()
    r = browser.http.post(
        "/api/auth/login/finish",
        json={"ceremony_id": start["ceremony_id"],
              "credential": phone.authenticator.get(start["options"]), "device": phone.device()},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    cookies = [cookie.value for cookie in browser.http.cookies.jar]
    assert cookies, "the login set no cookie"
    with server.client(admin_token) as c:
        assert c.get("/api/admin/users").status_code == 200
        assert c.get("/api/admin/devices").status_code == 200
    time.sleep(0.2)  # the access log line of the last request

    log = "\n".join(captured.lines)
    assert "/api/sync/push" in log, "the access log was not captured: the test proves nothing"
    secrets = {"admin bearer": admin_token, "device token": phone.token,
               "enrollment token": enrollment_token, **{f"cookie {i}": v for i, v in
                                                        enumerate(cookies)}}  # fmt: skip
    for what, secret in secrets.items():
        assert len(secret) >= 16, what
        leaks = [line[:300] for line in captured.lines if secret in line]
        assert not leaks, f"the {what} is in the log: {leaks}"
