"""The first load (docs/pwa.md § First load) in a real browser: a sales rep's phone never
downloads the admin console (its pages, uPlot) -- not the page, not the service worker's
install -- and an admin's desktop console loads its pages when they are opened, the reports'
uPlot chart included, and keeps them in the worker's cache once fetched."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Request, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import PHONE, SYNC_TIMEOUT, Api, by, enroll, go

# The console's tab table and role check: the one file of ui/admin/ the phone's navigation and
# settings import (precached for everyone).
SHARED = "/js/ui/admin/common.js"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "first-load")) as srv:
        yield srv


def _recorder(context: BrowserContext) -> list[str]:
    """Every path the context asks the network for, the service worker's requests included."""
    paths: list[str] = []

    def seen(request: Request) -> None:
        paths.append(urlsplit(request.url).path)

    context.on("request", seen)
    return paths


def _console(paths: list[str]) -> list[str]:
    return sorted(
        {
            p
            for p in paths
            if (p.startswith("/js/ui/admin/") and p != SHARED) or "uplot" in p.lower()
        }
    )


def test_a_phone_never_downloads_the_admin_console(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    _, link = Api.admin(server).invite("Pia Phone", "sales")
    page = device(browser, contexts, **PHONE)
    paths = _recorder(page.context)
    enroll(page, link)  # the first load, sign-in, the first sync, the worker's whole install
    page.goto(f"{server.url}/")
    expect(by(page, "signed-in")).to_be_visible()
    for tab in ("orders", "customers", "products", "home"):
        go(page, tab)
    page.goto(f"{server.url}/settings")
    expect(page.locator("main")).to_be_visible()
    # The page really loaded the app (so an empty list below is not a page that never ran).
    assert "/js/ui/app.js" in paths and "/js/ui/home.js" in paths, sorted(set(paths))
    assert _console(paths) == []
    # Not even the worker's cache holds them: it never fetched them.
    cached = page.evaluate(
        """async () => {
          const urls = [];
          for (const name of await caches.keys())
            for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
          return urls;
        }"""
    )
    assert "/js/ui/app.js" in cached and _console(cached) == []


def test_an_admin_console_loads_its_pages_when_opened(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    page = device(browser, contexts, viewport=DESKTOP, timezone_id="UTC")
    paths = _recorder(page.context)
    enroll(page, server.create_admin("Ada First-Load"))
    assert "/js/ui/admin/reports.js" not in paths  # not before the page is opened
    page.goto(f"{server.url}/admin/reports")
    expect(by(page, "desktop-layout")).to_be_visible()
    expect(page.locator(".uplot").first).to_be_visible(timeout=SYNC_TIMEOUT)
    # uPlot's stylesheet came with the page (its legend is laid out by it).
    assert page.evaluate(
        "() => [...document.styleSheets].some((s) => (s.href || '').includes('uPlot.min.css'))"
    )
    assert "/js/ui/admin/reports.js" in paths and "/vendor/uplot/dist/uPlot.esm.js" in paths
    # Another console page, by the side navigation: loaded on demand too.
    by(page, "nav-admin-users").click()
    expect(page).to_have_url(f"{server.url}/admin/users")
    assert "/js/ui/admin/users.js" in paths
    expect(by(page, "load-failed")).to_have_count(0)
    # Fetched once, kept by the worker (checked against the manifest's hash) for the next time.
    page.wait_for_function(
        """async () => {
          for (const name of await caches.keys())
            if (await (await caches.open(name)).match('/js/ui/admin/reports.js')) return true;
          return false;
        }""",
        timeout=SYNC_TIMEOUT,
    )
