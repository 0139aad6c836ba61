"""The first load of a phone (server/precache.py, server/web.py; docs/pwa.md § First load): the
shell preloads the phone's module graph and nothing of the admin console, the console's files
are served but not precached, every file answers with its content's ETag (a 304 when the browser
has it), and the app's files come compressed only when the browser asks."""

from __future__ import annotations

import gzip
import hashlib
import re
import time

import brotli
import httpx
import pytest

from server.precache import Precache
from server.precompressed import Precompressed, wanted
from server.web import APP_ROUTES, PWA_DIR
from tests.server.conftest import LiveServer

PWA = PWA_DIR

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
            # Once (compressed per request or beforehand, the same header).
            assert response.headers["vary"] == "Accept-Encoding"
            assert len(raw) < len(plain.content) / 2
            assert decode(raw) == plain.content


@pytest.mark.parametrize(
    ("header", "best"),
    [
        ("gzip, deflate, br", ["br", "gzip"]),
        ("gzip", ["gzip"]),
        ("br;q=0, gzip;q=0.5", ["gzip"]),
        ("identity", []),
        ("", []),
    ],
)
def test_the_encodings_a_client_accepts(header: str, best: list[str]) -> None:
    assert wanted(header) == best


def test_the_apps_files_are_compressed_once_at_the_strongest_levels() -> None:
    """Every compressible file of the snapshot gets a brotli 11 and a gzip 9 form, keyed by its
    content's hash (a changed file is a new key, never a stale form); images are left alone."""
    precache = Precache(PWA, APP_ROUTES, generated={"/shared/vocabulary.json": b"{}" * 600})
    snapshot = precache.current()
    forms = Precompressed()
    forms.prepare(snapshot)
    deadline = time.monotonic() + 120
    shell = snapshot.hashes["/"]
    while forms.form(shell, "gzip") is None and time.monotonic() < deadline:
        time.sleep(0.2)
    main = snapshot.hashes["/js/ui/app.js"]
    while forms.form(main, "br") is None and time.monotonic() < deadline:
        time.sleep(0.2)
    plain = (PWA / "js" / "ui" / "app.js").read_bytes()
    encoding, body = forms.form(main, "gzip, br") or ("", b"")
    assert encoding == "br" and brotli.decompress(body) == plain
    assert len(body) <= len(brotli.compress(plain, quality=4))
    encoding, body = forms.form(main, "gzip") or ("", b"")
    assert encoding == "gzip" and gzip.decompress(body) == plain
    assert forms.form(main, "identity") is None
    assert forms.form(snapshot.hashes["/icons/icon-512.png"], "br") is None
    assert forms.form("0" * 64, "br") is None  # a content it never saw
