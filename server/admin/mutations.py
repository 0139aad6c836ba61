"""``GET /api/admin/mutations``: the mutation log — every mutation a device pushed (or an import
made), with its outcome and the data the person sent — filtered and paged on the server, or all
matching as a CSV/XLSX file (docs/admin.md § Mutation log).

This is where an admin sees refused work: the devices page links a device's refused count here,
an order's detail its changes. The list pages by keyset on ``(received_at, id)``, newest first;
the order filter is the expression index of the order timeline (``mutation_order_expr``).
Each page carries ``refs``: the names of the products, customers, orders, warehouses and users
its arguments name by id, so the console shows an order's lines with product names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from server.admin.listing import COUNT_CAP, check_limit, cut, decode_cursor, older_than
from server.admin.orders.timeline import mutation_order_expr
from server.admin.period import bounds
from server.admin.tabular import ExportFormat, export_response, major_units
from server.auth.principal import Principal, needs
from server.db.sql import Conn, Database
from server.state import AppState
from sync.store import Row

Status = Literal["applied", "merged", "conflict", "rejected", "duplicate"]
# Argument fields that hold money (minor units, shared/mutations.py): an export writes them in
# major units ("12.50"), as a person reads them and as the importer takes them back.
MONEY_FIELDS = frozenset({"unit_price", "amount"})
# Arguments naming the order of the mutation by ``id`` (the rest name it ``order_id``).
ORDER_BY_ID = frozenset({"order.create", "order.update", "order.transition"})
_IN_CHUNK = 500  # ids per ``IN (…)``: a refused order.create may name thousands


class MutationRow(msgspec.Struct):
    id: int
    client_id: str
    mutation_id: int
    name: str
    status: str
    error: str | None
    message: str | None
    conflict_id: str | None
    received_at: str
    user_id: str
    user_name: str | None
    device_id: str | None
    device_code: str | None
    order_id: str | None  # the order the mutation is about (made, changed, paid, …)
    args: Any  # the arguments as sent, decoded; money in minor units


class ProductRef(msgspec.Struct):
    sku: str
    name: str


class OrderRef(msgspec.Struct):
    number: str
    customer_id: str
    customer_name: str | None


class Refs(msgspec.Struct):
    """Names of what a page's arguments name by id (what the server has; an id it lacks is
    left out: a refused order.create may name a product deleted since)."""

    products: dict[str, ProductRef]
    customers: dict[str, str]
    orders: dict[str, OrderRef]
    warehouses: dict[str, str]  # id → code
    users: dict[str, str]  # id → name (an order.update's assignee)


class MutationPage(msgspec.Struct):
    rows: list[MutationRow]
    total: int  # every match, up to COUNT_CAP
    total_capped: bool
    next: str | None  # the cursor of the next page
    refs: Refs


class Filters(msgspec.Struct, frozen=True):
    device_id: str | None = None
    user_id: str | None = None
    client_id: str | None = None
    status: str | None = None
    error: str | None = None
    name: str | None = None
    order_id: str | None = None
    received_from: str | None = None
    received_to: str | None = None


# ---- the query ---------------------------------------------------------------------------------

_SELECT = (
    "SELECT m.id, m.client_id, m.mutation_id, m.name, m.status, m.error, m.message,"
    " m.conflict_id, m.received_at, m.user_id, u.name AS user_name, m.device_id,"
    " d.code AS device_code, m.args FROM mutation_log m LEFT JOIN users u ON u.id = m.user_id"
    " LEFT JOIN devices d ON d.id = m.device_id"
)
_ORDER = " ORDER BY m.received_at DESC, m.id DESC"


def _where(f: Filters, dialect: str) -> tuple[str, list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    for column, value in (
        ("m.device_id", f.device_id), ("m.user_id", f.user_id), ("m.client_id", f.client_id),
        ("m.status", f.status), ("m.error", f.error), ("m.name", f.name),
        (mutation_order_expr(dialect), f.order_id),
    ):  # fmt: skip
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    lower, upper = bounds(f.received_from, f.received_to)
    if lower:
        where.append("m.received_at >= ?")
        args.append(lower)
    if upper:
        where.append("m.received_at < ?")
        args.append(upper)
    return (" WHERE " + " AND ".join(where)) if where else "", args


class _Cursor(msgspec.Struct, array_like=True):
    received_at: Annotated[str, msgspec.Meta(pattern=r"^[0-9T:.+Z-]{1,40}$")]
    id: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]


def _decoded(text: str) -> Any:
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return text  # stored as sent: shown as text rather than lost


def order_of(name: str, args: Any) -> str | None:
    """The order a mutation is about: the one it makes or changes (``id``), or ``order_id``."""
    if not isinstance(args, dict):
        return None
    found = args.get("id") if name in ORDER_BY_ID else args.get("order_id")
    return found if isinstance(found, str) else None


def _row(r: Row) -> MutationRow:
    args = _decoded(r["args"])
    return MutationRow(**{**r, "args": args}, order_id=order_of(r["name"], args))


async def page(
    db: Database, f: Filters, limit: int = 50, cursor: str | None = None
) -> MutationPage:
    """Newest first, ``limit`` rows after ``cursor``, with the names their arguments need."""
    check_limit(limit)
    where, args = _where(f, db.dialect)
    after = decode_cursor(cursor, _Cursor, of="mutations") if cursor else None

    async def work(conn: Conn) -> MutationPage:
        total = int(await conn.fetchval(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM mutation_log m{where} LIMIT ?) n",
            (*args, COUNT_CAP + 1),
        ))  # fmt: skip
        sql, page_args = _SELECT + where, list(args)
        if after:
            keyset, keyset_args = older_than("m.received_at", "m.id", (after.received_at, after.id))
            sql += (" AND " if where else " WHERE ") + keyset
            page_args += keyset_args
        found = await conn.fetch(sql + _ORDER + " LIMIT ?", (*page_args, limit + 1))
        kept, nxt = cut(found, limit, lambda r: (r["received_at"], r["id"]), of="mutations")
        rows = [_row(r) for r in kept]
        refs = await _refs(conn, rows)
        return MutationPage(rows, min(total, COUNT_CAP), total > COUNT_CAP, nxt, refs)

    return await db.run_read(work)


# ---- the names a page needs --------------------------------------------------------------------


def _ids(rows: list[MutationRow]) -> dict[str, set[str]]:
    """The ids the rows' arguments name, by what they are."""
    wanted: dict[str, set[str]] = {k: set() for k in Refs.__struct_fields__}

    def add(kind: str, value: Any) -> None:
        if isinstance(value, str) and 0 < len(value) <= 64:
            wanted[kind].add(value)

    for row in rows:
        args = row.args
        if not isinstance(args, dict):
            continue
        add("orders", row.order_id)
        fields = dict(args)
        if isinstance(args.get("set"), dict):  # order.update
            fields.update(args["set"])
        lines = args.get("lines") if isinstance(args.get("lines"), list) else []
        if isinstance(args.get("line"), dict):  # order.line.upsert
            lines = [*lines, args["line"]]
        add("products", fields.get("product_id"))
        for line in lines:
            if isinstance(line, dict):
                add("products", line.get("product_id"))
        add("customers", fields.get("customer_id"))
        add("warehouses", fields.get("warehouse_id"))
        add("users", fields.get("assignee_id"))
    return wanted


