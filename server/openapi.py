"""The OpenAPI schema tells the truth about errors: every error leaves as ``ErrorBody``.

Litestar documents a handler's 400 with its own ``{status_code, detail, extra}`` shape, which
the app never sends (server/errors.py turns every error into ``{code, message}``), and knows
nothing of the 401/403/404/409/413/429 the handlers and the error layer answer. One pass over
the app's routes documents them all with the one shape, so clients and the fuzz test
(tests/server/test_fuzz.py) can rely on the schema.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi import ResponseSpec
from litestar.routes import HTTPRoute

from sync.protocol import ErrorBody

# What server/errors.py can answer on any API operation: bad input, no or a revoked credential,
# a missing permission, an unknown id, a state that forbids the action, a body over the limit, a
# rate limit. Each with a stable ``code`` (docs/protocol.md).
ERRORS = {
    400: "Invalid request: `invalid_request`, `malformed_json` or an operation's own code",
    401: "No valid session or token: `unauthorized`",
    403: "Not allowed: `forbidden` (the role lacks the permission)",
    404: "No such resource: `not_found`",
    409: "The resource's state forbids it: `conflict` or an operation's own code",
    413: "Request body over the limit: `too_large`, with `limits`",
    429: "Too many requests from this address: `rate_limited`",
}


def _documented(path: str) -> bool:
    # The JSON API and the public order status page; the PWA's static files are not in the schema.
    return path.startswith(("/api/", "/q/"))


def document_errors(app: Litestar) -> None:
    """Add the error responses to every API operation (a handler's own ``responses`` win)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not _documented(route.path):
            continue
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            errors = {
                status: ResponseSpec(data_container=ErrorBody, description=text)
                for status, text in ERRORS.items()
            }
            handler.responses = {**errors, **(handler.responses or {})}
