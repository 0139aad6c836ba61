"""What the after-sales endpoints take and answer, the moves a case may make, and the errors."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from server.errors import BadRequest, Conflict, NotFound

Kind = Literal["complaint", "return"]
Status = Literal["open", "in_progress", "resolved", "rejected"]
Category = Literal["damaged", "wrong_item", "late", "missing", "quality", "other"]
Method = Literal["cash", "card", "transfer", "wallet", "credit"]

# from -> the statuses a case may move to; a closed case may be reopened.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "resolved", "rejected"}),
    "in_progress": frozenset({"resolved", "rejected"}),
    "resolved": frozenset({"in_progress"}),
    "rejected": frozenset({"in_progress"}),
}
CLOSED = frozenset({"resolved", "rejected"})
# An order whose goods have left: a return may move it to ``returned``.
GONE = frozenset({"shipped", "delivered", "completed"})
MAX_MONEY = 10**12  # minor units, as payment.record


class OrderNotFound(NotFound):
    code = "order_not_found"


class BadTransition(Conflict):
    code = "bad_transition"


class ReturnTooLarge(Conflict):
    code = "return_exceeds_ordered"


class RefundTooLarge(Conflict):
    code = "refund_exceeds_paid"


class BadLines(BadRequest):
    code = "invalid_lines"


class NeedsResolution(BadRequest):
    code = "resolution_required"


# ---- shapes ------------------------------------------------------------------------------------

Qty = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Money = Annotated[int, msgspec.Meta(ge=0, le=MAX_MONEY)]
Description = Annotated[str, msgspec.Meta(max_length=4000)]


class ReturnLine(msgspec.Struct, forbid_unknown_fields=True):
    product_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    qty: Qty


class CaseIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new case: the order by id or by number."""

    kind: Kind
    category: Category
    description: Description
    order_id: str | None = None
    order_number: str | None = None
    lines: Annotated[list[ReturnLine], msgspec.Meta(max_length=500)] = []
    refund_amount: Money | None = None


class CasePatch(msgspec.Struct, forbid_unknown_fields=True):
    status: Status | msgspec.UnsetType = msgspec.UNSET
    resolution: Description | None | msgspec.UnsetType = msgspec.UNSET
    notes: Description | None | msgspec.UnsetType = msgspec.UNSET
    refund_amount: Money | None | msgspec.UnsetType = msgspec.UNSET


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: Annotated[int, msgspec.Meta(ge=1, le=MAX_MONEY)]
    method: Method


class CaseRow(msgspec.Struct):
    id: str
    number: str
    kind: str
    status: str
    category: str
    order_id: str
    order_number: str | None
    order_status: str | None
    customer_id: str
    customer_name: str | None
    description: str
    resolution: str | None
    notes: str | None
    lines: list[dict]
    refund_amount: int | None
    refunded: int
    created_by: str
    created_by_name: str | None
    created_at: str
    updated_at: str
    resolved_by: str | None
    resolved_at: str | None


class CasePage(msgspec.Struct):
    rows: list[CaseRow]
    total: int
    next: int | None  # the offset of the next page


class OrderLineOut(msgspec.Struct):
    product_id: str
    product_name: str | None
    qty: int
    unit_price: int
    returned: int  # by return cases not rejected, this one included


class PaymentOut(msgspec.Struct):
    id: str
    method: str
    amount: int
    status: str
    created_at: str


class CaseOrder(msgspec.Struct):
    id: str
    number: str
    status: str
    total: int
    lines: list[OrderLineOut]
    payments: list[PaymentOut]
    paid: int
    refunded: int
    refundable: int


class CaseDetail(msgspec.Struct):
    case: CaseRow
    order: CaseOrder


class Filters(msgspec.Struct, frozen=True):
    kind: str | None = None
    status: str | None = None
    order_number: str | None = None
    customer_id: str | None = None
    created_from: str | None = None
    created_to: str | None = None


# The export's columns, in the order queries._EXPORT selects them (the return lines last).
EXPORT_COLUMNS = [f for f in CaseRow.__struct_fields__ if f != "lines"] + ["lines"]
