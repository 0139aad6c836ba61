"""The audit log routes: a page or the export, and the chain check."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from server import audit
from server.admin.audit import queries
from server.admin.audit.names import Subject, subject_names, subjects_named
from server.admin.listing import check_limit, contains
from server.admin.period import bounds
from server.admin.tabular import ExportFormat, export_response
from server.auth.principal import Principal, needs
from server.state import AppState


class AuditView(msgspec.Struct, frozen=True):
    """A page of the log (``audit.AuditPage``) with what its subjects are, in words."""

    rows: list[audit.AuditRecord]
    total: int
    next: int | None
    names: dict[str, str]  # the actors' names: user id -> name
    subjects: dict[str, Subject]  # subject -> the record it names (order SAPI-00101, …)


class ActionCount(msgspec.Struct, frozen=True):
    action: str
    count: int


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
        filters: dict[str, Any] = {"action": action, "actor_id": actor_id, "subject": subject,
                                   "at_from": lower, "at_to": upper}  # fmt: skip
        if subject and subject.strip("* "):
            # "SAPI-00101" finds the order's entries: the subjects whose record is so named.
            async with app_state.db.read() as conn:
                filters["subject_ids"] = await subjects_named(
                    conn, contains(subject.strip("* ").lower()))
        if format is not None:
            rows = await queries.every(app_state.db, **filters)
            return export_response("audit", format, queries.COLUMNS, rows)
        check_limit(limit)
        got = await audit.page(app_state.db, **filters, before_seq=before_seq, limit=limit)
        async with app_state.db.read() as conn:
            subjects = await subject_names(conn, {r.subject for r in got.rows if r.subject})
        return Response(AuditView(got.rows, got.total, got.next, got.names, subjects))

    @get("/audit/actions", operation_id="adminAuditActions",
         summary="Every action the log holds, with how many entries each: the action filter's list",
         dependencies={"me": needs("audit.read")})  # fmt: skip
    async def audit_actions(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> list[ActionCount]:
        async with app_state.db.read() as conn:
            rows = await conn.fetch(
                "SELECT action, COUNT(*) AS n FROM audit_log GROUP BY action ORDER BY action")
        return [ActionCount(r["action"], int(r["n"])) for r in rows]

    @get("/audit/verify", operation_id="adminAuditVerify", summary="Check the audit hash chain",
         dependencies={"me": needs("audit.read")})  # fmt: skip
    async def audit_verify(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> audit.ChainCheck:
        return await audit.verify(app_state.db)
