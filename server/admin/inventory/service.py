"""The inventory's writes, through the sync engine: products and warehouses with ``put_rows``
(the catalog bucket, so every device pulls them), adjustments and receipts as the ``stock.move``
rule a device's mutation runs (sync/rules/stock.py), so levels and the ledger stay one truth.
And whose warehouse a warehouse user may list."""

from __future__ import annotations

from typing import Any

import msgspec

from server.admin.inventory import queries
from server.admin.inventory.schemas import (
    Adjust,
    Adjusted,
    CodeTaken,
    ProductChange,
    ProductIn,
    ProductRow,
    SkuTaken,
    WarehouseChange,
    WarehouseIn,
    WarehouseRow,
)
from server.db.sql import Database, is_unique_violation
from server.db.sync_store import SqlSyncStore
from server.errors import AppError, BadRequest, Forbidden, NotFound
from shared.roles import SCOPE_BY_ROLE
from sync.context import Actor
from sync.direct import apply_mutation, put_rows
from sync.errors import MutationRejected
from sync.ids import uuid7
from sync.store import WriteTx

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


def _warehouse_fields(values: dict) -> dict:
    out = dict(values)
    if "code" in out:
        out["code"] = _text("code", out["code"], 16)
    if "name" in out:
        out["name"] = _text("name", out["name"], 200)
    if "address" in out:
        out["address"] = _optional("address", out["address"], 2000)
    return out


# ---- products and warehouses -------------------------------------------------------------------


async def _put(store: SqlSyncStore, db: Database, actor: Actor, table: str, row: dict,
               unique: str, taken: type[AppError]) -> None:  # fmt: skip
    """``put_rows`` of one row, with a taken unique ``unique`` (sku, code) as ``taken``."""
    other = (
        await queries.holder(db, table, unique, row[unique], row["id"]) if unique in row else None
    )
    if other is not None:
        raise taken(f"{unique} {row[unique]!r} belongs to {other}")
    try:
        await put_rows(store, actor, table, [row])  # versioned, audited, pulled by devices
    except Exception as e:
        if is_unique_violation(e):  # taken between the check and the write
            raise taken(f"{unique} {row[unique]!r} is taken") from None
        raise


async def _create(store: SqlSyncStore, db: Database, actor: Actor, table: str, row: dict,
                  unique: str, taken: type[AppError]) -> None:  # fmt: skip
    if await queries.exists(db, table, row["id"]):
        raise BadRequest(f"a {table[:-1]} {row['id']} exists already: change it instead")
    await _put(store, db, actor, table, row, unique, taken)


def _given(change: msgspec.Struct) -> dict[str, Any]:
    return {k: v for k, v in msgspec.structs.asdict(change).items() if v is not msgspec.UNSET}


async def create_product(
    store: SqlSyncStore, db: Database, actor: Actor, new: ProductIn
) -> ProductRow:
    row = {**_product_fields(msgspec.structs.asdict(new)), "id": _id(new.id)}
    await _create(store, db, actor, "products", row, "sku", SkuTaken)
    return await queries.product(db, row["id"])


async def change_product(
    store: SqlSyncStore, db: Database, actor: Actor, product_id: str, change: ProductChange
) -> ProductRow:
    await queries.product(db, product_id)  # 404 first
    if fields := _given(change):
        row = {"id": product_id, **_product_fields(fields)}
        await _put(store, db, actor, "products", row, "sku", SkuTaken)
    return await queries.product(db, product_id)


async def create_warehouse(
    store: SqlSyncStore, db: Database, actor: Actor, new: WarehouseIn
) -> WarehouseRow:
    row = {**_warehouse_fields(msgspec.structs.asdict(new)), "id": _id(new.id)}
    await _create(store, db, actor, "warehouses", row, "code", CodeTaken)
    return await queries.warehouse(db, row["id"])


async def change_warehouse(
    store: SqlSyncStore, db: Database, actor: Actor, warehouse_id: str, change: WarehouseChange
) -> WarehouseRow:
    await queries.warehouse(db, warehouse_id)
    if fields := _given(change):
        row = {"id": warehouse_id, **_warehouse_fields(fields)}
        await _put(store, db, actor, "warehouses", row, "code", CodeTaken)
    return await queries.warehouse(db, warehouse_id)


# ---- adjustments -------------------------------------------------------------------------------


async def adjust(store: SqlSyncStore, db: Database, actor: Actor, data: Adjust) -> Adjusted:
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
    move = await queries.move(db, move_id)
    if move is None or (move["product_id"], move["warehouse_id"]) != (
        data.product_id, data.warehouse_id):  # fmt: skip
        raise BadRequest(f"move {move_id} exists already for another product or warehouse")
    level = await queries.level(db, data.warehouse_id, data.product_id)
    return Adjusted(move, level, status, conflict_id)


# ---- who sees which warehouse ----------------------------------------------------------------


def warehouse_scope(actor: Actor, asked: str | None) -> str | None:
    """The warehouse a stock-move or stocktake list may show ``actor``: a warehouse user sees
    their own warehouse only, as their devices do (its ``wh:`` bucket), whatever they ask; any
    other role sees the warehouse asked for, or all."""
    if SCOPE_BY_ROLE.get(actor.role) != "warehouse":
        return asked
    if not actor.warehouse_id or (asked and asked != actor.warehouse_id):
        raise Forbidden(f"a {actor.role} user sees their own warehouse's moves and stocktakes only")
    return actor.warehouse_id
