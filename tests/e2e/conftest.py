"""Real things for browser tests: an ``orderly serve`` subprocess on a free port with its own
data directory, Debian's chromium driven by Playwright, and a CDP virtual authenticator.

Playwright's sync API leaves an event loop behind that breaks ``asyncio.run`` in later tests of
the same process, so these tests run in a pytest invocation of their own (``make test-e2e``);
a run that collects them next to other tests leaves them out and says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, sync_playwright

from tests.processes import free_port, run_orderly, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 30.0
# The servers of these tests: /api/auth/* is limited per client address (30 a minute by
# default), and every browser here comes from 127.0.0.1.
AUTH_RATE = "1000"
# The window of an admin's browser: wide enough for the console's desktop layout (a left
# navigation, tables), not the phone layout a narrow window gets.
DESKTOP = {"width": 1280, "height": 800}
ENROLL_LINK = re.compile(r"https?://\S+/enroll#\S+")
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser = [i for i in items if E2E_DIR in i.path.parents]
    if browser and len(browser) < len(items):
        config.hook.pytest_deselected(items=browser)
        items[:] = [i for i in items if i not in browser]
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"{len(browser)} browser tests left out: they run alone (make test-e2e)"
            )


@dataclass
class Server:
    """An ``orderly serve`` subprocess; ``url`` is on localhost, the WebAuthn rp id."""

    url: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def cli(self, *args: str) -> str:
        """Runs ``orderly ARGS`` against this server's database and answers its output."""
        return run_orderly(self.env, *args)

    def create_admin(self, name: str) -> str:
        """Makes an admin with ``orderly create-admin`` and answers the enrollment link."""
        out = self.cli("create-admin", name)
        found = ENROLL_LINK.search(out)
        assert found, f"no enrollment link in the output of create-admin:\n{out}"
        return found.group(0)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


ServerT = TypeVar("ServerT", bound=Server)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("server")
    port = free_port()
    with serving(
        Server(f"http://localhost:{port}", server_env(data, port), data / "server.log")
    ) as srv:
        yield srv


def server_env(data: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of an ``orderly serve`` on ``port`` with its database under ``data``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLY_")}
    return env | {
        "ORDERLY_DATA_DIR": str(data),
        "ORDERLY_HOST": "127.0.0.1",
        "ORDERLY_PORT": str(port),
        "ORDERLY_PUBLIC_URL": f"http://localhost:{port}",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@contextmanager
def serving(srv: ServerT) -> Iterator[ServerT]:
    """Runs ``orderly serve`` with ``srv.env`` until the block ends; fails if it never gets healthy."""
    with srv.log.open("wb") as log:
        srv.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve"],
            cwd=ROOT,
            env=srv.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_healthy(
            f"http://127.0.0.1:{srv.env['ORDERLY_PORT']}", srv.process, START_TIMEOUT, srv.log
        )
        yield srv
    finally:
        srv.process.terminate()
        try:
            srv.process.wait(10)
        except subprocess.TimeoutExpired:
            srv.process.kill()
            srv.process.wait()


def new_server(tmp_path_factory: pytest.TempPathFactory, name: str, **extra: str) -> Server:
    """A server of a module's own, not started yet (``serving`` runs it): a data directory
    named ``name``, a free port, the /api/auth/* limit raised to ``AUTH_RATE`` and the
    ``ORDERLY_*`` settings in ``extra``. A module has its own when its enrollments on top of the
    other tests' would pass the default limit, or it wants its own data (``srv.cli("seed-demo")``
    before or after it starts) or settings."""
    data = tmp_path_factory.mktemp(name)
    port = free_port()
    env = server_env(data, port, ORDERLY_AUTH_RATE_PER_MINUTE=AUTH_RATE, **extra)
    return Server(f"http://localhost:{port}", env, data / "server.log")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # A missing chromium fails here (tests/ensure_chromium.sh installs it): never a skip.
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run tests/ensure_chromium.sh"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context()
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@dataclass
class Authenticator:
    """A CDP virtual authenticator: a platform authenticator with user verification."""

    cdp: CDPSession
    id: str

    def credentials(self) -> list[dict]:
        got = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})
        return got["credentials"]


def add_authenticator(context: BrowserContext, page: Page) -> Authenticator:
    """A CDP virtual platform authenticator with user verification, for ``page``."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return Authenticator(cdp, added["authenticatorId"])


def passkey_page(browser: Browser, **options: object) -> Page:
    """A device that can hold a passkey: a page in a browser context of its own (storage,
    service worker; ``options`` as ``browser.new_context`` takes them) with its own virtual
    platform authenticator. The caller closes ``page.context``; ``device`` has it closed at the
    end of the test."""
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    add_authenticator(context, page)
    return page


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where a screenshot walk puts its pictures: docs/screenshots/ with ORDERLY_SCREENSHOTS=1
    (docs/screenshots.md shows them), else a temporary directory (the walk is the same test)."""
    if os.environ.get("ORDERLY_SCREENSHOTS") == "1":
        shots_dir = ROOT / "docs" / "screenshots"
        shots_dir.mkdir(parents=True, exist_ok=True)
        return shots_dir
    return tmp_path


@pytest.fixture
def contexts() -> Iterator[list[BrowserContext]]:
    """The browser contexts a test's ``device`` calls made, closed when the test ends."""
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def device(browser: Browser, contexts: list[BrowserContext], **options: object) -> Page:
    """A ``passkey_page`` whose context the ``contexts`` fixture closes at the end of the test:
    one phone or desktop of the test, as many as it needs (``viewport=DESKTOP`` for an admin's
    desktop)."""
    page = passkey_page(browser, **options)
    contexts.append(page.context)
    return page


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator:
    """An admin API client (bearer token) of this module's ``server``."""
    from tests.e2e.sales import Api  # sales.py imports this module

    client = Api.admin(server)
    yield client
    client.http.close()


@pytest.fixture
def authenticator(context: BrowserContext, page: Page) -> Authenticator:
    return add_authenticator(context, page)


# ---- a server of a copy of pwa/ that a test may change (tests/e2e/test_shell.py) -------------


@dataclass
class AppCopyServer(Server):
    """An ``orderly serve`` of ``pwa``, a copy of pwa/ given as ``ORDERLY_PWA_DIR`` (with its
    node_modules: an ``npm ci`` in the checkout meanwhile does not pull files away); a test
    edits files there to publish a new version."""

    pwa: Path = field(default=Path())

    def precache(self) -> dict:
        return httpx.get(self.url.replace("localhost", "127.0.0.1") + "/precache.json").json()


@pytest.fixture(scope="module")
def app_copy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppCopyServer]:
    root = tmp_path_factory.mktemp("app-copy")
    pwa = root / "pwa"
    shutil.copytree(ROOT / "pwa", pwa, symlinks=True)
    data = root / "data"
    data.mkdir()
    port = free_port()
    env = server_env(data, port, ORDERLY_PWA_DIR=str(pwa))
    srv = AppCopyServer(f"http://localhost:{port}", env, data / "server.log", pwa=pwa)
    with serving(srv):
        yield srv
