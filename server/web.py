"""The web app's files: the PWA shell, its own modules, the npm packages it imports, and the
service worker with its precache manifest (docs/pwa.md § App shell and updates).

- The app shell (``pwa/index.html``) answers every path the app routes itself (``APP_ROUTES``);
  ``/api/*``, ``/schema`` and unknown paths are untouched (unknown ones stay JSON 404s).
- ``/js/**``, ``/css/**``, ``/icons/*``, ``/manifest.webmanifest``, ``/vendor/<package>/...``
  and ``/shared/vocabulary.json`` serve exactly the files of the precache manifest
  (``server/precache.py``): nothing else under ``pwa/`` (node_modules as a whole, package.json,
  the icon script) is served.
- ``/sw.js`` is ``self.PRECACHE = {version, files, routes, shell};`` followed by ``pwa/sw.js``,
  never cached by HTTP caches, so any change to any file gives the browser a new worker.
  ``/precache.json`` shows the same manifest.

``ORDERLY_PWA_DIR`` serves the app from another folder (the browser tests serve a copy they
change); its ``node_modules`` is used if it has one, else the checkout's ``pwa/node_modules``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import ETag
from litestar.response import File

from server.errors import NotFound
from server.precache import Precache, Snapshot, media_type
from server.precompressed import Precompressed
from shared.export import vocabulary

log = logging.getLogger("orderly.web")

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

# Paths the app shell answers; the app's own router decides what each shows. "/x/*" is /x/
# and everything under it. The service worker answers the same navigations offline.
APP_ROUTES = [
    "/",
    "/enroll",
    "/login",
    "/customers",
    "/customers/*",
    "/products",
    "/orders",
    "/orders/*",
    "/conflicts",
    "/conflicts/*",
    "/settings",
    "/scan",
    "/scanner-test",
    "/stocktake",
    "/admin",
    "/admin/*",
]

NO_CACHE = {"Cache-Control": "no-cache"}
# Every file answer may be compressed (server/precompressed.py, server/compression.py).
FILE_HEADERS = {**NO_CACHE, "Vary": "Accept-Encoding"}


def pwa_dir() -> Path:
    return Path(os.environ.get("ORDERLY_PWA_DIR") or PWA_DIR)


def _litestar_paths(routes: list[str]) -> list[str]:
    return [r[:-2] + "/{rest:path}" if r.endswith("/*") else r for r in routes]


def _etag(snapshot: Snapshot, url: str) -> ETag | None:
    # Weak: the same tag for the identity, gzip and brotli forms of one content (RFC 9110
    # § 8.8.1); the content's SHA-256, so it changes exactly when the file does.
    digest = snapshot.hashes.get(url)
    return ETag(weak=True, value=digest[:32]) if digest else None


def _serve(
    snapshot: Snapshot, url: str, request: Request, forms: Precompressed | None = None
) -> Response:
    """The file at ``url``: ``no-cache`` with the content's ETag, so a browser that has it asks
    again (``If-None-Match``) and gets a 304 without a body. The URLs carry no version, so an
    ``immutable`` answer could keep a stale module after an update (the service worker serves
    the app's files itself once installed: this is the first load and the console's files)."""
    source = snapshot.source(url)
    if source is None:
        raise NotFound(f"no file at {url}")
    etag = _etag(snapshot, url)
    if etag is None:
        headers = FILE_HEADERS
    else:
        headers = {**FILE_HEADERS, "ETag": etag.to_header()}
        asked = request.headers.get("if-none-match", "")
        if any(t.strip().removeprefix("W/") == f'"{etag.value}"' for t in asked.split(",")):
            return Response(b"", status_code=304, headers=headers)
        ready = forms and forms.form(
            snapshot.hashes[url], request.headers.get("accept-encoding", "")
        )
        if ready:
            encoding, body = ready
            return Response(
                body, media_type=media_type(url), headers={**headers, "Content-Encoding": encoding}
            )
    if isinstance(source, bytes):
        return Response(source, media_type=media_type(url), headers=headers)
    return File(source, media_type=media_type(url), content_disposition_type="inline",
                headers=headers)  # fmt: skip


def web_routes(root: Path | None = None) -> list:
    """Route handlers for the PWA's files (empty when there is no ``index.html``)."""
    root = Path(root or pwa_dir())
    if not (root / "index.html").exists():
        log.warning("no web app at %s: serving the API only", root)
        return []
    node_modules = root / "node_modules"
    if not node_modules.is_dir():
        node_modules = PWA_DIR / "node_modules"
    vocab = msgspec.json.encode(vocabulary())
    precache = Precache(
        root, APP_ROUTES, generated={"/shared/vocabulary.json": vocab}, node_modules=node_modules
    )
    if missing := precache.missing_vendor():
        # The API still works; the pages that import these packages do not.
        log.warning("missing in %s: %s; run `npm ci` in pwa/", node_modules, ", ".join(missing))
    forms = Precompressed()
    forms.prepare(precache.current())
    prepared = [precache.cached()]

    def lookup(url: str) -> Snapshot:
        snapshot = precache.cached()
        if snapshot.source(url) is None:
            # A file added since the last look (the dev server follows edits).
            snapshot = precache.current()
        if snapshot is not prepared[0]:  # new content: its compressed forms, in the background
            prepared[0] = snapshot
            forms.prepare(snapshot)
        return snapshot

    @get(_litestar_paths(APP_ROUTES), name="pwa-shell", include_in_schema=False)
    async def shell(request: Request) -> Response:
        """The app shell, for every path the app routes itself."""
        return _serve(lookup("/"), "/", request, forms)

    @get("/sw.js", name="pwa-sw", include_in_schema=False)
    async def service_worker() -> Response:
        snapshot = precache.current()
        return Response(snapshot.sw, media_type=media_type("/sw.js"), headers=NO_CACHE)

    @get("/precache.json", name="pwa-precache", include_in_schema=False)
    async def precache_json() -> Response:
        return Response(
            msgspec.json.encode(precache.current().manifest),
            media_type="application/json",
            headers=NO_CACHE,
        )

    @get(
        ["/manifest.webmanifest", "/shared/vocabulary.json"],
        name="pwa-top-files",
        include_in_schema=False,
    )
    async def top_file(request: Request) -> Response:
        return _serve(lookup(request.url.path), request.url.path, request, forms)

    @get(
        ["/js/{path:path}", "/css/{path:path}", "/icons/{path:path}", "/vendor/{path:path}"],
        name="pwa-files",
        include_in_schema=False,
    )
    async def app_file(request: Request) -> Response:
        # The service worker serves these from its cache; "no-cache" makes the browser ask
        # again (If-None-Match: a 304) when it does not.
        return _serve(lookup(request.url.path), request.url.path, request, forms)

    return [shell, service_worker, precache_json, top_file, app_file]
