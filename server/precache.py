"""The precache manifest: every file the web app needs offline, each with the SHA-256 of its
content, and a version that changes whenever any of them does (docs/pwa.md § App shell).

The same table decides what the server serves under ``/js``, ``/css``, ``/icons`` and
``/vendor``: a file is served if and only if it is precached, so the app can never depend on a
file it will not have offline. ``Precache.current()`` re-reads the files only when their
modification times or sizes changed (one ``stat`` per file), so a running dev server picks up
edits to ``pwa/`` on the next request for ``/sw.js``.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import msgspec


@dataclass(frozen=True)
class Vendor:
    """An npm package served as ``/vendor/<package>/<path>`` from ``<package>/<root>/<path>``:
    only the files ``include`` names (globs under ``root``), never the rest of the package."""

    package: str
    root: str
    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()


# The ES module builds the import map in pwa/index.html reaches (each import of a file below is
# relative, or a bare specifier the import map names). No CommonJS/UMD builds, source maps,
# type declarations or package.json.
VENDOR: tuple[Vendor, ...] = (
    Vendor("dexie", "dist", ("dexie.mjs",)),
    Vendor("preact", "", ("dist/preact.module.js", "hooks/dist/hooks.module.js")),
    Vendor("htm", "", ("dist/htm.module.js", "preact/index.module.js")),
    # uuid-bin.js is the command-line tool (it imports node's "assert").
    Vendor("uuid", "dist/esm-browser", ("*.js",), ("uuid-bin.js",)),
    Vendor("@simplewebauthn/browser", "esm", ("**/*.js",)),
    # The QR encoder of the order codes (pwa/js/ui/qr.js): one ES module, no imports.
    Vendor("lean-qr", "", ("index.mjs",)),
    # The BarcodeDetector polyfill (desktop Chromium on Linux has none) and the zxing reader it
    # loads: served and precached from our origin, never fetched from a CDN (offline scanning).
    Vendor("barcode-detector", "dist/es", ("*.js",)),
    Vendor("zxing-wasm", "dist/reader", ("zxing_reader.wasm",)),
    # The admin reports' charts (pwa/js/ui/admin/reports.js): the ES module and its stylesheet.
    Vendor("uplot", "", ("dist/uPlot.esm.js", "dist/uPlot.min.css")),
    # The API reference page /schema (server/openapi.py): Swagger UI, never from a CDN.
    Vendor("swagger-ui-dist", "", ("swagger-ui-bundle.js", "swagger-ui.css")),
)

# The app's own folders under pwa/: every file is served and precached (except these).
APP_DIRS = ("js", "css")
ICON_SUFFIXES = (".png", ".svg", ".ico", ".webp")
_SKIP_SUFFIXES = (".map", ".swp", ".tmp", "~")

# What only the admin console (and the API reference page) loads: served, but not precached by
# every device -- the service worker caches each when first fetched (docs/pwa.md § First load).
# A file here that the phone's module graph reaches statically is precached all the same.
CONSOLE_PREFIXES = ("/js/ui/admin/", "/vendor/uplot/", "/vendor/swagger-ui-dist/")
# The module every page starts from (pwa/index.html), whose static graph the shell preloads.
ENTRY = "/js/main.js"
_IMPORT_MAP = re.compile(rb'<script type="importmap">(.*?)</script>', re.S)
# Static imports and re-exports at the start of a statement, minified or not (never import()).
_SPECIFIER = re.compile(
    rb"""(?:^|[;}\n])\s*(?:import|export)\b(?:[^'";(]*?\bfrom)?\s*["']([@\w./-]+)["']""", re.M
)

MEDIA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".html": "text/html",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".wasm": "application/wasm",
}


def media_type(url: str) -> str:
    if url == "/":
        return MEDIA_TYPES[".html"]
    return MEDIA_TYPES.get(Path(url).suffix, "application/octet-stream")


class Entry(msgspec.Struct, frozen=True):
    url: str
    hash: str


