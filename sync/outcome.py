"""What applying one mutation came to, and conflict records (conflicts are data, kept for people)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from sync import buckets as bk
from sync import writer
from sync.context import MutationContext
from sync.ids import uuid7
from sync.store import Row


@dataclass(frozen=True)
class Outcome:
    status: str  # applied | merged | conflict
    conflict_id: str | None = None


APPLIED = Outcome("applied")
MERGED = Outcome("merged")


async def conflict(
    ctx: MutationContext,
    *,
    kind: str,
    table: str,
    row_id: str,
    reason: str,
    severity: str = "normal",
    field: str | None = None,
    base_version: int | None = None,
    base_value: Any = None,
    server_value: Any = None,
    client_value: Any = None,
    also: frozenset[str] = frozenset(),
) -> str:
    """Record a conflict for a person to settle; it syncs to its author and to admins (and to
    the buckets in ``also``)."""
    m = ctx.mutation
    row: Row = {
        "id": uuid7(),
        "kind": kind,
        "severity": severity,
        "status": "open",
        "table_name": table,
        "row_id": row_id,
        "field": field,
        "base_version": base_version,
        "base_value": writer.dumps(base_value),
        "server_value": writer.dumps(server_value),
        "client_value": writer.dumps(client_value),
        "reason": reason,
        "mutation": msgspec.json.encode(
            {"client_id": ctx.client_id, "id": m.id, "name": m.name, "args": m.args, "hlc": m.hlc}
        ).decode(),
        "user_id": ctx.actor.user_id,
        "device_id": ctx.actor.device_id,
        "client_id": ctx.client_id,
        "created_at": ctx.now,
    }
    await writer.insert(ctx, "conflicts", row, bk.for_conflict(ctx.actor.user_id) | also)
    return row["id"]


async def visible_row(ctx: MutationContext, table: str, row_id: str) -> Row | None:
    """The row if it exists, is not deleted, and the actor may see it; else None."""
    row = await ctx.tx.get(table, row_id)
    if row is None or row["deleted"] or not ctx.actor.can_see(row["buckets"]):
        return None
    return row


async def missing(ctx: MutationContext, table: str, row_id: str, what: str) -> Outcome:
    cid = await conflict(
        ctx,
        kind="missing_reference",
        table=table,
        row_id=row_id,
        reason=f"{what} {row_id} does not exist or is not visible to you",
    )
    return Outcome("conflict", cid)
