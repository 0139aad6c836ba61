"""``/api/admin/import/{products,orders}``: the body is the file (CSV or XLSX, told apart by its
bytes); ``dry_run=true`` only checks it. Whole or nothing (server/admin/imports/)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from server.admin.imports import service
from server.admin.imports.errors import refused_rows
from server.admin.imports.schemas import MAX_BYTES, Mode
from server.admin.tabular import ExportFormat, export_response
from server.auth.principal import Principal, needs
from server.auth.same_origin import FILE_BODY
from server.errors import BadRequest
from server.state import AppState


class ImportController(Controller):
    path = "/api/admin/import"
    tags = ["admin"]

    @post("/{kind:str}", status_code=200, operation_id="adminImport",
          summary="Import products or orders from a CSV/XLSX file (the raw body); whole or nothing",
          dependencies={"me": needs("imports.run")},
          request_max_body_size=MAX_BYTES, opt={FILE_BODY: True})  # fmt: skip
    async def run_import(
        self,
        kind: FromPath[str],
        request: Request,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        dry_run: FromQuery[bool] = False,
        mode: FromQuery[Mode] = "create",
    ) -> Response[Any]:
        _check(kind)
        data = await request.body()
        report = await service.run(app_state.store, app_state.db, me.actor, kind, data,
                                   dry_run=dry_run, policy=app_state.policy,
                                   mode=mode)  # fmt: skip
        if report.ok or dry_run:
            return Response(report)
        bad = report.error_rows
        body = {"code": "import_invalid",
                "message": f"{bad} row(s) have errors; nothing was imported",
                **msgspec.structs.asdict(report)}  # fmt: skip
        return Response(body, status_code=422)

    @post("/{kind:str}/errors", status_code=200, operation_id="adminImportErrors",
          summary="The refused rows of an import of this file, with an error column, as a file"
                  " (CSV or XLSX like the upload, or format=); writes nothing",
          dependencies={"me": needs("imports.run")},
          request_max_body_size=MAX_BYTES, opt={FILE_BODY: True})  # fmt: skip
    async def error_file(
        self,
        kind: FromPath[str],
        request: Request,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        mode: FromQuery[Mode] = "create",
        format: FromQuery[ExportFormat | None] = None,  # noqa: A002 - the API's parameter name
    ) -> Response[bytes]:
        _check(kind)
        data = await request.body()
        sheet, report = await service.error_file(app_state.store, app_state.db, me.actor, kind,
                                                 data, policy=app_state.policy,
                                                 mode=mode)  # fmt: skip
        columns, rows = refused_rows(sheet, report)
        fmt: ExportFormat = format or ("xlsx" if sheet.format == "xlsx" else "csv")
        return export_response(f"{kind}-errors", fmt, columns, rows)


def _check(kind: str) -> None:
    if kind not in ("products", "orders"):
        raise BadRequest(f"nothing to import as {kind!r}: products or orders")
