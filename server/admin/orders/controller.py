"""The orders routes: each handler one call of ``queries`` or ``service``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from server.admin.customers.schemas import NoteIn
from server.admin.orders import export, queries, service
from server.admin.orders.schemas import (
    Assign,
    Filters,
    LineEdit,
    OrderDetail,
    OrderEdit,
    OrderIn,
    Sorting,
)
from server.admin.tabular import ExportFormat, export_response
from server.auth.principal import Principal, needs
from server.errors import BadRequest
from server.state import AppState


class OrdersController(Controller):
    path = "/api/admin/orders"
    tags = ["admin"]

    @get("/", operation_id="adminOrders",
         summary="Orders: filtered; newest first paged by cursor, or sorted, grouped and paged by "
                 "number (sort, direction, group, page), or exported (format=csv|xlsx)",
         dependencies={"me": needs("orders.read")})  # fmt: skip
    async def orders(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        q: FromQuery[str | None] = None,
        status: FromQuery[list[str] | None] = None,
        priority: FromQuery[str | None] = None,
        overdue: FromQuery[bool] = False,
        warehouse_id: FromQuery[str | None] = None,
        owner_id: FromQuery[str | None] = None,
        assignee_id: FromQuery[str | None] = None,
        channel: FromQuery[str | None] = None,
        synced_from: FromQuery[str | None] = None,
        synced_to: FromQuery[str | None] = None,
        created_from: FromQuery[str | None] = None,
        created_to: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
        sort: FromQuery[str | None] = None,
        direction: FromQuery[str | None] = None,
        group: FromQuery[str | None] = None,
        page: FromQuery[int | None] = None,
        format: FromQuery[ExportFormat | None] = None,
    ) -> Response[Any]:
        f = Filters(q, queries.statuses_of(status), priority, overdue, warehouse_id, owner_id,
                    assignee_id, channel, synced_from, synced_to, created_from, created_to)  # fmt: skip
        if format is not None:
            # In the import's format: the file imports again (server/admin/orders/export.py).
            rows = await export.rows(app_state.db, f)
            return export_response("orders", format, export.COLUMNS, rows, money=export.MONEY)
        if (sort, direction, group, page) == (None, None, None, None):
            return Response(await queries.page(app_state.db, f, limit, cursor))
        if cursor is not None:
            raise BadRequest("cursor pages newest first: not with sort, direction, group or page")
        s = Sorting(sort or "created_at", direction or "desc", 1 if page is None else page, group)
        return Response(await queries.sheet(app_state.db, f, limit, s))

    @get("/overdue/count", operation_id="adminOrdersOverdue",
         summary="How many orders are overdue (due before today, not shipped or closed)",
         dependencies={"me": needs("orders.read")})  # fmt: skip
    async def overdue(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> dict[str, int]:
        return {"count": await queries.overdue_count(app_state.db)}

    @get("/channels", operation_id="adminOrdersChannels",
         summary="The channels the orders have, with how many each: the channel filter's choices",
         dependencies={"me": needs("orders.read")})  # fmt: skip
    async def channels(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> list[dict[str, Any]]:
        async with app_state.db.read() as conn:
            rows = await conn.fetch(
                "SELECT channel, COUNT(*) AS n FROM orders WHERE deleted = ?"
                " GROUP BY channel ORDER BY channel", (False,),
            )  # fmt: skip
        return [{"channel": r["channel"], "count": int(r["n"])} for r in rows]

    @get("/{order_id:str}", operation_id="adminOrder",
         summary="An order with its lines, payments, customer and timeline",
         dependencies={"me": needs("orders.read")})  # fmt: skip
    async def order(
        self,
        order_id: FromPath[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> OrderDetail:
        return await queries.detail(app_state.db, order_id)

    @post("/{order_id:str}/assign", status_code=200, operation_id="adminAssignOrder",
          summary="Set an order's warehouse and/or picker (as the admin's order.update)",
          dependencies={"me": needs("orders.assign")})  # fmt: skip
    async def assign(
        self,
        order_id: FromPath[str],
        data: JSONBody[Assign],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> OrderDetail:
        return await service.assign(
            app_state.store, app_state.db, app_state.policy, me.actor, order_id, data
        )

    @post("/", operation_id="adminCreateOrder",
          summary="Create an order from the console (the order.create a phone sends, as the admin)",
          dependencies={"me": needs("orders.assign")})  # fmt: skip
    async def create(
        self,
        data: JSONBody[OrderIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> OrderDetail:
        return await service.create(app_state.store, app_state.db, app_state.policy, me.actor, data)

    @put("/{order_id:str}", operation_id="adminEditOrder",
         summary="Edit an order's fields from the version read (order.update, as the admin)",
         dependencies={"me": needs("orders.assign")})  # fmt: skip
    async def edit(
        self,
        order_id: FromPath[str],
        data: JSONBody[OrderEdit],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> OrderDetail:
        return await service.edit(
            app_state.store, app_state.db, app_state.policy, me.actor, order_id, data
        )

    @post("/{order_id:str}/notes", status_code=200, operation_id="adminOrderNote",
          summary="Add a note to an order's timeline (an audit entry)",
          dependencies={"me": needs("orders.read")})  # fmt: skip
    async def note(
        self,
        order_id: FromPath[str],
        data: JSONBody[NoteIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> OrderDetail:
        return await service.note(app_state.store, app_state.db, me.actor, order_id, data.text)

    @put("/{order_id:str}/lines/{line_id:str}", operation_id="adminSetOrderLine",
         summary="Add or change a line of an order (order.line.upsert, as the admin)",
         dependencies={"me": needs("orders.assign")})  # fmt: skip
    async def set_line(
        self,
        order_id: FromPath[str],
        line_id: FromPath[str],
        data: JSONBody[LineEdit],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> OrderDetail:
        return await service.set_line(
            app_state.store, app_state.db, app_state.policy, me.actor, order_id, line_id, data
        )

    @delete("/{order_id:str}/lines/{line_id:str}", status_code=200,
            operation_id="adminRemoveOrderLine",
            summary="Remove a line of an order (order.line.remove, as the admin)",
            dependencies={"me": needs("orders.assign")})  # fmt: skip
    async def remove_line(
        self,
        order_id: FromPath[str],
        line_id: FromPath[str],
        base_version: FromQuery[int],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> OrderDetail:
        return await service.remove_line(
            app_state.store, app_state.db, app_state.policy, me.actor, order_id, line_id,
            base_version,
        )
