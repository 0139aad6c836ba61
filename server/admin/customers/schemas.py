"""What the customers endpoints take and answer: a credit limit, the list, a customer with its
orders and activity, the console's create/edit, a note."""

from __future__ import annotations

from typing import Annotated

import msgspec

from server.admin.orders.schemas import Entry
from shared.mutations import Name, Text, Version


class CreditLimitIn(msgspec.Struct, forbid_unknown_fields=True):
    """A customer's credit limit in minor units; ``null``: no limit (the rule never holds them)."""

    credit_limit: Annotated[int, msgspec.Meta(ge=0, le=10**12)] | None


class CustomerCredit(msgspec.Struct):
    id: str
    name: str
    credit_limit: int | None


# ---- the list, a customer, the console's writes -------------------------------------------------


class CustomerRow(msgspec.Struct):
    id: str
    name: str
    phone: str | None
    address: str | None
    region: str | None
    owner_id: str
    owner_name: str | None
    credit_limit: int | None
    orders: int  # how many orders they have (not deleted)
    created_at: str
    version: int


class CustomerGroup(msgspec.Struct):
    key: str | None
    label: str | None
    count: int


class CustomerPage(msgspec.Struct):
    rows: list[CustomerRow]
    total: int
    page: int
    groups: list[CustomerGroup] | None = None


class CustomerOrder(msgspec.Struct):
    """One of a customer's orders, as their page lists them."""

    id: str
    number: str
    status: str
    total: int
    due_date: str | None
    created_at: str


class CustomerDetail(msgspec.Struct):
    customer: CustomerRow
    orders: list[CustomerOrder]  # newest first, at most ORDERS_SHOWN
    activity: list[Entry]  # oldest first: their customer.upsert mutations, admins' actions, notes


class CustomerIn(msgspec.Struct, forbid_unknown_fields=True):
    """A customer as the console creates or edits it: the fields of ``customer.upsert`` (its
    bounds: shared/mutations.py). An edit sends ``base_version``, the version it was read at."""

    name: Name
    phone: Text | None = None
    address: Text | None = None
    region: Text | None = None
    base_version: Version | None = None


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    """A note on a record: an entry of the append-only audit log (docs/admin.md § Notes)."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
