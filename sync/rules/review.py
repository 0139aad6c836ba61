"""Review rules an order meets when it reaches ``submitted`` (docs/admin.md § Review).

The rules live in the server-only ``review_rules`` table, one row per rule (``id`` = its kind,
``enabled``, JSON ``params``); a missing row means the rule's default. An order that fails one
goes on to ``on_hold`` in the same transaction, with a status-history entry by ``review`` naming
each failed rule, and waits for a person (release → confirmed, or cancel). Devices predict
``submitted`` and learn ``on_hold`` on their next pull: the optimistic view is not changed.
"""

from __future__ import annotations

from typing import Any

import msgspec

from sync.context import MutationContext
from sync.store import Row

RULES: tuple[str, ...] = ("abnormal_amount", "credit_limit", "required_fields")
# What ``required_fields`` may ask for: order fields, and the customer's phone and address.
REQUIRABLE: tuple[str, ...] = (
    "delivery_address",
    "due_date",
    "warehouse_id",
    "customer_phone",
    "customer_address",
)
# Defaults (no row saved yet): nothing a normal order meets is held. The abnormal amount is off
# (its limit is a company's own figure; 1,000,000.00 is offered when it is switched on); the
# credit limit is on, and holds only customers who have a ``credit_limit``; no field is required.
DEFAULTS: dict[str, tuple[bool, dict[str, Any]]] = {
    "abnormal_amount": (False, {"amount": 100_000_000}),
    "credit_limit": (True, {}),
    "required_fields": (True, {"fields": []}),
}
# An order counts against its customer's credit while it is open: submitted and not yet closed.
CLOSED: frozenset[str] = frozenset({"draft", "cancelled", "completed", "refunded"})


def rules_of(rows: dict[str, Row]) -> dict[str, tuple[bool, dict[str, Any]]]:
    """Each rule's (enabled, params): the saved row, else the default."""
    out: dict[str, tuple[bool, dict[str, Any]]] = {}
    for kind in RULES:
        enabled, params = DEFAULTS[kind]
        row = rows.get(kind)
        if row is not None:
            enabled = bool(row["enabled"])
            params = {**params, **msgspec.json.decode(row["params"] or "{}")}
        out[kind] = (enabled, params)
    return out


def _missing(order: Row, customer: Row | None, fields: list[str]) -> list[str]:
    values = {
        "customer_phone": (customer or {}).get("phone"),
        "customer_address": (customer or {}).get("address"),
    }
    missing = []
    for name in fields:
        value = values[name] if name in values else order.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return missing


async def reasons(ctx: MutationContext, order: Row) -> list[Row]:
    """Why ``order`` (as it is about to be submitted) must wait for a person; empty if not."""
    rules = rules_of(await ctx.tx.get_many("review_rules", list(RULES)))
    customer = await ctx.tx.get("customers", order["customer_id"])
    out: list[Row] = []

    enabled, params = rules["abnormal_amount"]
    if enabled and order["total"] > params["amount"]:
        out.append({"rule": "abnormal_amount", "total": order["total"], "limit": params["amount"],
                    "detail": f"total {order['total']} is above {params['amount']}"})  # fmt: skip

    enabled, _ = rules["credit_limit"]
    limit = (customer or {}).get("credit_limit")
    if enabled and limit is not None:
        others = await ctx.tx.find("orders", "customer_id", order["customer_id"])
        open_total = order["total"] + sum(
            o["total"]
            for o in others
            if o["id"] != order["id"] and not o["deleted"] and o["status"] not in CLOSED
        )
        if open_total > limit:
            out.append({"rule": "credit_limit", "open_total": open_total, "limit": limit,
                        "detail": f"open orders {open_total} exceed the credit limit {limit}"})  # fmt: skip

    enabled, params = rules["required_fields"]
    if enabled and (missing := _missing(order, customer, params["fields"])):
        out.append({"rule": "required_fields", "missing": missing,
                    "detail": f"missing: {', '.join(missing)}"})  # fmt: skip
    return out


def hold_step(ctx: MutationContext, why: list[Row]) -> Row:
    """The status-history entry of an order the review rules put on hold."""
    return {
        "from": "submitted",
        "to": "on_hold",
        "at": ctx.now,
        "by": "review",
        "hlc": str(ctx.hlc),
        "reason": "; ".join(r["detail"] for r in why),
        "reasons": why,
    }
