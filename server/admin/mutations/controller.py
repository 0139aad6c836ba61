"""The mutation log's route: one call of ``queries``, or the export."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from server.admin.mutations import queries
from server.admin.mutations.schemas import Filters, Status
from server.admin.tabular import ExportFormat, export_response
from server.auth.principal import Principal, needs
from server.state import AppState


class MutationsController(Controller):
    path = "/api/admin/mutations"
    tags = ["admin"]
    # Names, devices and what people typed: never kept by a browser's or a proxy's cache.
    cache_control = CacheControlHeader(no_store=True)

    @get("/", operation_id="adminMutations",
         summary="The mutation log, newest first (refused work with its data): filtered, paged "
                 "by cursor, or exported (format=csv|xlsx)",
         dependencies={"me": needs("devices.read")})  # fmt: skip
    async def mutations(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        device_id: FromQuery[str | None] = None,
        user_id: FromQuery[str | None] = None,
        client_id: FromQuery[str | None] = None,
        status: FromQuery[Status | None] = None,
        error: FromQuery[str | None] = None,
        name: FromQuery[str | None] = None,
        order_id: FromQuery[str | None] = None,
        received_from: Annotated[str | None, QueryParameter(name="from")] = None,
        received_to: Annotated[str | None, QueryParameter(name="to")] = None,
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
        format: FromQuery[ExportFormat | None] = None,  # noqa: A002 - the API's parameter name
    ) -> Response[Any]:
        f = Filters(device_id, user_id, client_id, status, error, name, order_id, received_from,
                    received_to)  # fmt: skip
        if format is not None:
            return export_response(
                "mutations", format, queries.EXPORT_COLUMNS, await queries.every(app_state.db, f)
            )
        return Response(await queries.page(app_state.db, f, limit, cursor))