def _chunks(ids: set[str]) -> Iterator[list[str]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), _IN_CHUNK):
        yield ordered[i : i + _IN_CHUNK]


async def _lookup(conn: Conn, sql: str, ids: set[str]) -> list[Row]:
    found: list[Row] = []
    for chunk in _chunks(ids):
        found += await conn.fetch(sql.format(marks=", ".join("?" * len(chunk))), chunk)
    return found


async def _refs(conn: Conn, rows: list[MutationRow]) -> Refs:
    ids = _ids(rows)
    orders = await _lookup(conn, "SELECT o.id, o.number, o.customer_id, c.name AS customer_name"
                           " FROM orders o LEFT JOIN customers c ON c.id = o.customer_id"
                           " WHERE o.id IN ({marks})", ids["orders"])  # fmt: skip
    ids["customers"] |= {o["customer_id"] for o in orders}
    products = await _lookup(conn, "SELECT id, sku, name FROM products WHERE id IN ({marks})",
                             ids["products"])  # fmt: skip
    customers = await _lookup(conn, "SELECT id, name FROM customers WHERE id IN ({marks})",
                              ids["customers"])  # fmt: skip
    warehouses = await _lookup(conn, "SELECT id, code FROM warehouses WHERE id IN ({marks})",
                               ids["warehouses"])  # fmt: skip
    users = await _lookup(conn, "SELECT id, name FROM users WHERE id IN ({marks})", ids["users"])
    return Refs(
        products={p["id"]: ProductRef(p["sku"], p["name"]) for p in products},
        customers={c["id"]: c["name"] for c in customers},
        orders={
            o["id"]: OrderRef(o["number"], o["customer_id"], o["customer_name"]) for o in orders
        },  # fmt: skip
        warehouses={w["id"]: w["code"] for w in warehouses},
        users={u["id"]: u["name"] for u in users},
    )


