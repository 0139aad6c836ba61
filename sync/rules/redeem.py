"""qr.redeem and redemption.review (docs/warehouse.md § Redemption).

A handheld redeems (核销) an order by scanning its QR code. The rules, in order: the token
verifies and is the order's current one; the order is visible; no standing redemption (else a
high-severity ``double_redemption`` conflict, under another device's lease too); no live lease of
another device (``leased``); the status is redeemable; the order is paid in full. A redemption
recorded after another device's was refused for a lease raises the conflict too: that device
redeemed offline, the goods may have gone out twice. Above the review amount the redemption waits
for a manager (``pending_review``), who approves or refuses it with ``redemption.review``.
"""

from __future__ import annotations

import msgspec

from shared.mutations import QrRedeem, RedemptionReview
from shared.roles import has_permission
from shared.states import REDEEMABLE
from sync import buckets as bk
from sync import writer
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.outcome import APPLIED, MERGED, Outcome, conflict, missing, visible_row
from sync.rules.qr import decoded, require_order_uuid, verified
from sync.rules.scans import hlc_iso
from sync.store import Row

# A redemption that stands: the order counts as redeemed (a refused one does not).
STANDING: frozenset[str] = frozenset({"completed", "pending_review"})


def _summary(r: Row) -> Row:
    keys = ("id", "order_id", "token_id", "device_id", "user_id", "client_id", "at", "status")
    return {k: r.get(k) for k in keys}


async def current_token(ctx: MutationContext, text: str, order_id: str) -> str:
    """The token id of ``text`` if it verifies and is the order's current token; else
    ``invalid_token`` with the reason first (``revoked_token: … (reissued)`` for a replaced
    code, ``wrong_order``, ``not_current`` for a token the server never recorded)."""
    token, claims = decoded(text)
    verdict, _ = await verified(ctx, token, claims)
    record = await ctx.tx.get("qr_tokens", claims.token_id)
    if not verdict.ok:
        why = f" ({record['reason']})" if verdict.reason == "revoked_token" and record else ""
        raise MutationRejected("invalid_token", f"{verdict.reason}: the token does not verify{why}")
    if claims.order_id != order_id:
        raise MutationRejected("invalid_token", "wrong_order: the token is for another order")
    if record is None:
        raise MutationRejected(
            "invalid_token", "not_current: no such code was ever issued for this order"
        )
    if record["revoked"]:
        raise MutationRejected(
            "invalid_token", f"revoked_token: replaced by a newer code ({record['reason']})"
        )
    return claims.token_id


async def live_lease_of_another(ctx: MutationContext, order_id: str) -> Row | None:
    """A live (not released, not expired) lease of the order held by another device."""
    for lease in await ctx.tx.find("redemption_leases", "order_id", order_id):
        if lease["deleted"] or lease["released"] or lease["expires_at"] <= ctx.now:
            continue
        if lease["device_id"] != ctx.actor.device_id:
            return lease
    return None


async def paid(ctx: MutationContext, order: Row) -> int:
    payments = await ctx.tx.find("payments", "order_id", order["id"])
    return sum(p["amount"] for p in payments if p["status"] == "paid" and not p["deleted"])


