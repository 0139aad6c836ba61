"""A logged mutation as the list answers it, the names a page carries, and the filters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

Status = Literal["applied", "merged", "conflict", "rejected", "duplicate"]


class MutationRow(msgspec.Struct):
    id: int
    client_id: str
    mutation_id: int
    name: str
    status: str
    error: str | None
    message: str | None
    conflict_id: str | None
    received_at: str
    user_id: str
    user_name: str | None
    device_id: str | None
    device_code: str | None
    order_id: str | None  # the order the mutation is about (made, changed, paid, …)
    args: Any  # the arguments as sent, decoded; money in minor units


class ProductRef(msgspec.Struct):
    sku: str
    name: str


class OrderRef(msgspec.Struct):
    number: str
    customer_id: str
    customer_name: str | None


class Refs(msgspec.Struct):
    """Names of what a page's arguments name by id (what the server has; an id it lacks is
    left out: a refused order.create may name a product deleted since)."""

    products: dict[str, ProductRef]
    customers: dict[str, str]
    orders: dict[str, OrderRef]
    warehouses: dict[str, str]  # id → code
    users: dict[str, str]  # id → name (an order.update's assignee)


class MutationPage(msgspec.Struct):
    rows: list[MutationRow]
    total: int  # every match, up to COUNT_CAP
    total_capped: bool
    next: str | None  # the cursor of the next page
    refs: Refs


class Filters(msgspec.Struct, frozen=True):
    device_id: str | None = None
    user_id: str | None = None
    client_id: str | None = None
    status: str | None = None
    error: str | None = None
    name: str | None = None
    order_id: str | None = None
    received_from: str | None = None
    received_to: str | None = None


class Cursor(msgspec.Struct, array_like=True):
    """The sort key of a page's last row: the next page starts after it."""

    received_at: Annotated[str, msgspec.Meta(pattern=r"^[0-9T:.+Z-]{1,40}$")]
    id: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
