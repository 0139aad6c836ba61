"""Roles, the mutations each may send, and the scope of rows each may see and touch."""

from __future__ import annotations

ROLES: tuple[str, ...] = ("admin", "manager", "sales", "warehouse", "finance", "support")

ALL_MUTATIONS: frozenset[str] = frozenset(
    {
        "customer.upsert",
        "order.create",
        "order.update",
        "order.line.upsert",
        "order.line.remove",
        "order.transition",
        "stock.move",
        "payment.record",
        "conflict.resolve",
        "qr.issue",
        "scan.record",
        "qr.redeem",
        "redemption.review",  # and the ``redemptions.review`` permission: admin, manager
        "stocktake.line",
    }
)

MUTATIONS_BY_ROLE: dict[str, frozenset[str]] = {
    "admin": ALL_MUTATIONS,
    "manager": ALL_MUTATIONS,
    "sales": frozenset(
        {
            "customer.upsert",
            "order.create",
            "order.update",
            "order.line.upsert",
            "order.line.remove",
            "order.transition",
            "payment.record",
            "conflict.resolve",
            "qr.issue",  # the QR code of an order made offline, signed by the device
            "scan.record",  # ``view`` scans only (SCAN_ROLES below)
        }
    ),
    # Every role may resolve the conflicts it caused (a picker's negative stock, a clerk's
    # payment); resolving anyone's takes the ``conflicts.resolve`` permission below.
    "warehouse": frozenset(
        {"order.transition", "stock.move", "conflict.resolve", "scan.record", "qr.redeem",
         "stocktake.line"}
    ),
    "finance": frozenset(
        {"order.transition", "payment.record", "conflict.resolve", "scan.record"}
    ),
    "support": frozenset(
        {"customer.upsert", "order.update", "order.transition", "conflict.resolve", "scan.record"}
    ),
}

# Scans (docs/warehouse.md): every role that syncs may record a ``view`` scan; the other actions
# (pick, pack, ship, return, redeem, count) are for these roles only.
SCAN_ROLES: frozenset[str] = frozenset({"warehouse", "admin", "manager"})


def may_scan(role: str, action: str) -> bool:
    """Whether ``role`` may record a scan with ``action``."""
    return action == "view" or role in SCAN_ROLES

# "own": rows the user owns (a rep's customers and orders); "warehouse": rows of the user's
# warehouse; "all": everything.
SCOPE_BY_ROLE: dict[str, str] = {
    "admin": "all",
    "manager": "all",
    "sales": "own",
    "warehouse": "warehouse",
    "finance": "all",
    "support": "all",
}


def may_send(role: str, mutation: str) -> bool:
    """Whether ``role`` may send the mutation ``mutation`` at all (scope is checked apart)."""
    return mutation in MUTATIONS_BY_ROLE.get(role, frozenset())


# What endpoints ask for, and who has it. Mutations are checked by ``may_send`` above; these are
# the other actions. The PWA reads this table from the exported JSON to show what a role can do;
# the server checks every one of them (tests generate a case for every role/permission pair).
PERMISSIONS: dict[str, frozenset[str]] = {
    "sync": frozenset(ROLES),  # push, pull, events
    "users.read": frozenset({"admin", "manager"}),
    "users.manage": frozenset({"admin"}),  # invite, enrollment links, role, disable
    "devices.read": frozenset({"admin", "manager", "support"}),
    "devices.revoke": frozenset({"admin"}),
    "passkeys.revoke": frozenset({"admin"}),
    "catalog.edit": frozenset({"admin", "manager"}),  # products and their prices
    "audit.read": frozenset({"admin"}),
    # Resolve (or refer) conflicts other users caused; everyone may resolve their own.
    "conflicts.resolve": frozenset({"admin", "manager"}),
    # Order QR codes (docs/qr.md), of the orders the user can see: show, print (issuing the
    # first code on first ask), and reissue (which revokes the codes given out before).
    "qr.read": frozenset({"admin", "manager", "sales", "warehouse", "support"}),
    "qr.reissue": frozenset({"admin", "manager", "sales", "warehouse"}),
    # Approve or refuse a redemption waiting for review (the ``redemption.review`` mutation).
    "redemptions.review": frozenset({"admin", "manager"}),
    # Take and release redemption leases (a device session of a warehouse user, or an admin's).
    "redemptions.lease": frozenset({"admin", "manager", "warehouse"}),
    # Open a stocktake session and see its variances; apply it (writes the count moves).
    "stocktakes.run": frozenset({"admin", "manager", "warehouse"}),
    "stocktakes.apply": frozenset({"admin", "manager"}),
    # The admin console (docs/admin.md). Orders: the server-paged list, detail and timeline,
    # export; assign a warehouse and a person; the review queue and the review rules.
    "orders.read": frozenset({"admin", "manager", "finance", "support"}),
    "orders.assign": frozenset({"admin", "manager"}),
    "orders.review": frozenset({"admin", "manager", "finance"}),
    "reviewrules.edit": frozenset({"admin", "manager"}),
    # Batch import of orders and products (CSV/XLSX).
    "imports.run": frozenset({"admin", "manager"}),
    # Products, warehouses, stock levels, the moves ledger, low-stock alerts; and changing them.
    "inventory.read": frozenset({"admin", "manager", "warehouse"}),
    "inventory.manage": frozenset({"admin", "manager"}),
    # Complaints and returns linked to orders; refunds (recorded as payments).
    "aftersales.read": frozenset({"admin", "manager", "support", "finance"}),
    "aftersales.manage": frozenset({"admin", "manager", "support"}),
    "refunds.record": frozenset({"admin", "manager", "finance"}),
    "reports.read": frozenset({"admin", "manager", "finance"}),
}


def has_permission(role: str, permission: str) -> bool:
    return role in PERMISSIONS.get(permission, frozenset())


def permissions_of(role: str) -> list[str]:
    return sorted(p for p, roles in PERMISSIONS.items() if role in roles)
