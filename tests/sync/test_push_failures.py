"""What a push does when applying a mutation raises: a bug in a rule is stored with the
mutation (``rejected``/``internal_error``, nothing the device sent is lost, the rest of the
batch goes on), but the database failing under it (connection gone, disk, lock) fails the
whole push, which rolls back and is sent again by the device — not stored as a server bug."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from sync.context import Actor
from sync.ids import uuid7
from sync.protocol import PushRequest
from sync.push import push
from sync.rules import HANDLERS
from tests.sync.test_rules import Device

REP = Actor("u-a", "sales", device_id="dev-a")


def _customer() -> dict[str, Any]:
    return {"id": uuid7(), "name": "Jade Garden"}


def _failing(exc: Exception) -> Callable[..., Any]:
    async def handler(ctx: Any, args: Any) -> Any:
        await ctx.tx.get("customers", "anything")  # the rule got as far as the database
        raise exc

    return handler


async def test_a_bug_in_a_rule_is_stored_and_the_batch_goes_on(store, catalog, monkeypatch):
    device = Device(store, REP, "c-bug")
    bug = device.mutation("customer.upsert", _customer())
    monkeypatch.setitem(HANDLERS, "customer.upsert", _failing(ValueError("a bug")))
    transition = device.mutation("order.transition", {"id": uuid7(), "from": "a", "to": "b"})
    first, second = await device.push(bug, transition)
    assert (first.status, first.error) == ("rejected", "internal_error")
    assert second.status in ("rejected", "conflict")  # the batch went on past the bug
    async with store.write() as tx:
        logged = await tx.logged("c-bug", 1)
    assert logged is not None and logged.error == "internal_error"


@pytest.mark.parametrize(
    "failure",
    [ConnectionResetError("reset by peer"), sqlite3.OperationalError("disk I/O error")],
    ids=["connection-reset", "sqlite-disk"],
)
async def test_a_failing_database_fails_the_whole_push(store, catalog, monkeypatch, failure):
    device = Device(store, REP, "c-db")
    applied = device.mutation("customer.upsert", _customer())
    broken = device.mutation("customer.upsert", _customer())
    real = HANDLERS["customer.upsert"]
    calls = 0

    async def second_fails(ctx: Any, args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            return await _failing(failure)(ctx, args)
        return await real(ctx, args)

    monkeypatch.setitem(HANDLERS, "customer.upsert", second_fails)
    request = PushRequest(client_id="c-db", schema=1, mutations=[applied, broken])
    with pytest.raises(type(failure)):
        await push(store, REP, request)
    # Rolled back whole: not even the first mutation, and nothing logged as a server bug.
    async with store.write() as tx:
        assert await tx.logged("c-db", 1) is None
        assert await tx.logged("c-db", 2) is None
        assert await tx.get("customers", applied.args["id"]) is None
    # The device sends the same batch again once the database is back: applied once each.
    monkeypatch.setitem(HANDLERS, "customer.upsert", real)
    again = await push(store, REP, PushRequest(client_id="c-db", schema=1,
                                               mutations=[applied, broken]))  # fmt: skip
    assert [r.status for r in again.results] == ["applied", "applied"]
