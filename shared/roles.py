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
        }
    ),
    "warehouse": frozenset({"order.transition", "stock.move"}),
    "finance": frozenset({"order.transition", "payment.record"}),
    "support": frozenset({"customer.upsert", "order.update", "order.transition"}),
}

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