async def redeem(ctx: MutationContext, args: QrRedeem) -> Outcome:
    require_order_uuid(args.order_id)
    existing = await ctx.tx.get("redemptions", args.id)
    if existing is not None:
        if existing["order_id"] != args.order_id:
            raise MutationRejected("already_exists", f"redemption {args.id} is of another order")
        return MERGED  # this redemption was recorded before (sent again from another client)
    token_id = await current_token(ctx, args.token, args.order_id)
    order = await visible_row(ctx, "orders", args.order_id)
    if order is None:
        return await missing(ctx, "orders", args.order_id, "order")
    lease = await live_lease_of_another(ctx, order["id"])
    late = {
        "id": args.id,
        "order_id": order["id"],
        "token_id": token_id,
        "device_id": ctx.actor.device_id,
        "user_id": ctx.actor.user_id,
        "client_id": ctx.client_id,
        "at": hlc_iso(ctx),
    }
    standing = [
        r
        for r in await ctx.tx.find("redemptions", "order_id", order["id"])
        if r["status"] in STANDING and not r["deleted"]
    ]
    if lease is not None and not standing:
        # Refused: only the leaseholder redeems. The refusal is logged; if the leaseholder
        # redeems too, that redemption raises the double_redemption conflict (below).
        raise MutationRejected(
            "leased",
            f"order {order['number']} is leased to another device ({lease['device_id']}) "
            f"until {lease['expires_at']}: only that device may redeem it",
        )
    if standing:
        # Refused for a lease or not, a second handover: a person must look (issue 14, item 3).
        first = min(standing, key=lambda r: r["version"])
        also = {f"rep:{first['user_id']}"}
        if order["warehouse_id"]:
            also.add(f"wh:{order['warehouse_id']}")
        cid = await conflict(
            ctx,
            kind="double_redemption",
            severity="high",
            table="redemptions",
            row_id=first["id"],
            field=None,
            server_value=_summary(first),
            client_value={**late, "status": None},
            reason=(
                f"order {order['number']} was already redeemed ({first['status']}) by "
                f"{first['user_id']} on device {first['device_id']} at {first['at']}: "
                "this second redemption was not recorded — hand nothing over twice"
            ),
            also=frozenset(also),
        )
        return Outcome("conflict", cid)
    if order["status"] not in REDEEMABLE:
        raise MutationRejected(
            "not_redeemable",
            f"order {order['number']} is {order['status']}; it can be redeemed when "
            f"{', '.join(sorted(REDEEMABLE))}",
        )
    received = await paid(ctx, order)
    if received < order["total"]:
        raise MutationRejected(
            "not_paid",
            f"order {order['number']} is not paid in full: {received} of {order['total']}",
        )
    review = order["total"] > ctx.policy.redeem_review_amount
    row = {
        **late,
        "received_at": ctx.now,
        "amount": order["total"],
        "status": "pending_review" if review else "completed",
        "reviewer_id": None,
        "reviewed_at": None,
        "reason": None,
    }
    await writer.insert(ctx, "redemptions", row, bk.decode(order["buckets"]))
    cid = await handed_over_before(ctx, order, row)
    return Outcome("applied", cid) if cid else APPLIED


async def handed_over_before(ctx: MutationContext, order: Row, row: Row) -> str | None:
    """A ``double_redemption`` conflict when another device's redemption of the order was
    refused for a lease (``leased``) before this one was recorded: that device redeemed
    without knowing of the lease, so the goods may have gone out twice. None if none was."""
    refused = [
        m for m in await ctx.tx.refused_redemptions(order["id"])
        if m.device_id != ctx.actor.device_id or m.user_id != ctx.actor.user_id
    ]  # fmt: skip
    if not refused:
        return None
    first = refused[0]
    args = msgspec.json.decode(first.args)
    other = {
        "id": args.get("id"), "order_id": order["id"], "token_id": None,
        "device_id": first.device_id, "user_id": first.user_id, "client_id": first.client_id,
        "at": first.received_at, "status": None,
    }  # fmt: skip
    also = {f"rep:{first.user_id}"}
    if order["warehouse_id"]:
        also.add(f"wh:{order['warehouse_id']}")
    return await conflict(
        ctx,
        kind="double_redemption",
        severity="high",
        table="redemptions",
        row_id=row["id"],
        server_value=_summary(row),
        client_value=other,
        reason=(
            f"order {order['number']} was also redeemed by {first.user_id} on device "
            f"{first.device_id} (received {first.received_at}), refused then for this "
            "device's lease: the goods may have been handed over twice"
        ),
        also=frozenset(also),
    )


async def review(ctx: MutationContext, args: RedemptionReview) -> Outcome:
    if not has_permission(ctx.actor.role, "redemptions.review"):
        raise MutationRejected("forbidden", f"a {ctx.actor.role} may not review redemptions")
    r = await visible_row(ctx, "redemptions", args.id)
    if r is None:
        raise MutationRejected("invalid_args", f"no redemption {args.id}")
    decided = "completed" if args.approve else "refused"
    if r["user_id"] == ctx.actor.user_id:
        # A review is a second person's check: whoever redeemed (admins too) may not pass it.
        raise MutationRejected(
            "forbidden", "a redemption is reviewed by a second person: you redeemed this one"
        )
    if r["reviewer_id"] is not None:
        if r["status"] == decided:
            return MERGED  # the same decision again (a second manager agreeing)
        raise MutationRejected(
            "already_reviewed",
            f"this redemption was reviewed already ({r['status']}, by {r['reviewer_id']} "
            f"at {r['reviewed_at']})",
        )
    if r["status"] != "pending_review":
        raise MutationRejected("not_pending", f"this redemption is {r['status']}: no review")
    await writer.update(
        ctx,
        "redemptions",
        r,
        {
            "status": decided,
            "reviewer_id": ctx.actor.user_id,
            "reviewed_at": ctx.now,
            "reason": args.reason,
        },  # fmt: skip
    )
    return APPLIED
