"""Cross-site requests refused before their body is read (docs/auth.md § Cross-site requests).

A cross-site ``<form enctype="text/plain">`` can POST a body that reads as JSON, with the
victim's cookies, and without a preflight: the passkey ceremonies read it whatever its
Content-Type and looked at no Origin, so another site could sign a victim into the attacker's
account (login CSRF, tests/e2e/test_passkey_browser.py). So every ceremony POST
(``/api/auth/…/begin``, ``…/finish``) and every unsafe request a session cookie authenticates
must come from our own origin (``Origin`` = ``ORDERLY_PUBLIC_URL``'s), and a body must say it is
``application/json`` (a form cannot). A bearer token is sent by code that holds it, never
attached by a browser: such calls are left alone.
"""

from __future__ import annotations

from litestar import Request

from server.auth.errors import AuthError, CsrfFailed
from server.auth.principal import SESSION_COOKIE, UNSAFE_METHODS
from server.config import Settings

JSON = "application/json"
# ``opt`` of a route whose body is a file, not JSON (the admin import): still same-origin only.
FILE_BODY = "file_body"


class UnsupportedMediaType(AuthError):
    code = "unsupported_media_type"
    status = 415


def is_ceremony(request: Request) -> bool:
    """A passkey ceremony step: enrollment, login, adding a passkey."""
    path = request.url.path
    return path.startswith("/api/auth/") and path.endswith(("/begin", "/finish"))


def _bearer(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length != "0")


def same_origin_guard(settings: Settings):
    """A ``before_request`` hook: runs before the body is decoded or a session looked up."""

    async def guard(request: Request) -> None:
        if request.method not in UNSAFE_METHODS:
            return
        ceremony = is_ceremony(request)
        if not ceremony and (SESSION_COOKIE not in request.cookies or _bearer(request)):
            return
        origin = request.headers.get("origin")
        if origin != settings.origin:
            raise CsrfFailed(
                f"this request must come from {settings.origin} (Origin: {origin or 'none'})"
            )
        typed = request.headers.get("content-type")
        if request.route_handler.opt.get(FILE_BODY) or (typed is None and not _has_body(request)):
            return  # no body at all (a form always says its type, even when empty)
        media_type = (typed or "").partition(";")[0].strip().lower()
        if media_type != JSON:
            raise UnsupportedMediaType(f"send the body as {JSON} (not {media_type or 'untyped'})")

    return guard
