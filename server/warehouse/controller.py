"""HTTP for redemption leases and stocktakes (docs/warehouse.md)."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.auth.principal import Principal, needs
from server.state import AppState
from server.warehouse import service
from server.warehouse.service import LeaseIn, LeasesOut, StocktakeIn, StocktakeOut


class LeaseController(Controller):
    path = "/api/redemption-leases"
    tags = ["warehouse"]

    @post("/", operation_id="leaseTake", status_code=201,
          summary="Redemption leases on orders for this device (all or none)",
          dependencies={"me": needs("redemptions.lease")})  # fmt: skip
    async def take(
        self, data: JSONBody[LeaseIn], me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> LeasesOut:  # fmt: skip
        return await service.take_leases(app_state.store, me.actor, data)

    @delete("/{lease_id:str}", operation_id="leaseRelease", status_code=200,
            summary="Release a redemption lease", dependencies={"me": needs("redemptions.lease")})  # fmt: skip
    async def release(
        self, lease_id: FromPath[str], me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> dict:  # fmt: skip
        return await service.release_lease(app_state.store, me.actor, lease_id)


class StocktakeController(Controller):
    path = "/api/stocktakes"
    tags = ["warehouse"]

    @post("/", operation_id="stocktakeOpen", status_code=201,
          summary="Open a stocktake session of a warehouse",
          dependencies={"me": needs("stocktakes.run")})  # fmt: skip
    async def open(
        self, data: JSONBody[StocktakeIn], me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> StocktakeOut:  # fmt: skip
        return await service.open_stocktake(app_state.store, me.actor, data)

    @get("/{session_id:str}", operation_id="stocktakeShow",
         summary="A stocktake: the latest count per product and its variance (to on hand now; as applied)",
         dependencies={"me": needs("stocktakes.run")})  # fmt: skip
    async def show(
        self, session_id: FromPath[str], me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> StocktakeOut:  # fmt: skip
        return await service.show_stocktake(app_state.store, me.actor, session_id)

    @post("/{session_id:str}/apply", operation_id="stocktakeApply", status_code=200,
          summary="Write count moves for the variances and close the session",
          dependencies={"me": needs("stocktakes.apply")})  # fmt: skip
    async def apply(
        self, session_id: FromPath[str], me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> StocktakeOut:  # fmt: skip
        return await service.apply_stocktake(app_state.store, me.actor, session_id)
