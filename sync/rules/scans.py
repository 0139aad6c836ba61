"""scan.record: every scan is an append-only ``scans`` row (docs/warehouse.md § Scans).

A scan is a fact about what a device saw: it is stored as sent, with the user and device of the
session, and never rejected for its result; it is attached to the order it names only when the
user can see that order. Only the role rules apply: every role that syncs
may record a ``view``; the other actions are for warehouse, admin and manager.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared import qr
from shared.mutations import ScanRecord
from shared.roles import SCOPE_BY_ROLE, may_scan
from sync import writer
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.outcome import APPLIED, MERGED, Outcome, visible_row


def hlc_iso(ctx: MutationContext) -> str:
    """When the device did it: the wall time of the mutation's HLC, as ISO-8601 UTC."""
    try:
        moment = datetime.fromtimestamp(ctx.hlc.ms / 1000, UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (OverflowError, ValueError, OSError):
        return ctx.now


def token_id_of(code: str | None) -> str | None:
    """The token id when the scanned text is an order QR token (or its URL); else None."""
    if not code:
        return None
    try:
        return qr.decode(qr.from_scan(code)).token_id
    except qr.Malformed:
        return None


async def record(ctx: MutationContext, args: ScanRecord) -> Outcome:
    actor = ctx.actor
    if not may_scan(actor.role, args.action):
        raise MutationRejected(
            "forbidden", f"a {actor.role} may record view scans only, not {args.action}"
        )
    warehouse_id = args.warehouse_id
    if SCOPE_BY_ROLE.get(actor.role) == "warehouse":
        if warehouse_id is not None and warehouse_id != actor.warehouse_id:
            raise MutationRejected("forbidden", "scans only in your own warehouse")
        warehouse_id = actor.warehouse_id
    elif warehouse_id is not None and await visible_row(ctx, "warehouses", warehouse_id) is None:
        raise MutationRejected("invalid_args", f"no warehouse {warehouse_id}")
    if await ctx.tx.get("scans", args.id) is not None:
        return MERGED  # the same scan again (another client of the device): recorded once

    buckets = {"all", f"rep:{actor.user_id}"}
    # The order it names, if the user can see it: its owner sees views of it, and a scan
    # without a warehouse lands in the order's. An order outside the user's scope is not
    # attached (order_id null): the scan stays a fact about the code, but a rep's scans must not
    # show in the timeline of another rep's order (issue 14, item 12).
    order = await visible_row(ctx, "orders", args.order_id) if args.order_id else None
    order_id = args.order_id if order is not None else None
    if order is not None:
        warehouse_id = warehouse_id or order["warehouse_id"]
        if args.action == "view":
            buckets.add(f"rep:{order['owner_id']}")
    if warehouse_id:
        buckets.add(f"wh:{warehouse_id}")
    row = {
        "id": args.id,
        "action": args.action,
        "result": args.result,
        "code": args.code,
        "token_id": token_id_of(args.code),
        "order_id": order_id,
        "product_id": args.product_id,
        "warehouse_id": warehouse_id,
        "device_id": actor.device_id,
        "user_id": actor.user_id,
        "at": hlc_iso(ctx),
        "received_at": ctx.now,
    }
    await writer.insert(ctx, "scans", row, frozenset(buckets))
    return APPLIED
