"""``GET /api/admin/conflicts``: every conflict, filtered and paged on the server, with its
author's name and device code and the order, customer and product it is about, or all matching
as a CSV/XLSX file (docs/admin.md).

The console's list lives in the browser's store (admins and managers sync every conflict); this
answers what the store cannot: names of users and devices, and the export. Resolving stays a
``conflict.resolve`` mutation, so it syncs like any other write.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from server.admin.period import bounds, check_page
from server.admin.tabular import ExportFormat, export_response
from server.auth.principal import Principal, needs
from server.db.sql import Database
from server.state import AppState
from sync.pull import decode_json_columns

Status = Literal["open", "referred", "resolved"]
Severity = Literal["low", "normal", "high"]


class ConflictRow(msgspec.Struct):
    id: str
    kind: str
    severity: str
    status: str
    table_name: str
    row_id: str
    field: str | None
    base_value: Any  # JSON columns decoded, as a device gets them in a pull
    server_value: Any
    client_value: Any
    reason: str
    mutation: Any  # {client_id, id, name, args, hlc}
    user_id: str
    user_name: str | None
    device_id: str | None
    device_code: str | None
    client_id: str
    created_at: str
    resolution: str | None
    resolved_value: Any
    resolver_id: str | None
    resolver_name: str | None
    resolved_at: str | None
    # Who wrote the value that stands, and when (``overwritten`` notices).
    winner_id: str | None
    winner_name: str | None
    winner_at: str | None
    # What the conflict is about, named: its order (of the order, a line or a payment), that
    # order's customer (or the customer itself), the product (of a line, a stock level, or a
    # product that went missing). None where the conflict names no such thing.
    order_id: str | None
    order_number: str | None
    customer_id: str | None
    customer_name: str | None
    product_id: str | None
    product_name: str | None


class ConflictPage(msgspec.Struct):
    rows: list[ConflictRow]
    total: int
    next: int | None  # the offset of the next page


class Filters(msgspec.Struct, frozen=True):
    id: str | None = None
    status: str | None = None
    severity: str | None = None
    kind: str | None = None
    user_id: str | None = None
    device_id: str | None = None
    created_from: str | None = None
    created_to: str | None = None


_COLUMNS = [f for f in ConflictRow.__struct_fields__]

_FROM = (
    " FROM conflicts c LEFT JOIN users u ON u.id = c.user_id"
    " LEFT JOIN devices d ON d.id = c.device_id LEFT JOIN users r ON r.id = c.resolver_id"
)


def _where(f: Filters) -> tuple[str, list[Any]]:
    where, args = ["c.deleted = ?"], [False]
    for column, value in (
        ("c.id", f.id), ("c.status", f.status), ("c.severity", f.severity), ("c.kind", f.kind),
        ("c.user_id", f.user_id), ("c.device_id", f.device_id),
    ):  # fmt: skip
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    lower, upper = bounds(f.created_from, f.created_to)
    if lower:
        where.append("c.created_at >= ?")
        args.append(lower)
    if upper:
        where.append("c.created_at < ?")
        args.append(upper)
    return " WHERE " + " AND ".join(where), args


_SELECT = (
    "SELECT c.id, c.kind, c.severity, c.status, c.table_name, c.row_id, c.field, c.base_value,"
    " c.server_value, c.client_value, c.reason, c.mutation, c.user_id, u.name AS user_name,"
    " c.device_id, d.code AS device_code, c.client_id, c.created_at, c.resolution,"
    " c.resolved_value, c.resolver_id, COALESCE(r.name, c.resolver_name) AS resolver_name,"
    " c.resolved_at, c.winner_id, COALESCE(w.name, c.winner_name) AS winner_name, c.winner_at,"
    " o.id AS order_id, o.number AS order_number, cu.id AS customer_id,"
    " cu.name AS customer_name, p.id AS product_id, p.name AS product_name"
)
# The names of what a conflict is about, for the rows of a page only (not the count): each join
# is a primary-key lookup per row, keyed on the conflict's table and row.
_NAMES = (
    " LEFT JOIN users w ON w.id = c.winner_id"
    " LEFT JOIN order_lines ol ON c.table_name = 'order_lines' AND ol.id = c.row_id"
    " LEFT JOIN payments pa ON c.table_name = 'payments' AND pa.id = c.row_id"
    " LEFT JOIN stock_levels sl ON c.table_name = 'stock_levels' AND sl.id = c.row_id"
    " LEFT JOIN orders o ON o.id = CASE c.table_name WHEN 'orders' THEN c.row_id"
    " WHEN 'order_lines' THEN ol.order_id WHEN 'payments' THEN pa.order_id END"
    " LEFT JOIN customers cu ON cu.id = CASE WHEN c.table_name = 'customers' THEN c.row_id"
    " ELSE o.customer_id END"
    " LEFT JOIN products p ON p.id = CASE c.table_name WHEN 'products' THEN c.row_id"
    " WHEN 'order_lines' THEN ol.product_id WHEN 'stock_levels' THEN sl.product_id END"
)
_ORDER = " ORDER BY c.created_at DESC, c.id DESC"


async def page(db: Database, f: Filters, limit: int = 50, offset: int = 0) -> ConflictPage:
    """Newest first."""
    check_page(limit, offset)
    where, args = _where(f)
    async with db.read() as conn:
        total = int(await conn.fetchval("SELECT COUNT(*)" + _FROM + where, args))
        rows = await conn.fetch(
            _SELECT + _FROM + _NAMES + where + _ORDER + " LIMIT ? OFFSET ?",
            (*args, limit, offset),
        )
    more = offset + len(rows) < total
    decoded = [ConflictRow(**decode_json_columns("conflicts", r)) for r in rows]
    return ConflictPage(decoded, total, offset + limit if more else None)


async def every(db: Database, f: Filters) -> list[tuple]:
    """Every match, newest first, JSON columns as stored text (one cell each)."""
    where, args = _where(f)
    async with db.read() as conn:
        return await conn.fetch_tuples(_SELECT + _FROM + _NAMES + where + _ORDER, args)


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
            return export_response("conflicts", format, _COLUMNS, await every(app_state.db, f))
        return Response(await page(app_state.db, f, limit, offset))
