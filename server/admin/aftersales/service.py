"""The after-sales writes: open a case, move it, record a refund — each in one transaction of
the server's store with its audit entry. What devices must see goes through the sync engine as
the acting user's own mutations (``apply_as``): a refund is a ``payment.record`` (a new payment,
negative amount, status ``refunded``); a resolved return that takes back the whole order moves it
to ``returned`` (``order.transition``, which writes the ``return`` stock moves), and a refund
that settles a returned order moves it on to ``refunded``."""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec

from server.admin.aftersales import queries
from server.admin.aftersales.schemas import (
    CLOSED,
    GONE,
    TRANSITIONS,
    BadLines,
    BadTransition,
    CaseDetail,
    CaseIn,
    CasePatch,
    CaseRow,
    NeedsResolution,
    OrderNotFound,
    RefundIn,
    RefundTooLarge,
    ReturnLine,
    ReturnTooLarge,
)
from server.admin.writes import Refused, apply_as
from server.db.sql import Database
from server.db.sync_store import SqlSyncStore, SqlWriteTx
from server.errors import BadRequest, NotFound
from shared.money import text as money_text
from sync.context import Actor, Policy, now_iso
from sync.ids import uuid7
from sync.rules import payments as payments_rule


def _ordered(lines: list[dict[str, Any]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for line in lines:
        out[line["product_id"]] += line["qty"]
    return out


async def _order(tx: SqlWriteTx, data: CaseIn) -> dict[str, Any]:
    if data.order_id:
        order = await tx.get("orders", data.order_id)
    elif data.order_number:
        found = await tx.find("orders", "number", data.order_number.strip())
        order = found[0] if found else None
    else:
        raise BadRequest("name the order: order_id or order_number")
    if order is None or order["deleted"]:
        raise OrderNotFound(f"no order {data.order_id or data.order_number}")
    return order


async def _check_lines(tx: SqlWriteTx, order_id: str, lines: list[ReturnLine]) -> list[dict]:
    ordered = _ordered(await queries.live(tx.conn, "order_lines", order_id))
    asked: Counter[str] = Counter()
    for line in lines:
        asked[line.product_id] += line.qty
    returned = await queries.returned_by_cases(tx.conn, order_id)
    for product, qty in asked.items():
        if product not in ordered:
            raise BadLines(f"product {product} is not on the order")
        left = ordered[product] - returned[product]
        if qty > left:
            raise ReturnTooLarge(f"product {product}: {qty} to return, {left} left to return"
                                 f" ({ordered[product]} ordered)", product_id=product, left=left)  # fmt: skip
    return [{"product_id": p, "qty": q} for p, q in asked.items()]


def _no_nul(name: str, text: str) -> None:
    if (
        "\x00" in text
    ):  # PostgreSQL refuses it (server/error_responses.py text_error); SQLite would not
        raise BadRequest(f"{name}: may not contain NUL characters")


async def create(store: SqlSyncStore, actor: Actor, data: CaseIn) -> CaseRow:
    if data.kind == "return" and not data.lines:
        raise BadLines("a return names the products and quantities coming back")
    if data.kind == "complaint" and data.lines:
        raise BadLines("a complaint has no return lines; open a return")
    if not data.description.strip():
        raise BadRequest("describe the case")
    _no_nul("description", data.description)
    async with store.write() as tx:
        order = await _order(tx, data)
        lines = await _check_lines(tx, order["id"], data.lines) if data.lines else []
        seq = await queries.next_case_seq(tx.conn)
        now = now_iso()
        row = {
            "id": uuid7(), "seq": seq, "number": f"AS-{seq:06d}", "kind": data.kind,
            "order_id": order["id"], "customer_id": order["customer_id"], "status": "open",
            "category": data.category, "description": data.description.strip(),
            "resolution": None, "notes": None, "lines": msgspec.json.encode(lines).decode(),
            "refund_amount": data.refund_amount, "refunded": 0, "created_by": actor.user_id,
            "created_at": now, "updated_at": now, "resolved_by": None, "resolved_at": None,
        }  # fmt: skip
        await tx.insert("after_sales_cases", row)
        tx.audit("aftersales.create", row["id"],
                 {"number": row["number"], "kind": data.kind, "order_id": order["id"],
                  "order_number": order["number"], "category": data.category, "lines": lines,
                  "refund_amount": data.refund_amount}, actor.user_id)  # fmt: skip
        return await queries.case_row(tx.conn, row["id"])


async def _take_back(tx: SqlWriteTx, policy: Policy, actor: Actor, case: dict) -> str | None:
    """A return resolved: the order goes to ``returned`` if the goods have left and the return
    cases take back everything on it. Returns the order's new status, or None."""
    order = await tx.get("orders", case["order_id"])
    if order is None or order["status"] not in GONE:
        return None
    ordered = _ordered(await queries.live(tx.conn, "order_lines", order["id"]))
    returned = await queries.returned_by_cases(tx.conn, order["id"])
    if any(returned[p] < q for p, q in ordered.items()):
        return None  # a partial return: the warehouse books what comes back
    args = {"id": order["id"], "from": order["status"], "to": "returned",
            "reason": f"return {case['number']}"}  # fmt: skip
    await apply_as(tx, actor, "order.transition", args, policy)
    return "returned"


async def change(
    store: SqlSyncStore, policy: Policy, actor: Actor, case_id: str, data: CasePatch
) -> CaseRow:
    fields: dict[str, Any] = {}
    for name in ("resolution", "notes", "refund_amount"):
        value = getattr(data, name)
        if value is not msgspec.UNSET:
            if isinstance(value, str):
                _no_nul(name, value)
            fields[name] = value.strip() or None if isinstance(value, str) else value
    if data.status is msgspec.UNSET and not fields:
        raise BadRequest("nothing to change: status, resolution, notes or refund_amount")
    async with store.write() as tx:
        case = await tx.get("after_sales_cases", case_id)
        if case is None:
            raise NotFound(f"no after-sales case {case_id}")
        now = now_iso()
        order_status = None
        to = data.status
        if to is not msgspec.UNSET and to != case["status"]:
            if to not in TRANSITIONS[case["status"]]:
                raise BadTransition(f"case {case['number']} is {case['status']}: "
                                    f"{case['status']} → {to} is not allowed", status=case["status"])  # fmt: skip
            fields["status"] = to
            if to in CLOSED:
                if to == "resolved" and not fields.get("resolution", case["resolution"]):
                    raise NeedsResolution("say how the case was resolved (resolution)")
                fields |= {"resolved_by": actor.user_id, "resolved_at": now}
            else:
                fields |= {"resolved_by": None, "resolved_at": None}
        elif to is not msgspec.UNSET and not fields:
            raise BadTransition(f"case {case['number']} is {to} already", status=case["status"])
        fields["updated_at"] = now
        await tx.update("after_sales_cases", case_id, fields)
        if fields.get("status") == "resolved" and case["kind"] == "return":
            order_status = await _take_back(tx, policy, actor, case)
        detail = {k: v for k, v in fields.items() if k != "updated_at"}
        tx.audit("aftersales.update", case_id,
                 {"number": case["number"], "from": case["status"], **detail,
                  "order_status": order_status}, actor.user_id)  # fmt: skip
        return await queries.case_row(tx.conn, case_id)


async def refund(
    store: SqlSyncStore, db: Database, policy: Policy, actor: Actor, case_id: str, data: RefundIn
) -> CaseDetail:
    async with store.write() as tx:
        case = await tx.get("after_sales_cases", case_id)
        if case is None:
            raise NotFound(f"no after-sales case {case_id}")
        order = await tx.get("orders", case["order_id"])
        if order is None or order["deleted"]:
            raise OrderNotFound(f"the order of case {case['number']} is gone")
        paid, refunded = payments_rule.money(await queries.live(tx.conn, "payments", order["id"]))
        left = paid - refunded
        payment_id = uuid7()
        args = {"id": payment_id, "order_id": order["id"], "method": data.method,
                "amount": -data.amount, "status": "refunded"}  # fmt: skip
        try:  # the refund rules are the mutation's own (sync/rules/payments.py)
            await apply_as(tx, actor, "payment.record", args, policy)
        except Refused as e:
            if e.code != "refund_exceeds_paid":
                raise
            raise RefundTooLarge(f"order {order['number']}: {money_text(data.amount)} to refund,"
                                 f" {money_text(left)} left of {money_text(paid)} paid",
                                 refundable=left) from None  # fmt: skip
        settled = None
        if order["status"] == "returned" and data.amount == left:
            args = {"id": order["id"], "from": "returned", "to": "refunded",
                    "reason": f"refund of {case['number']}"}  # fmt: skip
            await apply_as(tx, actor, "order.transition", args, policy)
            settled = "refunded"
        await tx.update("after_sales_cases", case_id,
                        {"refunded": case["refunded"] + data.amount, "updated_at": now_iso()})  # fmt: skip
        tx.audit("aftersales.refund", case_id,
                 {"number": case["number"], "order_id": order["id"], "payment_id": payment_id,
                  "amount": data.amount, "method": data.method, "order_status": settled},
                 actor.user_id)  # fmt: skip
    return await queries.detail(db, case_id)
