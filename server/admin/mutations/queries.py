"""The mutation log's reads: a keyset page newest first (with the names its arguments need), or
every match as export rows (money in major units)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import msgspec

from server.admin.listing import COUNT_CAP, check_limit, cut, decode_cursor, older_than
from server.admin.mutations.refs import refs
from server.admin.mutations.schemas import Cursor, Filters, MutationPage, MutationRow
from server.admin.orders.timeline import mutation_order_expr
from server.admin.period import between, equal
from server.admin.tabular import major_units
from server.db.sql import Conn, Database
from sync.store import Row

# Argument fields that hold money (minor units, shared/mutations.py): an export writes them in
# major units ("12.50"), as a person reads them and as the importer takes them back.
MONEY_FIELDS = frozenset({"unit_price", "amount"})
# Arguments naming the order of the mutation by ``id`` (the rest name it ``order_id``).
ORDER_BY_ID = frozenset({"order.create", "order.update", "order.transition"})

_SELECT = (
    "SELECT m.id, m.client_id, m.mutation_id, m.name, m.status, m.error, m.message,"
    " m.conflict_id, m.received_at, m.user_id, u.name AS user_name, m.device_id,"
    " d.code AS device_code, m.args FROM mutation_log m LEFT JOIN users u ON u.id = m.user_id"
    " LEFT JOIN devices d ON d.id = m.device_id"
)
_ORDER = " ORDER BY m.received_at DESC, m.id DESC"


def _where(f: Filters, dialect: str) -> tuple[str, list[Any]]:
    given, given_args = equal((
        ("m.device_id", f.device_id), ("m.user_id", f.user_id), ("m.client_id", f.client_id),
        ("m.status", f.status), ("m.error", f.error), ("m.name", f.name),
        (mutation_order_expr(dialect), f.order_id),
    ))  # fmt: skip
    dated, dated_args = between("m.received_at", f.received_from, f.received_to)
    where = [*given, *dated]
    return (" WHERE " + " AND ".join(where)) if where else "", [*given_args, *dated_args]


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
    after = decode_cursor(cursor, Cursor, of="mutations") if cursor else None

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
        names = await refs(conn, rows)
        return MutationPage(rows, min(total, COUNT_CAP), total > COUNT_CAP, nxt, names)

    return await db.run_read(work)


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
