"""order.line.upsert and order.line.remove: lines are a map keyed by line id.

Adds and removes of different lines merge; concurrent edits of one line's fields conflict, and so
do an edit and a removal of the same line. Every line write re-totals (and so re-versions) the
order, which is why the order's version is a valid base for its lines.
"""

from __future__ import annotations

from shared.mutations import ORDER_TOTAL_MAX, OrderLineRemove, OrderLineUpsert, order_net
from shared.states import LINES_LOCKED
from sync import buckets as bk
from sync import writer
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.merge import check_base
from sync.outcome import APPLIED, MERGED, Outcome, conflict, missing, visible_row
from sync.rules.orders import locked, product_problem
from sync.store import Row

LINE_FIELDS = ("product_id", "qty", "unit_price", "discount_bp")


async def retotal(ctx: MutationContext, order: Row) -> None:
    lines = await ctx.tx.find("order_lines", "order_id", order["id"])
    gross = sum(line["qty"] * line["unit_price"] for line in lines if not line["deleted"])
    if gross > ORDER_TOTAL_MAX:
        # The mutation's savepoint takes back the line it wrote.
        raise MutationRejected(
            "invalid_args", f"the order's total may be at most {ORDER_TOTAL_MAX} - at `$.line`"
        )
    total = order_net(
        [(ln["qty"], ln["unit_price"], ln["discount_bp"]) for ln in lines if not ln["deleted"]],
        order["discount_bp"],
    )
    await writer.update(ctx, "orders", order, {"total": total, "updated_at": ctx.now})


async def upsert(ctx: MutationContext, args: OrderLineUpsert) -> Outcome:
    order = await visible_row(ctx, "orders", args.order_id)
    if order is None:
        return await missing(ctx, "orders", args.order_id, "order")
    check_base(order, args.base_version, "order")
    values = {f: getattr(args.line, f) for f in LINE_FIELDS}
    if order["status"] in LINES_LOCKED:
        return await locked(ctx, order, {"line": {"id": args.line.id, **values}})
    line = await ctx.tx.get("order_lines", args.line.id)
    if line is not None and line["order_id"] != order["id"]:
        raise MutationRejected("invalid_args", f"line {args.line.id} belongs to another order")
    if (line is None or line["product_id"] != values["product_id"]) and (
        problem := await product_problem(ctx, values["product_id"])
    ):
        return problem

    base = args.base_version
    if line is None:
        row = {"id": args.line.id, "order_id": order["id"], **values}
        await writer.insert(ctx, "order_lines", row, bk.decode(order["buckets"]))
        await retotal(ctx, order)
        return APPLIED
    versions = writer.field_versions(line)
    if line["deleted"]:
        if writer.written_since(versions, "deleted", base, ctx.client_id):
            cid = await conflict(
                ctx,
                kind="line_removed",
                table="order_lines",
                row_id=line["id"],
                base_version=base,
                server_value=None,
                client_value=values,
                reason="this line was removed by someone else since you saw it",
            )
            return Outcome("conflict", cid)
        await writer.update(ctx, "order_lines", line, {**values, "deleted": False})
        await retotal(ctx, order)
        return APPLIED

    # A line is one unit for conflicts: a change of its product, quantity or price stands for
    # the whole line ("5 kettles" from "2 boxes" is not qty from one person and product from
    # another), so against anyone else's change of the line since the base nothing is applied.
    current = {f: line[f] for f in LINE_FIELDS}
    theirs = [f for f in LINE_FIELDS if writer.written_since(versions, f, base, ctx.client_id)]
    if current == values:
        return MERGED if theirs else APPLIED  # already so
    if not theirs:
        line = await writer.update(
            ctx, "order_lines", line, {f: v for f, v in values.items() if current[f] != v}
        )
        await retotal(ctx, order)
        return APPLIED
    # The line as this client saw it: the base, with its own writes since. A line re-sent as
    # it saw it is no edit of its own (the same rule as every table's fields, writer.edits).
    seen = {
        f: await writer.value_at(ctx, "order_lines", line, f, base) if f in theirs else current[f]
        for f in LINE_FIELDS
    }
    if seen == values:
        return MERGED  # the other change stands
    cid = await conflict(
        ctx,
        kind="field",
        table="order_lines",
        row_id=line["id"],
        field="line",
        base_version=base,
        base_value=seen,
        server_value=current,
        client_value=values,
        reason=f"the line was changed ({', '.join(theirs)}) by someone else since you saw it",
    )
    return Outcome("conflict", cid)


async def remove(ctx: MutationContext, args: OrderLineRemove) -> Outcome:
    order = await visible_row(ctx, "orders", args.order_id)
    if order is None:
        return await missing(ctx, "orders", args.order_id, "order")
    check_base(order, args.base_version, "order")
    if order["status"] in LINES_LOCKED:
        return await locked(ctx, order, {"remove_line": args.line_id})
    line = await ctx.tx.get("order_lines", args.line_id)
    if line is None or line["order_id"] != order["id"] or line["deleted"]:
        return MERGED  # already gone: removing it again changes nothing
    versions = writer.field_versions(line)
    edited = [
        f
        for f in LINE_FIELDS
        if writer.written_since(versions, f, args.base_version, ctx.client_id)
    ]
    if edited:
        cid = await conflict(
            ctx,
            kind="line_changed",
            table="order_lines",
            row_id=line["id"],
            base_version=args.base_version,
            server_value={f: line[f] for f in LINE_FIELDS},
            client_value=None,
            reason=f"line was edited ({', '.join(edited)}) by someone else since you saw it",
        )
        return Outcome("conflict", cid)
    await writer.update(ctx, "order_lines", line, {"deleted": True})
    await retotal(ctx, order)
    return APPLIED
