"""The web app's files (server/web.py, server/precache.py): the shell on every app route, the
precache manifest and the service worker built on it, the vendor modules and nothing else of
node_modules. Most tests serve a copy of pwa/ (``ORDERLY_PWA_DIR``) so they can change it."""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
import pytest

from server.web import APP_ROUTES
from shared.export import vocabulary
from tests.server.conftest import LiveServer, _server_factory

if TYPE_CHECKING:
    from tests.dbs import TestDatabases

PWA = Path(__file__).resolve().parents[2] / "pwa"
IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.S)
# Static import/export specifiers, minified or not: `from"x"`, `from 'x'`, `import"x"`.
# Static imports and re-exports at the start of a statement (not "from 'x'" inside a message).
SPECIFIER = re.compile(
    r"""(?:^|[;}\n])\s*(?:import|export)\b(?:[^'";]*?\bfrom)?\s*["']([@\w./-]+)["']""", re.M
)
NEEDED = [
    "dexie", "preact", "preact/hooks", "htm", "htm/preact", "uuid", "@simplewebauthn/browser",
    "barcode-detector/ponyfill", "lean-qr", "uplot",
]  # fmt: skip


@pytest.fixture(scope="module")
def app_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pwa = tmp_path_factory.mktemp("web") / "pwa"
    shutil.copytree(PWA, pwa, symlinks=True)
    return pwa


@pytest.fixture(scope="module")
def web(databases: TestDatabases, app_copy: Path) -> Iterator[LiveServer]:
    """A server of a copy of pwa/ (node_modules included: an ``npm ci`` in the checkout
    meanwhile does not pull files away)."""
    start, stop_all = _server_factory(databases)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ORDERLY_PWA_DIR", str(app_copy))
        live = start()
    yield live
    stop_all()


def _manifest(web: LiveServer) -> dict:
    with web.client() as http:
        return http.get("/precache.json").json()


def _import_map(html: str) -> dict[str, str]:
    found = IMPORT_MAP.search(html)
    assert found, "no import map in the shell"
    return json.loads(found.group(1))["imports"]


def test_the_manifest_lists_every_file_with_its_hash(web: LiveServer, app_copy: Path) -> None:
    manifest = _manifest(web)
    urls = [f["url"] for f in manifest["files"]]
    assert len(urls) == len(set(urls))
    assert re.fullmatch(r"[0-9a-f]{16}", manifest["version"])
    assert manifest["shell"] == "/" and manifest["routes"] == APP_ROUTES

    own = {"/", "/manifest.webmanifest", "/shared/vocabulary.json"}
    for folder in ("js", "css"):
        own |= {
            f"/{folder}/{p.relative_to(app_copy / folder).as_posix()}"
            for p in (app_copy / folder).rglob("*")
            if p.is_file() and not p.name.startswith(".")
        }
    own |= {f"/icons/{p.name}" for p in (app_copy / "icons").glob("*") if p.suffix != ".py"}
    assert {u for u in urls if not u.startswith("/vendor/")} == own
    assert "/icons/icon-512.png" in urls and "/icons/make_icons.py" not in urls
    assert "/sw.js" not in urls

    with web.client() as http:
        for entry in manifest["files"]:
            body = http.get(entry["url"]).content
            assert hashlib.sha256(body).hexdigest() == entry["hash"], entry["url"]
    vocab = next(f for f in manifest["files"] if f["url"] == "/shared/vocabulary.json")
    assert vocab["hash"] == hashlib.sha256(msgspec.json.encode(vocabulary())).hexdigest()


def test_the_vendor_files_close_the_module_graph(web: LiveServer, app_copy: Path) -> None:
    """Every vendor module the import map names is precached, and every import in them is a
    bare specifier the map resolves or a relative file that is precached too."""
    imports = _import_map((app_copy / "index.html").read_text())
    assert sorted(imports) == sorted(NEEDED)
    urls = {f["url"] for f in _manifest(web)["files"]}
    assert set(imports.values()) <= urls
    vendor = sorted(u for u in urls if u.startswith("/vendor/"))
    assert not [u for u in vendor if u.endswith((".map", ".d.ts", ".cjs", "package.json"))]
    found = 0
    with web.client() as http:
        for url in vendor:
            response = http.get(url)
            assert response.status_code == 200, url
            if url.endswith(".wasm"):  # zxing's reader, for offline camera scans
                assert response.headers["content-type"] == "application/wasm", url
                assert response.content[:4] == b"\0asm", url
                continue
            if url.endswith(".css"):  # uPlot's stylesheet, linked from the shell
                assert response.headers["content-type"].startswith("text/css"), url
                continue
            assert response.headers["content-type"].startswith("text/javascript"), url
            for spec in SPECIFIER.findall(response.text):
                found += 1
                if spec.startswith("."):
                    target = posixpath.normpath(posixpath.join(posixpath.dirname(url), spec))
                    assert target in urls, f"{url} imports {spec}"
                else:
                    assert spec in imports, f"{url} imports {spec!r}: not in the import map"
    assert found > 20, "the import pattern no longer finds the vendor files' imports"


