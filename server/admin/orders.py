"""``/api/admin/orders``: every order, filtered and paged on the server (100,000 orders do not
fit a browser's list), its detail with the timeline of all that happened to it, assigning a
warehouse and a picker, and the overdue count of the console's alert (docs/admin.md § Orders).

The list pages by keyset on ``(created_at, id)``, newest first: a deep page costs what the first
does. Each filter that matters has an index in that order (migration 2026-11-24T18:08:40).
Assigning is the ``order.update`` a device would send, applied as the acting admin, so the order
is versioned and every device concerned pulls it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from server.admin.listing import COUNT_CAP, check_limit, contains, cut, decode_cursor, older_than
from server.admin.period import bounds
from server.admin.review import NotFound, Refused, apply_as
from server.admin.tabular import ExportFormat, export_response, major_units
from server.auth.principal import Principal, needs
from server.db.sql import Conn, Database
from server.state import AppState
from shared.mutations import Id
from shared.states import FIELDS_LOCKED, STATUSES
from sync.context import Actor
from sync.errors import BadRequest, SyncError
from sync.store import Row

TIMELINE_LIMIT = 500  # entries per source (mutations, scans, …): the newest are kept
FEW = 5_000  # a search matching at most this many orders reads them by their indexes, then sorts
PRIORITIES = ("high", "normal", "low")
DONE = tuple(sorted(FIELDS_LOCKED))  # an order in one of these is never overdue


class BadStatus(BadRequest):
    code = "invalid_status"


class BadPriority(BadRequest):
    code = "invalid_priority"


class BadDate(BadRequest):
    code = "invalid_date"


class UnknownWarehouse(SyncError):
    code = "unknown_warehouse"
    status = 404


class UnknownUser(SyncError):
    code = "unknown_user"
    status = 404


class UserDisabled(SyncError):
    code = "user_disabled"
    status = 400


class WrongWarehouse(SyncError):
    code = "wrong_warehouse"
    status = 409


class OrderLocked(SyncError):
    code = "order_locked"
    status = 409


# ---- the list -----------------------------------------------------------------------------------


class OrderRow(msgspec.Struct):
    id: str
    number: str
    customer_id: str
    customer_name: str | None
    owner_id: str
    owner_name: str | None
    status: str
    priority: str
    due_date: str | None
    overdue: bool
    warehouse_id: str | None
    warehouse_code: str | None
    assignee_id: str | None
    assignee_name: str | None
    channel: str
    total: int
    created_at: str
    updated_at: str


class OrderPage(msgspec.Struct):
    rows: list[OrderRow]
    total: int  # every match, up to COUNT_CAP
    total_capped: bool  # there are more than ``total``
    next: str | None  # the cursor of the next page


class Filters(msgspec.Struct, frozen=True):
    q: str | None = None
    statuses: tuple[str, ...] = ()
    priority: str | None = None
    overdue: bool = False
    warehouse_id: str | None = None
    owner_id: str | None = None
    assignee_id: str | None = None
    channel: str | None = None
    synced_from: str | None = None
    synced_to: str | None = None
    created_from: str | None = None
    created_to: str | None = None


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def is_overdue(due_date: str | None, status: str, day: str) -> bool:
    return due_date is not None and due_date < day and status not in FIELDS_LOCKED


def statuses_of(values: list[str] | None) -> tuple[str, ...]:
    """``status=a&status=b`` or ``status=a,b``, checked against the state machine."""
    wanted = tuple(s.strip() for v in values or () for s in v.split(",") if s.strip())
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        raise BadStatus(f"unknown status {', '.join(map(repr, unknown))}; one of "
                        f"{', '.join(STATUSES)}")  # fmt: skip
    return wanted


def _bounds(name: str, start: str | None, end: str | None) -> tuple[str | None, str | None]:
    try:
        return bounds(start, end)
    except BadRequest as e:
        raise BadDate(f"{name}_{e}") from None


def _where(f: Filters, day: str, dialect: str) -> tuple[str, list[Any]]:
    """The WHERE clause on ``orders o`` (no join needed) and its arguments."""
    where, args = ["o.deleted = ?"], [False]
    if f.q and f.q.strip():
        # Case-insensitive: SQLite's LIKE is (for ASCII), PostgreSQL has ILIKE. The customers
        # matched first (a small table), so no order row is joined to its customer to search.
        # PostgreSQL reads both through trigram indexes where pg_trgm is installed (migration
        # 2026-11-24T18:20): ``= ANY(ARRAY(…))`` lets it OR two index scans.
        pattern = contains(f.q.strip())
        if dialect == "postgres":
            where.append(
                "(o.number ILIKE ? OR o.customer_id = ANY(ARRAY("
                "SELECT id FROM customers WHERE name ILIKE ?)))"
            )
        else:
            where.append(
                "(o.number LIKE ? ESCAPE '\\' OR o.customer_id IN"
                " (SELECT id FROM customers WHERE name LIKE ? ESCAPE '\\'))"
            )
        args += [pattern, pattern]
    if f.statuses:
        where.append(f"o.status IN ({', '.join('?' * len(f.statuses))})")
        args += list(f.statuses)
    if f.priority:
        if f.priority not in PRIORITIES:
            raise BadPriority(f"priority: one of {', '.join(PRIORITIES)}")
        where.append("o.priority = ?")
        args.append(f.priority)
    if f.overdue:
        where.append(f"o.due_date < ? AND o.status NOT IN ({', '.join('?' * len(DONE))})")
        args += [day, *DONE]
    for column, value in (
        ("o.warehouse_id", f.warehouse_id), ("o.owner_id", f.owner_id),
        ("o.assignee_id", f.assignee_id), ("o.channel", f.channel),
    ):  # fmt: skip
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    for column, (lower, upper) in (
        ("o.updated_at", _bounds("synced", f.synced_from, f.synced_to)),
        ("o.created_at", _bounds("created", f.created_from, f.created_to)),
    ):
        if lower:
            where.append(f"{column} >= ?")
            args.append(lower)
        if upper:
            where.append(f"{column} < ?")
            args.append(upper)
    return " WHERE " + " AND ".join(where), args


_SELECT = (
    "SELECT o.id, o.number, o.customer_id, c.name AS customer_name, o.owner_id,"
    " ow.name AS owner_name, o.status, o.priority, o.due_date, o.warehouse_id,"
    " w.code AS warehouse_code, o.assignee_id, a.name AS assignee_name, o.channel, o.total,"
    " o.created_at, o.updated_at"
    " FROM orders o LEFT JOIN customers c ON c.id = o.customer_id"
    " LEFT JOIN users ow ON ow.id = o.owner_id LEFT JOIN warehouses w ON w.id = o.warehouse_id"
    " LEFT JOIN users a ON a.id = o.assignee_id"
)
_ORDER = " ORDER BY o.created_at DESC, o.id DESC"
_COLUMNS = [f for f in OrderRow.__struct_fields__]


def _row(r: Row, day: str) -> OrderRow:
    return OrderRow(**r, overdue=is_overdue(r["due_date"], r["status"], day))


async def page(db: Database, f: Filters, limit: int = 50, cursor: str | None = None) -> OrderPage:
    """Newest first, ``limit`` rows after ``cursor``."""
    check_limit(limit)
    day = today()
    where, args = _where(f, day, db.dialect)
    after = decode_cursor(cursor, tuple[str, str]) if cursor else None

    async def work(conn: Conn) -> OrderPage:
        if f.q and conn.dialect == "postgres":
            # Plan the search for its pattern every time: after five runs of a prepared statement
            # PostgreSQL may keep a generic plan, blind to how few orders a pattern matches.
            await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        total = int(await conn.fetchval(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM orders o{where} LIMIT ?) m", (*args, COUNT_CAP + 1)
        ))  # fmt: skip
        sql, page_args = _SELECT + where, list(args)
        if f.q and conn.dialect == "postgres" and total <= FEW:
            # A search matching few orders: PostgreSQL's estimate of the trigram matches is
            # rough, and it would walk the whole created_at index filtering every order. The
            # matches first (their indexes), then sorted: 75 ms → 3 ms on 100,000 orders.
            sql = (f"WITH m AS MATERIALIZED (SELECT o.id FROM orders o{where}) "
                   + _SELECT + " WHERE o.id IN (SELECT id FROM m)")  # fmt: skip
        if after:
            keyset, keyset_args = older_than("o.created_at", "o.id", after)
            sql += " AND " + keyset
            page_args += keyset_args
        found = await conn.fetch(sql + _ORDER + " LIMIT ?", (*page_args, limit + 1))
        rows, nxt = cut(found, limit, lambda r: (r["created_at"], r["id"]))
        return OrderPage(
            [_row(r, day) for r in rows], min(total, COUNT_CAP), total > COUNT_CAP, nxt
        )

    return await db.run_read(work)


async def every(db: Database, f: Filters) -> list[tuple]:
    """Every match, newest first, as export rows (the columns of OrderRow)."""
    day = today()
    where, args = _where(f, day, db.dialect)
    async with db.read() as conn:
        rows = await conn.fetch(_SELECT + where + _ORDER, args)
    return [tuple(msgspec.structs.astuple(_row(r, day))) for r in rows]


async def overdue_count(db: Database) -> int:
    async with db.read() as conn:
        return int(await conn.fetchval(
            f"SELECT COUNT(*) FROM orders WHERE due_date < ? AND status NOT IN"
            f" ({', '.join('?' * len(DONE))}) AND deleted = ?", (today(), *DONE, False),
        ))  # fmt: skip


# ---- the detail and its timeline ----------------------------------------------------------------


class Line(msgspec.Struct):
    id: str
    product_id: str
    sku: str | None
    name: str | None
    qty: int
    unit_price: int
    amount: int


class Payment(msgspec.Struct):
    id: str
    method: str
    amount: int
    status: str
    created_at: str


class Customer(msgspec.Struct):
    id: str
    name: str
    phone: str | None
    address: str | None
    region: str | None
    credit_limit: int | None


class Entry(msgspec.Struct):
    at: str
    kind: str  # status | mutation | scan | redemption | conflict | settled | qr | admin
    summary: str  # what: a status step "a → b", a mutation's name, a scan's action, …
    outcome: str | None  # how it ended: applied / rejected (code) / a scan's result / …
    user_id: str | None
    who: str | None  # the user's name ("review" for the review rules)
    device_code: str | None
    detail: str | None  # a reason, an error message, an amount


class OrderDetail(msgspec.Struct):
    order: OrderRow
    version: int
    notes: str | None
    delivery_address: str | None
    customer: Customer | None
    lines: list[Line]
    payments: list[Payment]
    timeline: list[Entry]  # oldest first
    timeline_truncated: bool  # a source had more than TIMELINE_LIMIT entries: the oldest left out


def mutation_order_expr(dialect: str) -> str:
    """The order a logged mutation names, spelled as its index (migration 2026-11-24T18:08:40)."""
    if dialect == "postgres":
        return "COALESCE(args::json ->> 'order_id', args::json ->> 'id')"
    return "COALESCE(json_extract(args, '$.order_id'), json_extract(args, '$.id'))"


def _mutation_summary(name: str, args_text: str) -> str:
    try:
        args = msgspec.json.decode(args_text)
    except msgspec.DecodeError:
        return name
    if not isinstance(args, dict):
        return name
    if name == "order.transition":
        return f"{name}: {args.get('from')} → {args.get('to')}"
    if name == "order.update" and isinstance(args.get("set"), dict):
        return f"{name}: {', '.join(sorted(args['set']))}"
    if name == "payment.record":
        return f"{name}: {args.get('method')} {major_units(args.get('amount'))}"
    if name == "order.line.upsert" and isinstance(args.get("line"), dict):
        return f"{name}: {args['line'].get('qty')}"
    return name


async def _timeline(conn: Conn, order: Row, child_ids: list[str]) -> tuple[list[Entry], bool]:
    oid, cap = order["id"], TIMELINE_LIMIT
    entries: list[Entry] = []
    truncated = False

    def took(rows: list[Row]) -> list[Row]:
        nonlocal truncated
        truncated = truncated or len(rows) > cap
        return rows[:cap]

    history = msgspec.json.decode(order["status_history"] or "[]")
    for step in history[-cap:]:
        reason = step.get("reason")
        if step.get("reasons"):
            reason = "; ".join(str(r.get("detail", r.get("rule"))) for r in step["reasons"])
        entries.append(Entry(
            at=step.get("at") or "", kind="status",
            summary=f"{step['from']} → {step['to']}" if step.get("from") else step.get("to", ""),
            outcome=step.get("to"), user_id=step.get("by"), who=None, device_code=None,
            detail=reason,
        ))  # fmt: skip
    truncated = truncated or len(history) > cap

    mutations = took(await conn.fetch(
        "SELECT m.name, m.args, m.status, m.error, m.message, m.conflict_id, m.received_at,"
        " m.user_id, d.code FROM mutation_log m LEFT JOIN devices d ON d.id = m.device_id"
        f" WHERE {mutation_order_expr(conn.dialect)} = ? ORDER BY m.received_at DESC LIMIT ?",
        (oid, cap + 1),
    ))  # fmt: skip
    for m in mutations:
        outcome = m["status"] + (f" ({m['error']})" if m["error"] else "")
        entries.append(Entry(m["received_at"], "mutation", _mutation_summary(m["name"], m["args"]),
                             outcome, m["user_id"], None, m["code"],
                             m["message"] or m["conflict_id"]))  # fmt: skip

    scans = took(await conn.fetch(
        "SELECT s.action, s.result, s.at, s.user_id, d.code FROM scans s"
        " LEFT JOIN devices d ON d.id = s.device_id WHERE s.order_id = ? AND s.deleted = ?"
        " ORDER BY s.at DESC LIMIT ?", (oid, False, cap + 1),
    ))  # fmt: skip
    for s in scans:
        entries.append(Entry(s["at"], "scan", s["action"], s["result"], s["user_id"], None,
                             s["code"], None))  # fmt: skip

    redemptions = took(await conn.fetch(
        "SELECT r.status, r.at, r.amount, r.user_id, r.reason, d.code FROM redemptions r"
        " LEFT JOIN devices d ON d.id = r.device_id WHERE r.order_id = ? AND r.deleted = ?"
        " ORDER BY r.at DESC LIMIT ?", (oid, False, cap + 1),
    ))  # fmt: skip
    for r in redemptions:
        entries.append(Entry(r["at"], "redemption", "redeem", r["status"], r["user_id"], None,
                             r["code"], r["reason"] or str(major_units(r["amount"]))))  # fmt: skip

    rows = [oid, *child_ids]
    conflicts = took(await conn.fetch(
        "SELECT x.kind, x.status, x.reason, x.field, x.created_at, x.user_id, d.code,"
        " x.resolution, x.resolved_value, x.resolver_id, x.resolved_at"
        " FROM conflicts x LEFT JOIN devices d ON d.id = x.device_id"
        f" WHERE x.row_id IN ({', '.join('?' * len(rows))}) AND x.deleted = ?"
        " ORDER BY x.created_at DESC LIMIT ?", (*rows, False, cap + 1),
    ))  # fmt: skip
    for c in conflicts:
        summary = c["kind"] + (f": {c['field']}" if c["field"] else "")
        entries.append(Entry(c["created_at"], "conflict", summary, c["status"], c["user_id"],
                             None, c["code"], c["reason"]))  # fmt: skip
        if c["status"] == "resolved" and c["resolved_at"]:
            # The settlement, when and by whom it happened: the decision and the value that
            # won (JSON, as the conflict row keeps it).
            entries.append(Entry(c["resolved_at"], "settled", summary, c["resolution"],
                                 c["resolver_id"], None, None, c["resolved_value"]))  # fmt: skip

    tokens = took(await conn.fetch(
        "SELECT q.issued_at, q.issuer, q.issued_by, q.revoked, q.reason, d.code FROM qr_tokens q"
        " LEFT JOIN devices d ON d.id = q.issuer WHERE q.order_id = ?"
        " ORDER BY q.issued_at DESC LIMIT ?", (oid, cap + 1),
    ))  # fmt: skip
    for t in tokens:
        outcome = "revoked" if t["revoked"] else "valid"
        entries.append(Entry(t["issued_at"], "qr", "issued", outcome, t["issued_by"], None,
                             t["code"], t["reason"] if t["revoked"] else None))  # fmt: skip

    actions = took(await conn.fetch(
        "SELECT at, actor_id, action, detail FROM audit_log WHERE subject = ?"
        " ORDER BY seq DESC LIMIT ?", (oid, cap + 1),
    ))  # fmt: skip
    for a in actions:
        entries.append(Entry(a["at"], "admin", a["action"], None, a["actor_id"], None, None,
                             a["detail"]))  # fmt: skip

    ids = sorted({e.user_id for e in entries if e.user_id})
    names: dict[str, str] = {}
    if ids:
        found = await conn.fetch(
            f"SELECT id, name FROM users WHERE id IN ({', '.join('?' * len(ids))})", ids
        )
        names = {r["id"]: r["name"] for r in found}
    entries = [
        msgspec.structs.replace(e, who=names.get(e.user_id or "", e.user_id)) for e in entries
    ]
    entries.sort(key=lambda e: e.at)
    return entries, truncated


async def detail(db: Database, order_id: str) -> OrderDetail:
    day = today()

    async def work(conn: Conn) -> OrderDetail:
        found = await conn.fetchrow(
            _SELECT + " WHERE o.id = ? AND o.deleted = ?", (order_id, False)
        )
        more = await conn.fetchrow(
            "SELECT version, notes, delivery_address, status_history FROM orders WHERE id = ?",
            (order_id,),
        )
        if found is None:
            raise NotFound(f"no order {order_id}")
        order = {**found, **(more or {})}
        lines = await conn.fetch(
            "SELECT l.id, l.product_id, p.sku, p.name, l.qty, l.unit_price,"
            " l.qty * l.unit_price AS amount FROM order_lines l"
            " LEFT JOIN products p ON p.id = l.product_id"
            " WHERE l.order_id = ? AND l.deleted = ? ORDER BY l.id", (order_id, False),
        )  # fmt: skip
        payments = await conn.fetch(
            "SELECT id, method, amount, status, created_at FROM payments"
            " WHERE order_id = ? AND deleted = ? ORDER BY created_at, id", (order_id, False),
        )  # fmt: skip
        customer = await conn.fetchrow(
            "SELECT id, name, phone, address, region, credit_limit FROM customers WHERE id = ?",
            (order["customer_id"],),
        )
        children = [r["id"] for r in lines] + [r["id"] for r in payments]
        timeline, truncated = await _timeline(conn, order, children)
        head = {k: order[k] for k in _COLUMNS if k != "overdue"}
        return OrderDetail(
            order=_row(head, day), version=order["version"], notes=order["notes"],
            delivery_address=order["delivery_address"],
            customer=Customer(**customer) if customer else None,
            lines=[Line(**r) for r in lines], payments=[Payment(**r) for r in payments],
            timeline=timeline, timeline_truncated=truncated,
        )  # fmt: skip

    return await db.run_read(work)


# ---- assigning ----------------------------------------------------------------------------------


# The assignment rule's refusals, as this API has always answered them.
ASSIGN_ERRORS: dict[str, type[SyncError]] = {
    "unknown_user": UnknownUser,
    "user_disabled": UserDisabled,
    "wrong_warehouse": WrongWarehouse,
}


class Assign(msgspec.Struct, forbid_unknown_fields=True):
    """What to set; an absent field is left alone, ``null`` clears it."""

    warehouse_id: Id | None | msgspec.UnsetType = msgspec.UNSET
    assignee_id: Id | None | msgspec.UnsetType = msgspec.UNSET


async def assign(app_state: AppState, actor: Actor, order_id: str, data: Assign) -> OrderDetail:
    changes = {f: getattr(data, f) for f in Assign.__struct_fields__
               if getattr(data, f) is not msgspec.UNSET}  # fmt: skip
    if not changes:
        raise BadRequest("name warehouse_id or assignee_id (or both)")
    async with app_state.store.write() as tx:
        order = await tx.get("orders", order_id)
        if order is None or order["deleted"]:
            raise NotFound(f"no order {order_id}")
        if changes.get("warehouse_id"):
            wh = await tx.get("warehouses", changes["warehouse_id"])
            if wh is None or wh["deleted"]:
                raise UnknownWarehouse(f"no warehouse {changes['warehouse_id']}")
        if order["status"] in FIELDS_LOCKED:
            raise OrderLocked(f"order {order['number']} is {order['status']}: it can no longer "
                              "be assigned")  # fmt: skip
        args = {"id": order_id, "base_version": order["version"], "set": changes}
        try:  # whom an order may be assigned to is the mutation's rule (sync/rules/assign.py)
            await apply_as(tx, actor, "order.update", args, app_state.policy)
        except Refused as e:
            if (error := ASSIGN_ERRORS.get(e.code)) is None:
                raise
            raise error(e.message) from None
        before = {f: order[f] for f in changes}
        tx.audit("orders.assign", order_id,
                 {"number": order["number"], "set": changes, "was": before}, actor.user_id)  # fmt: skip
    return await detail(app_state.db, order_id)


# ---- HTTP ---------------------------------------------------------------------------------------


class OrdersController(Controller):
    path = "/api/admin/orders"
    tags = ["admin"]

    @get("/", operation_id="adminOrders",
         summary="Orders, newest first: filtered, paged by cursor, or exported (format=csv|xlsx)",
         dependencies={"me": needs("orders.read")})  # fmt: skip
    async def orders(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        q: FromQuery[str | None] = None,
        status: FromQuery[list[str] | None] = None,
        priority: FromQuery[str | None] = None,
        overdue: FromQuery[bool] = False,
        warehouse_id: FromQuery[str | None] = None,
        owner_id: FromQuery[str | None] = None,
        assignee_id: FromQuery[str | None] = None,
        channel: FromQuery[str | None] = None,
        synced_from: FromQuery[str | None] = None,
        synced_to: FromQuery[str | None] = None,
        created_from: FromQuery[str | None] = None,
        created_to: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
        format: FromQuery[ExportFormat | None] = None,
    ) -> Response[Any]:
        f = Filters(q, statuses_of(status), priority, overdue, warehouse_id, owner_id,
                    assignee_id, channel, synced_from, synced_to, created_from, created_to)  # fmt: skip
        if format is not None:
            return export_response("orders", format, _COLUMNS, await every(app_state.db, f),
                                   money=("total",))  # fmt: skip
        return Response(await page(app_state.db, f, limit, cursor))

    @get("/overdue/count", operation_id="adminOrdersOverdue",
         summary="How many orders are overdue (due before today, not shipped or closed)",
         dependencies={"me": needs("orders.read")})  # fmt: skip
    async def overdue(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> dict[str, int]:
        return {"count": await overdue_count(app_state.db)}

    @get("/{order_id:str}", operation_id="adminOrder",
         summary="An order with its lines, payments, customer and timeline",
         dependencies={"me": needs("orders.read")})  # fmt: skip
    async def order(
        self,
        order_id: FromPath[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> OrderDetail:
        return await detail(app_state.db, order_id)

    @post("/{order_id:str}/assign", status_code=200, operation_id="adminAssignOrder",
          summary="Set an order's warehouse and/or picker (as the admin's order.update)",
          dependencies={"me": needs("orders.assign")})  # fmt: skip
    async def assign(
        self,
        order_id: FromPath[str],
        data: JSONBody[Assign],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> OrderDetail:
        return await assign(app_state, me.actor, order_id, data)
