"""The conflicts list: a page (offset-paged, newest first), or every match for an export."""

from __future__ import annotations

from typing import Any

from server.admin.conflicts.schemas import ConflictPage, ConflictRow, Filters
from server.admin.period import between, check_page, equal, offset_page
from server.db.sql import Database
from sync.pull import decode_json_columns

COLUMNS = [f for f in ConflictRow.__struct_fields__]  # of the export

_FROM = (
    " FROM conflicts c LEFT JOIN users u ON u.id = c.user_id"
    " LEFT JOIN devices d ON d.id = c.device_id LEFT JOIN users r ON r.id = c.resolver_id"
)


def _where(f: Filters) -> tuple[str, list[Any]]:
    given, given_args = equal((
        ("c.id", f.id), ("c.status", f.status), ("c.severity", f.severity), ("c.kind", f.kind),
        ("c.user_id", f.user_id), ("c.device_id", f.device_id),
    ))  # fmt: skip
    dated, dated_args = between("c.created_at", f.created_from, f.created_to)
    where = ["c.deleted = ?", *given, *dated]
    return " WHERE " + " AND ".join(where), [False, *given_args, *dated_args]


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
        rows, total, after = await offset_page(
            conn, ("SELECT COUNT(*)" + _FROM + where, args),
            (_SELECT + _FROM + _NAMES + where + _ORDER, args), limit, offset,
        )  # fmt: skip
    decoded = [ConflictRow(**decode_json_columns("conflicts", r)) for r in rows]
    return ConflictPage(decoded, total, after)


async def every(db: Database, f: Filters) -> list[tuple]:
    """Every match, newest first, JSON columns as stored text (one cell each)."""
    where, args = _where(f)
    async with db.read() as conn:
        return await conn.fetch_tuples(_SELECT + _FROM + _NAMES + where + _ORDER, args)
