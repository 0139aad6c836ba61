"""The after-sales reads: cases (a page, every one for an export, one), and the order a case is
about with its lines, what returns took back and its payments. The functions that take a
``Conn`` also run inside a case's write transaction (server/admin/aftersales/service.py)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec

from server.admin.aftersales.schemas import (
    CaseDetail,
    CaseOrder,
    CasePage,
    CaseRow,
    Filters,
    OrderLineOut,
    OrderNotFound,
    PaymentOut,
)
from server.admin.period import between, check_page, equal, offset_page
from server.db.sql import Conn, Database
from server.errors import NotFound
from sync.rules import payments as payments_rule

_SELECT = (
    "SELECT a.id, a.number, a.kind, a.status, a.category, a.order_id, o.number AS order_number,"
    " o.status AS order_status, a.customer_id, c.name AS customer_name, a.description,"
    " a.resolution, a.notes, a.lines, a.refund_amount, a.refunded, a.created_by,"
    " u.name AS created_by_name, a.created_at, a.updated_at, a.resolved_by, a.resolved_at"
)
_FROM = (
    " FROM after_sales_cases a LEFT JOIN orders o ON o.id = a.order_id"
    " LEFT JOIN customers c ON c.id = a.customer_id LEFT JOIN users u ON u.id = a.created_by"
)
_ORDER = " ORDER BY a.created_at DESC, a.id DESC"
_EXPORT = (
    "SELECT a.id, a.number, a.kind, a.status, a.category, a.order_id, o.number, o.status,"
    " a.customer_id, c.name, a.description, a.resolution, a.notes, a.refund_amount, a.refunded,"
    " a.created_by, u.name, a.created_at, a.updated_at, a.resolved_by, a.resolved_at, a.lines"
)


def _where(f: Filters) -> tuple[str, list[Any]]:
    where, args = equal((
        ("a.kind", f.kind), ("a.status", f.status), ("o.number", f.order_number),
        ("a.customer_id", f.customer_id),
    ))  # fmt: skip
    dated, dated_args = between("a.created_at", f.created_from, f.created_to)
    where, args = where + dated, args + dated_args
    return (" WHERE " + " AND ".join(where) if where else ""), args


def _row(r: dict[str, Any]) -> CaseRow:
    return CaseRow(**{**r, "lines": msgspec.json.decode(r["lines"] or "[]")})


async def page(db: Database, f: Filters, limit: int = 50, offset: int = 0) -> CasePage:
    """Newest first."""
    check_page(limit, offset)
    where, args = _where(f)
    count, select = "SELECT COUNT(*)" + _FROM + where, _SELECT + _FROM + where + _ORDER
    async with db.read() as conn:
        rows, total, after = await offset_page(conn, (count, args), (select, args), limit, offset)
    return CasePage([_row(r) for r in rows], total, after)


async def every(db: Database, f: Filters) -> list[tuple]:
    where, args = _where(f)
    async with db.read() as conn:
        return await conn.fetch_tuples(_EXPORT + _FROM + where + _ORDER, args)


async def case_row(conn: Conn, case_id: str) -> CaseRow:
    r = await conn.fetchrow(_SELECT + _FROM + " WHERE a.id = ?", (case_id,))
    if r is None:
        raise NotFound(f"no after-sales case {case_id}")
    return _row(r)


async def next_case_seq(conn: Conn) -> int:
    """The next case's ``seq`` (its number is ``AS-<seq>``); the write transaction holds it."""
    return int(await conn.fetchval("SELECT COALESCE(MAX(seq), 0) FROM after_sales_cases")) + 1


async def live(conn: Conn, table: str, order_id: str) -> list[dict[str, Any]]:
    """An order's rows of ``table`` (order_lines, payments) not deleted, by id."""
    return await conn.fetch(
        f"SELECT * FROM {table} WHERE order_id = ? AND deleted = ? ORDER BY id", (order_id, False)
    )


async def returned_by_cases(conn: Conn, order_id: str, but: str | None = None) -> Counter[str]:
    """What the order's return cases take back (not rejected ones), per product; ``but`` left out."""
    rows = await conn.fetch(
        "SELECT id, lines FROM after_sales_cases WHERE order_id = ? AND kind = ? AND status <> ?",
        (order_id, "return", "rejected"),
    )
    out: Counter[str] = Counter()
    for r in rows:
        if r["id"] != but:
            for line in msgspec.json.decode(r["lines"] or "[]"):
                out[line["product_id"]] += line["qty"]
    return out


async def case_order(conn: Conn, order: dict[str, Any]) -> CaseOrder:
    """An order as a case shows it: lines with what returns took back, payments, money."""
    lines = await conn.fetch(
        "SELECT l.product_id, p.name AS product_name, l.qty, l.unit_price FROM order_lines l"
        " LEFT JOIN products p ON p.id = l.product_id WHERE l.order_id = ? AND l.deleted = ?"
        " ORDER BY l.id",
        (order["id"], False),
    )
    payments = await live(conn, "payments", order["id"])
    returned = await returned_by_cases(conn, order["id"])
    paid, refunded = payments_rule.money(payments)  # as the payment rule counts them
    return CaseOrder(
        id=order["id"], number=order["number"], status=order["status"], total=order["total"],
        lines=[OrderLineOut(**ln, returned=returned[ln["product_id"]]) for ln in lines],
        payments=[PaymentOut(p["id"], p["method"], p["amount"], p["status"], p["created_at"])
                  for p in sorted(payments, key=lambda p: p["created_at"])],
        paid=paid, refunded=refunded, refundable=paid - refunded,
    )  # fmt: skip


async def detail(db: Database, case_id: str) -> CaseDetail:
    async with db.read() as conn:
        case = await case_row(conn, case_id)
        order = await conn.fetchrow("SELECT * FROM orders WHERE id = ?", (case.order_id,))
        if order is None:  # orders are never removed; a tombstone still answers
            raise OrderNotFound(f"the order of case {case.number} is gone")
        return CaseDetail(case=case, order=await case_order(conn, order))


async def order_by_number(db: Database, number: str) -> CaseOrder:
    """The order a new case is about: its lines, what returns took, its payments."""
    async with db.read() as conn:
        order = await conn.fetchrow(
            "SELECT * FROM orders WHERE number = ? AND deleted = ? ORDER BY id LIMIT 1",
            (number.strip(), False),
        )
        if order is None:
            raise OrderNotFound(f"no order {number}")
        return await case_order(conn, order)
