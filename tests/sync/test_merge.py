"""The pure field merge of ``sync/merge.py`` (DESIGN §5): apply, merge, conflict, LWW."""

from __future__ import annotations

import copy

from sync.hlc import Clock
from sync.merge import FieldMerge, merge_fields

ME = "client-me"
OTHER = "client-other"


def hlcs(*walls: int) -> list[str]:
    """HLC strings of events at the given wall-clock milliseconds, from distinct nodes."""
    return [str(Clock(f"n{i}", wall=lambda w=w: w).now()) for i, w in enumerate(walls)]


def test_untouched_field_is_applied() -> None:
    plan = merge_fields({"a": 1}, {"a": (3, OTHER)}, 5, {"a": 2}, client_id=ME)
    assert plan.apply == {"a": 2}
    assert plan.conflicts == [] and plan.merged == []
    assert not plan.concurrent


def test_field_written_exactly_at_base_is_not_concurrent() -> None:
    plan = merge_fields({"a": 1}, {"a": (5, OTHER)}, 5, {"a": 2}, client_id=ME)
    assert plan.apply == {"a": 2} and not plan.concurrent


def test_field_never_versioned_is_applied() -> None:
    plan = merge_fields({}, {}, 0, {"a": "x"}, client_id=ME)
    assert plan.apply == {"a": "x"} and not plan.concurrent


def test_same_field_written_since_by_another_client_conflicts() -> None:
    plan = merge_fields({"a": "server"}, {"a": (6, OTHER)}, 5, {"a": "client"}, client_id=ME)
    assert plan.apply == {}
    assert plan.conflicts == ["a"]
    assert plan.merged == []
    assert plan.concurrent


def test_own_earlier_write_since_base_is_not_a_conflict() -> None:
    """The client's own earlier mutations are part of what it edited from."""
    plan = merge_fields({"a": "mine"}, {"a": (9, ME)}, 0, {"a": "mine again"}, client_id=ME)
    assert plan.apply == {"a": "mine again"}
    assert plan.conflicts == [] and not plan.concurrent


def test_equal_value_written_since_is_merged_not_applied() -> None:
    plan = merge_fields({"a": "same"}, {"a": (6, OTHER)}, 5, {"a": "same"}, client_id=ME)
    assert plan.apply == {}
    assert plan.conflicts == []
    assert plan.merged == ["a"]
    assert plan.concurrent


def test_equal_value_not_written_since_is_nothing_at_all() -> None:
    plan = merge_fields({"a": "same"}, {"a": (2, OTHER)}, 5, {"a": "same"}, client_id=ME)
    assert plan == FieldMerge()


def test_none_is_a_value_like_any_other() -> None:
    plan = merge_fields({"a": None}, {"a": (6, OTHER)}, 5, {"a": None}, client_id=ME)
    assert plan.merged == ["a"] and plan.apply == {}
    plan = merge_fields({"a": "x"}, {"a": (2, OTHER)}, 5, {"a": None}, client_id=ME)
    assert plan.apply == {"a": None}
    plan = merge_fields({"a": "x"}, {"a": (6, OTHER)}, 5, {"a": None}, client_id=ME)
    assert plan.conflicts == ["a"]


def test_missing_current_value_counts_as_none() -> None:
    plan = merge_fields({}, {"a": (6, OTHER)}, 5, {"a": None}, client_id=ME)
    assert plan.merged == ["a"] and plan.apply == {}


def test_different_fields_merge_independently() -> None:
    current = {"a": "A-server", "b": "b0", "c": "c0", "d": "same"}
    versions = {"a": (7, OTHER), "b": (3, OTHER), "c": (8, ME), "d": (9, OTHER)}
    changes = {"a": "A-client", "b": "b1", "c": "c1", "d": "same"}
    plan = merge_fields(current, versions, 5, changes, client_id=ME)
    assert plan.apply == {"b": "b1", "c": "c1"}
    assert plan.conflicts == ["a"]
    assert plan.merged == ["d"]


def test_conflicts_keep_the_order_of_the_changes() -> None:
    versions = {"x": (9, OTHER), "y": (9, OTHER), "z": (9, OTHER)}
    plan = merge_fields({}, versions, 1, {"z": 1, "x": 2, "y": 3}, client_id=ME)
    assert plan.conflicts == ["z", "x", "y"]


def test_inputs_are_not_modified() -> None:
    current = {"a": 1, "b": 2}
    versions = {"a": (9, OTHER), "b": (1, OTHER)}
    changes = {"a": 5, "b": 6}
    snapshot = copy.deepcopy((current, versions, changes))
    merge_fields(current, versions, 5, changes, client_id=ME)
    assert (current, versions, changes) == snapshot


# ---- last-writer-wins fields (notes) -----------------------------------------------------


def test_lww_later_client_hlc_wins_a_concurrent_write() -> None:
    server, client = hlcs(1_000, 2_000)
    plan = merge_fields(
        {"notes": "server"},
        {"notes": (6, OTHER)},
        5,
        {"notes": "client"},
        client_id=ME,
        lww={"notes": (server, client)},
    )
    assert plan.apply == {"notes": "client"}
    assert plan.merged == ["notes"]
    assert plan.conflicts == []


def test_lww_earlier_client_hlc_loses_without_a_conflict() -> None:
    client, server = hlcs(1_000, 2_000)
    plan = merge_fields(
        {"notes": "server"},
        {"notes": (6, OTHER)},
        5,
        {"notes": "client"},
        client_id=ME,
        lww={"notes": (server, client)},
    )
    assert plan.apply == {}
    assert plan.merged == ["notes"]
    assert plan.conflicts == []
    assert plan.concurrent


def test_lww_orders_by_counter_within_one_millisecond() -> None:
    clock = Clock("n", wall=lambda: 5_000)
    first, second = str(clock.now()), str(clock.now())
    assert second > first
    plan = merge_fields(
        {"notes": "s"},
        {"notes": (6, OTHER)},
        5,
        {"notes": "c"},
        client_id=ME,
        lww={"notes": (first, second)},
    )
    assert plan.apply == {"notes": "c"}
    plan = merge_fields(
        {"notes": "s"},
        {"notes": (6, OTHER)},
        5,
        {"notes": "c"},
        client_id=ME,
        lww={"notes": (second, first)},
    )
    assert plan.apply == {}


def test_lww_tie_keeps_the_server_value() -> None:
    (same,) = hlcs(3_000)
    plan = merge_fields(
        {"notes": "s"},
        {"notes": (6, OTHER)},
        5,
        {"notes": "c"},
        client_id=ME,
        lww={"notes": (same, same)},
    )
    assert plan.apply == {} and plan.merged == ["notes"]


def test_lww_without_concurrent_write_applies_whatever_the_clocks_say() -> None:
    """Causally later (the client saw the server value): no clock comparison at all."""
    client, server = hlcs(1_000, 9_000)
    plan = merge_fields(
        {"notes": "s"},
        {"notes": (4, OTHER)},
        5,
        {"notes": "c"},
        client_id=ME,
        lww={"notes": (server, client)},
    )
    assert plan.apply == {"notes": "c"} and not plan.concurrent


def test_lww_applies_to_named_fields_only() -> None:
    server, client = hlcs(1_000, 2_000)
    plan = merge_fields(
        {"notes": "s", "priority": "low"},
        {"notes": (6, OTHER), "priority": (6, OTHER)},
        5,
        {"notes": "c", "priority": "high"},
        client_id=ME,
        lww={"notes": (server, client)},
    )
    assert plan.apply == {"notes": "c"}
    assert plan.conflicts == ["priority"]
    assert plan.merged == ["notes"]
