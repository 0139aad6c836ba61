"""conflict.resolve: a person settles a conflict (DESIGN §5, docs/protocol.md).

``server`` keeps what the server has; ``client`` and ``custom`` write a value onto the row's
field as an ordinary versioned write (new version, change log, buckets), so every device holding
the row gets it in its next pull; ``admin`` refers the conflict to an admin. The conflict row is
updated too, and syncs to its author and to admins like any row of theirs.
"""

from __future__ import annotations

from typing import Any

import msgspec

from shared.mutations import ORDER_UPDATE_FIELDS, ConflictResolve, CustomerSet, OrderSet
from shared.roles import has_permission, may_send
from shared.states import FIELDS_LOCKED
from sync import writer
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.merge import merge_fields
from sync.outcome import APPLIED, MERGED, Outcome, conflict, missing, visible_row
from sync.rules import assign, customers, orders
from sync.store import Row

# Where a conflict's client value can be written back: field conflicts on these tables' fields,
# checked as the mutation that writes them would check them.
WRITABLE: dict[str, tuple[str, ...]] = {
    "orders": ORDER_UPDATE_FIELDS,
    "customers": customers.FIELDS,
}
SETS: dict[str, type[msgspec.Struct]] = {
    "orders": OrderSet,
    "customers": CustomerSet,
}
WRITTEN_BY: dict[str, str] = {"orders": "order.update", "customers": "customer.upsert"}
WHAT: dict[str, str] = {"orders": "order", "customers": "customer"}


# Kinds whose client value is a field's value: a first-writer-wins ``field`` conflict, and an
# ``overwritten`` notice (sync/notices.py), whose loser may put their value back.
VALUE_KINDS = frozenset({"field", "overwritten"})


def writable(c: Row) -> bool:
    """Whether a value can be written back for conflict ``c`` (``client``/``custom``)."""
    return c["kind"] in VALUE_KINDS and c["field"] in WRITABLE.get(c["table_name"], ())


async def resolve(ctx: MutationContext, args: ConflictResolve) -> Outcome:
    c = await ctx.tx.get("conflicts", args.id)
    if c is None or c["deleted"]:
        raise MutationRejected("invalid_args", f"no conflict {args.id}")
    actor = ctx.actor
    if c["user_id"] != actor.user_id and not has_permission(actor.role, "conflicts.resolve"):
        raise MutationRejected(
            "forbidden", "only the conflict's author, an admin or a manager may resolve it"
        )
    writes = args.resolution in ("client", "custom")
    if args.resolution == "custom" and args.value is msgspec.UNSET:
        raise MutationRejected("invalid_args", "a custom resolution needs a value")
    if args.resolution != "custom" and args.value is not msgspec.UNSET:
        raise MutationRejected("invalid_args", "value goes only with a custom resolution")
    if writes and not writable(c):
        raise MutationRejected(
            "invalid_args",
            f"a {c['kind']} conflict on {c['table_name']} can only be resolved with 'server' "
            "(keep what the server has) or 'admin' (leave it to an admin); to still make the "
            "change, send it again as a new mutation",
        )
    if writes and not may_send(actor.role, WRITTEN_BY[c["table_name"]]):
        raise MutationRejected(
            "forbidden", f"a {actor.role} may not write {c['table_name']}.{c['field']}"
        )
    value: Any = None
    if writes:
        raw = writer.loads(c["client_value"]) if args.resolution == "client" else args.value
        value = _checked(c["table_name"], c["field"], raw)

    if c["status"] == "resolved":
        # The same decision again (another device of the same person, or two admins agreeing)
        # changes nothing; a different one is refused, the first decision stands.
        same = args.resolution == c["resolution"] and (
            not writes or writer.loads(c["resolved_value"]) == value
        )
        if same:
            return MERGED
        raise MutationRejected(
            "already_resolved",
            f"this conflict was resolved already ({c['resolution']}, by {c['resolver_id']} "
            f"at {c['resolved_at']})",
        )
    if args.resolution == "admin":
        if c["status"] == "referred":
            return MERGED
        await writer.update(ctx, "conflicts", c, {"status": "referred"})
        return APPLIED

    if writes:
        problem = await _write(ctx, c, value)
        if problem is not None:
            return problem
        kept = value
    else:
        kept = await _current(ctx, c)
    await writer.update(
        ctx,
        "conflicts",
        c,
        {
            "status": "resolved",
            "resolution": args.resolution,
            "resolved_value": writer.dumps(kept),
            "resolver_id": actor.user_id,
            "resolver_name": await ctx.tx.user_name(actor.user_id),
            "resolved_at": ctx.now,
        },
    )
    return APPLIED


def _checked(table: str, field: str, value: Any) -> Any:
    """``value`` validated as the field's own type (priority enum, date format, text length)."""
    try:
        return getattr(msgspec.convert({field: value}, SETS[table]), field)
    except msgspec.ValidationError as e:
        raise MutationRejected("invalid_args", f"value for {table}.{field}: {e}") from None


async def _current(ctx: MutationContext, c: Row) -> Any:
    """The value the server keeps: the field as it stands, if the resolver can see the row."""
    if not c["field"]:
        return None
    row = await visible_row(ctx, c["table_name"], c["row_id"])
    return None if row is None else row.get(c["field"])


async def _write(ctx: MutationContext, c: Row, value: Any) -> Outcome | None:
    """Write ``value`` onto the conflict's field; an ``Outcome`` if that became a new conflict."""
    table, field = c["table_name"], c["field"]
    row = await visible_row(ctx, table, c["row_id"])
    if row is None:
        return await missing(ctx, table, c["row_id"], WHAT[table])
    if table == "orders" and row[field] != value:
        if row["status"] in FIELDS_LOCKED:
            return await orders.locked(ctx, row, {field: value})
        if problem := await orders.reference_problem(ctx, {field: value}):
            return problem
        await assign.check(ctx, row, {field: value})
    # The resolver decided against the server value the conflict recorded; if someone else
    # changed the field again since, that is a new concurrent edit: the same rule applies.
    recorded = writer.field_versions(c)["kind"][0]
    plan = merge_fields(
        row, writer.field_versions(row), recorded, {field: value}, client_id=ctx.client_id
    )
    if plan.conflicts:
        cid = await conflict(
            ctx,
            kind="field",
            table=table,
            row_id=row["id"],
            field=field,
            base_version=recorded,
            base_value=writer.loads(c["server_value"]),
            server_value=row[field],
            client_value=value,
            reason=f"{field} was changed again since the conflict you resolved",
        )
        return Outcome("conflict", cid)
    if not plan.apply:
        return None  # the row already holds the value
    changes: Row = dict(plan.apply)
    if table == "orders":
        changes["updated_at"] = ctx.now
        if field == "notes":
            changes["notes_hlc"] = str(ctx.hlc)
        await orders.save_order(ctx, row, changes)
    else:
        await writer.update(ctx, table, row, changes)
    return None
