"""The audit log routes: a page or the export, and the chain check."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from server import audit
from server.admin.audit import queries
from server.admin.listing import check_limit
from server.admin.period import bounds
from server.admin.tabular import ExportFormat, export_response
from server.auth.principal import Principal, needs
from server.state import AppState


class AuditController(Controller):
    path = "/api/admin"
    tags = ["admin"]

    @get("/audit", operation_id="adminAudit",
         summary="The audit log, newest first: filtered, paged (before_seq), or exported",
         dependencies={"me": needs("audit.read")})  # fmt: skip
    async def audit_log(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        action: FromQuery[str | None] = None,
        actor_id: FromQuery[str | None] = None,
        subject: FromQuery[str | None] = None,
        at_from: Annotated[str | None, QueryParameter(name="from")] = None,
        at_to: Annotated[str | None, QueryParameter(name="to")] = None,
        before_seq: FromQuery[int | None] = None,
        limit: FromQuery[int] = 100,
        format: FromQuery[ExportFormat | None] = None,
    ) -> Response[Any]:
        lower, upper = bounds(at_from, at_to)
        filters = {"action": action, "actor_id": actor_id, "subject": subject,
                   "at_from": lower, "at_to": upper}  # fmt: skip
        if format is not None:
            rows = await queries.every(app_state.db, **filters)
            return export_response("audit", format, queries.COLUMNS, rows)
        check_limit(limit)
        return Response(await audit.page(app_state.db, **filters, before_seq=before_seq,
                                         limit=limit))  # fmt: skip

    @get("/audit/verify", operation_id="adminAuditVerify", summary="Check the audit hash chain",
         dependencies={"me": needs("audit.read")})  # fmt: skip
    async def audit_verify(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> audit.ChainCheck:
        return await audit.verify(app_state.db)
