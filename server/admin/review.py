"""``/api/admin/review-rules`` and ``/api/admin/review``: the rules an order meets on submit
(sync/rules/review.py applies them) and the queue of what waits for a person — orders on hold,
redemptions pending review — with the decisions on them.

A decision is the mutation a device would send (``order.transition``, ``redemption.review``)
applied as the acting admin in one transaction with its audit entry: stock is reserved on
release exactly as on a device, rows are versioned, and every device concerned pulls the change.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.auth.principal import Principal, needs
from server.db.sql import Conn
from server.state import AppState
from shared.mutations import Text
from sync.context import Actor, Policy, now_iso
from sync.direct import apply_mutation, put_rows
from sync.errors import BadRequest, Forbidden, MutationRejected, SyncError
from sync.pull import wire_row
from sync.rules.review import REQUIRABLE, RULES, rules_of
from sync.store import Row, WriteTx

MAX_AMOUNT = 10**15  # minor units
QUEUE_LIMIT = 500


class NotFound(SyncError):
    code = "not_found"
    status = 404


class Refused(SyncError):
    """The engine refused the decision (e.g. the order is no longer on hold); ``code`` is its."""

    status = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# ---- the rules --------------------------------------------------------------------------------


class AbnormalAmount(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool
    amount: int  # minor units: an order total above it is held


class CreditLimit(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool


class RequiredFields(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool
    fields: list[str]


class Rules(msgspec.Struct):
    abnormal_amount: AbnormalAmount
    credit_limit: CreditLimit
    required_fields: RequiredFields
    requirable: list[str]  # what required_fields may name
    updated_at: str | None
    updated_by: str | None


class RulesIn(msgspec.Struct, forbid_unknown_fields=True):
    """The rules to change; an absent one is left as it is."""

    abnormal_amount: AbnormalAmount | msgspec.UnsetType = msgspec.UNSET
    credit_limit: CreditLimit | msgspec.UnsetType = msgspec.UNSET
    required_fields: RequiredFields | msgspec.UnsetType = msgspec.UNSET


class BadAmount(BadRequest):
    code = "invalid_amount"


class BadField(BadRequest):
    code = "invalid_field"


def _rules_out(rows: dict[str, Row]) -> Rules:
    r = rules_of(rows)
    saved = [row for row in rows.values() if row.get("updated_at")]
    last = max(saved, key=lambda row: row["updated_at"]) if saved else None
    return Rules(
        abnormal_amount=AbnormalAmount(r["abnormal_amount"][0], r["abnormal_amount"][1]["amount"]),
        credit_limit=CreditLimit(r["credit_limit"][0]),
        required_fields=RequiredFields(
            r["required_fields"][0], list(r["required_fields"][1]["fields"])
        ),  # fmt: skip
        requirable=list(REQUIRABLE),
        updated_at=last["updated_at"] if last else None,
        updated_by=last["updated_by"] if last else None,
    )


def _params(kind: str, rule: Any) -> tuple[bool, dict[str, Any]]:
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


async def rules(app_state: AppState) -> Rules:
    async with app_state.db.read() as conn:
        rows = await conn.fetch("SELECT * FROM review_rules")
    return _rules_out({r["id"]: r for r in rows})


async def save_rules(app_state: AppState, actor: Actor, data: RulesIn) -> Rules:
    changes = {k: _params(k, getattr(data, k)) for k in RULES
               if getattr(data, k) is not msgspec.UNSET}  # fmt: skip
    if not changes:
        raise BadRequest("name at least one rule to change")
    async with app_state.store.write() as tx:
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
        return _rules_out(rows)


# ---- the queue ---------------------------------------------------------------------------------


class HeldOrder(msgspec.Struct):
    id: str
    number: str
    customer_id: str
    customer_name: str | None
    owner_id: str
    owner_name: str | None
    total: int
    since: str | None  # when it went on hold
    held_by: str | None  # "review" (the rules) or the user who put it on hold
    reasons: list[dict]  # [{"rule": ..., "detail": ..., ...}] when the rules held it
    reason: str | None


class PendingRedemption(msgspec.Struct):
    id: str
    order_id: str
    order_number: str | None
    amount: int
    user_id: str
    user_name: str | None
    device_id: str | None
    at: str
    received_at: str


class Queue(msgspec.Struct):
    orders: list[HeldOrder]
    orders_total: int
    redemptions: list[PendingRedemption]
    redemptions_total: int


def _hold_step(history_text: str | None) -> dict:
    """The latest step into on_hold of a status history."""
    history = msgspec.json.decode(history_text or "[]")
    return next((h for h in reversed(history) if h.get("to") == "on_hold"), {})


async def queue(app_state: AppState) -> Queue:
    async def work(conn: Conn) -> Queue:
        orders = await conn.fetch(
            "SELECT o.id, o.number, o.customer_id, c.name AS customer_name, o.owner_id,"
            " u.name AS owner_name, o.total, o.status_history FROM orders o"
            " LEFT JOIN customers c ON c.id = o.customer_id"
            " LEFT JOIN users u ON u.id = o.owner_id"
            " WHERE o.status = ? AND o.deleted = ? ORDER BY o.updated_at, o.id LIMIT ?",
            ("on_hold", False, QUEUE_LIMIT),
        )
        n_orders = await conn.fetchval(
            "SELECT COUNT(*) FROM orders WHERE status = ? AND deleted = ?", ("on_hold", False)
        )
        redemptions = await conn.fetch(
            "SELECT r.id, r.order_id, o.number AS order_number, r.amount, r.user_id,"
            " u.name AS user_name, r.device_id, r.at, r.received_at FROM redemptions r"
            " LEFT JOIN orders o ON o.id = r.order_id LEFT JOIN users u ON u.id = r.user_id"
            " WHERE r.status = ? AND r.deleted = ? ORDER BY r.received_at, r.id LIMIT ?",
            ("pending_review", False, QUEUE_LIMIT),
        )
        n_redemptions = await conn.fetchval(
            "SELECT COUNT(*) FROM redemptions WHERE status = ? AND deleted = ?",
            ("pending_review", False),
        )
        held = []
        for o in orders:
            step = _hold_step(o.pop("status_history"))
            held.append(HeldOrder(**o, since=step.get("at"), held_by=step.get("by"),
                                  reasons=step.get("reasons") or [],
                                  reason=step.get("reason")))  # fmt: skip
        return Queue(
            orders=held,
            orders_total=int(n_orders),
            redemptions=[PendingRedemption(**r) for r in redemptions],
            redemptions_total=int(n_redemptions),
        )

    return await app_state.db.run_read(work)


# ---- decisions ---------------------------------------------------------------------------------


class OrderDecision(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["release", "cancel"]
    note: Text | None = None


class RedemptionDecision(msgspec.Struct, forbid_unknown_fields=True):
    approve: bool
    reason: Text | None = None


async def apply_as(tx: WriteTx, actor: Actor, name: str, args: dict, policy: Policy) -> None:
    """``sync.direct.apply_mutation`` for an admin's HTTP action: a refusal or a conflict raises
    an HTTP error (and the transaction then writes nothing)."""
    try:
        outcome = await apply_mutation(tx, actor, name, args, policy=policy)
    except MutationRejected as e:
        raise (
            Forbidden(e.message) if e.code == "forbidden" else Refused(e.code, e.message)
        ) from None
    if outcome.status == "conflict":
        raise Refused("conflict", f"{name} came to a conflict ({outcome.conflict_id})")


async def decide_order(
    app_state: AppState, actor: Actor, order_id: str, data: OrderDecision
) -> dict[str, Any]:
    to = "confirmed" if data.decision == "release" else "cancelled"
    async with app_state.store.write() as tx:
        order = await tx.get("orders", order_id)
        if order is None or order["deleted"]:
            raise NotFound(f"no order {order_id}")
        if order["status"] != "on_hold":
            raise Refused("not_on_hold", f"order {order['number']} is {order['status']}, "
                          "not on hold")  # fmt: skip
        args = {"id": order_id, "from": "on_hold", "to": to, "reason": data.note}
        await apply_as(tx, actor, "order.transition", args, app_state.policy)
        tx.audit(f"review.order.{data.decision}", order_id,
                 {"number": order["number"], "to": to, "note": data.note}, actor.user_id)  # fmt: skip
        after = await tx.get("orders", order_id)
    assert after is not None
    return wire_row("orders", after)


async def decide_redemption(
    app_state: AppState, actor: Actor, redemption_id: str, data: RedemptionDecision
) -> dict[str, Any]:
    async with app_state.store.write() as tx:
        r = await tx.get("redemptions", redemption_id)
        if r is None or r["deleted"]:
            raise NotFound(f"no redemption {redemption_id}")
        args = {"id": redemption_id, "approve": data.approve, "reason": data.reason}
        await apply_as(tx, actor, "redemption.review", args, app_state.policy)
        tx.audit("review.redemption." + ("approve" if data.approve else "refuse"), redemption_id,
                 {"order_id": r["order_id"], "reason": data.reason}, actor.user_id)  # fmt: skip
        after = await tx.get("redemptions", redemption_id)
    assert after is not None
    return wire_row("redemptions", after)


# ---- customers' credit limits (what the credit_limit rule compares with) ----------------------


class CreditLimitIn(msgspec.Struct, forbid_unknown_fields=True):
    """A customer's credit limit in minor units; ``null``: no limit (the rule never holds them)."""

    credit_limit: Annotated[int, msgspec.Meta(ge=0, le=10**12)] | None


