"""The mutation handlers of catalog v1, by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sync.context import MutationContext
from sync.outcome import Outcome
from sync.rules import (
    conflicts,
    customers,
    lines,
    orders,
    payments,
    qr,
    redeem,
    scans,
    stock,
    transition,
)

Handler = Callable[[MutationContext, Any], Awaitable[Outcome]]

HANDLERS: dict[str, Handler] = {
    "customer.upsert": customers.upsert,
    "order.create": orders.create,
    "order.update": orders.update,
    "order.line.upsert": lines.upsert,
    "order.line.remove": lines.remove,
    "order.transition": transition.transition,
    "stock.move": stock.move,
    "payment.record": payments.record,
    "conflict.resolve": conflicts.resolve,
    "qr.issue": qr.issue,
    "scan.record": scans.record,
    "qr.redeem": redeem.redeem,
    "redemption.review": redeem.review,
}
