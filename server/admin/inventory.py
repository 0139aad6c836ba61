"""The admin console's inventory (docs/admin.md § Inventory): products with their stock
settings, warehouses, stock levels with available and a state, adjustments and receipts, the
moves ledger, low-stock alerts, and the stocktake sessions.

Reads are plain SQL on the server's tables (paged on the server, or every matching row for an
export). Writes go through the sync engine: products and warehouses with ``put_rows`` (the
catalog bucket, so every device pulls them), adjustments as the ``stock.move`` rule a device's
mutation runs (sync/rules/stock.py), so levels and the ledger stay one truth.

The state of a level (available = on hand − reserved), the first that holds:
``negative`` available < 0; ``critical`` available < the product's safety stock; ``reorder``
the product has a reorder point (> 0) and available ≤ it; else ``ok``.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

import msgspec

from server.admin.period import bounds, check_page
from server.db.sql import Database, is_unique_violation
from shared.roles import SCOPE_BY_ROLE
from sync.context import Actor
from sync.direct import apply_mutation, put_rows
from sync.errors import BadRequest, Forbidden, MutationRejected, SyncError
from sync.ids import stock_level_id, uuid7
from sync.store import Store, WriteTx

State = Literal["ok", "reorder", "critical", "negative"]
ALERT_STATES = ("reorder", "critical", "negative")


class NotFound(SyncError):
    code = "not_found"
    status = 404


class SkuTaken(SyncError):
    code = "sku_taken"
    status = 409


class CodeTaken(SyncError):
    code = "code_taken"
    status = 409


# ---- wire shapes --------------------------------------------------------------------------

Count = Annotated[int, msgspec.Meta(ge=0, le=10**9)]
Money = Annotated[int, msgspec.Meta(ge=0, le=10**12)]


class ProductIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new product; ``id`` chosen by the server unless given."""

    sku: str
    name: str
    unit_price: Money = 0
    barcode: str | None = None
    unit: str = "pcs"
    active: bool = True
    safety_stock: Count = 0
    reorder_point: Count = 0
    id: str | None = None


class ProductChange(msgspec.Struct, forbid_unknown_fields=True):
    sku: str | msgspec.UnsetType = msgspec.UNSET
    name: str | msgspec.UnsetType = msgspec.UNSET
    unit_price: Money | msgspec.UnsetType = msgspec.UNSET
    barcode: str | None | msgspec.UnsetType = msgspec.UNSET
    unit: str | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET
    safety_stock: Count | msgspec.UnsetType = msgspec.UNSET
    reorder_point: Count | msgspec.UnsetType = msgspec.UNSET


class ProductRow(msgspec.Struct):
    id: str
    sku: str
    name: str
    barcode: str | None
    unit_price: int
    unit: str
    active: bool
    safety_stock: int
    reorder_point: int
    on_hand: int  # over every warehouse
    reserved: int
    available: int
    low: int  # levels of this product in reorder, critical or negative state


class WarehouseIn(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    name: str
    address: str | None = None
    id: str | None = None


class WarehouseChange(msgspec.Struct, forbid_unknown_fields=True):
    code: str | msgspec.UnsetType = msgspec.UNSET
    name: str | msgspec.UnsetType = msgspec.UNSET
    address: str | None | msgspec.UnsetType = msgspec.UNSET


class WarehouseRow(msgspec.Struct):
    id: str
    code: str
    name: str
    address: str | None
    products: int  # stock levels held
    on_hand: int


class LevelRow(msgspec.Struct):
    id: str
    product_id: str
    sku: str
    name: str
    barcode: str | None
    warehouse_id: str
    warehouse_code: str | None
    on_hand: int
    reserved: int
    available: int
    safety_stock: int
    reorder_point: int
    state: str


class Adjust(msgspec.Struct, forbid_unknown_fields=True):
    product_id: str
    warehouse_id: str
    delta: Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)]
    reason: Literal["receive", "adjust"]
    note: Annotated[str, msgspec.Meta(max_length=200)] | None = None  # the move's ref
    id: str | None = None  # the move's id: the same id again is recorded once


class Adjusted(msgspec.Struct):
    move: dict
    level: LevelRow
    status: str  # applied / merged
    conflict_id: str | None  # a negative_stock conflict when on hand went below zero


class MoveRow(msgspec.Struct):
    id: str
    created_at: str
    product_id: str
    sku: str | None
    product_name: str | None
    warehouse_id: str
    warehouse_code: str | None
    delta: int
    reason: str
    ref: str | None
    created_by: str
    created_by_name: str | None


