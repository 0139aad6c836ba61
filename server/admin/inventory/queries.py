"""The inventory's reads: products with their stock over every warehouse, warehouses, stock
levels with available and a state, low-stock alerts, the moves ledger and stocktake sessions —
a page at a time, or every matching row for an export.

The state of a level (available = on hand − reserved), the first that holds:
``negative`` available < 0; ``critical`` available < the product's safety stock; ``reorder``
the product has a reorder point (> 0) and available ≤ it; else ``ok``.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from server.admin.inventory.schemas import (
    ALERT_STATES,
    Alerts,
    LevelFilters,
    LevelRow,
    MoveFilters,
    MoveRow,
    Page,
    ProductFilters,
    ProductRow,
    StocktakeRow,
    WarehouseRow,
)
from server.admin.listing import check_limit, contains, cut, decode_cursor, older_than
from server.admin.period import between, check_page, equal, offset_page
from server.db.sql import Database, Row
from server.errors import NotFound
from sync.ids import stock_level_id


def _like(q: str) -> str:
    return contains(q.strip().lower())


# A product whose SKU, name or barcode contains the text (case-insensitive; ``_like``).
_PRODUCT_MATCH = (
    "(LOWER(p.sku) LIKE ? ESCAPE '\\' OR LOWER(p.name) LIKE ? ESCAPE '\\'"
    " OR LOWER(COALESCE(p.barcode, '')) LIKE ? ESCAPE '\\')"
)


def _bool(row: dict, *keys: str) -> dict:
    return {**row, **{k: bool(row[k]) for k in keys}}


# ---- products -----------------------------------------------------------------------------

_AVAILABLE = "(l.on_hand - l.reserved)"
_STATE = (
    f"CASE WHEN {_AVAILABLE} < 0 THEN 'negative'"
    f" WHEN {_AVAILABLE} < p.safety_stock THEN 'critical'"
    f" WHEN p.reorder_point > 0 AND {_AVAILABLE} <= p.reorder_point THEN 'reorder'"
    " ELSE 'ok' END"
)
_LOW = (
    f"({_AVAILABLE} < 0 OR {_AVAILABLE} < p.safety_stock"
    f" OR (p.reorder_point > 0 AND {_AVAILABLE} <= p.reorder_point))"
)

_PRODUCT_SELECT = (
    "SELECT p.id, p.sku, p.name, p.barcode, p.unit_price, p.unit, p.active, p.safety_stock,"
    " p.reorder_point, COALESCE(t.on_hand, 0) AS on_hand, COALESCE(t.reserved, 0) AS reserved,"
    " COALESCE(t.low, 0) AS low FROM products p"
    " LEFT JOIN (SELECT l.product_id, SUM(l.on_hand) AS on_hand, SUM(l.reserved) AS reserved,"
    f"  SUM(CASE WHEN {_LOW} THEN 1 ELSE 0 END) AS low"
    "  FROM stock_levels l JOIN products p ON p.id = l.product_id WHERE l.deleted = ?"
    "  GROUP BY l.product_id) t ON t.product_id = p.id"
)


def _product_where(f: ProductFilters) -> tuple[str, list[Any]]:
    where, args = ["p.deleted = ?"], [False, False]  # the join's deleted, then the products'
    if f.q and f.q.strip():
        where.append(_PRODUCT_MATCH)
        args += [_like(f.q)] * 3
    if f.active is not None:
        where.append("p.active = ?")
        args.append(f.active)
    if f.low_stock is True:
        where.append("COALESCE(t.low, 0) > 0")
    elif f.low_stock is False:
        where.append("COALESCE(t.low, 0) = 0")
    return " WHERE " + " AND ".join(where), args


def _product(r: dict) -> ProductRow:
    r = _bool(r, "active")
    on_hand, reserved = int(r.pop("on_hand")), int(r.pop("reserved"))
    return ProductRow(**{**r, "low": int(r["low"])}, on_hand=on_hand, reserved=reserved,
                      available=on_hand - reserved)  # fmt: skip


async def products(db: Database, f: ProductFilters, limit: int, offset: int) -> Page:
    check_page(limit, offset)
    where, args = _product_where(f)
    count = f"SELECT COUNT(*) FROM ({_PRODUCT_SELECT}{where}) x"
    async with db.read() as conn:
        rows, total, after = await offset_page(
            conn, (count, args), (_PRODUCT_SELECT + where + " ORDER BY p.sku", args), limit, offset
        )
    return Page([_product(r) for r in rows], total, after)


async def every_product(db: Database, f: ProductFilters) -> list[tuple]:
    where, args = _product_where(f)
    async with db.read() as conn:
        rows = await conn.fetch(_PRODUCT_SELECT + where + " ORDER BY p.sku", args)
    return [tuple(msgspec.structs.astuple(_product(r))) for r in rows]


async def product(db: Database, product_id: str) -> ProductRow:
    async with db.read() as conn:
        row = await conn.fetchrow(_PRODUCT_SELECT + " WHERE p.id = ? AND p.deleted = ?",
                                  (False, product_id, False))  # fmt: skip
    if row is None:
        raise NotFound(f"no product {product_id}")
    return _product(row)


# ---- warehouses ----------------------------------------------------------------------------

_WAREHOUSE_SELECT = (
    "SELECT w.id, w.code, w.name, w.address, COALESCE(t.products, 0) AS products,"
    " COALESCE(t.on_hand, 0) AS on_hand FROM warehouses w"
    " LEFT JOIN (SELECT warehouse_id, COUNT(*) AS products, SUM(on_hand) AS on_hand"
    "  FROM stock_levels WHERE deleted = ? GROUP BY warehouse_id) t ON t.warehouse_id = w.id"
    " WHERE w.deleted = ?"
)


def _warehouse(r: dict) -> WarehouseRow:
    return WarehouseRow(**{**r, "products": int(r["products"]), "on_hand": int(r["on_hand"])})


async def warehouses(db: Database) -> list[WarehouseRow]:
    async with db.read() as conn:
        rows = await conn.fetch(_WAREHOUSE_SELECT + " ORDER BY w.code", (False, False))
    return [_warehouse(r) for r in rows]


async def warehouse(db: Database, warehouse_id: str) -> WarehouseRow:
    async with db.read() as conn:
        row = await conn.fetchrow(_WAREHOUSE_SELECT + " AND w.id = ?",
                                  (False, False, warehouse_id))  # fmt: skip
    if row is None:
        raise NotFound(f"no warehouse {warehouse_id}")
    return _warehouse(row)


# ---- stock levels ----------------------------------------------------------------------------

_LEVEL_SELECT = (
    "SELECT l.id, l.product_id, p.sku, p.name, p.barcode, l.warehouse_id,"
    f" w.code AS warehouse_code, l.on_hand, l.reserved, {_AVAILABLE} AS available,"
    f" p.safety_stock, p.reorder_point, {_STATE} AS state"
)
_LEVEL_FROM = (
    " FROM stock_levels l JOIN products p ON p.id = l.product_id"
    " LEFT JOIN warehouses w ON w.id = l.warehouse_id"
)
_LEVEL_ORDER = " ORDER BY p.sku, w.code, l.id"


def _level_where(f: LevelFilters) -> tuple[str, list[Any]]:
    where, args = ["l.deleted = ?", "p.deleted = ?"], [False, False]
    if f.warehouse_id:
        where.append("l.warehouse_id = ?")
        args.append(f.warehouse_id)
    if f.q and f.q.strip():
        where.append(_PRODUCT_MATCH)
        args += [_like(f.q)] * 3
    if f.low:
        where.append(_LOW)
    if f.state:
        where.append(f"{_STATE} = ?")
        args.append(f.state)
    return " WHERE " + " AND ".join(where), args


def _level(r: dict) -> LevelRow:
    return LevelRow(**{**r, **{k: int(r[k]) for k in ("on_hand", "reserved", "available")}})


async def levels(db: Database, f: LevelFilters, limit: int, offset: int) -> Page:
    check_page(limit, offset)
    where, args = _level_where(f)
    count = "SELECT COUNT(*)" + _LEVEL_FROM + where
    select = _LEVEL_SELECT + _LEVEL_FROM + where + _LEVEL_ORDER
    async with db.read() as conn:
        rows, total, after = await offset_page(conn, (count, args), (select, args), limit, offset)
    return Page([_level(r) for r in rows], total, after)


async def every_level(db: Database, f: LevelFilters) -> list[tuple]:
    where, args = _level_where(f)
    async with db.read() as conn:
        return await conn.fetch_tuples(_LEVEL_SELECT + _LEVEL_FROM + where + _LEVEL_ORDER, args)


async def alerts(db: Database, warehouse_id: str | None, limit: int) -> Alerts:
    """Levels in reorder, critical or negative state, the worst first, with a count per state."""
    check_limit(limit)
    where, args = _level_where(LevelFilters(warehouse_id=warehouse_id, low=True))
    worst = (
        f" ORDER BY CASE {_STATE} WHEN 'negative' THEN 0 WHEN 'critical' THEN 1 ELSE 2 END,"
        f" {_AVAILABLE} - p.reorder_point, p.sku, l.id"
    )
    async with db.read() as conn:
        counted = await conn.fetch(
            f"SELECT {_STATE} AS state, COUNT(*) AS n"
            + _LEVEL_FROM
            + where
            + f" GROUP BY {_STATE}",
            args,
        )
        rows = await conn.fetch(_LEVEL_SELECT + _LEVEL_FROM + where + worst + " LIMIT ?",
                                (*args, limit))  # fmt: skip
    counts = dict.fromkeys(ALERT_STATES, 0) | {r["state"]: int(r["n"]) for r in counted}
    return Alerts([_level(r) for r in rows], sum(counts.values()), counts)


async def level(db: Database, warehouse_id: str, product_id: str) -> LevelRow:
    async with db.read() as conn:
        row = await conn.fetchrow(_LEVEL_SELECT + _LEVEL_FROM + " WHERE l.id = ?",
                                  (stock_level_id(warehouse_id, product_id),))  # fmt: skip
    if row is None:
        raise NotFound(f"no stock of {product_id} in {warehouse_id}")
    return _level(row)


# ---- the moves ledger ----------------------------------------------------------------------

_MOVE_SELECT = (
    "SELECT m.id, m.created_at, m.product_id, p.sku, p.name AS product_name, m.warehouse_id,"
    " w.code AS warehouse_code, m.delta, m.reason, m.ref, m.created_by,"
    " u.name AS created_by_name FROM stock_moves m"
    " LEFT JOIN products p ON p.id = m.product_id LEFT JOIN warehouses w ON w.id = m.warehouse_id"
    " LEFT JOIN users u ON u.id = m.created_by"
)
_MOVE_ORDER = " ORDER BY m.created_at DESC, m.id DESC"


def _move_where(f: MoveFilters) -> tuple[list[str], list[Any]]:
    where, args = equal((("m.product_id", f.product_id), ("m.warehouse_id", f.warehouse_id),
                         ("m.reason", f.reason), ("m.ref", f.ref)))  # fmt: skip
    where, args = ["m.deleted = ?", *where], [False, *args]
    if f.q and f.q.strip():
        where.append(_PRODUCT_MATCH)
        args += [_like(f.q)] * 3
    dated, dated_args = between("m.created_at", f.created_from, f.created_to)
    return where + dated, args + dated_args


_MOVES = "stock-moves"  # the list a moves cursor names (server/admin/listing.py)


class _MoveKey(msgspec.Struct, array_like=True):
    """A moves cursor's key: ``(created_at, id)`` of the previous page's last move."""

    created_at: Annotated[str, msgspec.Meta(pattern=r"^[0-9T:.+Z-]{1,40}$")]
    id: Annotated[str, msgspec.Meta(pattern=r"^[^\x00]{1,64}$")]


async def moves(db: Database, f: MoveFilters, limit: int, cursor: str | None) -> Page:
    """Newest first, keyset-paged on (created_at, id): a page costs the same deep in the ledger."""
    check_limit(limit)
    where, args = _move_where(f)
    joined = " LEFT JOIN products p ON p.id = m.product_id" if f.q else ""
    total_sql = f"SELECT COUNT(*) FROM stock_moves m{joined} WHERE " + " AND ".join(where)
    total_args = list(args)
    if cursor:
        after = decode_cursor(cursor, _MoveKey, of=_MOVES)
        keyset, keyset_args = older_than("m.created_at", "m.id", (after.created_at, after.id))
        where, args = [*where, keyset], [*args, *keyset_args]
    async with db.read() as conn:
        total = int(await conn.fetchval(total_sql, total_args))
        rows = await conn.fetch(_MOVE_SELECT + " WHERE " + " AND ".join(where) + _MOVE_ORDER
                                + " LIMIT ?", (*args, limit + 1))  # fmt: skip
    kept, nxt = cut(rows, limit, lambda r: (r["created_at"], r["id"]), of=_MOVES)
    return Page([MoveRow(**{**r, "delta": int(r["delta"])}) for r in kept], total, nxt)


async def every_move(db: Database, f: MoveFilters) -> list[tuple]:
    where, args = _move_where(f)
    async with db.read() as conn:
        return await conn.fetch_tuples(
            _MOVE_SELECT + " WHERE " + " AND ".join(where) + _MOVE_ORDER, args
        )


# ---- stocktake sessions ------------------------------------------------------------------

_STOCKTAKE_SELECT = (
    "SELECT s.id, s.warehouse_id, w.code AS warehouse_code, w.name AS warehouse_name, s.status,"
    " s.opened_by, o.name AS opened_by_name, s.opened_at, s.applied_by,"
    " a.name AS applied_by_name, s.applied_at, COALESCE(c.lines, 0) AS lines,"
    " COALESCE(c.products, 0) AS products FROM stocktakes s"
    " LEFT JOIN warehouses w ON w.id = s.warehouse_id LEFT JOIN users o ON o.id = s.opened_by"
    " LEFT JOIN users a ON a.id = s.applied_by"
    " LEFT JOIN (SELECT session_id, COUNT(*) AS lines, COUNT(DISTINCT product_id) AS products"
    "  FROM stocktake_lines WHERE deleted = ? GROUP BY session_id) c ON c.session_id = s.id"
)


async def stocktakes(
    db: Database, status: str | None, warehouse_id: str | None, limit: int, offset: int
) -> Page:
    """Open sessions first, then applied ones; newest first within each."""
    check_page(limit, offset)
    where, args = equal((("s.status", status), ("s.warehouse_id", warehouse_id)))
    sql_where = " WHERE " + " AND ".join(["s.deleted = ?", *where])
    args = [False, *args]
    count = "SELECT COUNT(*) FROM stocktakes s" + sql_where
    select = (
        _STOCKTAKE_SELECT + sql_where
        + " ORDER BY CASE s.status WHEN 'open' THEN 0 ELSE 1 END, s.opened_at DESC, s.id DESC"
    )  # fmt: skip
    async with db.read() as conn:
        rows, total, after = await offset_page(
            conn, (count, args), (select, [False, *args]), limit, offset
        )
    out = [StocktakeRow(**{**r, "lines": int(r["lines"]), "products": int(r["products"])})
           for r in rows]  # fmt: skip
    return Page(out, total, after)


# ---- what the writes check -------------------------------------------------------------------


async def exists(db: Database, table: str, row_id: str) -> bool:
    """Whether ``table`` (products, warehouses) has a row ``row_id``, deleted or not."""
    async with db.read() as conn:
        return bool(await conn.fetchval(f"SELECT id FROM {table} WHERE id = ?", (row_id,)))


async def holder(db: Database, table: str, unique: str, value: Any, row_id: str) -> str | None:
    """The id of another row of ``table`` whose ``unique`` column (sku, code) is ``value``."""
    async with db.read() as conn:
        return await conn.fetchval(
            f"SELECT id FROM {table} WHERE {unique} = ? AND id <> ?", (value, row_id)
        )


async def move(db: Database, move_id: str) -> Row | None:
    async with db.read() as conn:
        return await conn.fetchrow(
            "SELECT id, product_id, warehouse_id, delta, reason, ref, created_at, created_by"
            " FROM stock_moves WHERE id = ?",
            (move_id,),
        )
