"""The review routes: each handler one call of ``queries`` or ``service``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.admin.review import queries, service
from server.admin.review.schemas import OrderDecision, Queue, RedemptionDecision, Rules, RulesIn
from server.auth.principal import Principal, needs
from server.state import AppState


class ReviewController(Controller):
    path = "/api/admin"
    tags = ["admin"]

    @get("/review-rules", operation_id="adminReviewRules",
         summary="The review rules orders meet on submit",
         dependencies={"me": needs("orders.review")})  # fmt: skip
    async def get_rules(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> Rules:
        return await queries.rules(app_state.db)

    @put("/review-rules", operation_id="adminSaveReviewRules",
         summary="Change review rules (the next submitted order meets them)",
         dependencies={"me": needs("reviewrules.edit")})  # fmt: skip
    async def put_rules(
        self,
        data: JSONBody[RulesIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> Rules:
        return await service.save_rules(app_state.store, me.actor, data)

    @get("/review", operation_id="adminReviewQueue",
         summary="Orders on hold (with the reasons) and redemptions pending review, oldest first",
         dependencies={"me": needs("orders.review")})  # fmt: skip
    async def get_queue(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> Queue:
        return await queries.queue(app_state.db)

    @post("/review/orders/{order_id:str}", status_code=200, operation_id="adminReviewOrder",
          summary="Release an order on hold (→ confirmed, reserves stock) or cancel it",
          dependencies={"me": needs("orders.review")})  # fmt: skip
    async def review_order(
        self,
        order_id: FromPath[str],
        data: JSONBody[OrderDecision],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> dict[str, Any]:
        return await service.decide_order(
            app_state.store, app_state.policy, me.actor, order_id, data
        )

    @post("/review/redemptions/{redemption_id:str}", status_code=200,
          operation_id="adminReviewRedemption",
          summary="Approve or refuse a redemption pending review",
          dependencies={"me": needs("redemptions.review")})  # fmt: skip
    async def review_redemption(
        self,
        redemption_id: FromPath[str],
        data: JSONBody[RedemptionDecision],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> dict[str, Any]:
        return await service.decide_redemption(
            app_state.store, app_state.policy, me.actor, redemption_id, data
        )
