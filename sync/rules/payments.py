"""payment.record: a payment is created once; later only its status may move.

The money rules live here, so the sync path and the console's refund (server/admin/aftersales/,
through ``sync.direct``) obey the same ones (docs/protocol.md § Payments):

- a **refund** — a negative amount, or the status ``refunded`` (set, or taken away) — needs the
  ``refunds.record`` permission (``forbidden``);
- nothing may leave an order refunded beyond what was paid (``refund_exceeds_paid``);
- only the user who recorded a payment, or a holder of ``refunds.record``, may change its status
  (``forbidden``);
- a payment taken on a ``cancelled`` order is recorded, and a ``payment`` conflict asks a person
  to refund it or reopen the order.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.money import text as money_text
from shared.mutations import PaymentRecord
from shared.roles import has_permission
from sync import buckets as bk
from sync import writer
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.outcome import APPLIED, MERGED, Outcome, conflict, missing, visible_row
from sync.store import Row

REFUND_PERMISSION = "refunds.record"
# Statuses in which money was (or is about to be) taken: on a cancelled order, a person must act.
TAKEN: frozenset[str] = frozenset({"paid", "pending"})


def money(payments: Iterable[Row]) -> tuple[int, int]:
    """(paid, refunded) of an order's live payments. Paid: positive payments that went through
    (``paid``, or ``refunded`` afterwards); refunded: negative ``refunded`` payments (what the
    console records) plus positive payments marked ``refunded``."""
    paid = refunded = 0
    for p in payments:
        if p.get("deleted"):
            continue
        if p["amount"] > 0 and p["status"] in ("paid", "refunded"):
            paid += p["amount"]
        if p["status"] == "refunded":
            refunded += abs(p["amount"])
    return paid, refunded


def is_refund(amount: int, status: str) -> bool:
    return amount < 0 or status == "refunded"


async def recorder(ctx: MutationContext, payment: Row) -> str | None:
    """The user who recorded ``payment``: the user of the client that wrote its amount (which
    never changes after). None for a payment written on the server (the console's refunds)."""
    client_id = writer.field_versions(payment).get("amount", (0, ""))[1]
    if client_id and client_id == ctx.client_id:
        return ctx.actor.user_id
    state = await ctx.tx.client(client_id) if client_id and client_id != "server" else None
    return state.user_id if state is not None else None


async def check_refunds(ctx: MutationContext, order: Row, before: Row | None, after: Row) -> None:
    """The refund rules for writing ``after`` over ``before`` (None: a new payment)."""
    refund = is_refund(after["amount"], after["status"]) or (
        before is not None and before["status"] == "refunded"
    )
    if refund and not has_permission(ctx.actor.role, REFUND_PERMISSION):
        raise MutationRejected(
            "forbidden",
            f"a {ctx.actor.role} may not record refunds (a negative amount or the status "
            "refunded): finance, a manager or an admin does",
        )
    others = [p for p in await ctx.tx.find("payments", "order_id", order["id"])
              if p["id"] != after["id"]]  # fmt: skip
    paid0, refunded0 = money([*others, *([before] if before else [])])
    paid1, refunded1 = money([*others, after])
    if refunded1 > paid1 and refunded1 - paid1 > refunded0 - paid0:
        left = max(paid0 - refunded0, 0)
        raise MutationRejected(
            "refund_exceeds_paid",
            f"order {order['number']}: refunds would come to {money_text(refunded1)} of "
            f"{money_text(paid1)} paid ({money_text(left)} left to refund)",
        )


async def cancelled_notice(ctx: MutationContext, order: Row, payment: Row) -> str | None:
    """A ``payment`` conflict when money is taken on a cancelled order; else None."""
    if order["status"] != "cancelled" or payment["amount"] <= 0 or payment["status"] not in TAKEN:
        return None
    return await conflict(
        ctx,
        kind="payment",
        table="payments",
        row_id=payment["id"],
        server_value={"order_status": "cancelled"},
        client_value={k: payment[k] for k in ("method", "amount", "status")},
        reason=(
            f"order {order['number']} is cancelled: this payment was recorded; refund it or "
            "reopen the order"
        ),
    )


async def record(ctx: MutationContext, args: PaymentRecord) -> Outcome:
    order = await visible_row(ctx, "orders", args.order_id)
    if order is None:
        return await missing(ctx, "orders", args.order_id, "order")
    values = {"method": args.method, "amount": args.amount, "status": args.status}
    existing = await ctx.tx.get("payments", args.id)
    if existing is None:
        row = {"id": args.id, "order_id": order["id"], **values, "created_at": ctx.made_at}
        await check_refunds(ctx, order, None, row)
        await writer.insert(ctx, "payments", row, bk.decode(order["buckets"]))
        cid = await cancelled_notice(ctx, order, row)
        return Outcome("applied", cid) if cid else APPLIED
    if existing["order_id"] != order["id"]:
        raise MutationRejected("invalid_args", f"payment {args.id} belongs to another order")
    changed = {k: v for k, v in values.items() if existing[k] != v}
    if not changed:
        return MERGED
    if set(changed) - {"status"}:
        cid = await conflict(
            ctx,
            kind="payment",
            table="payments",
            row_id=args.id,
            server_value={k: existing[k] for k in changed},
            client_value=changed,
            reason="a recorded payment's method or amount cannot change; record another",
        )
        return Outcome("conflict", cid)
    if not has_permission(ctx.actor.role, REFUND_PERMISSION) and (
        await recorder(ctx, existing) != ctx.actor.user_id
    ):
        raise MutationRejected(
            "forbidden", "only whoever recorded a payment (or finance) may change its status"
        )
    after = {**existing, **changed}
    await check_refunds(ctx, order, existing, after)
    await writer.update(ctx, "payments", existing, changed)
    taken = existing["status"] not in TAKEN and (cid := await cancelled_notice(ctx, order, after))
    return Outcome("applied", cid) if taken else APPLIED
