"""The mutation catalog v1: the name and argument shape of every intent a client may push.

Money is in integer minor units, quantities in integer units, ids are UUIDv7 text.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from shared.states import STATUSES

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Text = Annotated[str, msgspec.Meta(max_length=2000)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Qty = Annotated[int, msgspec.Meta(gt=0, le=1_000_000)]
Money = Annotated[int, msgspec.Meta(ge=0, le=10**12)]
# A discount in hundredths of a percent (basis points): 1250 is 12.5 % off. A percentage, as a
# sales app's line discount is, so the catalog alone bounds it (0–100 %) and a line's or an
# order's discount can never exceed what it discounts; ``net`` says what it leaves.
Discount = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
# ASCII digits and exactly 10 characters: Python's \d takes any Unicode digit ("２０２５-…") and
# its $ takes a final newline, which the database's varchar(10) then refused (tests/vectors/
# validation.json holds both).
Date = Annotated[
    str, msgspec.Meta(min_length=10, max_length=10, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
]
# An id a QR token carries as 16 bytes (docs/qr.md): a UUID in its canonical lower-case text, or no
# token could ever match it.
Uuid = Annotated[
    str,
    msgspec.Meta(
        min_length=36,
        max_length=36,
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    ),
]
# A row version the client saw; bounded like mutation ids (a larger one failed the lookup in the
# database: SQLite and PostgreSQL hold 64 bits).
Version = Annotated[int, msgspec.Meta(ge=0, le=2**62)]
Priority = Literal["high", "normal", "low"]
# An order status of the state machine (shared/states.py); the rule refused others as invalid_args
# after decoding, where the PWA could not see it.
Status = Literal[STATUSES]  # type: ignore[valid-type]


class Args(msgspec.Struct, forbid_unknown_fields=True):
    """Base of every mutation's arguments: unknown fields are an error, not ignored."""


class Line(msgspec.Struct, forbid_unknown_fields=True):
    id: Id
    product_id: Id
    qty: Qty
    unit_price: Money
    discount_bp: Discount = 0


class CustomerUpsert(Args):
    id: Id
    name: Name
    phone: Text | None = None
    address: Text | None = None
    region: Text | None = None
    base_version: Version | None = None


class OrderCreate(Args):
    id: Id
    number: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    customer_id: Id
    lines: Annotated[list[Line], msgspec.Meta(max_length=500)]
    status: Literal["submitted", "draft"] = "submitted"
    priority: Priority = "normal"
    due_date: Date | None = None
    notes: Text | None = None
    delivery_address: Text | None = None
    warehouse_id: Id | None = None
    channel: Annotated[str, msgspec.Meta(max_length=40)] = "field"
    discount_bp: Discount = 0  # off the lines' net sum: the order's discount


class OrderSet(msgspec.Struct, forbid_unknown_fields=True):
    """The fields ``order.update`` may set; absent fields are left alone."""

    customer_id: Id | msgspec.UnsetType = msgspec.UNSET
    priority: Priority | msgspec.UnsetType = msgspec.UNSET
    due_date: Date | None | msgspec.UnsetType = msgspec.UNSET
    notes: Text | None | msgspec.UnsetType = msgspec.UNSET
    delivery_address: Text | None | msgspec.UnsetType = msgspec.UNSET
    warehouse_id: Id | None | msgspec.UnsetType = msgspec.UNSET
    assignee_id: Id | None | msgspec.UnsetType = msgspec.UNSET
    discount_bp: Discount | msgspec.UnsetType = msgspec.UNSET


# The one list of what ``order.update`` may set (the rule, conflict write-back, the PWA through
# the exported vocabulary): the fields of ``OrderSet``, never typed a second time.
ORDER_UPDATE_FIELDS: tuple[str, ...] = OrderSet.__struct_fields__


class OrderUpdate(Args):
    """``set`` is checked as an ``OrderSet`` by the rule (see ``NESTED``), not here: it stays a
    plain object at decoding so the rule can name what was wrong with it."""

    id: Id
    base_version: Version
    set: dict[str, Any]


