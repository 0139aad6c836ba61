"""The app shell offline and its updates, in chromium: the service worker precaches the app,
serves every screen (deep links too) and the vendor modules without a network, and a new
version waits until the page applies it, keeping IndexedDB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.e2e.conftest import AppCopyServer

VENDOR = ["dexie", "preact", "preact/hooks", "htm", "htm/preact", "uuid", "@simplewebauthn/browser"]

CONTROLLED = "import('/js/update.js').then(m => m.whenControlled()).then(w => w.scriptURL)"
CACHES = "caches.keys()"
IMPORT_VENDOR = """async (names) => {
  const out = {};
  for (const name of names) {
    const m = await import(name);
    out[name] = Object.keys(m).length;
  }
  return out;
}"""
# An "outbox" row in IndexedDB through Dexie, as the app's store keeps one.
WRITE_IDB = """async () => {
  const { Dexie } = await import('dexie');
  const db = new Dexie('shell-test');
  db.version(1).stores({ outbox: 'id' });
  await db.outbox.put({ id: 'm-1', name: 'order.create' });
  db.close();
}"""
READ_IDB = """async () => {
  const { Dexie } = await import('dexie');
  const db = new Dexie('shell-test');
  db.version(1).stores({ outbox: 'id' });
  const rows = await db.outbox.toArray();
  db.close();
  return rows;
}"""
SHELL_MARK = '<div id="app">'


@pytest.fixture
def online(context: BrowserContext) -> Iterator[BrowserContext]:
    yield context
    context.set_offline(False)


def _controlled(page: Page, server: AppCopyServer) -> None:
    assert page.evaluate(CONTROLLED) == server.url + "/sw.js"


def _is_shell(page: Page) -> None:
    assert page.title() == "Orderly"
    assert page.locator("#app").count() == 1
    assert page.evaluate("document.querySelector('script[type=importmap]') !== null")


def test_first_load_is_controlled_and_everything_is_precached(
    app_copy_server: AppCopyServer, page: Page
) -> None:
    manifest = app_copy_server.precache()
    page.goto(app_copy_server.url + "/")
    _controlled(page, app_copy_server)
    assert page.evaluate(CACHES) == [f"orderly-{manifest['version']}"]
    cached = page.evaluate(
        """(name) => caches.open(name).then(c => c.keys())
             .then(rs => rs.map(r => new URL(r.url).pathname))""",
        f"orderly-{manifest['version']}",
    )
    assert sorted(cached) == sorted(f["url"] for f in manifest["files"])
    assert page.evaluate("window.__orderlyUpdate.version()") == manifest["version"]
    assert page.evaluate("window.__orderlyUpdate.ready") is False


def test_offline_reload_and_deep_links_serve_the_shell(
    app_copy_server: AppCopyServer, page: Page, online: BrowserContext
) -> None:
    page.goto(app_copy_server.url + "/")
    _controlled(page, app_copy_server)
    page.evaluate(WRITE_IDB)

    online.set_offline(True)
    assert page.evaluate("fetch('/api/health').then(() => 'online', () => 'offline')") == "offline"
    page.reload()
    _is_shell(page)
    assert all(page.evaluate(IMPORT_VENDOR, VENDOR).values())

    for path in ("/orders/xyz", "/customers/new", "/conflicts", "/settings", "/enroll#oen_x"):
        response = page.goto(app_copy_server.url + path)
        assert response is not None and response.ok, path
        assert SHELL_MARK in response.text(), path
        _is_shell(page)
    assert all(page.evaluate(IMPORT_VENDOR, VENDOR).values())
    # The app's own modules and the vocabulary come from the cache too.
    assert page.evaluate("import('/js/update.js').then(m => typeof m.apply)") == "function"
    vocabulary = page.evaluate("fetch('/shared/vocabulary.json').then(r => r.json())")
    assert "draft" in vocabulary["statuses"]
    assert page.evaluate(READ_IDB) == [{"id": "m-1", "name": "order.create"}]


def test_an_update_waits_for_the_page_and_keeps_indexeddb(
    app_copy_server: AppCopyServer, page: Page
) -> None:
    index = app_copy_server.pwa / "index.html"
    original = index.read_text()
    first = app_copy_server.precache()["version"]
    page.goto(app_copy_server.url + "/orders/o-1")
    _controlled(page, app_copy_server)
    page.evaluate(WRITE_IDB)
    try:
        index.write_text(original.replace("</head>", '<meta name="build" content="two">\n</head>'))
        second = app_copy_server.precache()["version"]
        assert second != first

        page.evaluate("window.__orderlyUpdate.check()")
        page.wait_for_function("() => window.__orderlyUpdate.ready")
        # Waiting, not active: the old version still serves this page and its reloads.
        assert page.evaluate("window.__orderlyUpdate.version()") == first
        assert sorted(page.evaluate(CACHES)) == sorted([f"orderly-{first}", f"orderly-{second}"])

        with page.expect_navigation():
            assert page.evaluate("window.__orderlyUpdate.apply()") is True
        _controlled(page, app_copy_server)
        assert page.evaluate("import('/js/update.js').then(m => m.activeVersion())") == second
        assert page.locator('meta[name="build"]').get_attribute("content") == "two"
        assert page.evaluate(CACHES) == [f"orderly-{second}"]
        assert page.evaluate(READ_IDB) == [{"id": "m-1", "name": "order.create"}]
    finally:
        index.write_text(original)