class StocktakeRow(msgspec.Struct):
    id: str
    warehouse_id: str
    warehouse_code: str | None
    warehouse_name: str | None
    status: str
    opened_by: str
    opened_by_name: str | None
    opened_at: str
    applied_by: str | None
    applied_by_name: str | None
    applied_at: str | None
    lines: int  # count lines received
    products: int  # products counted


class Page(msgspec.Struct):
    rows: list[Any]
    total: int
    next: Any  # the offset (int) or keyset cursor (str) of the next page; null at the end


class Alerts(msgspec.Struct):
    rows: list[LevelRow]
    total: int
    counts: dict[str, int]  # per state: reorder, critical, negative


# ---- validation ------------------------------------------------------------------------------


def _text(name: str, value: str, most: int) -> str:
    value = value.strip()
    if not 1 <= len(value) <= most:
        raise BadRequest(f"{name}: 1 to {most} characters")
    if "\x00" in value:
        # PostgreSQL refuses it (server/error_responses.py text_error); SQLite would store it.
        raise BadRequest(f"{name}: may not contain NUL characters")
    return value


def _optional(name: str, value: str | None, most: int) -> str | None:
    if value is None or not value.strip():
        return None
    return _text(name, value, most)


def _id(value: str | None) -> str:
    if value is None:
        return uuid7()
    return _text("id", value, 64)


def _like(q: str) -> str:
    escaped = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
PRODUCT_COLUMNS = list(ProductRow.__struct_fields__)


class ProductFilters(msgspec.Struct, frozen=True):
    q: str | None = None
    active: bool | None = None
    low_stock: bool | None = None


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
    async with db.read() as conn:
        total = int(await conn.fetchval(
            f"SELECT COUNT(*) FROM ({_PRODUCT_SELECT}{where}) x", args))  # fmt: skip
        rows = await conn.fetch(
            _PRODUCT_SELECT + where + " ORDER BY p.sku LIMIT ? OFFSET ?", (*args, limit, offset)
        )
    more = offset + len(rows) < total
    return Page([_product(r) for r in rows], total, offset + limit if more else None)


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


def _product_fields(values: dict) -> dict:
    out = dict(values)
    if "sku" in out:
        out["sku"] = _text("sku", out["sku"], 64)
    if "name" in out:
        out["name"] = _text("name", out["name"], 200)
    if "unit" in out:
        out["unit"] = _text("unit", out["unit"], 16)
    if "barcode" in out:
        out["barcode"] = _optional("barcode", out["barcode"], 64)
    return out


async def _put(store: Store, db: Database, actor: Actor, table: str, row: dict,
               unique: str, taken: type[SyncError]) -> None:  # fmt: skip
    """``put_rows`` of one row, with a taken unique ``unique`` (sku, code) as ``taken``."""
    async with db.read() as conn:
        other = await conn.fetchval(
            f"SELECT id FROM {table} WHERE {unique} = ? AND id <> ?", (row[unique], row["id"])
        ) if unique in row else None  # fmt: skip
    if other is not None:
        raise taken(f"{unique} {row[unique]!r} belongs to {other}")
    try:
        await put_rows(store, actor, table, [row])  # versioned, audited, pulled by devices
    except Exception as e:
        if is_unique_violation(e):  # taken between the check and the write
            raise taken(f"{unique} {row[unique]!r} is taken") from None
        raise


async def create_product(store: Store, db: Database, actor: Actor, new: ProductIn) -> ProductRow:
    row = _product_fields(msgspec.structs.asdict(new))
    row["id"] = _id(new.id)
    async with db.read() as conn:
        if await conn.fetchval("SELECT id FROM products WHERE id = ?", (row["id"],)):
            raise BadRequest(f"a product {row['id']} exists already: change it instead")
    await _put(store, db, actor, "products", row, "sku", SkuTaken)
    return await product(db, row["id"])


async def change_product(
    store: Store, db: Database, actor: Actor, product_id: str, change: ProductChange
) -> ProductRow:
    await product(db, product_id)  # 404 first
    fields = {k: v for k, v in msgspec.structs.asdict(change).items() if v is not msgspec.UNSET}
    if fields:
        row = {"id": product_id, **_product_fields(fields)}
        await _put(store, db, actor, "products", row, "sku", SkuTaken)
    return await product(db, product_id)


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


def _warehouse_fields(values: dict) -> dict:
    out = dict(values)
    if "code" in out:
        out["code"] = _text("code", out["code"], 16)
    if "name" in out:
        out["name"] = _text("name", out["name"], 200)
    if "address" in out:
        out["address"] = _optional("address", out["address"], 2000)
    return out


