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


@dataclass(frozen=True)
class Person:
    """Someone on one side of a conflict: who, on which device and client, and (for the side
    whose value stands) when they wrote it."""

    user_id: str
    device_id: str | None = None
    client_id: str | None = None
    name: str | None = None
    at: str | None = None


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
    author: Person | None = None,
    winner: Person | None = None,
) -> str:
    """Record a conflict for a person to settle; it syncs to its author and to admins (and to
    the buckets in ``also``). The author is the actor unless ``author`` names someone else (the
    earlier writer an incoming change overwrote); ``winner`` is who wrote ``server_value``."""
    m = ctx.mutation
    author = author or Person(ctx.actor.user_id, ctx.actor.device_id, ctx.client_id)
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
        "user_id": author.user_id,
        "device_id": author.device_id,
        "client_id": author.client_id or "",
        "created_at": ctx.now,
        "winner_id": winner.user_id if winner else None,
        "winner_name": winner.name if winner else None,
        "winner_at": winner.at if winner else None,
    }
    await writer.insert(ctx, "conflicts", row, bk.for_conflict(author.user_id) | also)
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
