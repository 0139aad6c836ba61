"""Who an order may be assigned to (``order.update`` of ``assignee_id`` / ``warehouse_id``).

One rule for every path — sync, the console's assign (server/admin/orders.py), a conflict's
resolution — docs/admin.md § Assigning: changing the assignee takes the ``orders.assign``
permission; the assignee must be an enabled warehouse user of the order's warehouse as it will
be (the target warehouse when both change at once), or the picker's handheld never sees it.
"""

from __future__ import annotations

from shared.roles import has_permission
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.store import Row


async def check(ctx: MutationContext, order: Row, changes: Row) -> None:
    """Refuse (``forbidden``, ``unknown_user``, ``user_disabled``, ``wrong_warehouse``) a change
    of ``order`` that assigns it to someone who cannot work it."""
    moves_assignee = "assignee_id" in changes and changes["assignee_id"] != order["assignee_id"]
    moves_warehouse = (
        "warehouse_id" in changes and changes["warehouse_id"] != order["warehouse_id"]
    )
    if moves_assignee and not has_permission(ctx.actor.role, "orders.assign"):
        raise MutationRejected(
            "forbidden", f"a {ctx.actor.role} may not assign orders to people (orders.assign)"
        )
    assignee = changes.get("assignee_id", order["assignee_id"])
    if assignee is None or not (moves_assignee or moves_warehouse):
        return
    warehouse = changes.get("warehouse_id", order["warehouse_id"])
    user = await ctx.tx.user(assignee)
    if user is None:
        raise MutationRejected("unknown_user", f"no user {assignee}")
    if user["disabled"]:
        raise MutationRejected("user_disabled", f"user {assignee} is disabled: enable them first")
    if user["role"] != "warehouse" or user["warehouse_id"] != warehouse or warehouse is None:
        where = f"warehouse {warehouse}" if warehouse else "no warehouse yet"
        raise MutationRejected(
            "wrong_warehouse",
            f"order {order['number']} is assigned to a warehouse user of its own warehouse "
            f"({where}); {assignee} is a {user['role']}"
            + (f" of {user['warehouse_id']}" if user["warehouse_id"] else ""),
        )
