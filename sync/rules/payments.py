"""payment.record: a payment is created once; later only its status may move."""

from __future__ import annotations

from shared.mutations import PaymentRecord
from sync import buckets as bk
from sync import writer
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.outcome import APPLIED, MERGED, Outcome, conflict, missing, visible_row


async def record(ctx: MutationContext, args: PaymentRecord) -> Outcome:
    order = await visible_row(ctx, "orders", args.order_id)
    if order is None:
        return await missing(ctx, "orders", args.order_id, "order")
    values = {"method": args.method, "amount": args.amount, "status": args.status}
    existing = await ctx.tx.get("payments", args.id)
    if existing is None:
        row = {"id": args.id, "order_id": order["id"], **values, "created_at": ctx.now}
        await writer.insert(ctx, "payments", row, bk.decode(order["buckets"]))
        return APPLIED
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
    await writer.update(ctx, "payments", existing, changed)
    return APPLIED
