"""The console's writes on orders, each the mutation a device would send, applied as the acting
admin (server/admin/writes.py), with its audit entry, in one transaction: assigning a warehouse
and a picker, creating an order, editing its fields; and a note (an audit entry only)."""

from __future__ import annotations

import msgspec

from server.admin.orders import queries
from server.admin.orders.schemas import (
    ORDER_EDIT_FIELDS,
    Assign,
    LineEdit,
    OrderDetail,
    OrderEdit,
    OrderIn,
    OrderLocked,
    UnknownUser,
    UnknownWarehouse,
    UserDisabled,
    WrongWarehouse,
)
from server.admin.writes import Refused, apply_as
from server.db.sql import Database
from server.db.sync_store import SqlSyncStore
from server.errors import AppError, BadRequest, NotFound
from shared.states import FIELDS_LOCKED
from sync.context import Actor, Policy
from sync.ids import uuid7

# The assignment rule's refusals, as this API has always answered them.
ASSIGN_ERRORS: dict[str, type[AppError]] = {
    "unknown_user": UnknownUser,
    "user_disabled": UserDisabled,
    "wrong_warehouse": WrongWarehouse,
}


async def assign(
    store: SqlSyncStore, db: Database, policy: Policy, actor: Actor, order_id: str, data: Assign
) -> OrderDetail:
    changes = {f: getattr(data, f) for f in Assign.__struct_fields__
               if getattr(data, f) is not msgspec.UNSET}  # fmt: skip
    if not changes:
        raise BadRequest("name warehouse_id or assignee_id (or both)")
    async with store.write() as tx:
        order = await tx.get("orders", order_id)
        if order is None or order["deleted"]:
            raise NotFound(f"no order {order_id}")
        if changes.get("warehouse_id"):
            wh = await tx.get("warehouses", changes["warehouse_id"])
            if wh is None or wh["deleted"]:
                raise UnknownWarehouse(f"no warehouse {changes['warehouse_id']}")
        if order["status"] in FIELDS_LOCKED:
            raise OrderLocked(f"order {order['number']} is {order['status']}: it can no longer "
                              "be assigned")  # fmt: skip
        args = {"id": order_id, "base_version": order["version"], "set": changes}
        try:  # whom an order may be assigned to is the mutation's rule (sync/rules/assign.py)
            await apply_as(tx, actor, "order.update", args, policy)
        except Refused as e:
            if (error := ASSIGN_ERRORS.get(e.code)) is None:
                raise
            raise error(e.message) from None
        before = {f: order[f] for f in changes}
        tx.audit("orders.assign", order_id,
                 {"number": order["number"], "set": changes, "was": before}, actor.user_id)  # fmt: skip
    return await queries.detail(db, order_id)


# ---- the console's order form -------------------------------------------------------------------


async def create(
    store: SqlSyncStore, db: Database, policy: Policy, actor: Actor, data: OrderIn
) -> OrderDetail:
    """A new order: the ``order.create`` a phone sends, as the acting admin, channel ``web``,
    numbered ``W-`` and a unique tail (the rule refuses a number taken)."""
    order_id = uuid7()
    args = {
        "id": order_id, "number": f"W-{order_id[-10:].upper()}", "customer_id": data.customer_id,
        "lines": [{"id": uuid7(), "product_id": ln.product_id, "qty": ln.qty,
                   "unit_price": ln.unit_price, "discount_bp": ln.discount_bp}
                  for ln in data.lines],
        "status": data.status, "priority": data.priority, "due_date": data.due_date,
        "notes": data.notes, "delivery_address": data.delivery_address,
        "warehouse_id": data.warehouse_id, "channel": "web",
    }  # fmt: skip
    async with store.write() as tx:
        await apply_as(tx, actor, "order.create", args, policy)
        tx.audit("orders.create", order_id, {"number": args["number"]}, actor.user_id)
    return await queries.detail(db, order_id)


async def edit(
    store: SqlSyncStore, db: Database, policy: Policy, actor: Actor, order_id: str,
    data: OrderEdit,
) -> OrderDetail:  # fmt: skip
    """The fields given set from ``base_version`` (``order.update``: the rule says which fields
    an order in its status allows, and merges or answers a conflict)."""
    changes = {f: getattr(data, f) for f in ORDER_EDIT_FIELDS
               if getattr(data, f) is not msgspec.UNSET}  # fmt: skip
    if not changes:
        raise BadRequest("name a field to change")
    async with store.write() as tx:
        order = await tx.get("orders", order_id)
        if order is None or order["deleted"]:
            raise NotFound(f"no order {order_id}")
        args = {"id": order_id, "base_version": data.base_version, "set": changes}
        await apply_as(tx, actor, "order.update", args, policy)
        tx.audit("orders.edit", order_id, {"number": order["number"], "set": changes,
                                           "was": {f: order[f] for f in changes}},
                 actor.user_id)  # fmt: skip
    return await queries.detail(db, order_id)


async def note(store: SqlSyncStore, db: Database, actor: Actor, order_id: str, text: str
               ) -> OrderDetail:  # fmt: skip
    """A note on the order's timeline: an entry of the append-only audit log."""
    async with store.write() as tx:
        order = await tx.get("orders", order_id)
        if order is None or order["deleted"]:
            raise NotFound(f"no order {order_id}")
        tx.audit("orders.note", order_id, {"text": text}, actor.user_id)
    return await queries.detail(db, order_id)


async def set_line(
    store: SqlSyncStore, db: Database, policy: Policy, actor: Actor, order_id: str, line_id: str,
    data: LineEdit,
) -> OrderDetail:  # fmt: skip
    """A line added or changed (``order.line.upsert``): the rule says whether the order's lines
    may still change, and merges or keeps a conflict."""
    line = {"id": line_id, "product_id": data.product_id, "qty": data.qty,
            "unit_price": data.unit_price, "discount_bp": data.discount_bp}  # fmt: skip
    args = {"order_id": order_id, "base_version": data.base_version, "line": line}
    async with store.write() as tx:
        await apply_as(tx, actor, "order.line.upsert", args, policy)
        tx.audit("orders.line", order_id, {"line": line}, actor.user_id)
    return await queries.detail(db, order_id)


async def remove_line(
    store: SqlSyncStore, db: Database, policy: Policy, actor: Actor, order_id: str, line_id: str,
    base_version: int,
) -> OrderDetail:  # fmt: skip
    """A line removed (``order.line.remove``), by the same rule."""
    args = {"order_id": order_id, "base_version": base_version, "line_id": line_id}
    async with store.write() as tx:
        await apply_as(tx, actor, "order.line.remove", args, policy)
        tx.audit("orders.line.remove", order_id, {"line_id": line_id}, actor.user_id)
    return await queries.detail(db, order_id)