class Manifest(msgspec.Struct, frozen=True):
    """What ``/precache.json`` answers and ``/sw.js`` starts with (``self.PRECACHE``)."""

    version: str
    files: list[Entry]
    # The paths whose navigations the service worker answers with the cached shell ("/x/*": and
    # everything under /x/).
    routes: list[str]
    shell: str = "/"
    # Served and hash-checked, cached by the worker when first fetched, never at install: the
    # admin console's pages, uPlot, Swagger UI (``CONSOLE_PREFIXES``).
    lazy: list[Entry] = []


@dataclass(frozen=True)
class Snapshot:
    manifest: Manifest
    # url -> file on disk (generated entries such as /shared/vocabulary.json are in ``data``).
    paths: dict[str, Path]
    data: dict[str, bytes]
    sw: bytes  # the body of GET /sw.js

    def source(self, url: str) -> Path | bytes | None:
        return self.paths.get(url) or self.data.get(url)

    @cached_property
    def hashes(self) -> dict[str, str]:
        """url -> SHA-256 of what it serves (precached or lazy): the ETag of its answers."""
        return {e.url: e.hash for e in [*self.manifest.files, *self.manifest.lazy]}


def module_graph(
    shell: bytes, read: dict[str, Path], entries: Iterable[str] = (ENTRY,)
) -> list[str]:
    """The URLs of the modules ``entries`` reach by static imports (``import()`` excluded),
    bare specifiers resolved by the shell's import map; only files in ``read`` are followed."""
    found = _IMPORT_MAP.search(shell)
    imports: dict[str, str] = json.loads(found.group(1))["imports"] if found else {}
    seen: list[str] = []
    todo = list(entries)
    while todo:
        url = todo.pop()
        if url in seen or url not in read:
            continue
        seen.append(url)
        for spec in _SPECIFIER.findall(read[url].read_bytes()):
            name = spec.decode()
            if name.startswith("."):
                todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(url), name)))
            elif name.startswith("/"):
                todo.append(name)
            elif name in imports:
                todo.append(imports[name])
    return sorted(seen)


def with_preloads(shell: bytes, modules: list[str]) -> bytes:
    """The shell with ``<link rel="modulepreload">`` for each of ``modules`` and a preload of the
    vocabulary, right before ``</head>`` (after the import map: a module fetch before it would
    make Chromium ignore the map). The browser then fetches the whole graph at once instead of
    one level of imports after another."""
    links = [b'<link rel="preload" href="/shared/vocabulary.json" as="fetch" crossorigin>']
    links += [f'<link rel="modulepreload" href="{url}">'.encode() for url in modules]
    block = b"<!-- generated by server/precache.py: the phone's module graph -->\n"
    block += b"\n".join(links) + b"\n"
    at = shell.rfind(b"</head>")
    return shell if at < 0 else shell[:at] + block + shell[at:]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _skipped(path: Path) -> bool:
    return path.name.startswith(".") or path.name.endswith(_SKIP_SUFFIXES)


