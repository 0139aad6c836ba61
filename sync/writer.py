"""Every write of a synced row goes through here: version, field versions, buckets, change log,
and the history of replaced values. One write, one change sequence number."""

from __future__ import annotations

from typing import Any

import msgspec

from sync import buckets as bk
from sync.context import MutationContext
from sync.store import Row
from sync.tables import HISTORY_FIELDS, META_COLUMNS

_json = msgspec.json.Encoder()


def dumps(value: Any) -> str:
    return _json.encode(value).decode()


def loads(text: str | None) -> Any:
    return None if text is None else msgspec.json.decode(text)


def field_versions(row: Row) -> dict[str, tuple[int, str]]:
    """field -> (change sequence of its last write, client that wrote it)."""
    return {k: (v[0], v[1]) for k, v in msgspec.json.decode(row["field_versions"] or "{}").items()}


def written_since(versions: dict[str, tuple[int, str]], name: str, base: int, client_id: str) -> bool:
    """Whether someone other than this client wrote ``name`` after ``base``. A client's own
    earlier mutations are part of what it edited from (its optimistic view), never a conflict."""
    seq, writer_client = versions.get(name, (0, ""))
    return seq > base and writer_client != client_id


async def _versioned(ctx: MutationContext, row: Row, encoded_buckets: str) -> Row:
    seq = await ctx.tx.next_seq()
    fields = [k for k in row if k not in META_COLUMNS]
    return {
        **row,
        "version": seq,
        "field_versions": dumps(dict.fromkeys(fields, (seq, ctx.client_id))),
        "updated_by": ctx.actor.by,
        "deleted": False,
        "buckets": encoded_buckets,
    }


async def insert(ctx: MutationContext, table: str, row: Row, buckets: bk.Buckets) -> Row:
    full = await _versioned(ctx, row, bk.encode(buckets))
    await ctx.tx.insert(table, full)
    await ctx.tx.add_change(full["version"], table, row["id"], "put", full["buckets"], "")
    return full


async def insert_many(
    ctx: MutationContext, table: str, rows: list[Row], buckets: bk.Buckets
) -> list[Row]:
    """``insert`` of rows with the same columns, in two statements (a change sequence each)."""
    if not rows:
        return []
    encoded = bk.encode(buckets)
    full = [await _versioned(ctx, row, encoded) for row in rows]
    await ctx.tx.insert_many(table, full)
    await ctx.tx.add_changes([(r["version"], table, r["id"], "put", encoded, "") for r in full])
    return full


async def update(
    ctx: MutationContext,
    table: str,
    current: Row,
    changes: Row,
    buckets: bk.Buckets | None = None,
) -> Row:
    """Write ``changes`` over ``current``; ``buckets`` moves the row (the ones it leaves get a
    delete in their next pull). Returns the row as it now stands."""
    seq = await ctx.tx.next_seq()
    versions = field_versions(current)
    tracked = HISTORY_FIELDS.get(table, frozenset())
    for name, value in changes.items():
        if name in tracked and current.get(name) != value:
            await ctx.tx.add_history(
                table,
                current["id"],
                name,
                dumps(current.get(name)),
                versions.get(name, (0, ""))[0],
                seq,
                str(ctx.hlc),
                ctx.actor.by,
            )
        versions[name] = (seq, ctx.client_id)
    old = bk.decode(current["buckets"])
    new = old if buckets is None else buckets
    fields = {
        **changes,
        "version": seq,
        "field_versions": dumps(versions),
        "updated_by": ctx.actor.by,
        "buckets": bk.encode(new),
    }
    await ctx.tx.update(table, current["id"], fields)
    op = "del" if changes.get("deleted") else "put"
    await ctx.tx.add_change(seq, table, current["id"], op, fields["buckets"], bk.encode(old - new))
    return {**current, **fields}


async def value_at(ctx: MutationContext, table: str, row: Row, name: str, version: int) -> Any:
    """The value ``name`` had at change ``version`` (the base a client edited from)."""
    if field_versions(row).get(name, (0, ""))[0] <= version:
        return row.get(name)
    found, text = await ctx.tx.history_value(table, row["id"], name, version)
    return loads(text) if found else None


async def edits(ctx: MutationContext, table: str, row: Row, values: Row, base: int) -> Row:
    """``values`` without the fields sent as they were at ``base``: a form that submits every
    field re-sends the ones the person did not touch, and those are not their edit, so they
    never conflict with someone else's change of them (and never undo it)."""
    versions = field_versions(row)
    out: Row = {}
    for name, value in values.items():
        if written_since(versions, name, base, ctx.client_id) and value == await value_at(
            ctx, table, row, name, base
        ):
            continue
        out[name] = value
    return out
