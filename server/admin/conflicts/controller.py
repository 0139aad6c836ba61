"""The conflicts route: one call of ``queries``, or the export."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from server.admin.conflicts import queries
from server.admin.conflicts.schemas import Filters, Severity, Status
from server.admin.tabular import ExportFormat, export_response
from server.auth.principal import Principal, needs
from server.state import AppState


class ConflictsController(Controller):
    path = "/api/admin/conflicts"
    tags = ["admin"]

    @get("/", operation_id="adminConflicts",
         summary="Conflicts, newest first: filtered, paged, or exported (format=csv|xlsx)",
         dependencies={"me": needs("conflicts.resolve")})  # fmt: skip
    async def conflicts(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        id: FromQuery[str | None] = None,
        status: FromQuery[Status | None] = None,
        severity: FromQuery[Severity | None] = None,
        kind: FromQuery[str | None] = None,
        user_id: FromQuery[str | None] = None,
        device_id: FromQuery[str | None] = None,
        created_from: Annotated[str | None, QueryParameter(name="from")] = None,
        created_to: Annotated[str | None, QueryParameter(name="to")] = None,
        limit: FromQuery[int] = 50,
        offset: FromQuery[int] = 0,
        format: FromQuery[ExportFormat | None] = None,
    ) -> Response[Any]:
        f = Filters(id, status, severity, kind, user_id, device_id, created_from, created_to)
        if format is not None:
            rows = await queries.every(app_state.db, f)
            return export_response("conflicts", format, queries.COLUMNS, rows)
        return Response(await queries.page(app_state.db, f, limit, offset))
