"""order.create and order.update."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import msgspec

from shared.mutations import (
    ORDER_UPDATE_FIELDS,
    OrderCreate,
    OrderSet,
    OrderUpdate,
    order_net,
)
from shared.states import FIELDS_LOCKED
from sync import buckets as bk
from sync import notices, writer
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.merge import check_base, merge_fields
from sync.outcome import APPLIED, MERGED, Outcome, conflict, missing, visible_row
from sync.rules import assign, review
from sync.store import Row

LWW_FIELDS = ("notes",)
LineTable = Literal["order_lines"]


def orderable(product: Row | None) -> bool:
    return product is not None and not product["deleted"] and bool(product["active"])


async def product_problem(ctx: MutationContext, product_id: str) -> Outcome | None:
    if not orderable(await ctx.tx.get("products", product_id)):
        return await missing(ctx, "products", product_id, "product")
    return None


async def create(ctx: MutationContext, args: OrderCreate) -> Outcome:
    existing = await ctx.tx.get("orders", args.id)
    if existing is not None:
        if existing["number"] == args.number and existing["owner_id"] == ctx.actor.user_id:
            return MERGED  # the same order sent again: it is already here
        raise MutationRejected("already_exists", f"order {args.id} already exists")
    if await ctx.tx.find("orders", "number", args.number):
        raise MutationRejected("number_taken", f"order number {args.number} is taken")
    line_ids = [line.id for line in args.lines]
    if len(set(line_ids)) != len(line_ids):
        raise MutationRejected("invalid_args", "line ids repeat within the order")
    if taken := await ctx.tx.get_many("order_lines", line_ids):
        raise MutationRejected("already_exists", f"order line {min(taken)} already exists")

    if await visible_row(ctx, "customers", args.customer_id) is None:
        return await missing(ctx, "customers", args.customer_id, "customer")
    product_ids = list(dict.fromkeys(line.product_id for line in args.lines))
    products = await ctx.tx.get_many("products", product_ids)
    for product_id in product_ids:
        if not orderable(products.get(product_id)):
            return await missing(ctx, "products", product_id, "product")
    if args.warehouse_id and await visible_row(ctx, "warehouses", args.warehouse_id) is None:
        return await missing(ctx, "warehouses", args.warehouse_id, "warehouse")

    order: Row = {
        "id": args.id,
        "number": args.number,
        "customer_id": args.customer_id,
        "owner_id": ctx.actor.user_id,
        "status": args.status,
        "priority": args.priority,
        "due_date": args.due_date,
        "notes": args.notes,
        "notes_hlc": str(ctx.hlc),
        "delivery_address": args.delivery_address,
        "warehouse_id": args.warehouse_id,
        "assignee_id": None,
        "channel": args.channel,
        "discount_bp": args.discount_bp,
        "total": order_net([(ln.qty, ln.unit_price, ln.discount_bp) for ln in args.lines],
                           args.discount_bp),
        "status_history": writer.dumps(
            [{"to": args.status, "at": ctx.made_at, "by": ctx.actor.user_id, "hlc": str(ctx.hlc)}]
        ),
        "created_at": ctx.made_at,
        "updated_at": ctx.now,
    }
    if args.status == "submitted" and (why := await review.reasons(ctx, order)):
        # Failed a review rule: on hold for a person, in this same write (the device learns it
        # on its next pull).
        history = [*msgspec.json.decode(order["status_history"]), review.hold_step(ctx, why)]
        order["status"], order["status_history"] = "on_hold", writer.dumps(history)
    buckets = bk.for_order(order)
    lines = [
        {
            "id": line.id,
            "order_id": args.id,
            "product_id": line.product_id,
            "qty": line.qty,
            "unit_price": line.unit_price,
            "discount_bp": line.discount_bp,
        }
        for line in args.lines
    ]
    await writer.insert_many(ctx, "order_lines", lines, buckets)
    # The order last: its version is the base clients edit its lines from, so it must not be
    # older than the lines' own field versions (else any edit by another client would conflict).
    await writer.insert(ctx, "orders", order, buckets)
    return APPLIED


async def update(ctx: MutationContext, args: OrderUpdate) -> Outcome:
    try:
        wanted = msgspec.convert(args.set, OrderSet)
    except msgspec.ValidationError as e:
        raise MutationRejected("invalid_args", f"set: {e}") from None
    changes = {
        f: getattr(wanted, f)
        for f in ORDER_UPDATE_FIELDS
        if getattr(wanted, f) is not msgspec.UNSET
    }
    if not changes:
        raise MutationRejected("invalid_args", "set names no field to change")

    order = await visible_row(ctx, "orders", args.id)
    if order is None:
        return await missing(ctx, "orders", args.id, "order")
    check_base(order, args.base_version, "order")
    # A field re-sent as it was at the base is not this client's edit (writer.edits).
    if not (changes := await writer.edits(ctx, "orders", order, changes, args.base_version)):
        return MERGED  # only others' changes since the base: they stand
    if all(order.get(f) == v for f, v in changes.items()):
        return MERGED  # already so: nothing to change, locked or not
    if order["status"] in FIELDS_LOCKED:
        return await locked(ctx, order, changes)
    if problem := await reference_problem(ctx, changes):
        return problem
    await assign.check(ctx, order, changes)

    base = args.base_version
    lww = {"notes": (order["notes_hlc"], str(ctx.hlc))}
    plan = merge_fields(
        order, writer.field_versions(order), base, changes, lww=lww, client_id=ctx.client_id
    )
    # A last-writer-wins decision between two different values: someone's notes lose.
    decided = "notes" in plan.merged and order["notes"] != changes.get("notes")
    if decided and "notes" not in plan.apply:
        # Lost last-writer-wins: the value is kept in the history, not thrown away.
        await ctx.tx.add_history(
            "orders", order["id"], "notes", writer.dumps(changes["notes"]),
            order["version"], order["version"], str(ctx.hlc), ctx.actor.by,
        )  # fmt: skip
    if plan.apply:
        apply = dict(plan.apply)
        if "notes" in apply:
            apply["notes_hlc"] = str(ctx.hlc)
        apply["updated_at"] = ctx.now
        await save_order(ctx, order, apply)
    won = "notes" in plan.apply
    notice = await notes_notice(ctx, order, changes, base, won=won) if decided else None

    first = None
    for name in plan.conflicts:
        cid = await conflict(
            ctx,
            kind="field",
            table="orders",
            row_id=order["id"],
            field=name,
            base_version=base,
            base_value=await writer.value_at(ctx, "orders", order, name, base),
            server_value=order[name],
            client_value=changes[name],
            reason=f"{name} was changed by someone else since you saw it",
        )
        first = first or cid
    if first:
        return Outcome("conflict", first)
    if notice:
        return Outcome("merged", notice)
    return MERGED if plan.concurrent else APPLIED


async def notes_notice(
    ctx: MutationContext, order: Row, changes: Row, base: int, *, won: bool
) -> str | None:
    """The ``overwritten`` notice of a last-writer-wins decision on ``order``'s notes (``order``
    as it was before this mutation): to this mutation's author when its notes lost (its id is
    returned: the result names it), or, when they ``won``, to the earlier writer whose notes
    they replaced. No notice when both writes are one person's, or the earlier writer cannot be
    named."""
    other = await notices.writer_of(ctx, order, "notes")
    if other is None or other.user_id == ctx.actor.user_id:
        return None
    me = await notices.actor(ctx)
    if not won:
        winner = replace(other, at=notices.hlc_time(order["notes_hlc"], order["updated_at"]))
        return await notices.overwritten(
            ctx, table="orders", row=order, field="notes", loser=me, winner=winner,
            lost=changes["notes"], standing=order["notes"], base_version=base,
            base_value=await writer.value_at(ctx, "orders", order, "notes", base),
        )  # fmt: skip
    written = writer.field_versions(order)["notes"][0]
    await notices.overwritten(
        ctx, table="orders", row=order, field="notes", loser=other, winner=me,
        lost=order["notes"], standing=changes["notes"], base_version=None,
        base_value=await writer.value_at(ctx, "orders", order, "notes", written - 1),
    )  # fmt: skip
    return None


async def reference_problem(ctx: MutationContext, changes: Row) -> Outcome | None:
    """A ``missing_reference`` conflict if ``changes`` name a customer or warehouse the actor
    cannot use; else None."""
    customer = changes.get("customer_id")
    if "customer_id" in changes and await visible_row(ctx, "customers", customer) is None:
        return await missing(ctx, "customers", customer, "customer")
    wh = changes.get("warehouse_id")
    if wh and await visible_row(ctx, "warehouses", wh) is None:
        return await missing(ctx, "warehouses", wh, "warehouse")
    return None


async def total_of(ctx: MutationContext, order_id: str, discount_bp: int) -> int:
    """The order's total from its lines as they stand in this transaction: each line's net,
    summed, less the order's discount (shared/mutations.py ``order_net``)."""
    lines = await ctx.tx.find("order_lines", "order_id", order_id)
    return order_net(
        [(ln["qty"], ln["unit_price"], ln["discount_bp"]) for ln in lines if not ln["deleted"]],
        discount_bp,
    )


async def save_order(ctx: MutationContext, order: Row, changes: Row) -> Row:
    """Update an order; if that moves it between buckets, its lines and payments move too. A
    new order discount re-totals it (every path that sets one comes here: an edit, a settled
    conflict)."""
    if "discount_bp" in changes:
        changes = {**changes, "total": await total_of(ctx, order["id"], changes["discount_bp"])}
    new_buckets = bk.for_order({**order, **changes})
    moved = new_buckets != bk.decode(order["buckets"])
    order = await writer.update(ctx, "orders", order, changes, new_buckets if moved else None)
    if moved:
        for table in ("order_lines", "payments"):
            for child in await ctx.tx.find(table, "order_id", order["id"]):
                await writer.update(ctx, table, child, {}, new_buckets)
    return order


async def locked(ctx: MutationContext, order: Row, changes: Row) -> Outcome:
    cid = await conflict(
        ctx,
        kind="locked",
        table="orders",
        row_id=order["id"],
        base_version=None,
        server_value={"status": order["status"]},
        client_value=changes,
        reason=f"order {order['number']} is {order['status']}: it can no longer be edited",
    )
    return Outcome("conflict", cid)
