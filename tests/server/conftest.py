"""A live server: the real app under uvicorn in a background thread, on a real database.

Sync fixtures on purpose: tests talk to the server over real HTTP with ``httpx.Client`` (and
stream server-sent events), while the server runs its own event loop in its own thread. The
few database calls a test makes itself (tokens, queries) run via ``asyncio.run`` on a
short-lived separate connection.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import pytest
import uvicorn

from server.app import create_app
from server.auth.tokens import ensure_user, issue_token
from server.cli.serving import UVICORN_STACK
from server.config import Settings
from server.db.sql import open_database
from tests.dbs import TestDatabases

START_TIMEOUT = 20.0
# One TLS context for every client: httpx builds a new one (loading CA files) per client
# otherwise, which costs more than a request. The servers here are plain HTTP anyway.
_TLS = ssl.create_default_context()


def _no_500(response: httpx.Response) -> None:
    # Every response any test sees: a 5xx is a bug, whatever the test was checking.
    assert response.status_code < 500, (
        f"{response.request.method} {response.request.url} answered {response.status_code}"
    )


class LiveServer:
    """A running app: its address, its settings, and helpers for tokens and queries."""

    def __init__(self, settings: Settings, base_url: str) -> None:
        self.settings = settings
        self.base_url = base_url

    # ---- the database, on a separate short-lived connection ----------------------------------

    async def _with_db(self, work: Callable[[Any], Any]) -> Any:
        db = await open_database(self.settings)
        try:
            return await work(db)
        finally:
            await db.close()

    def run_db(self, work: Callable[[Any], Any]) -> Any:
        """Run ``await work(db)`` against the app's database, from a plain sync test."""
        return asyncio.run(self._with_db(work))

    def token(self, user: str = "admin", role: str = "admin", warehouse: str | None = None) -> str:
        """A bearer token for ``user`` (created with ``role`` if missing, given it if not)."""

        async def work(db: Any) -> str:
            user_id, _ = await ensure_user(db, user, role, warehouse, change=True)
            return await issue_token(db, user_id, label="test")

        return self.run_db(work)

    def user_id(self, name: str) -> str | None:
        async def work(db: Any) -> str | None:
            async with db.read() as conn:
                return await conn.fetchval("SELECT id FROM users WHERE name = ?", (name,))

        return self.run_db(work)

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a read query (``?`` placeholders on either database)."""

        async def work(db: Any) -> list[dict[str, Any]]:
            async with db.read() as conn:
                return await conn.fetch(sql, args)

        return self.run_db(work)

    # ---- HTTP --------------------------------------------------------------------------------

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` on the server, with a bearer token if given; fails on any 5xx.
        It sends the app's own ``Origin``, as the app's pages do (ceremonies and cookie sessions
        need it: server/auth/same_origin.py); pass ``headers={"Origin": ...}`` to be another site."""
        headers = {"Origin": self.settings.origin, **kwargs.pop("headers", {})}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=kwargs.pop("timeout", 10.0),
            verify=_TLS,
            event_hooks={"response": [_no_500]},
            **kwargs,
        )


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class _Running:
    def __init__(self, server: uvicorn.Server, thread: threading.Thread, sock: socket.socket):
        self.server, self.thread, self.sock = server, thread, sock

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.sock.close()
        assert not self.thread.is_alive(), "uvicorn did not shut down"


def _start(settings: Settings) -> tuple[LiveServer, _Running]:
    sock = _free_socket()
    host, port = sock.getsockname()
    config = uvicorn.Config(
        create_app(settings),
        **UVICORN_STACK,  # as orderly serve runs it
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=3,
        # Event streams never end on their own; shutdown must not wait for them.
        timeout_keep_alive=1,
    )
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as e:  # noqa: BLE001 - reported to the fixture below
            errors.append(e)

    thread = threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    running = _Running(server, thread, sock)
    live = LiveServer(settings.with_(host=host, port=port), f"http://{host}:{port}")
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if errors or not thread.is_alive():
            running.stop()
            raise RuntimeError(f"the server did not start: {errors!r}")
        if server.started:
            try:
                health = httpx.get(f"{live.base_url}/api/health", timeout=2, verify=_TLS)
                if health.status_code == 200:
                    return live, running
            except httpx.TransportError:
                pass
        if time.monotonic() > deadline:
            running.stop()
            raise RuntimeError("the server did not answer /api/health in time")
        time.sleep(0.02)


def _server_factory(databases: TestDatabases) -> tuple[Callable[..., LiveServer], Callable]:
    running: list[_Running] = []

    def start(**changes: Any) -> LiveServer:
        settings = asyncio.run(databases.fresh())
        if changes:
            settings = settings.with_(**changes)
        live, run = _start(settings)
        running.append(run)
        return live

    def stop_all() -> None:
        for run in reversed(running):
            run.stop()

    return start, stop_all


@pytest.fixture
def serve(databases: TestDatabases) -> Iterator[Callable[..., LiveServer]]:
    """A factory: ``serve(push_max_mutations=5)`` runs the app on a fresh database with those
    settings changed. Every server started is shut down after the test."""
    start, stop_all = _server_factory(databases)
    yield start
    stop_all()


@pytest.fixture
def live_server(serve: Callable[..., LiveServer]) -> LiveServer:
    """The app with default settings on a fresh database."""
    return serve()


@pytest.fixture(scope="module")
def shared_server(databases: TestDatabases) -> Iterator[LiveServer]:
    """One server (default settings, fresh database) for a whole test module: for tests of
    requests the server refuses or only reads. They must not assume an empty database."""
    start, stop_all = _server_factory(databases)
    yield start()
    stop_all()
