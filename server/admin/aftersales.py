"""``/api/admin/after-sales``: complaints and returns linked to orders, worked by support on the
desktop console, and refunds recorded as payments (docs/admin.md § After-sales).

Cases live in the server-only ``after_sales_cases`` table. What devices must see goes through
the sync engine as the acting user's own mutations, in the case's transaction with its audit
entry: a refund is a ``payment.record`` (a new payment, negative amount, status ``refunded``); a
resolved return that takes back the whole order moves it to ``returned`` (``order.transition``,
which writes the ``return`` stock moves), and a refund that settles a returned order moves it on
to ``refunded``.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.admin.period import bounds, check_page
from server.admin.review import Refused, apply_as
from server.admin.tabular import ExportFormat, export_response
from server.auth.principal import Principal, needs
from server.db.sql import Conn
from server.db.sync_store import SqlWriteTx
from server.state import AppState
from sync.context import Actor, now_iso
from sync.errors import BadRequest, SyncError
from sync.ids import uuid7
from sync.rules import payments as payments_rule

Kind = Literal["complaint", "return"]
Status = Literal["open", "in_progress", "resolved", "rejected"]
Category = Literal["damaged", "wrong_item", "late", "missing", "quality", "other"]
Method = Literal["cash", "card", "transfer", "wallet", "credit"]

# from -> the statuses a case may move to; a closed case may be reopened.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "resolved", "rejected"}),
    "in_progress": frozenset({"resolved", "rejected"}),
    "resolved": frozenset({"in_progress"}),
    "rejected": frozenset({"in_progress"}),
}
CLOSED = frozenset({"resolved", "rejected"})
# An order whose goods have left: a return may move it to ``returned``.
GONE = frozenset({"shipped", "delivered", "completed"})
MAX_MONEY = 10**12  # minor units, as payment.record


class NotFound(SyncError):
    code = "not_found"
    status = 404


class OrderNotFound(SyncError):
    code = "order_not_found"
    status = 404


class BadTransition(SyncError):
    code = "bad_transition"
    status = 409


class ReturnTooLarge(SyncError):
    code = "return_exceeds_ordered"
    status = 409


class RefundTooLarge(SyncError):
    code = "refund_exceeds_paid"
    status = 409


class BadLines(BadRequest):
    code = "invalid_lines"


class NeedsResolution(BadRequest):
    code = "resolution_required"


# ---- shapes ------------------------------------------------------------------------------------

Qty = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Money = Annotated[int, msgspec.Meta(ge=0, le=MAX_MONEY)]
Description = Annotated[str, msgspec.Meta(max_length=4000)]


class ReturnLine(msgspec.Struct, forbid_unknown_fields=True):
    product_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    qty: Qty


class CaseIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new case: the order by id or by number."""

    kind: Kind
    category: Category
    description: Description
    order_id: str | None = None
    order_number: str | None = None
    lines: Annotated[list[ReturnLine], msgspec.Meta(max_length=500)] = []
    refund_amount: Money | None = None


class CasePatch(msgspec.Struct, forbid_unknown_fields=True):
    status: Status | msgspec.UnsetType = msgspec.UNSET
    resolution: Description | None | msgspec.UnsetType = msgspec.UNSET
    notes: Description | None | msgspec.UnsetType = msgspec.UNSET
    refund_amount: Money | None | msgspec.UnsetType = msgspec.UNSET


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: Annotated[int, msgspec.Meta(ge=1, le=MAX_MONEY)]
    method: Method


class CaseRow(msgspec.Struct):
    id: str
    number: str
    kind: str
    status: str
    category: str
    order_id: str
    order_number: str | None
    order_status: str | None
    customer_id: str
    customer_name: str | None
    description: str
    resolution: str | None
    notes: str | None
    lines: list[dict]
    refund_amount: int | None
    refunded: int
    created_by: str
    created_by_name: str | None
    created_at: str
    updated_at: str
    resolved_by: str | None
    resolved_at: str | None


class CasePage(msgspec.Struct):
    rows: list[CaseRow]
    total: int
    next: int | None  # the offset of the next page


