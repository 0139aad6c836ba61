"""The customers' reads: the console's table (sorted, grouped, paged by number) and one customer
with their orders and activity. Plain SQL on ``customers`` and what it names."""

from __future__ import annotations

from server.admin.customers.schemas import (
    CustomerDetail,
    CustomerGroup,
    CustomerOrder,
    CustomerPage,
    CustomerRow,
)
from server.admin.listing import check_limit, contains
from server.admin.orders.schemas import BadSort, Entry
from server.admin.orders.timeline import TIMELINE_LIMIT, mutation_order_expr, names_of
from server.db.sql import Conn, Database
from server.errors import BadRequest, NotFound

ORDERS_SHOWN = 100  # of a customer's orders on their page, the newest

_SELECT = (
    "SELECT c.id, c.name, c.phone, c.address, c.region, c.owner_id, ow.name AS owner_name,"
    " c.credit_limit, c.created_at, c.version,"
    " (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id AND o.deleted = ?) AS orders"
    " FROM customers c LEFT JOIN users ow ON ow.id = c.owner_id"
)
# The columns of a listed row (the list is read as ``SELECT * FROM (_SELECT …) x``, so its
# computed ``orders`` sorts like a column on both engines).
SORTS = {
    "name": "name", "region": "region", "rep": "owner_name", "phone": "phone",
    "credit_limit": "credit_limit", "orders": "orders", "created_at": "created_at",
}  # fmt: skip
GROUPS = {"region": ("region", "region"), "rep": ("owner_id", "owner_name")}


def _where(q: str | None, owner_id: str | None, region: str | None, dialect: str
           ) -> tuple[str, list[object]]:  # fmt: skip
    where, args = ["c.deleted = ?"], [False]
    if q and q.strip():
        pattern = contains(q.strip().lower())
        if dialect == "postgres":
            where.append("(c.name ILIKE ? OR c.phone ILIKE ?)")
        else:
            where.append("(LOWER(c.name) LIKE ? ESCAPE '\\' OR LOWER(c.phone) LIKE ? ESCAPE '\\')")
        args += [pattern, pattern]
    if owner_id:
        where.append("c.owner_id = ?")
        args.append(owner_id)
    if region:
        where.append("c.region = ?")
        args.append(region)
    return " WHERE " + " AND ".join(where), args


async def page(
    db: Database, *, q: str | None, owner_id: str | None, region: str | None, sort: str,
    direction: str, group: str | None, page: int, limit: int,
) -> CustomerPage:  # fmt: skip
    """Page ``page`` of ``limit`` customers sorted by ``sort`` (then id), grouped first by
    ``group``, with every group's count; unset values last."""
    check_limit(limit)
    if sort not in SORTS:
        raise BadSort(f"sort: one of {', '.join(SORTS)}")
    if direction not in ("asc", "desc"):
        raise BadSort("direction: asc or desc")
    if group is not None and group not in GROUPS:
        raise BadSort(f"group: one of {', '.join(GROUPS)}")
    if page < 1:
        raise BadRequest("page: 1 or more")
    where, args = _where(q, owner_id, region, db.dialect)
    column, d = SORTS[sort], direction.upper()
    order = [f"({column} IS NULL)", f"{column} {d}", f"id {d}"]
    if group:
        key, shown = GROUPS[group]
        order = [f"({shown} IS NULL)", shown, key, *order]

    async def work(conn: Conn) -> CustomerPage:
        total = int(await conn.fetchval(
            f"SELECT COUNT(*) FROM customers c LEFT JOIN users ow ON ow.id = c.owner_id{where}",
            args))  # fmt: skip
        rows = await conn.fetch(
            f"SELECT * FROM ({_SELECT}{where}) x ORDER BY {', '.join(order)} LIMIT ? OFFSET ?",
            (False, *args, limit, (page - 1) * limit),
        )
        groups = None
        if group:
            key, shown = GROUPS[group]
            counted = await conn.fetch(
                f"SELECT {key} AS k, {shown} AS label, COUNT(*) AS n FROM ({_SELECT}{where}) x"
                f" GROUP BY {key}, {shown} ORDER BY ({shown} IS NULL), {shown}, {key}",
                (False, *args),
            )  # fmt: skip
            groups = [CustomerGroup(r["k"], r["label"], int(r["n"])) for r in counted]
        return CustomerPage([_row(r) for r in rows], total, page, groups)

    return await db.run_read(work)


def _row(r: dict) -> CustomerRow:
    return CustomerRow(**{**r, "orders": int(r["orders"])})


async def activity(conn: Conn, customer_id: str) -> list[Entry]:
    """What happened to a customer, oldest first: the ``customer.upsert`` mutations logged about
    them, their orders' creation, and admins' actions and notes in the audit log."""
    entries: list[Entry] = []
    for m in await conn.fetch(
        "SELECT m.name, m.status, m.error, m.message, m.received_at, m.user_id, d.code"
        " FROM mutation_log m LEFT JOIN devices d ON d.id = m.device_id"
        f" WHERE {mutation_order_expr(conn.dialect)} = ? AND m.name = ?"
        " ORDER BY m.received_at DESC LIMIT ?", (customer_id, "customer.upsert", TIMELINE_LIMIT),
    ):  # fmt: skip
        entries.append(Entry(m["received_at"], "mutation", m["name"],
                             m["status"] + (f" ({m['error']})" if m["error"] else ""),
                             m["user_id"], None, m["code"], m["message"]))  # fmt: skip
    for o in await conn.fetch(
        "SELECT number, created_at, owner_id FROM orders WHERE customer_id = ? AND deleted = ?"
        " ORDER BY created_at DESC LIMIT ?", (customer_id, False, TIMELINE_LIMIT),
    ):  # fmt: skip
        entries.append(Entry(o["created_at"], "order", o["number"], None, o["owner_id"], None,
                             None, None))  # fmt: skip
    for a in await conn.fetch(
        "SELECT at, actor_id, action, detail FROM audit_log WHERE subject = ?"
        " ORDER BY seq DESC LIMIT ?", (customer_id, TIMELINE_LIMIT),
    ):  # fmt: skip
        entries.append(Entry(a["at"], "admin", a["action"], None, a["actor_id"], None, None,
                             a["detail"]))  # fmt: skip
    return await names_of(conn, entries)


async def detail(db: Database, customer_id: str) -> CustomerDetail:
    async def work(conn: Conn) -> CustomerDetail:
        found = await conn.fetchrow(
            _SELECT + " WHERE c.id = ? AND c.deleted = ?", (False, customer_id, False)
        )
        if found is None:
            raise NotFound(f"no customer {customer_id}")
        orders = await conn.fetch(
            "SELECT id, number, status, total, due_date, created_at FROM orders"
            " WHERE customer_id = ? AND deleted = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            (customer_id, False, ORDERS_SHOWN),
        )
        return CustomerDetail(_row(found), [CustomerOrder(**r) for r in orders],
                              await activity(conn, customer_id))  # fmt: skip

    return await db.run_read(work)
