"""order.transition through the state machine of ``shared.states``."""

from __future__ import annotations

import msgspec

from shared.mutations import OrderTransition
from shared.states import STATUSES, can_transition, role_may_transition
from sync import writer
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.outcome import APPLIED, MERGED, Outcome, conflict, missing, visible_row
from sync.rules import review
from sync.rules.orders import save_order


async def transition(ctx: MutationContext, args: OrderTransition) -> Outcome:
    for status in (args.from_, args.to):
        if status not in STATUSES:
            raise MutationRejected("invalid_args", f"unknown status {status!r}")
    if not role_may_transition(ctx.actor.role, args.to):
        raise MutationRejected("forbidden", f"a {ctx.actor.role} may not move orders to {args.to}")
    order = await visible_row(ctx, "orders", args.id)
    if order is None:
        return await missing(ctx, "orders", args.id, "order")
    current = order["status"]
    if current == args.to:
        return MERGED  # the same transition twice is a no-op
    if current == "on_hold" and args.to == "cancelled" and not (args.reason or "").strip():
        # A held order was stopped by a review rule and waits for a person: cancelling it is a
        # decision its rep and the customer are owed the why of (the review queue, a phone, the
        # API alike).
        raise MutationRejected(
            "reason_required", f"say why order {order['number']} is cancelled (reason)"
        )
    if not can_transition(current, args.to):
        cid = await conflict(
            ctx,
            kind="transition",
            table="orders",
            row_id=order["id"],
            field="status",
            base_value=args.from_,
            server_value=current,
            client_value=args.to,
            reason=f"order {order['number']} is {current}: {current} → {args.to} is not allowed",
        )
        return Outcome("conflict", cid)
    history = msgspec.json.decode(order["status_history"] or "[]")
    history.append(
        {
            "from": current,
            "to": args.to,
            "at": ctx.now,
            "by": ctx.actor.user_id,
            "hlc": str(ctx.hlc),
            "reason": args.reason,
        }
    )
    status = args.to
    if status == "submitted" and (why := await review.reasons(ctx, order)):
        # Failed a review rule: on hold for a person, in the same write.
        history.append(review.hold_step(ctx, why))
        status = "on_hold"
    await save_order(
        ctx,
        order,
        {"status": status, "status_history": writer.dumps(history), "updated_at": ctx.now},
    )
    # Applied on a different status than the client saw: still allowed, so merged.
    return APPLIED if current == args.from_ else MERGED
