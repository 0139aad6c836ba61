"""Redemption leases and stocktake sessions: online actions of a warehouse device, written
through the sync engine so every device concerned gets the rows in its next pull."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec

from server import times
from server.db.sync_store import SqlSyncStore
from server.errors import Conflict, Forbidden, NotFound
from shared.roles import SCOPE_BY_ROLE
from shared.states import REDEEMABLE, SUPER_ROLES
from sync import buckets as bk
from sync import writer
from sync.context import Actor
from sync.direct import server_context
from sync.ids import stock_level_id, uuid7
from sync.outcome import visible_row
from sync.pull import wire_row
from sync.rules.reserve import change_level
from sync.store import Row, Store, WriteTx

MAX_LEASE_MINUTES = 12 * 60


class DeviceRequired(Conflict):
    code = "device_required"


class Leased(Conflict):
    code = "leased"


class NotRedeemable(Conflict):
    code = "not_redeemable"


class LeaseIn(msgspec.Struct, forbid_unknown_fields=True):
    order_ids: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=64)]],
        msgspec.Meta(min_length=1, max_length=200),
    ]
    minutes: Annotated[int, msgspec.Meta(ge=1, le=MAX_LEASE_MINUTES)] = 30


class LeasesOut(msgspec.Struct):
    leases: list[dict]


def lease_buckets(warehouse_id: str) -> frozenset[str]:
    return frozenset({f"wh:{warehouse_id}", "all"})


def _live(lease: Row, now: str) -> bool:
    return not lease["deleted"] and not lease["released"] and lease["expires_at"] > now


async def take_leases(store: Store, actor: Actor, data: LeaseIn) -> LeasesOut:
    """Leases on ``order_ids`` for the session's device: all or none."""
    if not actor.device_id:
        raise DeviceRequired("a lease belongs to a device: log in on the device (no API token)")
    order_ids = list(dict.fromkeys(data.order_ids))

    async def work(tx: WriteTx) -> LeasesOut:
        ctx = server_context(tx, actor, "server.lease")
        now = ctx.now
        expires = times.iso(datetime.now(UTC) + timedelta(minutes=data.minutes))
        orders: list[Row] = []
        for order_id in order_ids:
            order = await visible_row(ctx, "orders", order_id)
            if order is None or not order["warehouse_id"]:
                raise NotFound(f"no order {order_id} in a warehouse of yours")
            if actor.warehouse_id and order["warehouse_id"] != actor.warehouse_id:
                raise NotFound(f"no order {order_id} in a warehouse of yours")
            if order["status"] not in REDEEMABLE:
                raise NotRedeemable(f"order {order['number']} is {order['status']}: not redeemable")
            for lease in await tx.find("redemption_leases", "order_id", order_id):
                if _live(lease, now) and lease["device_id"] != actor.device_id:
                    raise Leased(
                        f"order {order['number']} is leased to device {lease['device_id']} "
                        f"until {lease['expires_at']}"
                    )
            orders.append(order)
        out = []
        for order in orders:
            # One live lease per order: this device's earlier one gives way to the new one.
            for lease in await tx.find("redemption_leases", "order_id", order["id"]):
                if _live(lease, now):
                    await writer.update(ctx, "redemption_leases", lease,
                                        {"released": True, "released_at": now})  # fmt: skip
            row = {
                "id": uuid7(),
                "order_id": order["id"],
                "warehouse_id": order["warehouse_id"],
                "device_id": actor.device_id,
                "user_id": actor.user_id,
                "created_at": now,
                "expires_at": expires,
                "released": False,
                "released_at": None,
            }
            full = await writer.insert(
                ctx, "redemption_leases", row, lease_buckets(order["warehouse_id"])
            )
            tx.audit("lease.taken", order["id"], {"lease": row["id"], "until": expires},
                     actor.user_id)  # fmt: skip
            out.append(wire_row("redemption_leases", full))
        return LeasesOut(out)

    return await store.run_write(work)


async def release_lease(store: Store, actor: Actor, lease_id: str) -> dict:
    """Release a lease: its device, or an admin or manager."""

    async def work(tx: WriteTx) -> dict:
        ctx = server_context(tx, actor, "server.lease.release")
        lease = await visible_row(ctx, "redemption_leases", lease_id)
        if lease is None:
            raise NotFound(f"no lease {lease_id}")
        if lease["device_id"] != actor.device_id and actor.role not in SUPER_ROLES:
            raise Forbidden("only the device that holds a lease (or an admin) may release it")
        if not lease["released"]:
            lease = await writer.update(ctx, "redemption_leases", lease,
                                        {"released": True, "released_at": ctx.now})  # fmt: skip
            tx.audit("lease.released", lease["order_id"], {"lease": lease_id}, actor.user_id)
        return wire_row("redemption_leases", lease)

    return await store.run_write(work)


# ---- stocktaking ------------------------------------------------------------------------------


class StocktakeClosed(Conflict):
    code = "stocktake_closed"


class StocktakeIn(msgspec.Struct, forbid_unknown_fields=True):
    warehouse_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class VarianceLine(msgspec.Struct):
    product_id: str
    counted: int
    on_hand: int  # open: on hand now; applied: on hand (the book) when the count was applied
    variance: int  # counted − on_hand: what Apply writes / wrote as a count move
    line_id: str


class StocktakeOut(msgspec.Struct):
    id: str
    warehouse_id: str
    status: str
    opened_by: str
    opened_at: str
    applied_by: str | None
    applied_at: str | None
    lines: list[VarianceLine]


