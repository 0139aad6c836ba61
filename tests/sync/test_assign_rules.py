"""Whom an order may be assigned to (sync/rules/assign.py, docs/admin.md § Assigning), through
``order.update`` on both databases: assigning takes ``orders.assign``; the assignee is an
enabled warehouse user of the order's warehouse as it will be."""

from __future__ import annotations

from typing import Any

import pytest

from sync.context import Actor
from tests.sync.test_rules import ADMIN, REP_A, Device, conflict_row, get, order_args, version

MANAGER = Actor("u-mgr", "manager", device_id="dev-mgr")

USERS = [  # id, role, warehouse, disabled
    ("u-pick1", "warehouse", "wh-1", False),
    ("u-pick2", "warehouse", "wh-2", False),
    ("u-gone", "warehouse", "wh-1", True),
    ("u-a", "sales", None, False),
]


@pytest.fixture
async def scene(store: Any, catalog: dict) -> dict[str, Device]:
    """Users of USERS; rep A's order o-1 in wh-1; rep A's phone and the admin's desk."""
    async with store.write() as tx:
        for uid, role, wh, disabled in USERS:
            await tx.conn.execute(
                "INSERT INTO users (id, name, role, warehouse_id, disabled, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (uid, uid, role, wh, disabled, "2026-01-01T00:00:00.000Z"),
            )
    rep = Device(store, REP_A, "rep-a-phone")
    assert (await rep.send("customer.upsert", {"id": "c-a", "name": "Ann"})).status == "applied"
    r = await rep.send("order.create", order_args(warehouse_id="wh-1"))
    assert r.status == "applied", r
    return {"rep": rep, "admin": Device(store, ADMIN, "admin-desk")}


async def update(store: Any, dev: Device, **fields: Any) -> Any:
    base = await version(store, "orders", "o-1")
    return await dev.send("order.update", {"id": "o-1", "base_version": base, "set": fields})


async def test_a_rep_may_not_assign_an_order_through_sync(store: Any, scene: dict) -> None:
    for who in ("u-pick1", "no-such-user", "u-pick2"):
        r = await update(store, scene["rep"], assignee_id=who)
        assert (r.status, r.error) == ("rejected", "forbidden"), (who, r)
    assert (await get(store, "orders", "o-1"))["assignee_id"] is None


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"assignee_id": "no-such-user"}, "unknown_user"),
        ({"assignee_id": "u-gone"}, "user_disabled"),
        ({"assignee_id": "u-pick2"}, "wrong_warehouse"),  # a picker of another warehouse
        ({"assignee_id": "u-a"}, "wrong_warehouse"),  # not a warehouse user
        ({"warehouse_id": "wh-2", "assignee_id": "u-pick1"}, "wrong_warehouse"),
        ({"warehouse_id": None, "assignee_id": "u-pick1"}, "wrong_warehouse"),
    ],
)
async def test_the_assignee_must_be_a_warehouse_user_of_the_orders_warehouse(
    store: Any, scene: dict, fields: dict, code: str
) -> None:
    r = await update(store, scene["admin"], **fields)
    assert (r.status, r.error) == ("rejected", code), r
    row = await get(store, "orders", "o-1")
    assert (row["assignee_id"], row["warehouse_id"]) == (None, "wh-1")


async def test_assigning_a_picker_of_the_warehouse_as_it_will_be(store: Any, scene: dict) -> None:
    admin, rep = scene["admin"], scene["rep"]
    assert (await update(store, admin, assignee_id="u-pick1")).status == "applied"
    # Moving the order away from its picker's warehouse leaves the picker unable to see it.
    r = await update(store, rep, warehouse_id="wh-2")
    assert (r.status, r.error) == ("rejected", "wrong_warehouse"), r
    # Both at once, to the target warehouse's picker: yes.
    r = await update(store, admin, warehouse_id="wh-2", assignee_id="u-pick2")
    assert r.status == "applied", r
    row = await get(store, "orders", "o-1")
    assert (row["assignee_id"], row["warehouse_id"]) == ("u-pick2", "wh-2")
    # Clearing takes the permission too; the admin may.
    r = await update(store, rep, assignee_id=None)
    assert (r.status, r.error) == ("rejected", "forbidden")
    assert (await update(store, admin, assignee_id=None)).status == "applied"
    # With no assignee, a rep moves the order's warehouse as before.
    assert (await update(store, rep, warehouse_id="wh-1")).status == "applied"


async def test_two_concurrent_assignments_first_stays_second_conflicts(
    store: Any, scene: dict
) -> None:
    base = await version(store, "orders", "o-1")
    mgr = Device(store, MANAGER, "mgr-desk")

    def assign(who: str) -> dict:
        return {"id": "o-1", "base_version": base, "set": {"assignee_id": who}}

    assert (await scene["admin"].send("order.update", assign("u-pick1"))).status == "applied"
    (r,) = await mgr.push(mgr.mutation("order.update", assign("u-pick1")))
    assert r.status == "merged"
    async with store.write() as tx:  # a second picker of wh-1
        await tx.conn.execute(
            "INSERT INTO users (id, name, role, warehouse_id, disabled, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            ("u-pick1b", "u-pick1b", "warehouse", "wh-1", False, "2026-01-01T00:00:00.000Z"),
        )
    r = await mgr.send("order.update", assign("u-pick1b"))
    assert r.status == "conflict", r
    c = await conflict_row(store, r.conflict_id)
    assert (c["field"], c["base_value"], c["server_value"], c["client_value"]) == (
        "assignee_id", None, "u-pick1", "u-pick1b",
    )  # fmt: skip
    assert (await get(store, "orders", "o-1"))["assignee_id"] == "u-pick1"
