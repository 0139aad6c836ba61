"""HTTP for redemption leases and stocktakes (docs/warehouse.md)."""

from __future__ import annotations

from litestar import Controller, delete, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.auth.principal import Principal, needs
from server.state import AppState
from server.warehouse import service
from server.warehouse.service import LeaseIn, LeasesOut


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