class OrderLineUpsert(Args):
    order_id: Id
    base_version: Version
    line: Line


class OrderLineRemove(Args):
    order_id: Id
    base_version: Version
    line_id: Id


class OrderTransition(Args, rename={"from_": "from"}):
    id: Id
    from_: Status
    to: Status
    reason: Text | None = None


StockReason = Literal["receive", "pick", "ship", "adjust", "count", "return"]


class StockMove(Args):
    id: Id
    product_id: Id
    warehouse_id: Id
    delta: Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)]
    reason: StockReason
    ref: Text | None = None


class PaymentRecord(Args):
    id: Id
    order_id: Id
    method: Literal["cash", "card", "transfer", "wallet", "credit"]
    amount: Annotated[int, msgspec.Meta(ge=-(10**12), le=10**12)]
    status: Literal["pending", "paid", "failed", "refunded"] = "paid"


class CustomerSet(msgspec.Struct, forbid_unknown_fields=True):
    """The customer fields a conflict resolution may write, typed as ``customer.upsert`` types
    them."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    phone: Text | None | msgspec.UnsetType = msgspec.UNSET
    address: Text | None | msgspec.UnsetType = msgspec.UNSET
    region: Text | None | msgspec.UnsetType = msgspec.UNSET


Resolution = Literal["server", "client", "custom", "admin"]


class ConflictResolve(Args):
    """Settle a conflict: keep the server's value, take the client's, write a custom one, or
    leave it to an admin (``referred``). ``value`` is for ``custom`` only (``null`` clears); it
    is checked against the conflict's field as ``OrderSet``/``CustomerSet`` types it (the rule
    knows the field, the catalog does not)."""

    id: Id
    resolution: Resolution
    value: Any | msgspec.UnsetType = msgspec.UNSET


class QrIssue(Args):
    """Record an order QR token the device signed with its own key (an order made offline),
    right after its ``order.create`` (docs/qr.md): earlier tokens of the order are revoked."""

    order_id: Uuid
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=400)]


ScanAction = Literal["view", "pick", "pack", "ship", "return", "redeem", "count"]
# The device's own verdict: stored as sent, never judged (docs/warehouse.md § Scans). Known
# values: valid, forged, revoked, unknown, unknown_order, duplicate, wrong_item, ok, and the
# reasons of shared/qr.py verify (malformed, tampered, …).
ScanResult = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class ScanRecord(Args):
    """What a device saw when it scanned a code: an append-only ``scans`` row."""

    id: Id
    action: ScanAction
    result: ScanResult
    code: Annotated[str, msgspec.Meta(max_length=400)] | None = None
    order_id: Id | None = None
    product_id: Id | None = None
    warehouse_id: Id | None = None


class QrRedeem(Args):
    """Redeem (核销) an order with its scanned QR token (docs/warehouse.md § Redemption)."""

    id: Id
    order_id: Uuid
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=400)]


class RedemptionReview(Args):
    """Approve or refuse a redemption waiting for review (``pending_review``)."""

    id: Id
    approve: bool
    reason: Text | None = None


class StocktakeLine(Args):
    """A product counted in an open stocktake session (the latest line per product counts)."""

    id: Id
    session_id: Id
    warehouse_id: Id
    product_id: Id
    counted: Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)]


CATALOG: dict[str, type[Args]] = {
    "customer.upsert": CustomerUpsert,
    "order.create": OrderCreate,
    "order.update": OrderUpdate,
    "order.line.upsert": OrderLineUpsert,
    "order.line.remove": OrderLineRemove,
    "order.transition": OrderTransition,
    "stock.move": StockMove,
    "payment.record": PaymentRecord,
    "conflict.resolve": ConflictResolve,
    "qr.issue": QrIssue,
    "scan.record": ScanRecord,
    "qr.redeem": QrRedeem,
    "redemption.review": RedemptionReview,
    "stocktake.line": StocktakeLine,
}

# The most an order may total, in minor units (10¹³.00 in major units). Lines alone allow 500 ×
# 10⁶ × 10¹² — past the 64 bits of the databases' totals (an order of ten such lines failed the
# push as internal_error) and past the 2⁵³ a browser's numbers hold exactly. Checked by ``check``
# for order.create and by the line rule for an order's later lines; the PWA reads it from the
# vocabulary (``order_total_max``).
ORDER_TOTAL_MAX = 10**15


def order_total(lines: list[Line]) -> int:
    """The lines' gross sum: the bound ``ORDER_TOTAL_MAX`` holds it (discounts only lower it)."""
    return sum(line.qty * line.unit_price for line in lines)


