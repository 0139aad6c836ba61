"""The customers route: one service call."""

from __future__ import annotations

from litestar import Controller, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.admin.customers import service
from server.admin.customers.schemas import CreditLimitIn, CustomerCredit
from server.auth.principal import Principal, needs
from server.state import AppState


class CustomersController(Controller):
    path = "/api/admin/customers"
    tags = ["admin"]

    @put("/{customer_id:str}/credit-limit", operation_id="adminCustomerCreditLimit",
         summary="Set or clear a customer's credit limit (the credit_limit review rule uses it)",
         dependencies={"me": needs("reviewrules.edit")})  # fmt: skip
    async def put_credit_limit(
        self,
        customer_id: FromPath[str],
        data: JSONBody[CreditLimitIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CustomerCredit:
        return await service.set_credit_limit(app_state.store, me.actor, customer_id, data)