def _files(root: Path, patterns: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[Path]:
    if not root.is_dir():
        return
    excluded = tuple(exclude)
    for pattern in patterns:
        for path in root.glob(pattern):
            rel = path.relative_to(root)
            if any(part.startswith(".") for part in rel.parts) or _skipped(path):
                continue
            if any(rel.match(x) for x in excluded) or not path.is_file():
                continue
            yield path


@dataclass
class Precache:
    """The manifest of ``pwa_dir``; ``node_modules`` defaults to ``pwa_dir/node_modules``."""

    pwa_dir: Path
    routes: list[str]
    generated: dict[str, bytes] = field(default_factory=dict)
    node_modules: Path | None = None
    vendor: tuple[Vendor, ...] = VENDOR
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stamp: tuple | None = field(default=None, repr=False)
    _snapshot: Snapshot | None = field(default=None, repr=False)
    _hashes: dict[tuple[Path, int, int], str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.pwa_dir = Path(self.pwa_dir)
        if self.node_modules is None:
            self.node_modules = self.pwa_dir / "node_modules"

    # ---- which files --------------------------------------------------------------------------

    def _candidates(self) -> dict[str, Path]:
        pwa = self.pwa_dir
        found: dict[str, Path] = {"/": pwa / "index.html"}
        if (pwa / "manifest.webmanifest").is_file():
            found["/manifest.webmanifest"] = pwa / "manifest.webmanifest"
        for name in APP_DIRS:
            for path in _files(pwa / name, ["**/*"]):
                found[f"/{name}/{path.relative_to(pwa / name).as_posix()}"] = path
        for path in _files(pwa / "icons", ["**/*"]):
            if path.suffix in ICON_SUFFIXES:
                found[f"/icons/{path.relative_to(pwa / 'icons').as_posix()}"] = path
        assert self.node_modules is not None
        for v in self.vendor:
            root = self.node_modules / v.package / v.root
            for path in _files(root, v.include, v.exclude):
                found[f"/vendor/{v.package}/{path.relative_to(root).as_posix()}"] = path
        return dict(sorted(found.items()))

    def missing_vendor(self) -> list[str]:
        """Packages of ``VENDOR`` with no file on disk (``npm ci`` not run)."""
        assert self.node_modules is not None
        return [
            v.package
            for v in self.vendor
            if not any(_files(self.node_modules / v.package / v.root, v.include, v.exclude))
        ]

    # ---- the manifest -------------------------------------------------------------------------

    def current(self) -> Snapshot:
        """The manifest of the files as they are now: recomputed only if one of them changed
        (added, removed, or a different mtime or size)."""
        with self._lock:
            paths = self._candidates()
            sw_path = self.pwa_dir / "sw.js"
            stamp = []
            for url, path in [*paths.items(), ("sw", sw_path)]:
                try:
                    st = path.stat()
                except FileNotFoundError:  # removed since the listing (or no sw.js yet)
                    paths.pop(url, None)
                    continue
                stamp.append((url, st.st_mtime_ns, st.st_size))
            if self._snapshot is None or tuple(stamp) != self._stamp:
                self._snapshot = self._build(paths, sw_path)
                self._stamp = tuple(stamp)
            return self._snapshot

    def cached(self) -> Snapshot:
        """The last snapshot without looking at the files again (the first call computes it)."""
        return self._snapshot or self.current()

    def _build(self, paths: dict[str, Path], sw_path: Path) -> Snapshot:
        hashes: dict[tuple[Path, int, int], str] = {}
        entries = []
        generated = dict(self.generated)
        phone: set[str] = set()
        if index := paths.pop("/", None):
            shell = index.read_bytes()
            generated["/"] = with_preloads(shell, module_graph(shell, paths))
            # What the app's own modules import (console files among them stay precached).
            own = [u for u in paths if u.startswith("/js/") and not u.startswith(CONSOLE_PREFIXES)]
            phone = set(module_graph(shell, paths, own))
        for url, path in paths.items():
            st = path.stat()
            key = (path, st.st_mtime_ns, st.st_size)
            hashes[key] = self._hashes.get(key) or _sha256(path.read_bytes())
            entries.append(Entry(url, hashes[key]))
        self._hashes = hashes
        entries += [Entry(url, _sha256(data)) for url, data in generated.items()]
        entries.sort(key=lambda e: e.url)
        lazy = [e for e in entries if e.url.startswith(CONSOLE_PREFIXES) and e.url not in phone]
        entries = [e for e in entries if e not in lazy]
        sw_source = sw_path.read_bytes() if sw_path.is_file() else b""
        listing = "\n".join(f"{e.url} {e.hash}" for e in [*entries, *lazy])
        listing += "\nroutes " + " ".join(self.routes) + "\nsw.js " + _sha256(sw_source)
        version = _sha256(listing.encode())[:16]
        manifest = Manifest(version=version, files=entries, routes=list(self.routes), lazy=lazy)
        sw = b"self.PRECACHE = " + msgspec.json.encode(manifest) + b";\n" + sw_source
        return Snapshot(manifest, paths, generated, sw)
