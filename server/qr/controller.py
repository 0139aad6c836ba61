"""HTTP for order QR codes: the current token (JSON, SVG, PNG), reissue, label sheets, and the
public status page ``/q/<token>`` (docs/qr.md § HTTP)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from server.auth.principal import Principal, needs
from server.errors import BadRequest
from server.qr import labels, page, render
from server.qr.service import TokenOut
from server.state import AppState
from shared import qr

PRIVATE = {"Cache-Control": "no-store"}


class QrController(Controller):
    path = "/api"
    tags = ["qr"]

    @get("/orders/{order_id:str}/qr", operation_id="qrCurrent",
         summary="The order's current QR token (issued on first ask)",
         dependencies={"me": needs("qr.read")})  # fmt: skip
    async def current(
        self, order_id: FromPath[str], me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> Response[TokenOut]:  # fmt: skip
        return Response(await app_state.qr.current(me.actor, order_id), headers=PRIVATE)

    @post("/orders/{order_id:str}/qr/reissue", operation_id="qrReissue", status_code=200,
          summary="A new QR token for the order; the earlier ones are revoked",
          dependencies={"me": needs("qr.reissue")})  # fmt: skip
    async def reissue(
        self, order_id: FromPath[str], me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> Response[TokenOut]:  # fmt: skip
        return Response(await app_state.qr.reissue(me.actor, order_id), headers=PRIVATE)

    @get("/orders/{order_id:str}/qr.svg", operation_id="qrSvg", media_type="image/svg+xml",
         summary="The order's QR code as SVG", dependencies={"me": needs("qr.read")})  # fmt: skip
    async def as_svg(
        self, order_id: FromPath[str], me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> Response[bytes]:  # fmt: skip
        out = await app_state.qr.current(me.actor, order_id)
        text = qr.qr_text(app_state.settings.public_url, out.token)
        return Response(render.svg(text), media_type="image/svg+xml", headers=PRIVATE)

    @get("/orders/{order_id:str}/qr.png", operation_id="qrPng", media_type="image/png",
         summary="The order's QR code as PNG", dependencies={"me": needs("qr.read")})  # fmt: skip
    async def as_png(
        self, order_id: FromPath[str], me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> Response[bytes]:  # fmt: skip
        out = await app_state.qr.current(me.actor, order_id)
        text = qr.qr_text(app_state.settings.public_url, out.token)
        return Response(render.png(text), media_type="image/png", headers=PRIVATE)

    @get("/qr/labels", operation_id="qrLabels", media_type=MediaType.HTML,
         summary="Print-ready sheets (A4 or Letter, 3 × 7) of QR labels, one per order",
         dependencies={"me": needs("qr.read")})  # fmt: skip
    async def label_sheets(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        order: Annotated[list[str], QueryParameter(name="order", min_items=1)],
        paper: Annotated[labels.Paper, QueryParameter(name="paper")] = "a4",
    ) -> Response[str]:
        if len(order) > labels.MAX_LABELS:
            raise BadRequest(f"at most {labels.MAX_LABELS} orders per request")
        wanted = []
        for order_id in order:
            out = await app_state.qr.current(me.actor, order_id)
            wanted.append((out.order_number,
                           qr.qr_text(app_state.settings.public_url, out.token)))  # fmt: skip
        return Response(labels.document(wanted, paper), media_type=MediaType.HTML,
                        headers=PRIVATE)  # fmt: skip


async def _status_page(request: Request, app_state: AppState, token: str) -> Response[str]:
    lang = page.language(request.headers.get("accept-language"))
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
               "Content-Language": lang, "X-Robots-Tag": "noindex"}  # fmt: skip
    address = request.client.host if request.client else "-"
    if not app_state.qr_page_limit.allow(address):
        return Response(page.rate_limited(lang), status_code=429, media_type=MediaType.HTML,
                        headers=headers)  # fmt: skip
    view = await app_state.qr.status(token)
    status = 200 if view.reason == "valid" else 410 if view.reason == "revoked_token" else 404
    return Response(page.render(view, lang), status_code=status, media_type=MediaType.HTML,
                    headers=headers)  # fmt: skip


@get("/q/{token:str}", operation_id="qrStatusPage", media_type=MediaType.HTML, tags=["qr"],
     summary="The customer's order status page (public, no personal data)")  # fmt: skip
async def status_page(
    token: FromPath[str], request: Request, app_state: NamedDependency[AppState]
) -> Response[str]:
    return await _status_page(request, app_state, token)


@get("/Q/{token:str}", media_type=MediaType.HTML, include_in_schema=False)
async def status_page_upper(
    token: FromPath[str], request: Request, app_state: NamedDependency[AppState]
) -> Response[str]:
    """The same page for the all upper-case URL of a QR code (``shared.qr.qr_text``)."""
    return await _status_page(request, app_state, token)


__all__ = ["QrController", "status_page", "status_page_upper"]
