"""Saving the review rules, and the decisions on what the rules held: each in one transaction
with its audit entry, a decision as the device's own mutation (server/admin/writes.py)."""

from __future__ import annotations

from typing import Any

import msgspec

from server.admin.review.queries import rules_out
from server.admin.review.schemas import (
    MAX_AMOUNT,
    BadAmount,
    BadField,
    OrderDecision,
    RedemptionDecision,
    Rules,
    RulesIn,
)
from server.admin.writes import Refused, apply_as
from server.db.sync_store import SqlSyncStore
from server.errors import BadRequest, NotFound
from sync.context import Actor, Policy, now_iso
from sync.pull import wire_row
from sync.rules.review import REQUIRABLE, RULES


def _params(kind: str, rule: Any) -> tuple[bool, dict[str, Any]]:
    """A rule as stored: whether it is on, and its parameters (checked)."""
    if kind == "abnormal_amount":
        if not 0 < rule.amount <= MAX_AMOUNT:
            raise BadAmount(f"abnormal_amount.amount must be 1 … {MAX_AMOUNT} (minor units)")
        return rule.enabled, {"amount": rule.amount}
    if kind == "required_fields":
        unknown = [f for f in rule.fields if f not in REQUIRABLE]
        if unknown:
            raise BadField(f"cannot require {', '.join(map(repr, unknown))}; one of "
                           f"{', '.join(REQUIRABLE)}")  # fmt: skip
        return rule.enabled, {"fields": [f for f in REQUIRABLE if f in rule.fields]}
    return rule.enabled, {}


async def save_rules(store: SqlSyncStore, actor: Actor, data: RulesIn) -> Rules:
    changes = {k: _params(k, getattr(data, k)) for k in RULES
               if getattr(data, k) is not msgspec.UNSET}  # fmt: skip
    if not changes:
        raise BadRequest("name at least one rule to change")
    async with store.write() as tx:
        rows = await tx.get_many("review_rules", list(RULES))
        now = now_iso()
        for kind, (enabled, params) in changes.items():
            fields = {"enabled": enabled, "params": msgspec.json.encode(params).decode(),
                      "updated_at": now, "updated_by": actor.user_id}  # fmt: skip
            if kind in rows:
                await tx.update("review_rules", kind, fields)
            else:
                await tx.insert("review_rules", {"id": kind, **fields})
            rows[kind] = {"id": kind, **fields}
        tx.audit("review.rules", ", ".join(sorted(changes)),
                 {k: {"enabled": e, **p} for k, (e, p) in changes.items()}, actor.user_id)  # fmt: skip
        return rules_out(rows)


async def decide_order(
    store: SqlSyncStore, policy: Policy, actor: Actor, order_id: str, data: OrderDecision
) -> dict[str, Any]:
    """Release an order on hold (→ confirmed) or cancel it; the order as a device pulls it."""
    to = "confirmed" if data.decision == "release" else "cancelled"
    note = (data.note or "").strip() or None
    async with store.write() as tx:
        order = await tx.get("orders", order_id)
        if order is None or order["deleted"]:
            raise NotFound(f"no order {order_id}")
        if order["status"] != "on_hold":
            raise Refused("not_on_hold", f"order {order['number']} is {order['status']}, "
                          "not on hold")  # fmt: skip
        args = {"id": order_id, "from": "on_hold", "to": to, "reason": note}
        await apply_as(tx, actor, "order.transition", args, policy)
        tx.audit(f"review.order.{data.decision}", order_id,
                 {"number": order["number"], "to": to, "note": note}, actor.user_id)  # fmt: skip
        after = await tx.get("orders", order_id)
    assert after is not None
    return wire_row("orders", after)


async def decide_redemption(
    store: SqlSyncStore, policy: Policy, actor: Actor, redemption_id: str, data: RedemptionDecision
) -> dict[str, Any]:
    """Approve or refuse a redemption pending review; the redemption as a device pulls it."""
    async with store.write() as tx:
        r = await tx.get("redemptions", redemption_id)
        if r is None or r["deleted"]:
            raise NotFound(f"no redemption {redemption_id}")
        args = {"id": redemption_id, "approve": data.approve, "reason": data.reason}
        await apply_as(tx, actor, "redemption.review", args, policy)
        tx.audit("review.redemption." + ("approve" if data.approve else "refuse"), redemption_id,
                 {"order_id": r["order_id"], "reason": data.reason}, actor.user_id)  # fmt: skip
        after = await tx.get("redemptions", redemption_id)
    assert after is not None
    return wire_row("redemptions", after)
