"""Overwritten notices (docs/protocol.md): every last-writer-wins decision on a field a person
changed tells the person whose value lost, as an ``overwritten`` conflict of theirs that they
may take up: keep what stands, or put their value back.

Order notes are the engine's only last-writer-wins field (``sync.rules.orders.LWW_FIELDS``);
customers and lines are first-writer-wins and conflict instead (tests/sync/test_rules.py).
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from sync.context import Actor
from sync.hlc import wall_ms
from sync.notices import hlc_time
from sync.rules.orders import LWW_FIELDS
from tests.sync.test_rules import (
    ADMIN,
    REP_A,
    Device,
    get,
    hlc_at,
    order_args,
    pull_all,
    sql,
    version,
)
from tests.sync.test_rules import conflict_row as stored

MANAGER = Actor("u-mgr", "manager", device_id="dev-mgr")


@pytest.fixture
async def named(store: Any) -> None:
    """Users rows for the actors, as the server has them: notices carry the winner's name."""
    async with store.write() as w:
        for uid, name, role in (("u-a", "Ann Rep", "sales"), ("u-admin", "Ada Admin", "admin"),
                                ("u-mgr", "Max Manager", "manager")):  # fmt: skip
            await w.conn.execute(
                "INSERT INTO users (id, name, role, disabled, created_at) VALUES (?, ?, ?, ?, ?)",
                (uid, name, role, False, "2026-01-01T00:00:00.000Z"),
            )


@pytest.fixture
async def phone(store: Any, catalog: dict[str, str], named: None) -> Device:
    dev = Device(store, REP_A, "rep-a-phone")
    r = await dev.send("customer.upsert", {"id": "c-a", "name": "Ann's shop"})
    assert r.status == "applied"
    return dev


@pytest.fixture
def office(store: Any, phone: Device) -> Device:
    return Device(store, ADMIN, "admin-desk")


@pytest.fixture
async def order(store: Any, phone: Device) -> int:
    """Order o-1 of rep A, noted "ring twice"; returns its version (the base both edit from)."""
    r = await phone.send("order.create", order_args(notes="ring twice", warehouse_id="wh-1"))
    assert r.status == "applied"
    return await version(store, "orders", "o-1")


async def conflict_row(store: Any, conflict_id: str | None) -> dict[str, Any]:
    row = await stored(store, conflict_id)
    text = row["resolved_value"]
    return {**row, "resolved_value": None if text is None else msgspec.json.decode(text)}


def notes(base: int, text: str | None, **more: Any) -> dict:
    return {"id": "o-1", "base_version": base, "set": {"notes": text, **more}}


async def notices(store: Any) -> list[dict[str, Any]]:
    return await sql(
        store,
        "SELECT id, user_id, kind FROM conflicts WHERE kind = ? ORDER BY id",
        ("overwritten",),
    )


def test_notes_are_the_only_last_writer_wins_field() -> None:
    # A new LWW field needs its own notice (sync.rules.orders.notes_notice): this says so.
    assert LWW_FIELDS == ("notes",)


