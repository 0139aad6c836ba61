"""``/api/admin/after-sales``: complaints and returns linked to orders, worked by support on the
desktop console, and refunds recorded as payments (docs/admin.md § After-sales). Thin handlers
over the package's queries (reads) and service (writes)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.admin.aftersales import queries, service
from server.admin.aftersales.schemas import (
    EXPORT_COLUMNS,
    CaseDetail,
    CaseIn,
    CaseOrder,
    CasePatch,
    CaseRow,
    Filters,
    Kind,
    RefundIn,
    Status,
)
from server.admin.tabular import ExportFormat, export_response
from server.auth.principal import Principal, needs
from server.state import AppState


class AfterSalesController(Controller):
    path = "/api/admin/after-sales"
    tags = ["admin"]

    @get("/", operation_id="adminAfterSales",
         summary="After-sales cases, newest first: filtered, paged, or exported (format=csv|xlsx)",
         dependencies={"me": needs("aftersales.read")})  # fmt: skip
    async def cases(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        kind: FromQuery[Kind | None] = None,
        status: FromQuery[Status | None] = None,
        order: FromQuery[str | None] = None,
        customer_id: FromQuery[str | None] = None,
        created_from: Annotated[str | None, QueryParameter(name="from")] = None,
        created_to: Annotated[str | None, QueryParameter(name="to")] = None,
        limit: FromQuery[int] = 50,
        offset: FromQuery[int] = 0,
        format: FromQuery[ExportFormat | None] = None,
    ) -> Response[Any]:
        f = Filters(kind, status, order.strip() if order else None, customer_id, created_from,
                    created_to)  # fmt: skip
        if format is not None:
            return export_response("after-sales", format, EXPORT_COLUMNS, await queries.every(app_state.db, f),
                                   money=("refund_amount", "refunded"))  # fmt: skip
        return Response(await queries.page(app_state.db, f, limit, offset))

    @get("/orders", operation_id="adminAfterSalesOrder",
         summary="An order by number, for a new case: lines, what returns took, payments",
         dependencies={"me": needs("aftersales.read")})  # fmt: skip
    async def order(
        self,
        number: FromQuery[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CaseOrder:
        return await queries.order_by_number(app_state.db, number)

    @get("/{case_id:str}", operation_id="adminAfterSalesCase",
         summary="A case with its order's lines (what returns took back) and payments",
         dependencies={"me": needs("aftersales.read")})  # fmt: skip
    async def case(
        self,
        case_id: FromPath[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CaseDetail:
        return await queries.detail(app_state.db, case_id)

    @post("/", operation_id="adminAfterSalesCreate",
          summary="Open a complaint or a return on an order",
          dependencies={"me": needs("aftersales.manage")})  # fmt: skip
    async def create_case(
        self,
        data: JSONBody[CaseIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CaseRow:
        return await service.create(app_state.store, me.actor, data)

    @patch("/{case_id:str}", operation_id="adminAfterSalesUpdate",
           summary="Move a case (open → in_progress → resolved | rejected, reopen), resolution, notes",
           dependencies={"me": needs("aftersales.manage")})  # fmt: skip
    async def update_case(
        self,
        case_id: FromPath[str],
        data: JSONBody[CasePatch],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CaseRow:
        return await service.change(app_state.store, app_state.policy, me.actor, case_id, data)

    @post("/{case_id:str}/refund", status_code=200, operation_id="adminAfterSalesRefund",
          summary="Record a refund on the case's order: a payment devices pull",
          dependencies={"me": needs("refunds.record")})  # fmt: skip
    async def record_refund(
        self,
        case_id: FromPath[str],
        data: JSONBody[RefundIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CaseDetail:
        return await service.refund(
            app_state.store, app_state.db, app_state.policy, me.actor, case_id, data
        )
