"""What the inventory endpoints take and answer (msgspec Structs with their bounds), the list
filters, the columns of the exports, and the errors."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from server.errors import Conflict

State = Literal["ok", "reorder", "critical", "negative"]
ALERT_STATES = ("reorder", "critical", "negative")


class SkuTaken(Conflict):
    code = "sku_taken"


class CodeTaken(Conflict):
    code = "code_taken"


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


# ---- list filters and export columns --------------------------------------------------------


class ProductFilters(msgspec.Struct, frozen=True):
    q: str | None = None
    active: bool | None = None
    low_stock: bool | None = None


class LevelFilters(msgspec.Struct, frozen=True):
    warehouse_id: str | None = None
    q: str | None = None
    low: bool = False
    state: str | None = None


class MoveFilters(msgspec.Struct, frozen=True):
    product_id: str | None = None
    warehouse_id: str | None = None
    reason: str | None = None
    ref: str | None = None
    created_from: str | None = None
    created_to: str | None = None
    q: str | None = None  # the product's SKU, name or barcode contains it


PRODUCT_COLUMNS = list(ProductRow.__struct_fields__)
LEVEL_COLUMNS = list(LevelRow.__struct_fields__)
MOVE_COLUMNS = list(MoveRow.__struct_fields__)
