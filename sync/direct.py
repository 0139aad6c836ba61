"""Server-side writes that are not client mutations (seeding, catalog admin, imports).

They go through the same writer, so they version the rows and reach devices as changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sync import buckets as bk
from sync import writer
from sync.apply import run_rule
from sync.context import Actor, MutationContext, Policy
from sync.hlc import Clock, Timestamp
from sync.outcome import Outcome
from sync.protocol import MutationIn
from sync.store import Row, Store, WriteTx

_clock = Clock("server")


def server_context(tx: WriteTx, actor: Actor, what: str) -> MutationContext:
    hlc = _clock.now()
    m = MutationIn(id=0, name=what, args={}, hlc=str(hlc))
    return MutationContext(tx=tx, actor=actor, client_id="server", mutation=m, hlc=hlc)


async def apply_mutation(
    tx: WriteTx,
    actor: Actor,
    name: str,
    args: dict[str, Any],
    *,
    policy: Policy | None = None,
    client_id: str = "server",
    mutation_id: int = 0,
    hlc: Timestamp | None = None,
) -> Outcome:
    """Mutation ``name`` applied inside ``tx`` as ``actor`` would from a device: the same role
    check and rule, in a savepoint (a refusal half way leaves nothing). For what people do on
    the server that devices must see exactly as a pushed change (an admin's assignment, review
    decision, refund, import). Raises ``MutationRejected``; the outcome says applied, merged or
    conflict. Logging it (``tx.log_mutation``) is the caller's choice."""
    stamp = hlc or _clock.now()
    m = MutationIn(id=mutation_id, name=name, args=args, hlc=str(stamp))
    return await run_rule(tx, actor, client_id, m, policy or Policy(), lambda _m: stamp)


def buckets_of(table: str, row: Row) -> bk.Buckets:
    if table in ("products", "warehouses"):
        return bk.CATALOG
    if table == "customers":
        return bk.for_customer(row)
    if table == "orders":
        return bk.for_order(row)
    if table == "stock_levels":
        return bk.for_stock_level(row)
    if table == "stock_moves":
        return bk.for_stock_move(row)
    raise ValueError(f"no direct writes to {table}")


async def put_rows(store: Store, actor: Actor, table: str, rows: Iterable[Row]) -> int:
    """Insert rows, or update the fields given of rows that exist. Returns how many."""
    rows = list(rows)
    async with store.write() as tx:
        await put_rows_in(tx, actor, table, rows)
    return len(rows)


_CHUNK = 500  # ids read in one statement


async def put_rows_in(
    tx: WriteTx, actor: Actor, table: str, rows: Sequence[Row]
) -> tuple[int, int]:
    """``put_rows`` inside the caller's transaction (an import writes its products in the one
    that checked them): ``(inserted, updated)``; a row whose given fields all hold already is
    neither. The rows that exist are read in chunks, not one statement a row."""
    ctx = server_context(tx, actor, f"server.put.{table}")
    current: dict[str, Row] = {}
    ids = list(dict.fromkeys(row["id"] for row in rows))
    for i in range(0, len(ids), _CHUNK):
        current.update(await tx.get_many(table, ids[i : i + _CHUNK]))
    inserted = updated = 0
    for row in rows:
        before = current.get(row["id"])
        if before is None:
            current[row["id"]] = await writer.insert(ctx, table, row, buckets_of(table, row))
            tx.audit(f"server.insert.{table}", row["id"], {}, actor.user_id)
            inserted += 1
            continue
        changes = {k: v for k, v in row.items() if k != "id" and before.get(k) != v}
        if changes:
            current[row["id"]] = await writer.update(
                ctx, table, before, changes, buckets_of(table, {**before, **changes})
            )
            tx.audit(f"server.update.{table}", row["id"], {"fields": sorted(changes)},
                     actor.user_id)  # fmt: skip
            updated += 1
    return inserted, updated