async def create_warehouse(
    store: Store, db: Database, actor: Actor, new: WarehouseIn
) -> WarehouseRow:
    row = _warehouse_fields(msgspec.structs.asdict(new))
    row["id"] = _id(new.id)
    async with db.read() as conn:
        if await conn.fetchval("SELECT id FROM warehouses WHERE id = ?", (row["id"],)):
            raise BadRequest(f"a warehouse {row['id']} exists already: change it instead")
    await _put(store, db, actor, "warehouses", row, "code", CodeTaken)
    return await warehouse(db, row["id"])


async def change_warehouse(
    store: Store, db: Database, actor: Actor, warehouse_id: str, change: WarehouseChange
) -> WarehouseRow:
    await warehouse(db, warehouse_id)
    fields = {k: v for k, v in msgspec.structs.asdict(change).items() if v is not msgspec.UNSET}
    if fields:
        row = {"id": warehouse_id, **_warehouse_fields(fields)}
        await _put(store, db, actor, "warehouses", row, "code", CodeTaken)
    return await warehouse(db, warehouse_id)


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
LEVEL_COLUMNS = list(LevelRow.__struct_fields__)


class LevelFilters(msgspec.Struct, frozen=True):
    warehouse_id: str | None = None
    q: str | None = None
    low: bool = False
    state: str | None = None


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
    async with db.read() as conn:
        total = int(await conn.fetchval("SELECT COUNT(*)" + _LEVEL_FROM + where, args))
        rows = await conn.fetch(_LEVEL_SELECT + _LEVEL_FROM + where + _LEVEL_ORDER
                                + " LIMIT ? OFFSET ?", (*args, limit, offset))  # fmt: skip
    more = offset + len(rows) < total
    return Page([_level(r) for r in rows], total, offset + limit if more else None)


async def every_level(db: Database, f: LevelFilters) -> list[tuple]:
    where, args = _level_where(f)
    async with db.read() as conn:
        return await conn.fetch_tuples(_LEVEL_SELECT + _LEVEL_FROM + where + _LEVEL_ORDER, args)


async def alerts(db: Database, warehouse_id: str | None, limit: int) -> Alerts:
    """Levels in reorder, critical or negative state, the worst first, with a count per state."""
    check_page(limit, 0)
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


# ---- adjustments -------------------------------------------------------------------------------


async def adjust(store: Store, db: Database, actor: Actor, data: Adjust) -> Adjusted:
    """A ``receive`` (goods in, delta > 0) or ``adjust`` move, through the ``stock.move`` rule."""
    if data.delta == 0:
        raise BadRequest("delta: not 0")
    if data.reason == "receive" and data.delta < 0:
        raise BadRequest("a receipt adds stock: delta > 0 (use adjust to take stock away)")
    move_id = _id(data.id)
    note = _optional("note", data.note, 200)

    async def work(tx: WriteTx) -> tuple[str, str | None]:
        for table, row_id in (("products", data.product_id), ("warehouses", data.warehouse_id)):
            row = await tx.get(table, row_id)
            if row is None or row["deleted"]:
                raise NotFound(f"no {table[:-1]} {row_id}")
        args = {"id": move_id, "product_id": data.product_id, "warehouse_id": data.warehouse_id,
                "delta": data.delta, "reason": data.reason, "ref": note}  # fmt: skip
        try:
            outcome = await apply_mutation(tx, actor, "stock.move", args)
        except MutationRejected as e:  # what the rule refuses, as a device would be told
            raise BadRequest(f"{e.code}: {e.message}") from None
        if outcome.status == "applied":
            tx.audit(f"stock.{data.reason}", move_id, {
                "product": data.product_id, "warehouse": data.warehouse_id,
                "delta": data.delta, "note": note}, actor.user_id)  # fmt: skip
        return outcome.status, outcome.conflict_id

    status, conflict_id = await store.run_write(work)
    async with db.read() as conn:
        move = await conn.fetchrow(
            "SELECT id, product_id, warehouse_id, delta, reason, ref, created_at, created_by"
            " FROM stock_moves WHERE id = ?",
            (move_id,),
        )
    if move is None or (move["product_id"], move["warehouse_id"]) != (
        data.product_id, data.warehouse_id):  # fmt: skip
        raise BadRequest(f"move {move_id} exists already for another product or warehouse")
    return Adjusted(move, await level(db, data.warehouse_id, data.product_id), status, conflict_id)


# ---- the moves ledger ----------------------------------------------------------------------

