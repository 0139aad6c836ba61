"""The order state machine of ``shared/states.py``, checked against DESIGN §6 written out here
independently: a change to the machine must change this table too, on purpose."""

from __future__ import annotations

import itertools

import pytest

from shared import states
from shared.roles import ROLES, may_send
from shared.states import (
    FIELDS_LOCKED,
    LINES_LOCKED,
    STATUSES,
    SUPER_ROLES,
    TERMINAL,
    TRANSITIONS,
    can_transition,
    role_may_transition,
)

# DESIGN §6: draft → submitted → (on_hold ↔) confirmed → picking → packed → shipped → delivered
# → completed; cancelled (before picking, later with a restock); returned → refunded.
ALLOWED: set[tuple[str, str]] = {
    ("draft", "submitted"),
    ("draft", "cancelled"),
    ("submitted", "on_hold"),
    ("submitted", "confirmed"),
    ("submitted", "cancelled"),
    ("on_hold", "confirmed"),
    ("on_hold", "cancelled"),
    ("confirmed", "on_hold"),
    ("confirmed", "picking"),
    ("confirmed", "cancelled"),
    ("picking", "packed"),
    ("picking", "cancelled"),
    ("packed", "shipped"),
    ("packed", "cancelled"),
    ("shipped", "delivered"),
    ("shipped", "returned"),
    ("delivered", "completed"),
    ("delivered", "returned"),
    ("completed", "returned"),
    ("returned", "refunded"),
}

ALL_PAIRS = list(itertools.product(STATUSES, STATUSES))
DISALLOWED = [p for p in ALL_PAIRS if p not in ALLOWED]

# Who may move an order into each status (admin and manager may make every transition).
ROLES_FOR: dict[str, set[str]] = {
    "submitted": {"sales"},
    "on_hold": {"finance"},
    "confirmed": {"finance"},
    "picking": {"warehouse"},
    "packed": {"warehouse"},
    "shipped": {"warehouse"},
    "delivered": {"warehouse", "sales"},
    "completed": {"sales", "finance"},
    "cancelled": {"sales"},
    "returned": {"warehouse", "support"},
    "refunded": {"finance"},
}


def test_statuses_are_the_twelve_of_the_design() -> None:
    assert set(STATUSES) == {
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
    }
    assert len(STATUSES) == len(set(STATUSES))


def test_every_status_has_a_row_and_every_target_is_a_status() -> None:
    assert set(TRANSITIONS) == set(STATUSES)
    for src, targets in TRANSITIONS.items():
        assert targets <= set(STATUSES), src
        assert src not in targets, f"{src} → {src} must not be a transition (it is a no-op)"


def test_the_machine_is_exactly_the_designed_table() -> None:
    actual = {(src, dst) for src, targets in TRANSITIONS.items() for dst in targets}
    assert actual == ALLOWED


@pytest.mark.parametrize(("src", "dst"), sorted(ALLOWED))
def test_allowed_transition(src: str, dst: str) -> None:
    assert can_transition(src, dst)


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ("shipped", "cancelled"),  # cancel after ship: the goods are gone, return instead
        ("delivered", "cancelled"),
        ("completed", "cancelled"),
        ("cancelled", "submitted"),  # cancelled is final
        ("cancelled", "confirmed"),
        ("refunded", "returned"),  # refunded is final
        ("draft", "confirmed"),  # no skipping review
        ("draft", "shipped"),
        ("submitted", "picking"),  # no picking before confirmation
        ("confirmed", "shipped"),  # no shipping before packing
        ("picking", "shipped"),
        ("packed", "picking"),  # no going back in the warehouse
        ("shipped", "packed"),
        ("on_hold", "picking"),
        ("picking", "on_hold"),
        ("submitted", "draft"),
        ("returned", "shipped"),
        ("submitted", "refunded"),
        ("confirmed", "returned"),  # nothing left the warehouse yet
    ],
)
def test_disallowed_transition(src: str, dst: str) -> None:
    assert not can_transition(src, dst)


def test_every_pair_not_in_the_table_is_refused() -> None:
    assert all(not can_transition(s, d) for s, d in DISALLOWED)
    # Same status to same status is not a transition either (the engine answers it as a no-op).
    assert all(not can_transition(s, s) for s in STATUSES)


def test_unknown_statuses_are_refused() -> None:
    assert not can_transition("nonsense", "submitted")
    assert not can_transition("draft", "nonsense")
    assert not can_transition("", "")


