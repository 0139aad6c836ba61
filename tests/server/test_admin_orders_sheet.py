"""The orders list as the console's table asks for it (docs/admin.md § Tables): sorted by a
column either way, numbered pages that cover every match once, grouped with every group's count,
and a 400 with a stable code for a sort, direction, group or page it does not offer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.conftest import LiveServer
from tests.server.test_admin_orders import ALL, World


@pytest.fixture(scope="module")
def world(shared_server: LiveServer) -> Iterator[World]:
    yield World(shared_server)


def _sheet(world: World, **params: Any) -> dict[str, Any]:
    r = world.get("/api/admin/orders", **params)
    assert r.status_code == 200, r.text
    return r.json()


def test_sorted_by_a_column_either_way(world: World) -> None:
    up = [r["number"] for r in _sheet(world, sort="number", direction="asc", limit=100)["rows"]]
    assert up == sorted(ALL)
    down = [r["number"] for r in _sheet(world, sort="number", direction="desc", limit=100)["rows"]]
    assert down == sorted(ALL, reverse=True)
    names = [r["customer_name"] for r in _sheet(world, sort="customer", limit=100,
                                                direction="asc")["rows"]]  # fmt: skip
    assert names == sorted(names)
    # Orders without a due date come last, both ways.
    for direction in ("asc", "desc"):
        dues = [r["due_date"] for r in _sheet(world, sort="due_date", direction=direction,
                                              limit=100)["rows"]]  # fmt: skip
        set_ = [d for d in dues if d]
        assert dues == set_ + [None] * (len(dues) - len(set_))
        assert set_ == sorted(set_, reverse=direction == "desc")


def test_numbered_pages_cover_every_match_once(world: World) -> None:
    seen: list[str] = []
    for n in (1, 2, 3):
        body = _sheet(world, sort="total", direction="asc", page=n, limit=4)
        assert body["page"] == n and body["total"] == len(ALL) and body["next"] is None
        seen += [r["number"] for r in body["rows"]]
    assert sorted(seen) == sorted(ALL) and len(seen) == len(ALL)
    assert _sheet(world, page=4, limit=4)["rows"] == []


def test_grouped_with_every_groups_count(world: World) -> None:
    body = _sheet(world, group="status", sort="number", direction="asc", limit=100)
    counts = {g["key"]: g["count"] for g in body["groups"]}
    assert counts == {"cancelled": 1, "confirmed": 1, "draft": 7, "submitted": 2}
    statuses = [r["status"] for r in body["rows"]]
    assert statuses == sorted(statuses)  # a group's rows together, groups in label order
    drafts = [r["number"] for r in body["rows"] if r["status"] == "draft"]
    assert drafts == sorted(drafts)  # sorted within the group
    reps = _sheet(world, group="rep", limit=1)
    assert {g["label"]: g["count"] for g in reps["groups"]} == {"rep1": 3, "rep2": 8}
    assert len(reps["rows"]) == 1  # the counts are of every match, not of the page
    # Filters hold for the groups too.
    only = _sheet(world, group="customer", owner_id=world.ids["rep1"])
    assert {g["label"]: g["count"] for g in only["groups"]} == {
        "Alpha Tea House": 2, "Beta Foods": 1}  # fmt: skip


def test_bad_sorting_answers_400_with_a_code(world: World) -> None:
    cases = [
        ({"sort": "password"}, "invalid_sort"),
        ({"sort": "number; DROP TABLE orders"}, "invalid_sort"),
        ({"direction": "sideways"}, "invalid_sort"),
        ({"group": "colour"}, "invalid_sort"),
        ({"page": 0}, "invalid_request"),
        ({"page": "two"}, None),
        ({"page": 2, "cursor": "abc"}, "invalid_request"),
        ({"sort": "number", "limit": 501}, "invalid_request"),
    ]
    for params, code in cases:
        r = world.get("/api/admin/orders", **params)
        assert r.status_code == 400, (params, r.text)
        if code:
            assert r.json()["code"] == code, (params, r.text)