def stocktake_buckets(warehouse_id: str) -> frozenset[str]:
    return frozenset({f"wh:{warehouse_id}", "all"})


async def _variances(tx: WriteTx, session: Row) -> list[VarianceLine]:
    """The latest line (by HLC, then id) per product, against on hand now."""
    latest: dict[str, Row] = {}
    for line in await tx.find("stocktake_lines", "session_id", session["id"]):
        if line["deleted"]:
            continue
        seen = latest.get(line["product_id"])
        if seen is None or (line["hlc"], line["id"]) > (seen["hlc"], seen["id"]):
            latest[line["product_id"]] = line
    out = []
    for product_id in sorted(latest):
        line = latest[product_id]
        level = await tx.get("stock_levels", stock_level_id(session["warehouse_id"], product_id))
        on_hand = level["on_hand"] if level else 0
        out.append(VarianceLine(product_id, line["counted"], on_hand, line["counted"] - on_hand,
                                line["id"]))  # fmt: skip
    return out


async def _session(ctx: Any, session_id: str) -> Row:
    session = await visible_row(ctx, "stocktakes", session_id)
    if session is None:
        raise NotFound(f"no stocktake {session_id}")
    return session


def _out(session: Row, lines: list[VarianceLine]) -> StocktakeOut:
    keys = ("id", "warehouse_id", "status", "opened_by", "opened_at", "applied_by", "applied_at")
    return StocktakeOut(**{k: session[k] for k in keys}, lines=lines)


async def open_stocktake(store: Store, actor: Actor, data: StocktakeIn) -> StocktakeOut:
    async def work(tx: WriteTx) -> StocktakeOut:
        ctx = server_context(tx, actor, "server.stocktake.open")
        warehouse = await visible_row(ctx, "warehouses", data.warehouse_id)
        if warehouse is None or (actor.warehouse_id and actor.warehouse_id != data.warehouse_id):
            raise NotFound(f"no warehouse {data.warehouse_id} that you may count")
        if SCOPE_BY_ROLE.get(actor.role) == "warehouse" and not actor.warehouse_id:
            raise NotFound(f"no warehouse {data.warehouse_id} that you may count")
        row = {"id": uuid7(), "warehouse_id": data.warehouse_id, "status": "open",
               "opened_by": actor.user_id, "opened_at": ctx.now, "applied_by": None,
               "applied_at": None}  # fmt: skip
        full = await writer.insert(ctx, "stocktakes", row, stocktake_buckets(data.warehouse_id))
        tx.audit("stocktake.opened", row["id"], {"warehouse": data.warehouse_id}, actor.user_id)
        return _out(full, [])

    return await store.run_write(work)


async def _applied_deltas(store: SqlSyncStore, session: Row) -> dict[str, int]:
    """The count moves Apply wrote, per product: an applied session's variances as they were.
    Against on hand now they would all read 0 (the moves made on hand equal to the counts)."""
    async with store.db.read() as conn:
        rows = await conn.fetch(
            "SELECT product_id, SUM(delta) AS delta FROM stock_moves WHERE created_at = ?"
            " AND reason = 'count' AND ref = ? GROUP BY product_id",
            (session["applied_at"], f"stocktake:{session['id']}"),
        )
    return {r["product_id"]: int(r["delta"]) for r in rows}


async def show_stocktake(store: SqlSyncStore, actor: Actor, session_id: str) -> StocktakeOut:
    """An open session against on hand now; an applied one as it was applied."""

    async def work(tx: WriteTx) -> StocktakeOut:
        session = await _session(server_context(tx, actor, "server.stocktake.show"), session_id)
        return _out(session, await _variances(tx, session))

    out = await store.run_write(work)
    if out.status != "applied":
        return out
    deltas = await _applied_deltas(store, {"id": out.id, "applied_at": out.applied_at})
    lines = [VarianceLine(v.product_id, v.counted, v.counted - deltas.get(v.product_id, 0),
                          deltas.get(v.product_id, 0), v.line_id) for v in out.lines]  # fmt: skip
    return msgspec.structs.replace(out, lines=lines)


async def apply_stocktake(store: Store, actor: Actor, session_id: str) -> StocktakeOut:
    """Write a ``count`` move for every variance and close the session."""

    async def work(tx: WriteTx) -> StocktakeOut:
        ctx = server_context(tx, actor, "server.stocktake.apply")
        session = await _session(ctx, session_id)
        if session["status"] != "open":
            raise StocktakeClosed(f"stocktake {session_id} was applied at {session['applied_at']}")
        lines = await _variances(tx, session)
        for v in lines:
            if v.variance == 0:
                continue
            move = {"id": uuid7(), "product_id": v.product_id,
                    "warehouse_id": session["warehouse_id"], "delta": v.variance,
                    "reason": "count", "ref": f"stocktake:{session_id}", "created_at": ctx.now,
                    "created_by": actor.user_id}  # fmt: skip
            await writer.insert(ctx, "stock_moves", move, bk.for_stock_move(move))
            await change_level(ctx, session["warehouse_id"], v.product_id, on_hand=v.variance)
        session = await writer.update(ctx, "stocktakes", session, {
            "status": "applied", "applied_by": actor.user_id, "applied_at": ctx.now})  # fmt: skip
        tx.audit("stocktake.applied", session_id,
                 {"moves": sum(1 for v in lines if v.variance)}, actor.user_id)  # fmt: skip
        return _out(session, lines)

    return await store.run_write(work)