# ---- the export --------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    "id", "received_at", "status", "error", "message", "name", "order_id", "client_id",
    "mutation_id", "user_id", "user_name", "device_id", "device_code", "conflict_id", "args",
]  # fmt: skip


def major(value: Any) -> Any:
    """Money fields of arguments in major units, as exact decimal text: 1250 → "12.50"."""
    if isinstance(value, dict):
        return {k: (_money(v) if k in MONEY_FIELDS else major(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [major(v) for v in value]
    return value


def _money(value: Any) -> Any:
    minor = major_units(value)
    return str(minor) if isinstance(minor, Decimal) else major(value)


def _export_row(r: MutationRow) -> tuple:
    args = r.args if isinstance(r.args, str) else msgspec.json.encode(major(r.args)).decode()
    return (r.id, r.received_at, r.status, r.error, r.message, r.name, r.order_id, r.client_id,
            r.mutation_id, r.user_id, r.user_name, r.device_id, r.device_code, r.conflict_id,
            args)  # fmt: skip


async def every(db: Database, f: Filters) -> Iterable[tuple]:
    """Every match, newest first, as export rows (money in major units)."""
    where, args = _where(f, db.dialect)
    async with db.read() as conn:
        found = await conn.fetch(_SELECT + where + _ORDER, args)
    return [_export_row(_row(r)) for r in found]


# ---- HTTP --------------------------------------------------------------------------------------


class MutationsController(Controller):
    path = "/api/admin/mutations"
    tags = ["admin"]
    # Names, devices and what people typed: never kept by a browser's or a proxy's cache.
    cache_control = CacheControlHeader(no_store=True)

    @get("/", operation_id="adminMutations",
         summary="The mutation log, newest first (refused work with its data): filtered, paged "
                 "by cursor, or exported (format=csv|xlsx)",
         dependencies={"me": needs("devices.read")})  # fmt: skip
    async def mutations(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        device_id: FromQuery[str | None] = None,
        user_id: FromQuery[str | None] = None,
        client_id: FromQuery[str | None] = None,
        status: FromQuery[Status | None] = None,
        error: FromQuery[str | None] = None,
        name: FromQuery[str | None] = None,
        order_id: FromQuery[str | None] = None,
        received_from: Annotated[str | None, QueryParameter(name="from")] = None,
        received_to: Annotated[str | None, QueryParameter(name="to")] = None,
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
        format: FromQuery[ExportFormat | None] = None,  # noqa: A002 - the API's parameter name
    ) -> Response[Any]:
        f = Filters(device_id, user_id, client_id, status, error, name, order_id, received_from,
                    received_to)  # fmt: skip
        if format is not None:
            return export_response(
                "mutations", format, EXPORT_COLUMNS, await every(app_state.db, f)
            )
        return Response(await page(app_state.db, f, limit, cursor))