class OrderLineOut(msgspec.Struct):
    product_id: str
    product_name: str | None
    qty: int
    unit_price: int
    returned: int  # by return cases not rejected, this one included


class PaymentOut(msgspec.Struct):
    id: str
    method: str
    amount: int
    status: str
    created_at: str


class CaseOrder(msgspec.Struct):
    id: str
    number: str
    status: str
    total: int
    lines: list[OrderLineOut]
    payments: list[PaymentOut]
    paid: int
    refunded: int
    refundable: int


class CaseDetail(msgspec.Struct):
    case: CaseRow
    order: CaseOrder


class Filters(msgspec.Struct, frozen=True):
    kind: str | None = None
    status: str | None = None
    order_number: str | None = None
    customer_id: str | None = None
    created_from: str | None = None
    created_to: str | None = None


# ---- reading -----------------------------------------------------------------------------------

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
_COLUMNS = [f for f in CaseRow.__struct_fields__ if f != "lines"] + ["lines"]
_EXPORT = (
    "SELECT a.id, a.number, a.kind, a.status, a.category, a.order_id, o.number, o.status,"
    " a.customer_id, c.name, a.description, a.resolution, a.notes, a.refund_amount, a.refunded,"
    " a.created_by, u.name, a.created_at, a.updated_at, a.resolved_by, a.resolved_at, a.lines"
)


