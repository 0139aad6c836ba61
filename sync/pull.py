"""Pull: the rows of the client's scope that changed since its cursor, latest state only.

A null cursor starts a paged snapshot of the scope as of change ``high``; then deltas follow
from ``high``. Rows changed while the snapshot pages may come twice (the second is newer), never
not at all. Changes are read in one consistent database snapshot, and change sequence numbers
are handed out under a lock held to commit, so no committed change is ever below a cursor that
was issued without it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from sync import buckets as bk
from sync import cursor as cur
from sync.context import Actor
from sync.protocol import Change, PullRequest, PullResponse, SnapshotProgress
from sync.push import check_owner, check_schema
from sync.store import ReadTx, Row, Store
from sync.tables import JSON_COLUMNS, SERVER_ONLY, SYNCED_TABLES

_decode = msgspec.json.Decoder()


def wire_row(table: str, row: Row) -> dict[str, Any]:
    """A stored row as a client gets it: without the server's columns, JSON columns decoded."""
    return decode_json_columns(table, {k: v for k, v in row.items() if k not in SERVER_ONLY})


def decode_json_columns(table: str, row: Row) -> Row:
    """Decode the JSON-valued columns of ``row`` in place (rows of a snapshot page are already
    wire rows: copying them again was most of the initial sync's CPU)."""
    for name in JSON_COLUMNS.get(table, ()):
        if row.get(name) is not None:
            row[name] = _decode.decode(row[name])
    return row


async def pull(
    store: Store, actor: Actor, req: PullRequest, max_limit: int = 10_000
) -> PullResponse:
    check_schema(req.schema)
    limit = min(req.limit, max_limit)
    buckets = actor.buckets
    scope = cur.scope_key(buckets)

    async def read(rtx: ReadTx) -> PullResponse:
        state = await rtx.state()
        client = await rtx.client(req.client_id)
        check_owner(client, actor)
        last_mid = client.last_mutation_id if client else 0
        position = None if req.cursor is None else cur.parse(req.cursor)
        reset = position is not None and (
            position.epoch != state.epoch
            or position.scope != scope
            or (position.high if isinstance(position, cur.Snapshot) else position.seq)
            > state.last_seq
            or (isinstance(position, cur.Delta) and position.seq < state.horizon)
            # A snapshot cursor from before snapshots counted: start over, with a count.
            or (isinstance(position, cur.Snapshot) and position.total is None)
        )
        if position is None or reset:
            # One count per table at the start; the cursor carries it through the pages.
            total = 0
            for table in SYNCED_TABLES:
                total += await rtx.count_rows(table, buckets)
            position = cur.Snapshot(state.epoch, scope, state.last_seq, total=total)
        progress = None
        if isinstance(position, cur.Snapshot):
            changes, nxt, more = await _snapshot(rtx, position, buckets, limit)
            done = position.done + len(changes)
            # Rows written while the snapshot pages can make it send more than it counted.
            progress = SnapshotProgress(done=done, total=max(position.total or 0, done))
        else:
            changes, nxt, more = await _deltas(rtx, position, state.last_seq, buckets, limit)
        return PullResponse(
            cursor=str(nxt),
            last_mutation_id=last_mid,
            more=more,
            reset=reset,
            changes=changes,
            snapshot=progress,
        )

    return await store.run_read(read)


async def _snapshot(
    rtx: ReadTx, pos: cur.Snapshot, buckets: bk.Buckets | None, limit: int
) -> tuple[list[Change], cur.Delta | cur.Snapshot, bool]:
    changes: list[Change] = []
    table_i, after = pos.table, pos.after
    while table_i < len(SYNCED_TABLES):
        table = SYNCED_TABLES[table_i]
        rows = await rtx.snapshot_page(table, after, buckets, limit - len(changes))
        changes.extend(
            Change(t=table, id=r["id"], op="put", v=r["version"], row=decode_json_columns(table, r))
            for r in rows
        )
        if len(changes) >= limit:
            last = rows[-1]["id"] if rows else after
            done = pos.done + len(changes)
            # Rows written while it pages can make a snapshot send more than it counted: the
            # total rises with them, so no cursor this server issues has done > total.
            total = max(pos.total or 0, done)
            nxt = cur.Snapshot(pos.epoch, pos.scope, pos.high, table_i, last, total, done)
            return changes, nxt, True
        table_i, after = table_i + 1, ""
    # The snapshot is whole; what changed since it began comes as deltas from ``high``.
    return changes, cur.Delta(pos.epoch, pos.scope, pos.high), True


async def _deltas(
    rtx: ReadTx, pos: cur.Delta, upto: int, buckets: bk.Buckets | None, limit: int
) -> tuple[list[Change], cur.Delta, bool]:
    changed = await rtx.changed_rows(pos.seq, upto, buckets, limit + 1)
    more = len(changed) > limit
    changed = changed[:limit]
    by_table: dict[str, list[str]] = {}
    for table, row_id, _ in changed:
        by_table.setdefault(table, []).append(row_id)
    current: dict[tuple[str, str], Row] = {}
    for table, ids in by_table.items():
        for r in await rtx.rows(table, ids):
            current[(table, r["id"])] = r
    changes: list[Change] = []
    for table, row_id, seq in changed:
        r = current.get((table, row_id))
        if r is None or r["deleted"] or not bk.visible(bk.decode(r["buckets"]), buckets):
            # Deleted, or moved out of this client's buckets: the device drops it.
            changes.append(Change(t=table, id=row_id, op="del", v=seq))
        else:
            changes.append(
                Change(t=table, id=row_id, op="put", v=r["version"], row=wire_row(table, r))
            )
    # Not full: nothing else up to ``upto`` concerns this client, so the cursor moves there.
    nxt = changed[-1][2] if more else upto
    return changes, cur.Delta(pos.epoch, pos.scope, nxt), more
