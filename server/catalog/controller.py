"""``/api/catalog``: products and prices, written through the sync engine so every device gets
them in its next pull. Only roles with ``catalog.edit`` may."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.admin.inventory.schemas import Count, Money
from server.auth.principal import Principal, needs
from server.db.sql import is_unique_violation
from server.errors import Conflict
from server.state import AppState
from sync.direct import put_rows


class SkuTaken(Conflict):
    code = "sku_taken"


class ProductIn(msgspec.Struct, forbid_unknown_fields=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    unit_price: Money  # minor units
    barcode: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    unit: Annotated[str, msgspec.Meta(max_length=16)] = "pcs"
    active: bool = True
    # The same bounds as the admin console's products: the columns are 32-bit on PostgreSQL.
    safety_stock: Count = 0
    reorder_point: Count = 0


class ProductOut(ProductIn, kw_only=True):
    id: str


class CatalogController(Controller):
    path = "/api/catalog"
    tags = ["catalog"]

    @put("/products/{product_id:str}", operation_id="catalogPutProduct",
         summary="Create or change a product and its price",
         dependencies={"me": needs("catalog.edit")})  # fmt: skip
    async def put_product(
        self,
        product_id: FromPath[str],
        data: JSONBody[ProductIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> ProductOut:
        row = {"id": product_id, **msgspec.structs.asdict(data)}
        try:
            await put_rows(app_state.store, me.actor, "products", [row])  # audited there
        except Exception as e:
            if is_unique_violation(e):
                raise SkuTaken(f"another product has the SKU {data.sku!r}") from None
            raise
        return ProductOut(id=product_id, **msgspec.structs.asdict(data))
