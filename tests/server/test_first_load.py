"""The first load of a phone (server/precache.py, server/web.py; docs/pwa.md § First load): the
shell preloads the phone's module graph and nothing of the admin console, the console's files
are served but not precached, every file answers with its content's ETag (a 304 when the browser
has it), and the app's files come compressed only when the browser asks."""

from __future__ import annotations

import gzip
import hashlib
import re

import brotli
import httpx
import pytest

from tests.server.conftest import LiveServer

PRELOAD = re.compile(r'<link rel="modulepreload" href="([^"]+)">')


def test_the_shell_preloads_the_phones_modules_and_not_the_console(
    shared_server: LiveServer,
) -> None:
    with shared_server.client() as http:
        shell = http.get("/").text
        manifest = http.get("/precache.json").json()
    preloads = PRELOAD.findall(shell)
    # What the sign-in screen shows (a first visit): main.js's static graph.
    assert {"/js/main.js", "/js/ui/root.js", "/js/ui/signin.js", "/js/auth.js"} <= set(preloads)
    assert "/vendor/preact/dist/preact.module.js" in preloads  # bare specifiers resolved
    # import()ed: the worker's registration, the signed-in app once there is a user.
    assert not {"/js/update.js", "/js/ui/app.js", "/js/store.js"} & set(preloads)
    assert not [u for u in preloads if u.startswith(("/js/ui/admin/", "/vendor/uplot/"))]
    assert "uPlot.min.css" not in shell
    # After the import map (a module fetched before it would make Chromium ignore the map).
    assert (
        shell.index('type="importmap"')
        < shell.index('rel="modulepreload"')
        < shell.index("</head>")
    )
    precached = {f["url"] for f in manifest["files"]}
    lazy = {f["url"] for f in manifest["lazy"]}
    assert set(preloads) <= precached
    assert {"/js/ui/app.js", "/js/store.js", "/js/ui/admin/common.js"} <= precached  # offline
    assert {"/js/ui/admin/reports.js", "/vendor/uplot/dist/uPlot.esm.js"} <= lazy
    assert "/vendor/swagger-ui-dist/swagger-ui-bundle.js" in lazy
    assert not precached & lazy
    # The shell precached is the shell served, preloads and all.
    shell_entry = next(f for f in manifest["files"] if f["url"] == "/")
    assert hashlib.sha256(shell.encode()).hexdigest() == shell_entry["hash"]


@pytest.mark.parametrize("url", ["/", "/js/ui/app.js", "/js/ui/admin/reports.js"])
def test_a_file_the_browser_has_is_a_304_without_a_body(
    shared_server: LiveServer, url: str
) -> None:
    with shared_server.client() as http:
        first = http.get(url)
        etag = first.headers["etag"]
        assert etag.startswith('W/"') and etag == http.get(url).headers["etag"]
        again = http.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "no-cache"
        other = http.get(url, headers={"If-None-Match": 'W/"0000"'})
        assert other.status_code == 200 and other.content == first.content


@pytest.mark.parametrize("url", ["/", "/js/ui/app.js"])
def test_the_app_answers_gzip_brotli_or_identity_as_asked(
    shared_server: LiveServer, url: str
) -> None:
    with httpx.Client(base_url=shared_server.base_url, timeout=30) as http:
        plain = http.get(url, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        for asked, encoding, decode in [
            ("gzip", "gzip", gzip.decompress),
            ("gzip, deflate, br", "br", brotli.decompress),
        ]:
            with http.stream("GET", url, headers={"Accept-Encoding": asked}) as response:
                raw = b"".join(response.iter_raw())
            assert response.headers["content-encoding"] == encoding
            assert "Accept-Encoding" in response.headers["vary"]
            assert len(raw) < len(plain.content) / 2
            assert decode(raw) == plain.content
