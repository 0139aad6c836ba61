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
    reserve,
    scans,
    stock,
    stocktake,
    transition,
)

Handler = Callable[[MutationContext, Any], Awaitable[Outcome]]

HANDLERS: dict[str, Handler] = {
    "customer.upsert": customers.upsert,
    "order.create": orders.create,
    # Stock reserved by an order follows its status, warehouse and lines (sync.rules.reserve).
    "order.update": reserve.reserving(orders.update, lambda a: a.id),
    "order.line.upsert": reserve.reserving(lines.upsert, lambda a: a.order_id),
    "order.line.remove": reserve.reserving(lines.remove, lambda a: a.order_id),
    "order.transition": reserve.reserving(transition.transition, lambda a: a.id),
    "stock.move": stock.move,
    "payment.record": payments.record,
    "conflict.resolve": conflicts.resolve,
    "qr.issue": qr.issue,
    "scan.record": scans.record,
    "qr.redeem": redeem.redeem,
    "redemption.review": redeem.review,
    "stocktake.line": stocktake.line,
}
