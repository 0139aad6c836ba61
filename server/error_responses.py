"""Every error leaves as JSON with a stable ``code`` and a readable ``message`` (never a bare 500)."""

from __future__ import annotations

import logging

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE

from server.db.sql import database_gone
from server.errors import AppError
from sync.errors import SyncError
from sync.protocol import ErrorBody

log = logging.getLogger("orderly.server")

_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _json(body: ErrorBody, status: int) -> Response[ErrorBody]:
    return Response(body, status_code=status, media_type=MediaType.JSON)


def app_error(_: Request, exc: AppError | SyncError) -> Response[ErrorBody]:
    """The one mapping of the app's errors and the sync engine's (the same shape) to HTTP."""
    extra = {k: v for k, v in exc.extra.items() if k in ("last_mutation_id", "limits")}
    return _json(ErrorBody(code=exc.code, message=exc.message, **extra), exc.status)


def validation_error(request: Request, exc: ValidationException) -> Response[ErrorBody]:
    detail = str(exc.detail)
    extra = exc.extra if isinstance(exc.extra, list | dict) else None
    if "malformed" in f"{detail} {extra}".lower():
        code, message = "malformed_json", "the request body is not valid JSON"
    else:
        code, message = "invalid_request", _describe(detail, extra)
    return _json(ErrorBody(code=code, message=message), 400)


def _describe(detail: str, extra: object) -> str:
    if isinstance(extra, list) and extra:
        parts = []
        for item in extra[:5]:
            if isinstance(item, dict):
                where = item.get("key") or item.get("source") or ""
                if where == "data" and item.get("message") == "'data'":
                    # Litestar's way of saying the body was empty.
                    parts.append("the request body is empty: send a JSON object")
                    continue
                parts.append(f"{where}: {item.get('message', '')}".strip(": "))
        if parts:
            return "; ".join(parts)
    return detail


def _unknown_api_path(request: Request) -> bool:
    """An /api/ path no API route has: only the PWA's catch-all static route matched it."""
    path = request.url.path.rstrip("/") or "/"
    if path != "/api" and not path.startswith("/api/"):
        return False
    return path not in {route.path for route in request.app.routes}


def make_http_error(limits: dict[str, int]):
    def http_error(request: Request, exc: HTTPException) -> Response[ErrorBody]:
        status = exc.status_code
        if status == 405 and _unknown_api_path(request):
            # POST /api/typo matches the PWA's GET-only catch-all: that is a 404, not a 405.
            return _json(
                ErrorBody(code="not_found", message=f"no API endpoint at {request.url.path}"),
                404,
            )
        if status == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
            return _json(
                ErrorBody(
                    code="too_large",
                    message=f"request body over {limits['max_bytes']} bytes",
                    limits=limits,
                ),
                status,
            )
        code = _CODES.get(status, "error" if status < 500 else "internal_error")
        message = str(exc.detail)
        if status == 400 and (
            isinstance(exc.__cause__, SerializationException) or "malformed" in message.lower()
        ):
            # The body did not decode: msgspec says "JSON is malformed: ..." or, for a body cut
            # short, "Input data was truncated".
            code = "malformed_json"
            if "malformed" not in message.lower():
                message = f"the request body is not valid JSON: {message}"
        return _json(ErrorBody(code=code, message=message), status)

    return http_error


def internal_error(request: Request, exc: Exception) -> Response[ErrorBody]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _json(
        ErrorBody(code="internal_error", message="the server failed; nothing you sent was lost"),
        500,
    )


# The database went away under a request: PostgreSQL restarting or shutting down, a connection
# the restart cut (the pool replaces it on the next acquire), PostgreSQL not accepting connections
# yet. The request's transaction did not commit, or its commit's fate is unknown; either way the
# client may send it again (a push applies nothing twice).
def database_unavailable(request: Request, exc: Exception) -> Response[ErrorBody]:
    """503 ``database_unavailable`` with Retry-After: a moment, not a bug."""
    if not database_gone(exc):
        return internal_error(request, exc)  # misuse of a connection is a bug
    log.warning(
        "database unavailable on %s %s: %s: %s",
        request.method,
        request.url.path,
        type(exc).__name__,
        exc,
    )
    response = _json(
        ErrorBody(
            code="database_unavailable",
            message="the database is unavailable for a moment; send the request again",
        ),
        503,
    )
    response.headers["Retry-After"] = "1"
    return response


def text_error(_: Request, exc: Exception) -> Response[ErrorBody]:
    """PostgreSQL cannot store some text SQLite takes (a NUL character): the client's input,
    not a server failure. One handler instead of a check on every string of every request."""
    return _json(
        ErrorBody(code="invalid_request", message="text may not contain NUL characters"), 400
    )


def decode_error(_: Request, exc: msgspec.DecodeError) -> Response[ErrorBody]:
    return _json(ErrorBody(code="malformed_json", message=str(exc)), 400)
