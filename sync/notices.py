"""Overwritten notices: the person whose last-writer-wins value lost is told (docs/protocol.md,
"Overwritten notices").

A last-writer-wins merge decides without asking anyone, so the loser would never learn that what
they wrote is not what stands. Each such decision leaves a conflict row of kind ``overwritten``
(severity ``low``, status ``open``) for the loser: what they wrote (``client_value``), what stands
(``server_value``), who wrote that and when (``winner_*``). It is a conflict like any other: they
may keep the standing value (``server``) or put theirs back (``client``/``custom``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sync import writer
from sync.context import MutationContext
from sync.hlc import BadHlc, Timestamp
from sync.outcome import Person, conflict
from sync.store import Row


def hlc_time(hlc: str | None, fallback: str) -> str:
    """The wall time of an HLC as ISO-8601 UTC: when a device wrote a value."""
    try:
        moment = datetime.fromtimestamp(Timestamp.parse(hlc or "").ms / 1000, UTC)
    except (BadHlc, OverflowError, ValueError, OSError):
        return fallback
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def actor(ctx: MutationContext) -> Person:
    """The person sending the mutation being applied, as of its HLC."""
    a = ctx.actor
    name = await ctx.tx.user_name(a.user_id)
    return Person(a.user_id, a.device_id, ctx.client_id, name, hlc_time(str(ctx.hlc), ctx.now))


async def writer_of(ctx: MutationContext, row: Row, field: str) -> Person | None:
    """Who wrote ``row[field]`` as it stands: the user of the client its field version names
    (a device's push), else the row's ``updated_by`` when that write was the row's last (the
    server's own writes); None when no one can be named."""
    seq, client_id = writer.field_versions(row).get(field, (0, ""))
    if not client_id:
        return None
    state = await ctx.tx.client(client_id)
    if state is not None:
        user, device = state.user_id, state.device_id
    elif row["version"] == seq and row.get("updated_by"):
        user, _, device_text = row["updated_by"].partition("/")
        device = None if device_text in ("", "-") else device_text
    else:
        return None
    return Person(user, device, client_id, await ctx.tx.user_name(user))


async def overwritten(
    ctx: MutationContext,
    *,
    table: str,
    row: Row,
    field: str,
    loser: Person,
    winner: Person,
    lost: Any,
    standing: Any,
    base_version: int | None,
    base_value: Any,
) -> str:
    """Record that ``loser``'s value ``lost`` of ``table.field`` gave way to ``standing``,
    written by ``winner``; the notice goes to the loser's devices and to admins."""
    who = winner.name or winner.user_id
    return await conflict(
        ctx,
        kind="overwritten",
        severity="low",
        table=table,
        row_id=row["id"],
        field=field,
        base_version=base_version,
        base_value=base_value,
        server_value=standing,
        client_value=lost,
        reason=f"{field} you wrote was replaced by a later change of {who} (last writer wins)",
        author=loser,
        winner=winner,
    )
