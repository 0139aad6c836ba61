"""customer.upsert: create, or merge field edits from the client's base version."""

from __future__ import annotations

from shared.mutations import CustomerUpsert
from sync import buckets as bk
from sync import writer
from sync.context import MutationContext
from sync.merge import check_base, merge_fields
from sync.outcome import APPLIED, MERGED, Outcome, conflict, missing

FIELDS = ("name", "phone", "address", "region")


async def upsert(ctx: MutationContext, args: CustomerUpsert) -> Outcome:
    current = await ctx.tx.get("customers", args.id)
    values = {f: getattr(args, f) for f in FIELDS}
    if current is None:
        row = {"id": args.id, **values, "owner_id": ctx.actor.user_id, "created_at": ctx.made_at}
        await writer.insert(ctx, "customers", row, bk.for_customer(row))
        return APPLIED
    if current["deleted"] or not ctx.actor.can_see(current["buckets"]):
        return await missing(ctx, "customers", args.id, "customer")
    check_base(current, args.base_version, "customer")

    # An update sets the fields the client sent; one it left out is left alone (not cleared).
    values = {f: v for f, v in values.items() if f in ctx.mutation.args}
    base = args.base_version or 0
    versions = writer.field_versions(current)
    # ``name`` is always sent; a field sent as it was at the base is not an edit by this client,
    # so it must not conflict with someone else's change of it.
    values = await writer.edits(ctx, "customers", current, values, base)
    plan = merge_fields(current, versions, base, values, client_id=ctx.client_id)
    if plan.apply:
        current = await writer.update(ctx, "customers", current, plan.apply)
    first = None
    for name in plan.conflicts:
        cid = await conflict(
            ctx,
            kind="field",
            table="customers",
            row_id=args.id,
            field=name,
            base_version=base,
            base_value=await writer.value_at(ctx, "customers", current, name, base),
            server_value=current[name],
            client_value=values[name],
            reason=f"{name} was changed by someone else since you saw it",
        )
        first = first or cid
    if first:
        return Outcome("conflict", first)
    return MERGED if plan.concurrent else APPLIED
