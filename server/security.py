"""Security headers on every response (docs/operations.md § 7).

One ASGI middleware adds them as the response starts, so JSON, files, the app shell, the public
status page and error answers all carry them:

- ``Content-Security-Policy``: only this origin's scripts, styles, images and connections. The
  app shell has two inline scripts (the import map and the service worker registration): their
  sha256 hashes are allowed by name, read from the ``index.html`` being served (again whenever
  the file changes). zxing's WebAssembly QR reader needs ``'wasm-unsafe-eval'`` (not
  ``'unsafe-eval'``). Images may be ``data:``/``blob:`` (the admin's template CSV links, QR
  images). The public status page ``/q/<token>`` has one inline ``<style>`` and the printable
  label sheets (``/api/qr/labels``) two: their hashes too.
  ``/schema`` (the API reference page, Swagger UI from ``/vendor``) gets a policy of its own:
  its constant inline script by hash, inline styles; nothing from another origin.
- ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``: never framed (clickjacking).
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` (a status-page URL
  carries an order token), ``Cross-Origin-Opener-Policy: same-origin``,
  ``Cross-Origin-Resource-Policy: same-origin``, ``Permissions-Policy`` (the camera for this
  origin only: the scanner; nothing else).
- ``Cache-Control: no-store`` on every ``/api/`` answer that sets none of its own: orders,
  customers, exports and session answers are never kept by a browser's or a proxy's cache.
- ``Strict-Transport-Security`` only when the public URL is https (behind Caddy with TLS):
  sent over plain http on localhost it would pin a developer's browser to https.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from litestar.types import Message, Scope

from server.config import Settings
from server.openapi import REFERENCE_SCRIPT
from server.qr import labels
from server.qr.page import CSS as STATUS_PAGE_CSS

_INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)

# Only features the browsers we serve know: an unknown one ("bluetooth", "interest-cohort")
# is logged as an error on every page load (tests/e2e/test_phone_everyday.py reads the console).
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=()"
HSTS = "max-age=31536000; includeSubDomains"


def source_hash(text: str) -> str:
    """A CSP hash source for an inline ``<script>`` or ``<style>`` body."""
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# The API reference page (server/openapi.py): Swagger UI from /vendor, its one constant inline
# script by hash; Swagger UI's React sets style elements and attributes (styles only may be
# inline). Nothing from another origin. Only /schema pages get this.
SCHEMA_CSP = (
    "default-src 'self'; "
    f"script-src 'self' {source_hash(REFERENCE_SCRIPT)}; "
    "style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


# The inline styles pages of ours carry: the status page's and the label sheet's (constant
# text, allowed by hash; style attributes stay forbidden).
INLINE_STYLES = (
    STATUS_PAGE_CSS,
    labels.SHEET_CSS,
    *(labels.page_css(paper) for paper in labels.PAPERS),
)


def inline_script_hashes(html: str) -> list[str]:
    """The hash of every inline script of a page (scripts with ``src`` are not inline)."""
    return [
        source_hash(body)
        for attrs, body in _INLINE_SCRIPT.findall(html)
        if not re.search(r"\bsrc\s*=", attrs, re.IGNORECASE)
    ]


def content_security_policy(script_hashes: list[str]) -> str:
    scripts = " ".join(["'self'", *script_hashes, "'wasm-unsafe-eval'"])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            f"style-src 'self' {' '.join(source_hash(css) for css in INLINE_STYLES)}",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "media-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ShellPolicy:
    """The CSP for the app shell being served: recomputed when ``index.html`` changes (the dev
    server and the browser tests serve files that change under it)."""

    def __init__(self, index: Callable[[], Path]) -> None:
        self._index = index
        self._key: tuple[str, int] | None = None
        self._policy = content_security_policy([])

    def current(self) -> str:
        path = self._index()
        try:
            key = (str(path), path.stat().st_mtime_ns)
        except OSError:
            return self._policy  # no web app: the API's answers still get a strict policy
        if key != self._key:
            self._policy = content_security_policy(inline_script_hashes(path.read_text("utf-8")))
            self._key = key
        return self._policy


def _index_html() -> Path:
    from server.web import pwa_dir  # server.web imports the precache; keep this module light

    return pwa_dir() / "index.html"


def security_headers(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook for ``Litestar(before_send=[...])``: it runs at the app level, so
    router answers (404, 405, 413) get the headers too, not only route handlers'."""
    policy = ShellPolicy(_index_html)
    fixed = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    ]
    if settings.public_url.startswith("https://"):
        fixed.append((b"strict-transport-security", HSTS.encode()))

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers") or [])
        message["headers"] = headers
        present = {bytes(name).lower() for name, _ in headers}
        headers.extend((k, v) for k, v in fixed if k not in present)
        path = scope.get("path", "")
        if b"cache-control" not in present and (path == "/api" or path.startswith("/api/")):
            # Orders, customers, exports, session answers: no browser or proxy keeps a copy
            # (the offline app keeps its data in IndexedDB, not in the HTTP cache).
            headers.append((b"cache-control", b"no-store"))
        if b"content-security-policy" not in present:
            schema = path == "/schema" or path.startswith("/schema/")
            headers.append(
                (b"content-security-policy", (SCHEMA_CSP if schema else policy.current()).encode())
            )

    return add_headers
