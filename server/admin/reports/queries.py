"""The reports' SQL: counts and sums grouped by day (or user, or warehouse) over a ``Range``,
the same text on SQLite and PostgreSQL. Each returns rows; server/admin/reports/service.py makes
reports of them."""

from __future__ import annotations

from typing import Any

from server.admin.reports.schemas import Range
from server.db.sql import Conn, Row
from shared.states import OVERDUE_STATUSES

# Overdue: the one rule of shared/states.py (the console's badge and list count the same orders).
OVERDUE = tuple(sorted(OVERDUE_STATUSES))


def _wh(r: Range, column: str = "warehouse_id") -> tuple[str, list[Any]]:
    return (f" AND {column} = ?", [r.warehouse_id]) if r.warehouse_id else ("", [])


async def changed_orders(conn: Conn, r: Range) -> list[Row]:
    """Orders whose history may hold an entry inside the range: created before its end and
    changed at or after its start (an entry's time is never after the order's ``updated_at``)."""
    wh, args = _wh(r)
    return await conn.fetch(
        "SELECT id, owner_id, warehouse_id, status, status_history FROM orders"
        " WHERE deleted = ? AND updated_at >= ? AND created_at < ?" + wh,
        [False, r.start, r.end, *args],
    )


async def orders_by_day_status_channel(conn: Conn, r: Range) -> list[Row]:
    """``day, status, channel, n``: orders created in the range."""
    wh, args = _wh(r)
    return await conn.fetch(
        "SELECT SUBSTR(created_at, 1, 10) AS day, status, channel, COUNT(*) AS n FROM orders"
        " WHERE deleted = ? AND created_at >= ? AND created_at < ?" + wh
        + " GROUP BY SUBSTR(created_at, 1, 10), status, channel",
        [False, r.start, r.end, *args],
    )  # fmt: skip


async def sales_by_day(conn: Conn, r: Range) -> list[Row]:
    """``day, n, total``: orders created in the range and not cancelled."""
    wh, args = _wh(r)
    return await conn.fetch(
        "SELECT SUBSTR(created_at, 1, 10) AS day, COUNT(*) AS n, SUM(total) AS total FROM orders"
        " WHERE deleted = ? AND status <> ? AND created_at >= ? AND created_at < ?" + wh
        + " GROUP BY SUBSTR(created_at, 1, 10)",
        [False, "cancelled", r.start, r.end, *args],
    )  # fmt: skip


async def payments_by_day(conn: Conn, r: Range) -> list[Row]:
    """``day, received, refunded`` of the payments recorded in the range (see ``sales``)."""
    pwh, pargs = _wh(r, "o.warehouse_id")
    return await conn.fetch(
        "SELECT SUBSTR(p.created_at, 1, 10) AS day,"
        " SUM(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END) AS received,"
        " SUM(CASE WHEN p.amount < 0 THEN -p.amount"
        "          WHEN p.status = ? THEN p.amount ELSE 0 END) AS refunded"
        " FROM payments p JOIN orders o ON o.id = p.order_id"
        " WHERE p.deleted = ? AND p.status IN (?, ?) AND p.created_at >= ? AND p.created_at < ?"
        + pwh + " GROUP BY SUBSTR(p.created_at, 1, 10)",
        ["refunded", False, "paid", "refunded", r.start, r.end, *pargs],
    )  # fmt: skip


def _overdue(today: str) -> tuple[str, list[Any]]:
    marks = ", ".join("?" * len(OVERDUE))
    where = f" WHERE deleted = ? AND status IN ({marks}) AND due_date IS NOT NULL AND due_date < ?"
    return where, [False, *OVERDUE, today]


async def overdue_by_day(conn: Conn, r: Range, today: str) -> list[Row]:
    """``day, priority, n``: orders overdue now, by the day they were created in the range."""
    where, base = _overdue(today)
    wh, args = _wh(r)
    return await conn.fetch(
        "SELECT SUBSTR(created_at, 1, 10) AS day, priority, COUNT(*) AS n FROM orders" + where
        + " AND created_at >= ? AND created_at < ?" + wh
        + " GROUP BY SUBSTR(created_at, 1, 10), priority",
        [*base, r.start, r.end, *args],
    )  # fmt: skip


async def overdue_now(conn: Conn, r: Range, today: str) -> list[Row]:
    """``warehouse_id, priority, n``: every order overdue now."""
    where, base = _overdue(today)
    wh, args = _wh(r)
    return await conn.fetch(
        "SELECT warehouse_id, priority, COUNT(*) AS n FROM orders" + where + wh
        + " GROUP BY warehouse_id, priority",
        [*base, *args],
    )  # fmt: skip


async def created_by_owner(conn: Conn, r: Range) -> list[Row]:
    wh, args = _wh(r)
    return await conn.fetch(
        "SELECT owner_id AS user_id, COUNT(*) AS n FROM orders"
        " WHERE deleted = ? AND created_at >= ? AND created_at < ?" + wh + " GROUP BY owner_id",
        [False, r.start, r.end, *args],
    )


async def scans_by_user(conn: Conn, r: Range) -> list[Row]:
    wh, args = _wh(r)
    return await conn.fetch(
        "SELECT user_id, COUNT(*) AS n FROM scans"
        " WHERE deleted = ? AND at >= ? AND at < ?" + wh + " GROUP BY user_id",
        [False, r.start, r.end, *args],
    )


async def redemptions_by_user(conn: Conn, r: Range) -> list[Row]:
    rwh, rargs = _wh(r, "o.warehouse_id")
    return await conn.fetch(
        "SELECT d.user_id, COUNT(*) AS n FROM redemptions d JOIN orders o ON o.id = d.order_id"
        " WHERE d.deleted = ? AND d.at >= ? AND d.at < ?" + rwh + " GROUP BY d.user_id",
        [False, r.start, r.end, *rargs],
    )


async def users(conn: Conn) -> list[Row]:
    return await conn.fetch("SELECT id, name, role FROM users")


async def rejections_by_day(conn: Conn, r: Range) -> list[Row]:
    """``day, n``: pushed mutations rejected (devices and the sync log are not per warehouse)."""
    return await conn.fetch(
        "SELECT SUBSTR(received_at, 1, 10) AS day, COUNT(*) AS n FROM mutation_log"
        " WHERE status = ? AND received_at >= ? AND received_at < ?"
        " GROUP BY SUBSTR(received_at, 1, 10)",
        ["rejected", r.start, r.end],
    )


async def conflicts_open_in(conn: Conn, r: Range) -> list[Row]:
    """``created_at, resolved_at`` of the conflicts open at some time in the range."""
    return await conn.fetch(
        "SELECT created_at, resolved_at FROM conflicts WHERE deleted = ? AND created_at < ?"
        " AND (resolved_at IS NULL OR resolved_at >= ?)",
        [False, r.end, r.start],
    )


async def device_last_syncs(conn: Conn) -> list[Row]:
    return await conn.fetch("SELECT last_sync_at FROM devices WHERE revoked = ?", [False])
