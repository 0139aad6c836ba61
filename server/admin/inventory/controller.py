"""``/api/admin`` inventory endpoints (docs/admin.md § Inventory): thin handlers over the
package's queries (reads) and service (writes). ``inventory.read`` to look, ``inventory.manage`` to change products,
warehouses and stock."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.admin.inventory import queries, service
from server.admin.inventory import schemas as inv
from server.admin.tabular import ExportFormat, export_response
from server.auth.principal import Principal, needs
from server.state import AppState

StockReason = Literal["receive", "pick", "ship", "adjust", "count", "return"]


class InventoryController(Controller):
    path = "/api/admin"
    tags = ["admin", "inventory"]

    # ---- products ------------------------------------------------------------------------

    @get("/products", operation_id="adminProducts",
         summary="Products with their stock over every warehouse: filtered, paged, or exported",
         dependencies={"me": needs("inventory.read")})  # fmt: skip
    async def products(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        q: FromQuery[str | None] = None,
        active: FromQuery[bool | None] = None,
        low_stock: FromQuery[bool | None] = None,
        limit: FromQuery[int] = 50,
        offset: FromQuery[int] = 0,
        format: FromQuery[ExportFormat | None] = None,
    ) -> Response[Any]:
        f = inv.ProductFilters(q, active, low_stock)
        if format is not None:
            rows = await queries.every_product(app_state.db, f)
            return export_response("products", format, inv.PRODUCT_COLUMNS, rows)
        return Response(await queries.products(app_state.db, f, limit, offset))

    @post("/products", status_code=201, operation_id="adminCreateProduct",
          summary="A new product (devices pull it with the catalog)",
          dependencies={"me": needs("inventory.manage")})  # fmt: skip
    async def create_product(
        self,
        data: JSONBody[inv.ProductIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> inv.ProductRow:
        return await service.create_product(app_state.store, app_state.db, me.actor, data)

    @patch("/products/{product_id:str}", operation_id="adminChangeProduct",
           summary="Change a product: name, SKU, barcode, price, unit, active, stock settings",
           dependencies={"me": needs("inventory.manage")})  # fmt: skip
    async def change_product(
        self,
        product_id: FromPath[str],
        data: JSONBody[inv.ProductChange],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> inv.ProductRow:
        return await service.change_product(
            app_state.store, app_state.db, me.actor, product_id, data
        )

    # ---- warehouses ------------------------------------------------------------------------

    @get("/warehouses", operation_id="adminWarehouses", summary="Every warehouse, by code",
         dependencies={"me": needs("inventory.read")})  # fmt: skip
    async def warehouses(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> list[inv.WarehouseRow]:
        return await queries.warehouses(app_state.db)

    @post("/warehouses", status_code=201, operation_id="adminCreateWarehouse",
          summary="A new warehouse", dependencies={"me": needs("inventory.manage")})  # fmt: skip
    async def create_warehouse(
        self,
        data: JSONBody[inv.WarehouseIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> inv.WarehouseRow:
        return await service.create_warehouse(app_state.store, app_state.db, me.actor, data)

    @patch("/warehouses/{warehouse_id:str}", operation_id="adminChangeWarehouse",
           summary="Change a warehouse's code, name or address",
           dependencies={"me": needs("inventory.manage")})  # fmt: skip
    async def change_warehouse(
        self,
        warehouse_id: FromPath[str],
        data: JSONBody[inv.WarehouseChange],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> inv.WarehouseRow:
        return await service.change_warehouse(
            app_state.store, app_state.db, me.actor, warehouse_id, data
        )

    # ---- stock -----------------------------------------------------------------------------

    @get("/stock", operation_id="adminStock",
         summary="Stock levels with available and state: filtered, paged, or exported",
         dependencies={"me": needs("inventory.read")})  # fmt: skip
    async def stock(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        warehouse_id: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
        low: FromQuery[bool] = False,
        level_state: Annotated[inv.State | None, QueryParameter(name="state")] = None,
        limit: FromQuery[int] = 50,
        offset: FromQuery[int] = 0,
        format: FromQuery[ExportFormat | None] = None,
    ) -> Response[Any]:
        f = inv.LevelFilters(warehouse_id, q, low, level_state)
        if format is not None:
            rows = await queries.every_level(app_state.db, f)
            return export_response("stock", format, inv.LEVEL_COLUMNS, rows)
        return Response(await queries.levels(app_state.db, f, limit, offset))

    @get("/stock/alerts", operation_id="adminStockAlerts",
         summary="Levels at or below their reorder point or safety stock, the worst first",
         dependencies={"me": needs("inventory.read")})  # fmt: skip
    async def alerts(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        warehouse_id: FromQuery[str | None] = None,
        limit: FromQuery[int] = 100,
    ) -> inv.Alerts:
        return await queries.alerts(app_state.db, warehouse_id, limit)

    @post("/stock/adjust", status_code=201, operation_id="adminStockAdjust",
          summary="Receive goods or adjust a level: a stock move, as a device's stock.move",
          dependencies={"me": needs("inventory.manage")})  # fmt: skip
    async def adjust(
        self,
        data: JSONBody[inv.Adjust],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> inv.Adjusted:
        return await service.adjust(app_state.store, app_state.db, me.actor, data)

    @get("/stock-moves", operation_id="adminStockMoves",
         summary="The stock moves ledger, newest first: filtered, keyset-paged, or exported",
         dependencies={"me": needs("inventory.read")})  # fmt: skip
    async def stock_moves(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        product_id: FromQuery[str | None] = None,
        warehouse_id: FromQuery[str | None] = None,
        reason: FromQuery[StockReason | None] = None,
        ref: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
        created_from: Annotated[str | None, QueryParameter(name="from")] = None,
        created_to: Annotated[str | None, QueryParameter(name="to")] = None,
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
        format: FromQuery[ExportFormat | None] = None,
    ) -> Response[Any]:
        warehouse_id = service.warehouse_scope(me.actor, warehouse_id)
        f = inv.MoveFilters(product_id, warehouse_id, reason, ref, created_from, created_to, q)
        if format is not None:
            rows = await queries.every_move(app_state.db, f)
            return export_response("stock-moves", format, inv.MOVE_COLUMNS, rows)
        return Response(await queries.moves(app_state.db, f, limit, cursor))

    @get("/stocktakes", operation_id="adminStocktakes",
         summary="Stocktake sessions: open ones first, then applied; newest first",
         dependencies={"me": needs("inventory.read")})  # fmt: skip
    async def stocktakes(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        status: FromQuery[Literal["open", "applied"] | None] = None,
        warehouse_id: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
        offset: FromQuery[int] = 0,
    ) -> Response[Any]:
        warehouse_id = service.warehouse_scope(me.actor, warehouse_id)
        return Response(await queries.stocktakes(app_state.db, status, warehouse_id, limit, offset))