def _where(f: Filters) -> tuple[str, list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    for column, value in (
        ("a.kind", f.kind), ("a.status", f.status), ("o.number", f.order_number),
        ("a.customer_id", f.customer_id),
    ):  # fmt: skip
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    lower, upper = bounds(f.created_from, f.created_to)
    if lower:
        where.append("a.created_at >= ?")
        args.append(lower)
    if upper:
        where.append("a.created_at < ?")
        args.append(upper)
    return (" WHERE " + " AND ".join(where) if where else ""), args


def _row(r: dict[str, Any]) -> CaseRow:
    return CaseRow(**{**r, "lines": msgspec.json.decode(r["lines"] or "[]")})


async def page(app_state: AppState, f: Filters, limit: int = 50, offset: int = 0) -> CasePage:
    """Newest first."""
    check_page(limit, offset)
    where, args = _where(f)
    async with app_state.db.read() as conn:
        total = int(await conn.fetchval("SELECT COUNT(*)" + _FROM + where, args))
        rows = await conn.fetch(
            _SELECT + _FROM + where + _ORDER + " LIMIT ? OFFSET ?", (*args, limit, offset)
        )
    more = offset + len(rows) < total
    return CasePage([_row(r) for r in rows], total, offset + limit if more else None)


async def every(app_state: AppState, f: Filters) -> list[tuple]:
    where, args = _where(f)
    async with app_state.db.read() as conn:
        return await conn.fetch_tuples(_EXPORT + _FROM + where + _ORDER, args)


async def _case_row(conn: Conn, case_id: str) -> CaseRow:
    r = await conn.fetchrow(_SELECT + _FROM + " WHERE a.id = ?", (case_id,))
    if r is None:
        raise NotFound(f"no after-sales case {case_id}")
    return _row(r)


def _money(payments: list[dict[str, Any]]) -> tuple[int, int]:
    """(paid, refunded) of an order's payments, as the payment rule counts them."""
    return payments_rule.money(payments)


async def _live(conn: Conn, table: str, order_id: str) -> list[dict[str, Any]]:
    return await conn.fetch(
        f"SELECT * FROM {table} WHERE order_id = ? AND deleted = ? ORDER BY id", (order_id, False)
    )


async def _returned(conn: Conn, order_id: str, but: str | None = None) -> Counter[str]:
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


def _ordered(lines: list[dict[str, Any]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for line in lines:
        out[line["product_id"]] += line["qty"]
    return out


async def _case_order(conn: Conn, order: dict[str, Any]) -> CaseOrder:
    lines = await conn.fetch(
        "SELECT l.product_id, p.name AS product_name, l.qty, l.unit_price FROM order_lines l"
        " LEFT JOIN products p ON p.id = l.product_id WHERE l.order_id = ? AND l.deleted = ?"
        " ORDER BY l.id",
        (order["id"], False),
    )
    payments = await _live(conn, "payments", order["id"])
    returned = await _returned(conn, order["id"])
    paid, refunded = _money(payments)
    return CaseOrder(
        id=order["id"], number=order["number"], status=order["status"], total=order["total"],
        lines=[OrderLineOut(**ln, returned=returned[ln["product_id"]]) for ln in lines],
        payments=[PaymentOut(p["id"], p["method"], p["amount"], p["status"], p["created_at"])
                  for p in sorted(payments, key=lambda p: p["created_at"])],
        paid=paid, refunded=refunded, refundable=paid - refunded,
    )  # fmt: skip


async def detail(app_state: AppState, case_id: str) -> CaseDetail:
    async with app_state.db.read() as conn:
        case = await _case_row(conn, case_id)
        order = await conn.fetchrow("SELECT * FROM orders WHERE id = ?", (case.order_id,))
        if order is None:  # orders are never removed; a tombstone still answers
            raise OrderNotFound(f"the order of case {case.number} is gone")
        return CaseDetail(case=case, order=await _case_order(conn, order))


async def order_by_number(app_state: AppState, number: str) -> CaseOrder:
    """The order a new case is about: its lines, what returns took, its payments."""
    async with app_state.db.read() as conn:
        order = await conn.fetchrow(
            "SELECT * FROM orders WHERE number = ? AND deleted = ? ORDER BY id LIMIT 1",
            (number.strip(), False),
        )
        if order is None:
            raise OrderNotFound(f"no order {number}")
        return await _case_order(conn, order)


# ---- writing -----------------------------------------------------------------------------------


async def _order(tx: SqlWriteTx, data: CaseIn) -> dict[str, Any]:
    if data.order_id:
        order = await tx.get("orders", data.order_id)
    elif data.order_number:
        found = await tx.find("orders", "number", data.order_number.strip())
        order = found[0] if found else None
    else:
        raise BadRequest("name the order: order_id or order_number")
    if order is None or order["deleted"]:
        raise OrderNotFound(f"no order {data.order_id or data.order_number}")
    return order


async def _check_lines(tx: SqlWriteTx, order_id: str, lines: list[ReturnLine]) -> list[dict]:
    ordered = _ordered(await _live(tx.conn, "order_lines", order_id))
    asked: Counter[str] = Counter()
    for line in lines:
        asked[line.product_id] += line.qty
    returned = await _returned(tx.conn, order_id)
    for product, qty in asked.items():
        if product not in ordered:
            raise BadLines(f"product {product} is not on the order")
        left = ordered[product] - returned[product]
        if qty > left:
            raise ReturnTooLarge(f"product {product}: {qty} to return, {left} left to return"
                                 f" ({ordered[product]} ordered)", product_id=product, left=left)  # fmt: skip
    return [{"product_id": p, "qty": q} for p, q in asked.items()]


def _no_nul(name: str, text: str) -> None:
    if "\x00" in text:  # PostgreSQL refuses it (server/error_responses.py text_error); SQLite would not
        raise BadRequest(f"{name}: may not contain NUL characters")


async def create(app_state: AppState, actor: Actor, data: CaseIn) -> CaseRow:
    if data.kind == "return" and not data.lines:
        raise BadLines("a return names the products and quantities coming back")
    if data.kind == "complaint" and data.lines:
        raise BadLines("a complaint has no return lines; open a return")
    if not data.description.strip():
        raise BadRequest("describe the case")
    _no_nul("description", data.description)
    async with app_state.store.write() as tx:
        order = await _order(tx, data)
        lines = await _check_lines(tx, order["id"], data.lines) if data.lines else []
        seq = int(await tx.conn.fetchval("SELECT COALESCE(MAX(seq), 0) FROM after_sales_cases")) + 1
        now = now_iso()
        row = {
            "id": uuid7(), "seq": seq, "number": f"AS-{seq:06d}", "kind": data.kind,
            "order_id": order["id"], "customer_id": order["customer_id"], "status": "open",
            "category": data.category, "description": data.description.strip(),
            "resolution": None, "notes": None, "lines": msgspec.json.encode(lines).decode(),
            "refund_amount": data.refund_amount, "refunded": 0, "created_by": actor.user_id,
            "created_at": now, "updated_at": now, "resolved_by": None, "resolved_at": None,
        }  # fmt: skip
        await tx.insert("after_sales_cases", row)
        tx.audit("aftersales.create", row["id"],
                 {"number": row["number"], "kind": data.kind, "order_id": order["id"],
                  "order_number": order["number"], "category": data.category, "lines": lines,
                  "refund_amount": data.refund_amount}, actor.user_id)  # fmt: skip
        return await _case_row(tx.conn, row["id"])


async def _take_back(tx: SqlWriteTx, app_state: AppState, actor: Actor, case: dict) -> str | None:
    """A return resolved: the order goes to ``returned`` if the goods have left and the return
    cases take back everything on it. Returns the order's new status, or None."""
    order = await tx.get("orders", case["order_id"])
    if order is None or order["status"] not in GONE:
        return None
    ordered = _ordered(await _live(tx.conn, "order_lines", order["id"]))
    returned = await _returned(tx.conn, order["id"])
    if any(returned[p] < q for p, q in ordered.items()):
        return None  # a partial return: the warehouse books what comes back
    args = {"id": order["id"], "from": order["status"], "to": "returned",
            "reason": f"return {case['number']}"}  # fmt: skip
    await apply_as(tx, actor, "order.transition", args, app_state.policy)
    return "returned"


async def change(app_state: AppState, actor: Actor, case_id: str, data: CasePatch) -> CaseRow:
    fields: dict[str, Any] = {}
    for name in ("resolution", "notes", "refund_amount"):
        value = getattr(data, name)
        if value is not msgspec.UNSET:
            if isinstance(value, str):
                _no_nul(name, value)
            fields[name] = value.strip() or None if isinstance(value, str) else value
    if data.status is msgspec.UNSET and not fields:
        raise BadRequest("nothing to change: status, resolution, notes or refund_amount")
    async with app_state.store.write() as tx:
        case = await tx.get("after_sales_cases", case_id)
        if case is None:
            raise NotFound(f"no after-sales case {case_id}")
        now = now_iso()
        order_status = None
        to = data.status
        if to is not msgspec.UNSET and to != case["status"]:
            if to not in TRANSITIONS[case["status"]]:
                raise BadTransition(f"case {case['number']} is {case['status']}: "
                                    f"{case['status']} → {to} is not allowed", status=case["status"])  # fmt: skip
            fields["status"] = to
            if to in CLOSED:
                if to == "resolved" and not fields.get("resolution", case["resolution"]):
                    raise NeedsResolution("say how the case was resolved (resolution)")
                fields |= {"resolved_by": actor.user_id, "resolved_at": now}
            else:
                fields |= {"resolved_by": None, "resolved_at": None}
        elif to is not msgspec.UNSET and not fields:
            raise BadTransition(f"case {case['number']} is {to} already", status=case["status"])
        fields["updated_at"] = now
        await tx.update("after_sales_cases", case_id, fields)
        if fields.get("status") == "resolved" and case["kind"] == "return":
            order_status = await _take_back(tx, app_state, actor, case)
        detail = {k: v for k, v in fields.items() if k != "updated_at"}
        tx.audit("aftersales.update", case_id,
                 {"number": case["number"], "from": case["status"], **detail,
                  "order_status": order_status}, actor.user_id)  # fmt: skip
        return await _case_row(tx.conn, case_id)


async def refund(app_state: AppState, actor: Actor, case_id: str, data: RefundIn) -> CaseDetail:
    async with app_state.store.write() as tx:
        case = await tx.get("after_sales_cases", case_id)
        if case is None:
            raise NotFound(f"no after-sales case {case_id}")
        order = await tx.get("orders", case["order_id"])
        if order is None or order["deleted"]:
            raise OrderNotFound(f"the order of case {case['number']} is gone")
        paid, refunded = _money(await _live(tx.conn, "payments", order["id"]))
        left = paid - refunded
        payment_id = uuid7()
        args = {"id": payment_id, "order_id": order["id"], "method": data.method,
                "amount": -data.amount, "status": "refunded"}  # fmt: skip
        try:  # the refund rules are the mutation's own (sync/rules/payments.py)
            await apply_as(tx, actor, "payment.record", args, app_state.policy)
        except Refused as e:
            if e.code != "refund_exceeds_paid":
                raise
            raise RefundTooLarge(f"order {order['number']}: {data.amount} to refund, {left} left"
                                 f" of {paid} paid", refundable=left) from None  # fmt: skip
        settled = None
        if order["status"] == "returned" and data.amount == left:
            args = {"id": order["id"], "from": "returned", "to": "refunded",
                    "reason": f"refund of {case['number']}"}  # fmt: skip
            await apply_as(tx, actor, "order.transition", args, app_state.policy)
            settled = "refunded"
        await tx.update("after_sales_cases", case_id,
                        {"refunded": case["refunded"] + data.amount, "updated_at": now_iso()})  # fmt: skip
        tx.audit("aftersales.refund", case_id,
                 {"number": case["number"], "order_id": order["id"], "payment_id": payment_id,
                  "amount": data.amount, "method": data.method, "order_status": settled},
                 actor.user_id)  # fmt: skip
    return await detail(app_state, case_id)


# ---- HTTP --------------------------------------------------------------------------------------


class AfterSalesController(Controller):
    path = "/api/admin/after-sales"
    tags = ["admin"]

    @get("/", operation_id="adminAfterSales",
         summary="After-sales cases, newest first: filtered, paged, or exported (format=csv|xlsx)",
         dependencies={"me": needs("aftersales.read")})  # fmt: skip
    async def cases(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        kind: FromQuery[Kind | None] = None,
        status: FromQuery[Status | None] = None,
        order: FromQuery[str | None] = None,
        customer_id: FromQuery[str | None] = None,
        created_from: Annotated[str | None, QueryParameter(name="from")] = None,
        created_to: Annotated[str | None, QueryParameter(name="to")] = None,
        limit: FromQuery[int] = 50,
        offset: FromQuery[int] = 0,
        format: FromQuery[ExportFormat | None] = None,
    ) -> Response[Any]:
        f = Filters(kind, status, order.strip() if order else None, customer_id, created_from,
                    created_to)  # fmt: skip
        if format is not None:
            return export_response("after-sales", format, _COLUMNS, await every(app_state, f),
                                   money=("refund_amount", "refunded"))  # fmt: skip
        return Response(await page(app_state, f, limit, offset))

    @get("/orders", operation_id="adminAfterSalesOrder",
         summary="An order by number, for a new case: lines, what returns took, payments",
         dependencies={"me": needs("aftersales.read")})  # fmt: skip
    async def order(
        self,
        number: FromQuery[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CaseOrder:
        return await order_by_number(app_state, number)

    @get("/{case_id:str}", operation_id="adminAfterSalesCase",
         summary="A case with its order's lines (what returns took back) and payments",
         dependencies={"me": needs("aftersales.read")})  # fmt: skip
    async def case(
        self,
        case_id: FromPath[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CaseDetail:
        return await detail(app_state, case_id)

    @post("/", operation_id="adminAfterSalesCreate",
          summary="Open a complaint or a return on an order",
          dependencies={"me": needs("aftersales.manage")})  # fmt: skip
    async def create_case(
        self,
        data: JSONBody[CaseIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CaseRow:
        return await create(app_state, me.actor, data)

    @patch("/{case_id:str}", operation_id="adminAfterSalesUpdate",
           summary="Move a case (open → in_progress → resolved | rejected, reopen), resolution, notes",
           dependencies={"me": needs("aftersales.manage")})  # fmt: skip
    async def update_case(
        self,
        case_id: FromPath[str],
        data: JSONBody[CasePatch],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CaseRow:
        return await change(app_state, me.actor, case_id, data)

    @post("/{case_id:str}/refund", status_code=200, operation_id="adminAfterSalesRefund",
          summary="Record a refund on the case's order: a payment devices pull",
          dependencies={"me": needs("refunds.record")})  # fmt: skip
    async def record_refund(
        self,
        case_id: FromPath[str],
        data: JSONBody[RefundIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CaseDetail:
        return await refund(app_state, me.actor, case_id, data)
