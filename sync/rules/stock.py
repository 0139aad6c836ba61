"""stock.move: deltas on a counter, always applied; a level going negative raises an alert."""

from __future__ import annotations

from shared.mutations import StockMove
from shared.roles import SCOPE_BY_ROLE
from sync import buckets as bk
from sync import writer
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.ids import stock_level_id
from sync.outcome import APPLIED, MERGED, Outcome, conflict, missing, visible_row


async def move(ctx: MutationContext, args: StockMove) -> Outcome:
    actor = ctx.actor
    if SCOPE_BY_ROLE.get(actor.role) == "warehouse" and args.warehouse_id != actor.warehouse_id:
        raise MutationRejected("forbidden", "stock moves only in your own warehouse")
    if await ctx.tx.get("stock_moves", args.id) is not None:
        return MERGED  # the same move again: counted once
    if await visible_row(ctx, "products", args.product_id) is None:
        return await missing(ctx, "products", args.product_id, "product")
    if await visible_row(ctx, "warehouses", args.warehouse_id) is None:
        return await missing(ctx, "warehouses", args.warehouse_id, "warehouse")

    row = {
        "id": args.id,
        "product_id": args.product_id,
        "warehouse_id": args.warehouse_id,
        "delta": args.delta,
        "reason": args.reason,
        "ref": args.ref,
        "created_at": ctx.now,
        "created_by": actor.user_id,
    }
    await writer.insert(ctx, "stock_moves", row, bk.for_stock_move(row))
    level_id = stock_level_id(args.warehouse_id, args.product_id)
    level = await ctx.tx.get("stock_levels", level_id)
    if level is None:
        level = {
            "id": level_id,
            "product_id": args.product_id,
            "warehouse_id": args.warehouse_id,
            "on_hand": args.delta,
            "reserved": 0,
        }
        await writer.insert(ctx, "stock_levels", level, bk.for_stock_level(level))
    else:
        # With its buckets: a level written before stock levels joined the catalog moves in.
        level = await writer.update(
            ctx,
            "stock_levels",
            level,
            {"on_hand": level["on_hand"] + args.delta},
            bk.for_stock_level(level),
        )
    if level["on_hand"] < 0:
        cid = await conflict(
            ctx,
            kind="negative_stock",
            severity="low",
            table="stock_levels",
            row_id=level_id,
            field="on_hand",
            server_value=level["on_hand"],
            client_value=args.delta,
            reason="stock went below zero: count it, or look for a missing receipt",
        )
        return Outcome("applied", cid)
    return APPLIED
