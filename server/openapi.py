"""The OpenAPI schema tells the truth about what the app answers, errors and files included.

Litestar documents a handler's 400 with its own ``{status_code, detail, extra}`` shape, which
the app never sends (server/error_responses.py turns every error into ``{code, message}``), and knows
nothing of the 401/403/404/409/413/429 the handlers and the error layer answer, nor of the
CSV/XLSX files an admin list sends for ``format=csv|xlsx``. One pass over the app's routes
documents them, so clients and the fuzz test (tests/server/test_fuzz.py) can rely on the schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Litestar, MediaType, Request
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import OpenAPIMediaType, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import HTTPRoute

from server.admin.tabular import CONTENT_TYPES
from sync.protocol import ErrorBody

# The API reference at /schema: Swagger UI from the npm package pinned in pwa/package.json,
# served and precached under /vendor like the app's other packages (server/precache.py), never
# from a CDN. (Scalar, Litestar's default, was 4.9 MB and 282 packages; swagger-ui-dist is one.)
# Its one inline script is constant, so the page's policy allows it by hash
# (server/security.py), with no 'unsafe-inline' for scripts.
REFERENCE_VENDOR = "/vendor/swagger-ui-dist"
REFERENCE_SCRIPT = (
    "SwaggerUIBundle({url: '/schema/openapi.json', dom_id: '#reference', deepLinking: true,"
    " validatorUrl: null, presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout'});"
)


class ApiReference(OpenAPIRenderPlugin):
    """The /schema page: Swagger UI over the app's own openapi.json, every file from /vendor."""

    def __init__(self) -> None:
        super().__init__(path="/swagger", favicon="<link rel='icon' href='/icons/icon.svg'>")

    def render(self, request: Request, openapi_schema: dict) -> bytes:
        title = openapi_schema["info"]["title"]
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{title} API</title>{self.favicon}"
            f"<link rel='stylesheet' href='{REFERENCE_VENDOR}/swagger-ui.css'></head>"
            "<body><div id='reference'></div>"
            f"<script src='{REFERENCE_VENDOR}/swagger-ui-bundle.js'></script>"
            f"<script>{REFERENCE_SCRIPT}</script></body></html>"
        ).encode()


# What server/error_responses.py can answer on any API operation: bad input, no or a revoked credential,
# a missing permission, an unknown id, a state that forbids the action, a body over the limit, a
# rate limit, a database restarting. Each with a stable ``code`` (docs/protocol.md).
ERRORS = {
    400: "Invalid request: `invalid_request`, `malformed_json` or an operation's own code",
    401: "No valid session or token: `unauthorized`",
    403: "Not allowed: `forbidden` (the role lacks the permission)",
    404: "No such resource: `not_found`",
    409: "The resource's state forbids it: `conflict` or an operation's own code",
    413: "Request body over the limit: `too_large`, with `limits`",
    429: "Too many requests from this address: `rate_limited`",
    503: "The database is unavailable for a moment: `database_unavailable`, with Retry-After",
}

# The public order status page (/q/<token>) is HTML for people, its refusals too.
PAGE_ERRORS = {
    404: "No order behind this code",
    410: "The code was replaced by a newer one",
    429: "Too many views from this address",
}


@dataclass
class ApiOperation(Operation):
    """An operation as the app answers it: a 204 has no body, so no content type either."""

    def __post_init__(self) -> None:
        empty = (self.responses or {}).get("204")
        if empty is not None and hasattr(empty, "content"):
            empty.content = None


@dataclass
class ExportOperation(ApiOperation):
    """An admin list that sends its rows as a file for ``format=csv|xlsx`` (server/admin/tabular)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        ok = (self.responses or {}).get("200")
        if ok is None or not hasattr(ok, "content"):
            return
        binary = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
        ok.content = {
            **(ok.content or {}),
            **{media: OpenAPIMediaType(schema=binary) for media in CONTENT_TYPES.values()},
        }


def _exports(handler: HTTPRouteHandler) -> bool:
    field = handler.parsed_fn_signature.parameters.get("format")
    return field is not None and "csv" in repr(field.annotation)


def _errors(handler: HTTPRouteHandler, path: str) -> dict[int, ResponseSpec]:
    # An /api operation that answers HTML (the printable label sheets) still refuses in JSON.
    if handler.media_type == MediaType.HTML and not path.startswith("/api/"):
        return {
            status: ResponseSpec(
                data_container=str, media_type=MediaType.HTML, description=text,
                generate_examples=False,
            )
            for status, text in PAGE_ERRORS.items()
        }  # fmt: skip
    return {
        status: ResponseSpec(data_container=ErrorBody, description=text, generate_examples=False)
        for status, text in ERRORS.items()
    }


def document_errors(app: Litestar) -> None:
    """Add the error responses to every API operation (a handler's own ``responses`` win), and
    the CSV/XLSX answers of the exporting lists."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(("/api/", "/q/")):
            continue
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            handler.responses = {**_errors(handler, route.path), **(handler.responses or {})}
            handler.operation_class = ExportOperation if _exports(handler) else ApiOperation