async def test_an_incoming_older_note_loses_and_its_author_is_told(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    t = wall_ms() + 60_000
    rep_wrote, admin_wrote = hlc_at(t, "phone"), hlc_at(t + 5_000, "desk")
    # The rep writes offline; the admin writes later, online; then the rep's phone syncs.
    r1 = await office.send("order.update", notes(order, "admin: use the back door"), admin_wrote)
    r2 = await phone.send("order.update", notes(order, "rep: call first"), rep_wrote)
    assert r1.status == "applied"
    # The LWW decision stands (merged); the result names the notice the rep gets.
    assert r2.status == "merged" and r2.conflict_id
    assert (await get(store, "orders", "o-1"))["notes"] == "admin: use the back door"

    c = await conflict_row(store, r2.conflict_id)
    assert (c["kind"], c["severity"], c["status"], c["table_name"], c["row_id"], c["field"]) == (
        "overwritten", "low", "open", "orders", "o-1", "notes"
    )  # fmt: skip
    assert (c["base_value"], c["server_value"], c["client_value"]) == (
        "ring twice", "admin: use the back door", "rep: call first"
    )  # fmt: skip
    assert (c["user_id"], c["device_id"], c["client_id"]) == ("u-a", "dev-a", "rep-a-phone")
    assert (c["winner_id"], c["winner_name"]) == ("u-admin", "Ada Admin")
    assert c["winner_at"] == hlc_time(admin_wrote, "") and c["winner_at"].endswith("Z")
    assert c["base_version"] == order
    assert c["mutation"]["args"]["set"] == {"notes": "rep: call first"}
    assert c["buckets"].split() == ["all", "rep:u-a"]

    # It reaches the rep's devices and the admins' in their pulls.
    changes, _ = await pull_all(store, REP_A, "rep-a-phone")
    assert r2.conflict_id in {x.id for x in changes if x.t == "conflicts"}
    changes, _ = await pull_all(store, ADMIN, "admin-desk")
    assert r2.conflict_id in {x.id for x in changes if x.t == "conflicts"}


async def test_an_incoming_newer_note_wins_and_the_earlier_writer_is_told(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    t = wall_ms() + 60_000
    admin_wrote, rep_wrote = hlc_at(t, "desk"), hlc_at(t + 5_000, "phone")
    # The admin's note reaches the server first; the rep wrote later, not having seen it.
    r1 = await office.send("order.update", notes(order, "admin: use the back door"), admin_wrote)
    r2 = await phone.send("order.update", notes(order, "rep: call first"), rep_wrote)
    assert r1.status == "applied"
    # The incoming change stands as before; its own result names no conflict of its author's.
    assert (r2.status, r2.conflict_id) == ("merged", None)
    assert (await get(store, "orders", "o-1"))["notes"] == "rep: call first"

    [n] = await notices(store)
    assert n["user_id"] == "u-admin"  # the one whose value lost
    c = await conflict_row(store, n["id"])
    assert (c["kind"], c["severity"], c["status"], c["field"]) == (
        "overwritten", "low", "open", "notes"
    )  # fmt: skip
    assert (c["base_value"], c["server_value"], c["client_value"]) == (
        "ring twice", "rep: call first", "admin: use the back door"
    )  # fmt: skip
    assert (c["device_id"], c["client_id"]) == ("dev-admin", "admin-desk")
    assert (c["winner_id"], c["winner_name"], c["winner_at"]) == (
        "u-a", "Ann Rep", hlc_time(rep_wrote, "")
    )  # fmt: skip
    assert c["buckets"].split() == ["all", "rep:u-admin"]
    # The rep's devices do not get the admin's notice.
    changes, _ = await pull_all(store, REP_A, "rep-a-tablet")
    assert n["id"] not in {x.id for x in changes if x.t == "conflicts"}


async def test_a_note_written_after_seeing_the_other_is_no_decision_and_no_notice(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    await office.send("order.update", notes(order, "admin words"))
    seen = await version(store, "orders", "o-1")
    slow = hlc_at(wall_ms() - 86_400_000, "slow-clock")  # a day behind (1970 is refused)
    r = await phone.send("order.update", notes(seen, "rep words"), slow)
    assert (r.status, r.conflict_id) == ("applied", None)
    assert await notices(store) == []


async def test_equal_notes_and_one_persons_two_devices_make_no_notice(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    tablet = Device(store, REP_A, "rep-a-tablet")
    t = wall_ms() + 60_000
    await tablet.send("order.update", notes(order, "tablet words"), hlc_at(t + 5_000, "tab"))
    r = await phone.send("order.update", notes(order, "phone words"), hlc_at(t, "phone"))
    assert (r.status, r.conflict_id) == ("merged", None)  # the rep wrote both: nobody to tell
    r = await office.send("order.update", notes(order, "tablet words"), hlc_at(t, "desk"))
    assert (r.status, r.conflict_id) == ("merged", None)  # the same words: nothing lost
    assert await notices(store) == []


async def test_a_losing_note_with_other_fields_applies_those_and_still_tells(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    t = wall_ms() + 60_000
    await office.send("order.update", notes(order, "admin words"), hlc_at(t + 5_000, "desk"))
    r = await phone.send(
        "order.update", notes(order, "rep words", priority="high"), hlc_at(t, "phone")
    )
    assert r.status == "merged" and r.conflict_id
    o = await get(store, "orders", "o-1")
    assert (o["priority"], o["notes"]) == ("high", "admin words")


async def test_the_loser_puts_their_note_back_and_every_device_gets_it(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    t = wall_ms() + 60_000
    await office.send("order.update", notes(order, "admin words"), hlc_at(t + 5_000, "desk"))
    r = await phone.send("order.update", notes(order, "rep words"), hlc_at(t, "phone"))
    _, cursor = await pull_all(store, ADMIN, "admin-desk")

    done = await phone.send("conflict.resolve", {"id": r.conflict_id, "resolution": "client"})
    assert (done.status, done.error) == ("applied", None)
    assert (await get(store, "orders", "o-1"))["notes"] == "rep words"
    c = await conflict_row(store, r.conflict_id)
    assert (c["status"], c["resolution"], c["resolved_value"]) == (
        "resolved", "client", "rep words"
    )  # fmt: skip
    assert (c["resolver_id"], c["resolver_name"]) == ("u-a", "Ann Rep")
    changes, _ = await pull_all(store, ADMIN, "admin-desk", cursor)
    assert {x.t: x.row for x in changes}["orders"]["notes"] == "rep words"


async def test_the_earlier_writer_keeps_what_stands_or_types_another_note(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    t = wall_ms() + 60_000
    await office.send("order.update", notes(order, "admin words"), hlc_at(t, "desk"))
    await phone.send("order.update", notes(order, "rep words"), hlc_at(t + 5_000, "phone"))
    [n] = await notices(store)
    # Right after the decision, nobody wrote the notes since: the admin's value can go back.
    done = await office.send(
        "conflict.resolve",
        {"id": n["id"], "resolution": "custom", "value": "both: call, back door"},
    )
    assert done.status == "applied"
    assert (await get(store, "orders", "o-1"))["notes"] == "both: call, back door"
    # Another round, kept as it stands this time.
    seen = await version(store, "orders", "o-1")
    await phone.send("order.update", notes(seen - 1, "rep again"), hlc_at(t + 9_000, "phone"))
    notes_now = [x for x in await notices(store) if x["id"] != n["id"]]
    assert [x["user_id"] for x in notes_now] == ["u-admin"]
    done = await office.send("conflict.resolve", {"id": notes_now[0]["id"], "resolution": "server"})
    assert done.status == "applied"
    c = await conflict_row(store, notes_now[0]["id"])
    assert (c["resolution"], c["resolved_value"]) == ("server", "rep again")


async def test_a_manager_settles_a_reps_notice_with_their_name_on_it(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    t = wall_ms() + 60_000
    await office.send("order.update", notes(order, "admin words"), hlc_at(t + 5_000, "desk"))
    r = await phone.send("order.update", notes(order, "rep words"), hlc_at(t, "phone"))
    desk = Device(store, MANAGER, "mgr-desk")
    done = await desk.send("conflict.resolve", {"id": r.conflict_id, "resolution": "server"})
    assert done.status == "applied"
    c = await conflict_row(store, r.conflict_id)
    assert (c["resolver_id"], c["resolver_name"], c["resolved_value"]) == (
        "u-mgr", "Max Manager", "admin words"
    )  # fmt: skip
