"""The order state machine: statuses, allowed transitions, who may make them, what is locked."""

from __future__ import annotations

STATUSES: tuple[str, ...] = (
    "draft",
    "submitted",
    "on_hold",
    "confirmed",
    "picking",
    "packed",
    "shipped",
    "delivered",
    "completed",
    "cancelled",
    "returned",
    "refunded",
)

# from -> allowed next statuses. Cancelling after picking started is allowed (with a restock);
# after shipping it is not: the goods are gone, a return is the way back.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted", "cancelled"}),
    "submitted": frozenset({"on_hold", "confirmed", "cancelled"}),
    "on_hold": frozenset({"confirmed", "cancelled"}),
    "confirmed": frozenset({"on_hold", "picking", "cancelled"}),
    "picking": frozenset({"packed", "cancelled"}),
    "packed": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"delivered", "returned"}),
    "delivered": frozenset({"completed", "returned"}),
    "completed": frozenset({"returned"}),
    "returned": frozenset({"refunded"}),
    "cancelled": frozenset(),
    "refunded": frozenset(),
}

# Which roles may make a transition, by target status. admin and manager may make any.
TRANSITION_ROLES: dict[str, frozenset[str]] = {
    "submitted": frozenset({"sales"}),
    "on_hold": frozenset({"finance"}),
    "confirmed": frozenset({"finance"}),
    "picking": frozenset({"warehouse"}),
    "packed": frozenset({"warehouse"}),
    "shipped": frozenset({"warehouse"}),
    "delivered": frozenset({"warehouse", "sales"}),
    "completed": frozenset({"sales", "finance"}),
    "cancelled": frozenset({"sales"}),
    "returned": frozenset({"warehouse", "support"}),
    "refunded": frozenset({"finance"}),
}
SUPER_ROLES: frozenset[str] = frozenset({"admin", "manager"})

# Order header fields may not change once the goods have left (or the order is closed).
FIELDS_LOCKED: frozenset[str] = frozenset(
    {"shipped", "delivered", "completed", "cancelled", "returned", "refunded"}
)
# Lines may not change once picking has started.
LINES_LOCKED: frozenset[str] = FIELDS_LOCKED | {"picking", "packed"}

# An order may be redeemed (its QR code scanned at hand-over, docs/warehouse.md) once the goods
# are ready to leave: packed (collected at the warehouse), shipped or delivered.
REDEEMABLE: frozenset[str] = frozenset({"packed", "shipped", "delivered"})

# Overdue: due before today and the goods not gone yet — drafts included (a late draft is a late
# order someone must submit or cancel). The one rule of the console's badge and list, the Overdue
# report and the phone's list (vocabulary "overdue_statuses").
OVERDUE_STATUSES: frozenset[str] = frozenset(STATUSES) - FIELDS_LOCKED


def is_overdue(due_date: str | None, status: str, today: str) -> bool:
    """Whether an order due on ``due_date`` (ISO day) in ``status`` is overdue on ``today``."""
    return due_date is not None and due_date < today and status in OVERDUE_STATUSES


TERMINAL: frozenset[str] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)


def can_transition(current: str, target: str) -> bool:
    """Whether the machine allows ``current -> target``."""
    return target in TRANSITIONS.get(current, frozenset())


def role_may_transition(role: str, target: str) -> bool:
    """Whether ``role`` may move an order into ``target``."""
    return role in SUPER_ROLES or role in TRANSITION_ROLES.get(target, frozenset())