def net(amount: int, discount_bp: int) -> int:
    """``amount`` (minor units) less ``discount_bp`` hundredths of a percent, rounded half up to
    the fen: net(1000, 1250) = 875. The PWA's core/totals.js computes the same."""
    return (2 * amount * (10_000 - discount_bp) + 10_000) // 20_000


def line_net(qty: int, unit_price: int, discount_bp: int = 0) -> int:
    return net(qty * unit_price, discount_bp)


def order_net(lines: list[tuple[int, int, int]], discount_bp: int = 0) -> int:
    """An order's total: each line's net (qty, unit price, discount), summed, less the order's
    discount."""
    return net(sum(line_net(*line) for line in lines), discount_bp)


# Values the catalog's Struct leaves open that a rule checks before it reads anything: the name
# of the mutation → its field → the Struct the field must convert into, naming at least one of
# its fields. Exported with the catalog (shared/export.py), so the PWA checks them too.
NESTED: dict[str, dict[str, type[msgspec.Struct]]] = {"order.update": {"set": OrderSet}}


def check(name: str, args: object) -> Args:
    """``args`` of mutation ``name`` converted into the catalog's Struct, with its ``NESTED``
    values checked as the rule checks them: what the server accepts, as one function (the
    validation vectors hold it to the push path and to the PWA's core/validate.js).

    Raises ``KeyError`` for a name not in the catalog and ``msgspec.ValidationError`` for args
    the server refuses as ``invalid_args``."""
    if _may_hold_nul(args) and (where := nul_at(args, "$")) is not None:
        # sync/push.py refuses these before decoding: PostgreSQL's text cannot hold a NUL.
        raise msgspec.ValidationError(f"text may not contain NUL characters - at `{where}`")
    typed = msgspec.convert(args, CATALOG[name])
    if isinstance(typed, OrderCreate) and order_total(typed.lines) > ORDER_TOTAL_MAX:
        raise msgspec.ValidationError(
            f"the order's total may be at most {ORDER_TOTAL_MAX} - at `$.lines`"
        )
    for field, struct in NESTED.get(name, {}).items():
        try:
            value = msgspec.convert(getattr(typed, field), struct)
        except msgspec.ValidationError as e:
            # msgspec says where from the nested value (`$.notes`): say it from the args.
            where = (
                str(e).replace("`$", f"`$.{field}") if "`$" in str(e) else f"{e} - at `$.{field}`"
            )
            raise msgspec.ValidationError(where) from None
        if all(getattr(value, f) is msgspec.UNSET for f in struct.__struct_fields__):
            raise msgspec.ValidationError(f"Object names no field to change - at `$.{field}`")
    return typed


def _may_hold_nul(args: object) -> bool:
    """False when ``args`` surely holds no NUL: JSON writes one as ``\\u0000``, so one encoding
    (a few µs) spares the walk of every value (tens of µs an order, on every push)."""
    try:
        return b"\\u0000" in msgspec.json.encode(args)
    except (TypeError, ValueError):
        return True  # not plain JSON values: walk them


def nul_at(value: object, path: str) -> str | None:
    """Where in ``value`` a text (or a key) holds a NUL character, as ``$.lines[0].id``; or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, list):
        found = (nul_at(v, f"{path}[{i}]") for i, v in enumerate(value))
        return next((w for w in found if w is not None), None)
    if isinstance(value, dict):
        for key, v in value.items():
            if "\x00" in str(key):
                return path
            if (where := nul_at(v, f"{path}.{key}")) is not None:
                return where
    return None
