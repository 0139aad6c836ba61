"""Stock reservation by order status (docs/warehouse.md § Stock, reservation).

An order in its warehouse reserves its lines' quantities while it is ``confirmed``, ``picking``
or ``packed``: ``stock_levels.reserved`` is a pure function of (status, warehouse, lines). Every
mutation that can change one of them is wrapped: the reservation before and after is computed
and the difference written to the levels. Shipping turns the reservation into ``ship`` moves
(on hand − qty) through the stock machinery (a level below zero raises ``negative_stock``).
Receiving a return (→ ``returned``) puts the lines back with ``return`` moves (on hand + qty).
An order without a warehouse reserves nothing and moves nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from sync import buckets as bk
from sync import writer
from sync.context import MutationContext
from sync.ids import stock_level_id, uuid7
from sync.outcome import Outcome, conflict
from sync.store import Row

RESERVING: frozenset[str] = frozenset({"confirmed", "picking", "packed"})
Reservation = Counter  # (warehouse_id, product_id) -> qty


async def reservation(ctx: MutationContext, order_id: str) -> tuple[Row | None, Reservation]:
    order = await ctx.tx.get("orders", order_id)
    held: Reservation = Counter()
    if order is None or order["deleted"]:
        return None, held
    if order["status"] in RESERVING and order["warehouse_id"]:
        for line in await ctx.tx.find("order_lines", "order_id", order_id):
            if not line["deleted"]:
                held[(order["warehouse_id"], line["product_id"])] += line["qty"]
    return order, held


async def change_level(
    ctx: MutationContext, warehouse_id: str, product_id: str, on_hand: int = 0, reserved: int = 0
) -> Row:
    level_id = stock_level_id(warehouse_id, product_id)
    level = await ctx.tx.get("stock_levels", level_id)
    if level is None:
        level = {"id": level_id, "product_id": product_id, "warehouse_id": warehouse_id,
                 "on_hand": on_hand, "reserved": reserved}  # fmt: skip
        return await writer.insert(ctx, "stock_levels", level, bk.for_stock_level(level))
    changes = {"on_hand": level["on_hand"] + on_hand, "reserved": level["reserved"] + reserved}
    return await writer.update(ctx, "stock_levels", level, changes, bk.for_stock_level(level))


async def negative(ctx: MutationContext, level: Row, delta: int) -> str:
    return await conflict(
        ctx,
        kind="negative_stock",
        severity="low",
        table="stock_levels",
        row_id=level["id"],
        field="on_hand",
        server_value=level["on_hand"],
        client_value=delta,
        reason="stock went below zero: count it, or look for a missing receipt",
    )


async def ship_move(
    ctx: MutationContext, warehouse_id: str, product_id: str, qty: int, ref: str, release: int
) -> str | None:
    """A ``ship`` move (−qty) that also releases ``release`` reserved; a conflict id if the
    level went below zero."""
    row = {"id": uuid7(), "product_id": product_id, "warehouse_id": warehouse_id, "delta": -qty,
           "reason": "ship", "ref": ref, "created_at": ctx.now,
           "created_by": ctx.actor.user_id}  # fmt: skip
    await writer.insert(ctx, "stock_moves", row, bk.for_stock_move(row))
    level = await change_level(ctx, warehouse_id, product_id, on_hand=-qty, reserved=-release)
    return await negative(ctx, level, -qty) if level["on_hand"] < 0 else None


async def return_moves(ctx: MutationContext, order: Row) -> None:
    """The goods of a returned order back on the shelf of its warehouse: a ``return`` move
    (+qty) per product."""
    back: Counter = Counter()
    for line in await ctx.tx.find("order_lines", "order_id", order["id"]):
        if not line["deleted"]:
            back[line["product_id"]] += line["qty"]
    for product_id, qty in sorted(back.items()):
        row = {"id": uuid7(), "product_id": product_id, "warehouse_id": order["warehouse_id"],
               "delta": qty, "reason": "return", "ref": f"order:{order['number']}",
               "created_at": ctx.now, "created_by": ctx.actor.user_id}  # fmt: skip
        await writer.insert(ctx, "stock_moves", row, bk.for_stock_move(row))
        await change_level(ctx, order["warehouse_id"], product_id, on_hand=qty)


Handler = Callable[[MutationContext, Any], Awaitable[Outcome]]


def reserving(handler: Handler, order_id_of: Callable[[Any], str]) -> Handler:
    """``handler`` with the order's reservation kept in step with what it did."""

    async def run(ctx: MutationContext, args: Any) -> Outcome:
        order_id = order_id_of(args)
        before_order, before = await reservation(ctx, order_id)
        outcome = await handler(ctx, args)
        after_order, after = await reservation(ctx, order_id)
        shipped = (
            before_order is not None
            and after_order is not None
            and before_order["status"] in RESERVING
            and after_order["status"] == "shipped"
        )
        returned = (
            before_order is not None
            and after_order is not None
            and before_order["status"] != "returned"
            and after_order["status"] == "returned"
            and after_order["warehouse_id"]
        )
        if returned:
            await return_moves(ctx, after_order)
        first = None
        for key in sorted(set(before) | set(after)):
            warehouse_id, product_id = key
            diff = after[key] - before[key]
            if shipped:
                cid = await ship_move(ctx, warehouse_id, product_id, before[key],
                                      f"order:{after_order['number']}", before[key])  # fmt: skip
                first = first or cid
            elif diff:
                await change_level(ctx, warehouse_id, product_id, reserved=diff)
        if first and outcome.status in ("applied", "merged") and outcome.conflict_id is None:
            return Outcome(outcome.status, first)
        return outcome

    return run