class CustomerCredit(msgspec.Struct):
    id: str
    name: str
    credit_limit: int | None


async def set_credit_limit(
    app_state: AppState, actor: Actor, customer_id: str, data: CreditLimitIn
) -> CustomerCredit:
    """Written through the sync writer (versioned, audited, pulled by the devices that hold the
    customer); the next order of theirs that reaches ``submitted`` meets it."""
    async with app_state.store.read() as rtx:
        found = await rtx.rows("customers", [customer_id])
    if not found:
        raise CustomerNotFound(f"no customer {customer_id}")
    await put_rows(app_state.store, actor, "customers",
                   [{"id": customer_id, "credit_limit": data.credit_limit}])  # fmt: skip
    return CustomerCredit(customer_id, found[0]["name"], data.credit_limit)


class CustomerNotFound(SyncError):
    code = "not_found"
    status = 404


# ---- HTTP --------------------------------------------------------------------------------------


class ReviewController(Controller):
    path = "/api/admin"
    tags = ["admin"]

    @get("/review-rules", operation_id="adminReviewRules",
         summary="The review rules orders meet on submit",
         dependencies={"me": needs("orders.review")})  # fmt: skip
    async def get_rules(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> Rules:
        return await rules(app_state)

    @put("/review-rules", operation_id="adminSaveReviewRules",
         summary="Change review rules (the next submitted order meets them)",
         dependencies={"me": needs("reviewrules.edit")})  # fmt: skip
    async def put_rules(
        self,
        data: JSONBody[RulesIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> Rules:
        return await save_rules(app_state, me.actor, data)

    @put("/customers/{customer_id:str}/credit-limit", operation_id="adminCustomerCreditLimit",
         summary="Set or clear a customer's credit limit (the credit_limit review rule uses it)",
         dependencies={"me": needs("reviewrules.edit")})  # fmt: skip
    async def put_credit_limit(
        self,
        customer_id: FromPath[str],
        data: JSONBody[CreditLimitIn],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> CustomerCredit:
        return await set_credit_limit(app_state, me.actor, customer_id, data)

    @get("/review", operation_id="adminReviewQueue",
         summary="Orders on hold (with the reasons) and redemptions pending review, oldest first",
         dependencies={"me": needs("orders.review")})  # fmt: skip
    async def get_queue(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> Queue:
        return await queue(app_state)

    @post("/review/orders/{order_id:str}", status_code=200, operation_id="adminReviewOrder",
          summary="Release an order on hold (→ confirmed, reserves stock) or cancel it",
          dependencies={"me": needs("orders.review")})  # fmt: skip
    async def review_order(
        self,
        order_id: FromPath[str],
        data: JSONBody[OrderDecision],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> dict[str, Any]:
        return await decide_order(app_state, me.actor, order_id, data)

    @post("/review/redemptions/{redemption_id:str}", status_code=200,
          operation_id="adminReviewRedemption",
          summary="Approve or refuse a redemption pending review",
          dependencies={"me": needs("redemptions.review")})  # fmt: skip
    async def review_redemption(
        self,
        redemption_id: FromPath[str],
        data: JSONBody[RedemptionDecision],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> dict[str, Any]:
        return await decide_redemption(app_state, me.actor, redemption_id, data)