def test_the_version_follows_the_content(web: LiveServer, app_copy: Path) -> None:
    first = _manifest(web)["version"]
    added = app_copy / "js" / "zz-added.js"
    try:
        added.write_text("export const a = 1;\n")
        second = _manifest(web)
        assert second["version"] != first
        assert {
            "url": "/js/zz-added.js",
            "hash": hashlib.sha256(b"export const a = 1;\n").hexdigest(),
        } in second["files"]
        with web.client() as http:
            assert http.get("/js/zz-added.js").text == "export const a = 1;\n"

        added.write_text("export const a = 2;\n")
        third = _manifest(web)["version"]
        assert third not in (first, second["version"])
    finally:
        added.unlink()
    # The version is the content's: the same files give the same version again.
    assert _manifest(web)["version"] == first
    with web.client() as http:
        assert http.get("/js/zz-added.js").status_code == 404

    sw = app_copy / "sw.js"
    original = sw.read_text()
    try:
        sw.write_text(original + "\n// a change to the worker alone\n")
        assert _manifest(web)["version"] != first
    finally:
        sw.write_text(original)
    assert _manifest(web)["version"] == first


def test_sw_js_is_the_manifest_then_the_worker(web: LiveServer, app_copy: Path) -> None:
    with web.client() as http:
        response = http.get("/sw.js")
        manifest = http.get("/precache.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert manifest.headers["cache-control"] == "no-cache"
    head, rest = response.text.split("\n", 1)
    assert head.startswith("self.PRECACHE = ") and head.endswith(";")
    assert json.loads(head.removeprefix("self.PRECACHE = ").removesuffix(";")) == manifest.json()
    assert rest == (app_copy / "sw.js").read_text()


@pytest.mark.parametrize(
    "hidden",
    [
        "/package.json",
        "/package-lock.json",
        "/index.html",
        "/node_modules/dexie/package.json",
        "/node_modules/@simplewebauthn/browser/esm/index.js",
        "/vendor/dexie/package.json",
        "/vendor/dexie/dexie.js",
        "/vendor/dexie/dexie.mjs.map",
        "/vendor/preact/package.json",
        "/vendor/preact/dist/preact.js",
        "/vendor/preact/dist/preact.module.js.map",
        "/vendor/preact/compat/dist/compat.module.js",
        "/vendor/uuid/uuid-bin.js",
        "/vendor/uuid/index.d.ts",
        "/vendor/@simplewebauthn/browser/index.d.ts",
        "/vendor/fake-indexeddb/build/esm/index.js",
        "/vendor/fake-indexeddb/package.json",
        "/vendor/../package.json",
        "/vendor/%2e%2e/package.json",
        "/js/../package.json",
        "/icons/make_icons.py",
    ],
)
def test_nothing_else_of_pwa_is_served(web: LiveServer, hidden: str) -> None:
    with web.client() as http:
        response = http.get(hidden)
    assert response.status_code == 404, hidden
    assert response.headers["content-type"].startswith("application/json")


SHELL_PATHS = [
    "/", "/enroll", "/login", "/customers", "/customers/new", "/customers/c-1", "/products",
    "/orders", "/orders/new", "/orders/0190a3e4-aaaa-7bbb-8ccc-000000000001", "/conflicts",
    "/conflicts/x-1", "/settings",
]  # fmt: skip


@pytest.mark.parametrize("path", SHELL_PATHS)
def test_every_app_route_answers_the_shell(web: LiveServer, app_copy: Path, path: str) -> None:
    with web.client() as http:
        response = http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == (app_copy / "index.html").read_text()


@pytest.mark.parametrize(
    "path", ["/api/nope", "/api/orders/x", "/nope", "/settings/x", "/shared/x"]
)
def test_other_paths_stay_json_404s(web: LiveServer, path: str) -> None:
    with web.client() as http:
        response = http.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_api_and_schema_are_untouched(web: LiveServer) -> None:
    with web.client() as http:
        assert http.get("/api/health").json()["status"] == "ok"
        assert http.get("/schema/openapi.json").status_code == 200
        assert http.post("/api/nope", json={}).status_code == 404


def test_manifest_and_icons(web: LiveServer) -> None:
    with web.client() as http:
        response = http.get("/manifest.webmanifest")
        assert response.headers["content-type"].startswith("application/manifest+json")
        manifest = response.json()
        assert manifest["name"] == "Orderly" and manifest["short_name"]
        assert manifest["start_url"] == "/" and manifest["scope"] == "/"
        assert manifest["display"] == "standalone"
        assert manifest["theme_color"] and manifest["background_color"]
        icons = {(i["sizes"], i["type"], i.get("purpose", "any")) for i in manifest["icons"]}
        assert {("192x192", "image/png", "any"), ("512x512", "image/png", "any"),
                ("512x512", "image/png", "maskable")} <= icons  # fmt: skip
        assert any(i["type"] == "image/svg+xml" for i in manifest["icons"])
        for icon in manifest["icons"]:
            got = http.get(icon["src"])
            assert got.status_code == 200 and got.headers["content-type"] == icon["type"]
            if icon["type"] == "image/png":
                width, height = (
                    int.from_bytes(got.content[16:20]),
                    int.from_bytes(got.content[20:24]),
                )
                assert f"{width}x{height}" == icon["sizes"]


def test_the_checkouts_app_is_served_by_default(shared_server: LiveServer) -> None:
    """Without ORDERLY_PWA_DIR: pwa/ of the checkout, its import map's modules included."""
    with shared_server.client() as http:
        shell = http.get("/orders/o-1")
        assert shell.text == (PWA / "index.html").read_text()
        for url in _import_map(shell.text).values():
            got = http.get(url)
            assert got.status_code == 200 and "javascript" in got.headers["content-type"], url
