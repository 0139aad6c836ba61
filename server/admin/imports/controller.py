"""``/api/admin/import/{products,orders}``: the body is the file (CSV or XLSX, told apart by its
bytes); ``dry_run=true`` only checks it. Whole or nothing (server/admin/imports/)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from server.admin.imports import service
from server.admin.imports.schemas import MAX_BYTES
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
    ) -> Response[Any]:
        if kind not in ("products", "orders"):
            raise BadRequest(f"nothing to import as {kind!r}: products or orders")
        data = await request.body()
        report = await service.run(app_state.store, app_state.db, me.actor, kind, data,
                                   dry_run=dry_run, policy=app_state.policy)  # fmt: skip
        if report.ok or dry_run:
            return Response(report)
        bad = report.error_rows
        body = {"code": "import_invalid",
                "message": f"{bad} row(s) have errors; nothing was imported",
                **msgspec.structs.asdict(report)}  # fmt: skip
        return Response(body, status_code=422)
