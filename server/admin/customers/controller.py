"""The customers routes: each one call of ``queries`` or ``service``."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from server.admin.customers import queries, service
from server.admin.customers.schemas import (
    CreditLimitIn,
    CustomerCredit,
    CustomerDetail,
    CustomerIn,
    CustomerPage,
    NoteIn,
)
from server.auth.principal import Principal, needs
from server.state import AppState


class CustomersController(Controller):
    path = "/api/admin/customers"
    tags = ["admin"]

    @get("/", operation_id="adminCustomers",
         summary="Customers: searched, sorted, grouped (region, rep) and paged by number",
         dependencies={"me": needs("orders.read")})  # fmt: skip
    async def customers(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        q: FromQuery[str | None] = None,
        owner_id: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None,
        sort: FromQuery[str] = "name",
        direction: FromQuery[str] = "asc",
        group: FromQuery[str | None] = None,
        page: FromQuery[int] = 1,
        limit: FromQuery[int] = 50,
    ) -> CustomerPage:
        return await queries.page(app_state.db, q=q, owner_id=owner_id, region=region, sort=sort,
                                  direction=direction, group=group, page=page, limit=limit)  # fmt: skip

    @post("/", operation_id="adminCreateCustomer",
          summary="Create a customer (the customer.upsert a device sends, as the admin)",
          dependencies={"me": needs("orders.assign")})  # fmt: skip
    async def create(
        self,
        data: JSONBody[CustomerIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CustomerDetail:
        return await service.create(app_state.store, app_state.db, app_state.policy, me.actor, data)

    @get("/{customer_id:str}", operation_id="adminCustomer",
         summary="A customer with their orders and activity",
         dependencies={"me": needs("orders.read")})  # fmt: skip
    async def customer(
        self,
        customer_id: FromPath[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CustomerDetail:
        return await queries.detail(app_state.db, customer_id)

    @put("/{customer_id:str}", operation_id="adminEditCustomer",
         summary="Edit a customer from the version read (customer.upsert, as the admin)",
         dependencies={"me": needs("orders.assign")})  # fmt: skip
    async def edit(
        self,
        customer_id: FromPath[str],
        data: JSONBody[CustomerIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CustomerDetail:
        return await service.edit(
            app_state.store, app_state.db, app_state.policy, me.actor, customer_id, data
        )

    @post("/{customer_id:str}/notes", status_code=200, operation_id="adminCustomerNote",
          summary="Add a note to a customer's activity (an audit entry)",
          dependencies={"me": needs("orders.read")})  # fmt: skip
    async def note(
        self,
        customer_id: FromPath[str],
        data: JSONBody[NoteIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CustomerDetail:
        return await service.note(app_state.store, app_state.db, me.actor, customer_id, data)

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