def test_cancel_before_ship_allowed_after_ship_refused() -> None:
    before = ["draft", "submitted", "on_hold", "confirmed", "picking", "packed"]
    after = ["shipped", "delivered", "completed", "returned", "refunded", "cancelled"]
    assert all(can_transition(s, "cancelled") for s in before)
    assert not any(can_transition(s, "cancelled") for s in after)


def test_on_hold_goes_both_ways_with_confirmed() -> None:
    assert can_transition("on_hold", "confirmed") and can_transition("confirmed", "on_hold")


def test_the_happy_path_is_walkable() -> None:
    path = [
        "draft",
        "submitted",
        "confirmed",
        "picking",
        "packed",
        "shipped",
        "delivered",
        "completed",
        "returned",
        "refunded",
    ]
    for src, dst in itertools.pairwise(path):
        assert can_transition(src, dst), (src, dst)


def test_every_status_is_reachable_from_draft() -> None:
    seen, todo = {"draft"}, ["draft"]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(STATUSES)


def test_terminal_statuses() -> None:
    assert {"cancelled", "refunded"} == TERMINAL
    for s in TERMINAL:
        assert not any(can_transition(s, d) for d in STATUSES)


# ---- roles --------------------------------------------------------------------------------


def test_super_roles() -> None:
    assert {"admin", "manager"} == SUPER_ROLES


def test_transition_roles_table_is_the_designed_one() -> None:
    assert {k: set(v) for k, v in states.TRANSITION_ROLES.items()} == ROLES_FOR


@pytest.mark.parametrize("target", [s for s in STATUSES if s != "draft"])
@pytest.mark.parametrize("role", ROLES)
def test_role_per_target(role: str, target: str) -> None:
    expected = role in SUPER_ROLES or role in ROLES_FOR[target]
    assert role_may_transition(role, target) is expected


def test_nobody_but_super_roles_moves_an_order_back_to_draft() -> None:
    for role in ROLES:
        assert role_may_transition(role, "draft") is (role in SUPER_ROLES)


def test_unknown_role_may_not_transition() -> None:
    assert not any(role_may_transition("intruder", s) for s in STATUSES)
    assert not role_may_transition("", "submitted")


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("warehouse", "confirmed"),  # warehouse does not approve orders
        ("warehouse", "cancelled"),
        ("warehouse", "refunded"),
        ("sales", "picking"),
        ("sales", "shipped"),
        ("sales", "refunded"),
        ("finance", "shipped"),
        ("finance", "cancelled"),
        ("support", "confirmed"),
        ("support", "refunded"),
    ],
)
def test_role_refused(role: str, target: str) -> None:
    assert not role_may_transition(role, target)


def test_every_role_named_for_a_transition_may_send_order_transition() -> None:
    for target, roles in ROLES_FOR.items():
        for role in roles | SUPER_ROLES:
            assert may_send(role, "order.transition"), (role, target)


def test_every_allowed_transition_has_a_non_super_role() -> None:
    for _, dst in ALLOWED:
        assert states.TRANSITION_ROLES[dst] - SUPER_ROLES, dst


# ---- locks --------------------------------------------------------------------------------


def test_fields_locked_once_the_goods_have_left_or_the_order_is_closed() -> None:
    assert {
        "shipped",
        "delivered",
        "completed",
        "cancelled",
        "returned",
        "refunded",
    } == FIELDS_LOCKED


def test_lines_locked_from_picking_on() -> None:
    assert FIELDS_LOCKED | {"picking", "packed"} == LINES_LOCKED
    for s in ("draft", "submitted", "on_hold", "confirmed"):
        assert s not in LINES_LOCKED and s not in FIELDS_LOCKED
    for s in ("picking", "packed"):
        assert s in LINES_LOCKED and s not in FIELDS_LOCKED


def test_terminal_statuses_lock_everything() -> None:
    assert TERMINAL <= FIELDS_LOCKED <= LINES_LOCKED


def test_locks_only_grow_along_transitions() -> None:
    """Once locked, every later status stays locked (except nothing: no way to unlock)."""
    for src, dst in ALLOWED:
        if src in FIELDS_LOCKED:
            assert dst in FIELDS_LOCKED, (src, dst)
        if src in LINES_LOCKED:
            assert dst in LINES_LOCKED, (src, dst)
