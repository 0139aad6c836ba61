"""Redemption leases and stocktake sessions: online actions of a warehouse device, written
through the sync engine so every device concerned gets the rows in its next pull."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import msgspec

from server import times
from shared.states import REDEEMABLE, SUPER_ROLES
from sync import writer
from sync.context import Actor
from sync.direct import server_context
from sync.errors import Forbidden, SyncError
from sync.ids import uuid7
from sync.outcome import visible_row
from sync.pull import wire_row
from sync.store import Row, Store, WriteTx

MAX_LEASE_MINUTES = 12 * 60


class NotFound(SyncError):
    code = "not_found"
    status = 404


class DeviceRequired(SyncError):
    code = "device_required"
    status = 409


class Leased(SyncError):
    code = "leased"
    status = 409


class NotRedeemable(SyncError):
    code = "not_redeemable"
    status = 409


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