_MOVE_SELECT = (
    "SELECT m.id, m.created_at, m.product_id, p.sku, p.name AS product_name, m.warehouse_id,"
    " w.code AS warehouse_code, m.delta, m.reason, m.ref, m.created_by,"
    " u.name AS created_by_name FROM stock_moves m"
    " LEFT JOIN products p ON p.id = m.product_id LEFT JOIN warehouses w ON w.id = m.warehouse_id"
    " LEFT JOIN users u ON u.id = m.created_by"
)
_MOVE_ORDER = " ORDER BY m.created_at DESC, m.id DESC"
MOVE_COLUMNS = list(MoveRow.__struct_fields__)


class MoveFilters(msgspec.Struct, frozen=True):
    product_id: str | None = None
    warehouse_id: str | None = None
    reason: str | None = None
    ref: str | None = None
    created_from: str | None = None
    created_to: str | None = None
    q: str | None = None  # the product's SKU, name or barcode contains it


def warehouse_scope(actor: Actor, asked: str | None) -> str | None:
    """The warehouse a stock-move or stocktake list may show ``actor``: a warehouse user sees
    their own warehouse only, as their devices do (its ``wh:`` bucket), whatever they ask; any
    other role sees the warehouse asked for, or all."""
    if SCOPE_BY_ROLE.get(actor.role) != "warehouse":
        return asked
    if not actor.warehouse_id or (asked and asked != actor.warehouse_id):
        raise Forbidden(f"a {actor.role} user sees their own warehouse's moves and stocktakes only")
    return actor.warehouse_id


def _move_where(f: MoveFilters) -> tuple[list[str], list[Any]]:
    where, args = ["m.deleted = ?"], [False]
    for column, value in (("m.product_id", f.product_id), ("m.warehouse_id", f.warehouse_id),
                          ("m.reason", f.reason), ("m.ref", f.ref)):  # fmt: skip
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    if f.q and f.q.strip():
        where.append(_PRODUCT_MATCH)
        args += [_like(f.q)] * 3
    lower, upper = bounds(f.created_from, f.created_to)
    if lower:
        where.append("m.created_at >= ?")
        args.append(lower)
    if upper:
        where.append("m.created_at < ?")
        args.append(upper)
    return where, args


def _cursor(row: dict) -> str:
    return base64.urlsafe_b64encode(f"{row['created_at']}|{row['id']}".encode()).decode()


def _uncursor(cursor: str) -> tuple[str, str]:
    try:
        at, _, move_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
    except ValueError:
        raise BadRequest("cursor: not one this server gave") from None
    if not at or not move_id:
        raise BadRequest("cursor: not one this server gave")
    return at, move_id


async def moves(db: Database, f: MoveFilters, limit: int, cursor: str | None) -> Page:
    """Newest first, keyset-paged on (created_at, id): a page costs the same deep in the ledger."""
    check_page(limit, 0)
    where, args = _move_where(f)
    joined = " LEFT JOIN products p ON p.id = m.product_id" if f.q else ""
    total_sql = f"SELECT COUNT(*) FROM stock_moves m{joined} WHERE " + " AND ".join(where)
    total_args = list(args)
    if cursor:
        at, move_id = _uncursor(cursor)
        where.append("(m.created_at < ? OR (m.created_at = ? AND m.id < ?))")
        args += [at, at, move_id]
    async with db.read() as conn:
        total = int(await conn.fetchval(total_sql, total_args))
        rows = await conn.fetch(_MOVE_SELECT + " WHERE " + " AND ".join(where) + _MOVE_ORDER
                                + " LIMIT ?", (*args, limit + 1))  # fmt: skip
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([MoveRow(**{**r, "delta": int(r["delta"])}) for r in rows], total,
                _cursor(rows[-1]) if more else None)  # fmt: skip


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
    where, args = ["s.deleted = ?"], [False]
    for column, value in (("s.status", status), ("s.warehouse_id", warehouse_id)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    sql_where = " WHERE " + " AND ".join(where)
    async with db.read() as conn:
        total = int(await conn.fetchval("SELECT COUNT(*) FROM stocktakes s" + sql_where, args))
        rows = await conn.fetch(
            _STOCKTAKE_SELECT + sql_where
            + " ORDER BY CASE s.status WHEN 'open' THEN 0 ELSE 1 END, s.opened_at DESC, s.id DESC"
            " LIMIT ? OFFSET ?",
            (False, *args, limit, offset),
        )  # fmt: skip
    more = offset + len(rows) < total
    out = [StocktakeRow(**{**r, "lines": int(r["lines"]), "products": int(r["products"])})
           for r in rows]  # fmt: skip
    return Page(out, total, offset + limit if more else None)
