"""What the orders endpoints take and answer, and the errors they give (codes unchanged)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from server.errors import BadRequest, Conflict, NotFound
from shared.mutations import Date, Discount, Id, Money, Priority, Qty, Text, Version

PRIORITIES = ("high", "normal", "low")


class BadStatus(BadRequest):
    code = "invalid_status"


class BadPriority(BadRequest):
    code = "invalid_priority"


class BadDate(BadRequest):
    code = "invalid_date"


class BadSort(BadRequest):
    """A sort, direction or group-by the list does not offer."""

    code = "invalid_sort"


class UnknownWarehouse(NotFound):  # users.manage answers it too (a user's warehouse)
    code = "unknown_warehouse"


class UnknownUser(NotFound):
    code = "unknown_user"


class UserDisabled(BadRequest):
    code = "user_disabled"


class WrongWarehouse(Conflict):
    code = "wrong_warehouse"


class OrderLocked(Conflict):
    code = "order_locked"


# ---- the list -----------------------------------------------------------------------------------


class OrderRow(msgspec.Struct):
    id: str
    number: str
    customer_id: str
    customer_name: str | None
    owner_id: str
    owner_name: str | None
    status: str
    priority: str
    due_date: str | None
    overdue: bool
    warehouse_id: str | None
    warehouse_code: str | None
    assignee_id: str | None
    assignee_name: str | None
    channel: str
    total: int
    created_at: str
    updated_at: str


class Group(msgspec.Struct):
    """One group of a grouped list: its key (an id or a value; ``None``: not set), what the
    console shows for it, and how many of the matches it holds."""

    key: str | None
    label: str | None
    count: int


class OrderPage(msgspec.Struct):
    rows: list[OrderRow]
    total: int  # every match, up to listing.COUNT_CAP
    total_capped: bool  # there are more than ``total``
    next: str | None  # the cursor of the next page (keyset paging only)
    page: int | None = None  # the page number (numbered paging: ?page= / ?sort= / ?group=)
    groups: list[Group] | None = None  # with ?group=: every group of the matches, in list order


class Sorting(msgspec.Struct, frozen=True):
    """A numbered page of the list: sorted by ``sort`` (a key of ``queries.SORTS``) in
    ``direction``, grouped by ``group`` (a key of ``queries.GROUPS``) first when given."""

    sort: str = "created_at"
    direction: str = "desc"
    page: int = 1
    group: str | None = None


class Filters(msgspec.Struct, frozen=True):
    q: str | None = None
    statuses: tuple[str, ...] = ()
    priority: str | None = None
    overdue: bool = False
    warehouse_id: str | None = None
    owner_id: str | None = None
    assignee_id: str | None = None
    channel: str | None = None
    synced_from: str | None = None
    synced_to: str | None = None
    created_from: str | None = None
    created_to: str | None = None


# ---- the detail ---------------------------------------------------------------------------------


class Line(msgspec.Struct):
    id: str
    product_id: str
    sku: str | None
    name: str | None
    qty: int
    unit_price: int
    discount_bp: int  # hundredths of a percent off the line
    amount: int  # the line's net: qty × unit price less its discount


class Payment(msgspec.Struct):
    id: str
    method: str
    amount: int
    status: str
    created_at: str


class Customer(msgspec.Struct):
    id: str
    name: str
    phone: str | None
    address: str | None
    region: str | None
    credit_limit: int | None


class Entry(msgspec.Struct):
    """One thing that happened to an order, in its timeline."""

    at: str
    kind: str  # status | mutation | scan | redemption | conflict | settled | qr | admin
    summary: str  # what: a status step "a → b", a mutation's name, a scan's action, …
    outcome: str | None  # how it ended: applied / rejected (code) / a scan's result / …
    user_id: str | None
    who: str | None  # the user's name ("review" for the review rules)
    device_code: str | None
    detail: str | None  # a reason, an error message, an amount


class OrderDetail(msgspec.Struct):
    order: OrderRow
    version: int
    notes: str | None
    delivery_address: str | None
    discount_bp: int  # the order's discount, hundredths of a percent off its lines' net sum
    customer: Customer | None
    lines: list[Line]
    payments: list[Payment]
    timeline: list[Entry]  # oldest first
    timeline_truncated: bool  # a source had more than TIMELINE_LIMIT entries: the oldest left out


# ---- assigning ----------------------------------------------------------------------------------


class Assign(msgspec.Struct, forbid_unknown_fields=True):
    """What to set; an absent field is left alone, ``null`` clears it."""

    warehouse_id: Id | None | msgspec.UnsetType = msgspec.UNSET
    assignee_id: Id | None | msgspec.UnsetType = msgspec.UNSET


# ---- the console's order form -------------------------------------------------------------------


class LineIn(msgspec.Struct, forbid_unknown_fields=True):
    product_id: Id
    qty: Qty
    unit_price: Money  # minor units (fen): the form takes yuan
    discount_bp: Discount = 0


class OrderIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new order as the console's form sends it: ``order.create``'s fields and bounds
    (shared/mutations.py); the server gives its id, number and the lines' ids."""

    customer_id: Id
    lines: Annotated[list[LineIn], msgspec.Meta(min_length=1, max_length=500)]
    status: Literal["submitted", "draft"] = "draft"
    priority: Priority = "normal"
    due_date: Date | None = None
    notes: Text | None = None
    delivery_address: Text | None = None
    warehouse_id: Id | None = None


class OrderEdit(msgspec.Struct, forbid_unknown_fields=True):
    """The fields of an order the console's form edits (``order.update``'s ``set``), from the
    version it read; an absent field is left alone, ``null`` clears it."""

    base_version: Version
    customer_id: Id | msgspec.UnsetType = msgspec.UNSET
    priority: Priority | msgspec.UnsetType = msgspec.UNSET
    due_date: Date | None | msgspec.UnsetType = msgspec.UNSET
    notes: Text | None | msgspec.UnsetType = msgspec.UNSET
    delivery_address: Text | None | msgspec.UnsetType = msgspec.UNSET


ORDER_EDIT_FIELDS = tuple(f for f in OrderEdit.__struct_fields__ if f != "base_version")


class LineEdit(msgspec.Struct, forbid_unknown_fields=True):
    """A line set (added or changed) from the order's version read: ``order.line.upsert``."""

    base_version: Version
    product_id: Id
    qty: Qty
    unit_price: Money
    discount_bp: Discount = 0
