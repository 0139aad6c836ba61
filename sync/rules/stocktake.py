"""stocktake.line: a product counted in an open stocktake session, offline on a handheld
(docs/warehouse.md § Stocktaking). Sessions are opened and applied online (server/warehouse)."""

from __future__ import annotations

from shared.mutations import StocktakeLine
from shared.roles import SCOPE_BY_ROLE
from sync import writer
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.outcome import APPLIED, MERGED, Outcome, missing, visible_row
from sync.rules.scans import hlc_iso


async def line(ctx: MutationContext, args: StocktakeLine) -> Outcome:
    actor = ctx.actor
    if SCOPE_BY_ROLE.get(actor.role) == "warehouse" and args.warehouse_id != actor.warehouse_id:
        raise MutationRejected("forbidden", "counts only in your own warehouse")
    existing = await ctx.tx.get("stocktake_lines", args.id)
    if existing is not None:
        if existing["session_id"] != args.session_id:
            raise MutationRejected("already_exists", f"line {args.id} is of another session")
        return MERGED
    session = await visible_row(ctx, "stocktakes", args.session_id)
    if session is None:
        return await missing(ctx, "stocktakes", args.session_id, "stocktake session")
    if session["warehouse_id"] != args.warehouse_id:
        raise MutationRejected("invalid_args", "the session counts another warehouse")
    if session["status"] != "open":
        raise MutationRejected(
            "stocktake_closed", f"stocktake {args.session_id} was applied: count in a new one"
        )
    if await visible_row(ctx, "products", args.product_id) is None:
        return await missing(ctx, "products", args.product_id, "product")
    row = {
        "id": args.id,
        "session_id": args.session_id,
        "warehouse_id": args.warehouse_id,
        "product_id": args.product_id,
        "counted": args.counted,
        "user_id": actor.user_id,
        "device_id": actor.device_id,
        "at": hlc_iso(ctx),
        "hlc": str(ctx.hlc),
    }
    await writer.insert(ctx, "stocktake_lines", row, frozenset({f"wh:{args.warehouse_id}", "all"}))
    return APPLIED
