"""Assigning an order a warehouse and a picker: the ``order.update`` a device would send, applied
as the acting admin (server/admin/writes.py), with its audit entry, in one transaction."""

from __future__ import annotations

import msgspec

from server.admin.orders import queries
from server.admin.orders.schemas import (
    Assign,
    OrderDetail,
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
