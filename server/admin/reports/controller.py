"""``GET /api/admin/reports/{name}``: a report as JSON for the charts, or its table as a file."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from server.admin.reports import service
from server.admin.reports.schemas import MONEY_COLUMNS, Report, parse_range
from server.admin.tabular import ExportFormat, export_response
from server.auth.principal import Principal, needs
from server.state import AppState


class ReportsController(Controller):
    path = "/api/admin/reports"
    tags = ["admin"]

    @get("/{name:str}", operation_id="adminReport",
         summary="A report over a date range (from/to, inclusive, at most 366 days): JSON for the"
                 " charts, or with format=csv|xlsx its table as a file",
         dependencies={"me": needs("reports.read")})  # fmt: skip
    async def report(
        self,
        name: FromPath[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        from_: Annotated[str | None, QueryParameter(name="from")] = None,
        to: FromQuery[str | None] = None,
        warehouse_id: FromQuery[str | None] = None,
        format: FromQuery[ExportFormat | None] = None,  # noqa: A002 - the API's parameter name
    ) -> Report | Response[bytes]:
        report = await service.build(app_state.db, name, parse_range(from_, to, warehouse_id))
        if format is None:
            return report
        columns, rows = service.table_rows(report)
        filename = f"{name}_{report.from_}_{report.to}"
        return export_response(filename, format, columns, rows, money=MONEY_COLUMNS)
