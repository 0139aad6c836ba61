"""What an independent client written from docs/protocol.md found (issue 14, items 22–27), held
on both databases through ``sync.push.push``: the base version a client may claim, who owns a
client id, the bounds of an HLC, a line as one unit for conflicts, and fields sent unchanged.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgspec
import pytest

from sync.context import Actor
from sync.errors import ClientIdTaken
from sync.hlc import MAX_SKEW_MS, Timestamp, wall_ms
from sync.protocol import PullRequest
from sync.pull import pull
from tests.sync.test_rules import REP_A, REP_B, Device, conflict_row, get, order_args, sql

ADMIN = Actor("u-admin", "admin", device_id="dev-admin")


@pytest.fixture
async def phone(store: Any, catalog: dict[str, str]) -> Device:
    """Rep A's phone, with rep A's customer c-a."""
    dev = Device(store, REP_A, "rep-a-phone")
    r = await dev.send("customer.upsert", {"id": "c-a", "name": "Ann's shop", "phone": "111"})
    assert r.status == "applied", r
    return dev


@pytest.fixture
async def order(store: Any, phone: Device) -> int:
    """Order o-1 of rep A (lines l-1: 2 x p-1 at 1200, l-2: 3 x p-2 at 300); its version."""
    r = await phone.send("order.create", order_args(notes="ring twice", warehouse_id="wh-1"))
    assert r.status == "applied", r
    row = await get(store, "orders", "o-1")
    assert row is not None
    return row["version"]


# ---- item 23: a base_version above the row's version --------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("order.update", {"id": "o-1", "set": {"priority": "high"}}),
        ("order.line.upsert", {"order_id": "o-1",
                               "line": {"id": "l-1", "product_id": "p-1", "qty": 9,
                                        "unit_price": 1200}}),
        ("order.line.remove", {"order_id": "o-1", "line_id": "l-1"}),
        ("customer.upsert", {"id": "c-a", "name": "Renamed"}),
    ],
)  # fmt: skip
async def test_a_base_version_above_the_rows_version_is_refused(
    store: Any, phone: Device, order: int, name: str, args: dict[str, Any]
) -> None:
    office = Device(store, ADMIN, "admin-desk")
    # Someone else changes the order (and customer) after the stale client last saw them.
    assert (await office.send("order.update", {"id": "o-1", "base_version": order,
                                               "set": {"priority": "low"}})).status == "applied"  # fmt: skip
    before = await sql(store, "SELECT COUNT(*) AS n FROM conflicts")
    row_before = await get(store, "orders", "o-1")
    r = await phone.send(name, {**args, "base_version": 10**15})
    assert (r.status, r.error) == ("rejected", "invalid_args"), r
    assert "base_version" in (r.message or "")
    assert await sql(store, "SELECT COUNT(*) AS n FROM conflicts") == before
    assert await get(store, "orders", "o-1") == row_before


# ---- item 22: a client id belongs to the user and device that first used it -----------------


async def test_another_users_push_under_my_client_id_is_refused_and_takes_no_id(
    store: Any, phone: Device
) -> None:
    # Rep B pushes mutation 2 under rep A's client id; it is refused whole, nothing applied.
    thief = Device(store, REP_B, phone.client_id)
    thief.next_id = 2
    with pytest.raises(ClientIdTaken):
        await thief.send("customer.upsert", {"id": "c-b", "name": "Bob's"})
    assert await get(store, "customers", "c-b") is None
    # Rep A's own mutation 2 is applied, not answered "duplicate".
    r = await phone.send("customer.upsert", {"id": "c-a2", "name": "Ann's second shop"})
    assert r.status == "applied", r
    assert (await get(store, "customers", "c-a2"))["name"] == "Ann's second shop"
    # Nor may rep B pull under it (it would read rep A's last mutation id as its own).
    with pytest.raises(ClientIdTaken):
        await pull(store, REP_B, PullRequest(client_id=phone.client_id, schema=1))
    assert (
        await pull(store, REP_A, PullRequest(client_id=phone.client_id, schema=1))
    ).last_mutation_id == 2


async def test_another_device_of_the_same_user_may_not_take_a_client_id_in_use(
    store: Any, phone: Device
) -> None:
    other = Device(store, replace(REP_A, device_id="dev-a-laptop"), phone.client_id)
    other.next_id = 2
    with pytest.raises(ClientIdTaken):
        await other.send("customer.upsert", {"id": "c-x", "name": "X"})
    # No device at all (an API token of the same user) is another party too.
    bare = Device(store, replace(REP_A, device_id=None), phone.client_id)
    bare.next_id = 2
    with pytest.raises(ClientIdTaken):
        await bare.send("customer.upsert", {"id": "c-x", "name": "X"})
    assert await get(store, "customers", "c-x") is None


async def test_a_revoked_devices_client_id_passes_to_the_users_new_device(
    store: Any, phone: Device
) -> None:
    """docs/auth.md: a revoked device's outbox is pushed from the device its user logs in with
    next; the client id moves to that device, and the revoked one may not use it again."""
    async with store.write() as tx:
        await tx.conn.execute(
            "INSERT INTO devices (id, user_id, code, name, platform, app_version, created_at,"
            " revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ("dev-a", "u-a", "AAA", "phone", "", "", "2026-01-01T00:00:00Z", True),
        )
    new = Device(store, replace(REP_A, device_id="dev-a-new"), phone.client_id)
    new.next_id = 2
    assert (await new.send("customer.upsert", {"id": "c-n", "name": "New"})).status == "applied"
    with pytest.raises(ClientIdTaken):
        await phone.send("customer.upsert", {"id": "c-o", "name": "Old"})


# ---- item 26: an HLC is bounded by the server's receive time --------------------------------


async def test_an_hlc_from_before_2020_is_refused(store: Any, phone: Device, order: int) -> None:
    r = await phone.send(
        "order.update",
        {"id": "o-1", "base_version": order, "set": {"notes": "x"}},
        "000000000001000-00000-dead-clock",
    )
    assert (r.status, r.error) == ("rejected", "bad_hlc"), r
    assert (await get(store, "orders", "o-1"))["notes"] == "ring twice"


async def test_a_clock_far_ahead_is_clamped_to_the_stated_skew(
    store: Any, phone: Device, order: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = wall_ms()
    monkeypatch.setattr("sync.push.wall_ms", lambda: now)
    year_ahead = str(Timestamp(now + 365 * 86_400_000, 0, "fast-phone"))
    ahead = Device(store, ADMIN, "admin-fast-phone")
    r = await ahead.send(
        "order.update", {"id": "o-1", "base_version": order, "set": {"notes": "from the future"}},
        year_ahead,
    )  # fmt: skip
    assert r.status == "applied", r
    stored = Timestamp.parse(
        (await sql(store, "SELECT notes_hlc FROM orders WHERE id = 'o-1'"))[0]["notes_hlc"]
    )
    assert stored == Timestamp(now + MAX_SKEW_MS, 0, "fast-phone")
    r = await ahead.send(
        "order.transition", {"id": "o-1", "from": "submitted", "to": "confirmed"}, year_ahead
    )
    assert r.status == "applied", r
    steps = msgspec.json.decode((await get(store, "orders", "o-1"))["status_history"])
    assert Timestamp.parse(steps[-1]["hlc"]).ms == now + MAX_SKEW_MS  # its date does not spread
    # Ten minutes later a correct clock, which had not seen the fast phone's notes, writes
    # notes: the later edit wins; the fast phone's stand no longer for a year.
    monkeypatch.setattr("sync.push.wall_ms", lambda: now + 600_000)
    r = await phone.send(
        "order.update", {"id": "o-1", "base_version": order, "set": {"notes": "from today"}},
        str(Timestamp(now + 600_000, 0, "rep-a-phone")),
    )  # fmt: skip
    assert r.status == "merged", r
    assert (await get(store, "orders", "o-1"))["notes"] == "from today"


# ---- item 25: an order line is one unit for conflicts ----------------------------------------


def gift_box(qty: int = 2, product_id: str = "p-1", unit_price: int = 2500) -> dict[str, Any]:
    return {"id": "l-1", "product_id": product_id, "qty": qty, "unit_price": unit_price}


async def test_concurrent_changes_of_one_line_conflict_as_one_and_apply_nothing(
    store: Any, phone: Device, order: int
) -> None:
    office = Device(store, ADMIN, "admin-desk")
    r = await phone.send(
        "order.line.upsert", {"order_id": "o-1", "base_version": order, "line": gift_box()}
    )
    assert r.status == "applied", r
    seen = (await get(store, "orders", "o-1"))["version"]
    # A: 2 gift boxes become 5. B, stale, makes them kettles (p-2) at 15,900, qty as it saw it.
    r = await phone.send(
        "order.line.upsert", {"order_id": "o-1", "base_version": seen, "line": gift_box(5)}
    )
    assert r.status == "applied", r
    r = await office.send(
        "order.line.upsert",
        {"order_id": "o-1", "base_version": seen, "line": gift_box(2, "p-2", 15_900)},
    )
    assert r.status == "conflict", r
    line = await get(store, "order_lines", "l-1")
    assert (line["product_id"], line["qty"], line["unit_price"]) == ("p-1", 5, 2500)  # A's, whole
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["table_name"], c["field"]) == ("field", "order_lines", "line")
    line_of = {"discount_bp": 0}  # a line's whole value: its discount too
    assert c["base_value"] == {"product_id": "p-1", "qty": 2, "unit_price": 2500, **line_of}
    assert c["server_value"] == {"product_id": "p-1", "qty": 5, "unit_price": 2500, **line_of}
    assert c["client_value"] == {"product_id": "p-2", "qty": 2, "unit_price": 15_900, **line_of}
    assert (await sql(store, "SELECT COUNT(*) AS n FROM conflicts"))[0]["n"] == 1
    # Different fields of the one line are one change too: a price against a quantity.
    now = (await get(store, "orders", "o-1"))["version"]
    r = await phone.send(
        "order.line.upsert", {"order_id": "o-1", "base_version": now, "line": gift_box(6)}
    )
    assert r.status == "applied", r
    r = await office.send(
        "order.line.upsert",
        {"order_id": "o-1", "base_version": now, "line": gift_box(5, unit_price=2000)},
    )
    assert r.status == "conflict", r
    assert (await get(store, "order_lines", "l-1"))["unit_price"] == 2500
    # Different lines still merge.
    r = await office.send(
        "order.line.upsert",
        {"order_id": "o-1", "base_version": now,
         "line": {"id": "l-2", "product_id": "p-2", "qty": 9, "unit_price": 300}},
    )  # fmt: skip
    assert r.status == "applied", r


# ---- item 27: a field re-sent unchanged is not an edit -----------------------------------------


async def test_an_order_edit_re_sending_unchanged_fields_makes_no_conflict(
    store: Any, phone: Device, order: int
) -> None:
    office = Device(store, ADMIN, "admin-desk")
    r = await office.send("order.update", {"id": "o-1", "base_version": order,
                                          "set": {"priority": "high", "delivery_address": "Dock 9"}})  # fmt: skip
    assert r.status == "applied", r
    # The rep's form submits every field as it saw them, with a new due date.
    r = await phone.send(
        "order.update",
        {"id": "o-1", "base_version": order,
         "set": {"priority": "normal", "delivery_address": None, "notes": "ring twice",
                 "due_date": "2030-01-02"}},
    )  # fmt: skip
    assert (r.status, r.conflict_id) == ("applied", None), r
    row = await get(store, "orders", "o-1")
    assert (row["priority"], row["delivery_address"], row["due_date"]) == (
        "high",
        "Dock 9",
        "2030-01-02",
    )
    assert (await sql(store, "SELECT COUNT(*) AS n FROM conflicts"))[0]["n"] == 0
    # Only unchanged fields: nothing of the rep's, the admin's stand.
    r = await phone.send(
        "order.update", {"id": "o-1", "base_version": order, "set": {"priority": "normal"}}
    )
    assert (r.status, r.conflict_id) == ("merged", None), r
    assert (await get(store, "orders", "o-1"))["priority"] == "high"


async def test_a_line_re_sent_as_seen_is_no_edit(store: Any, phone: Device, order: int) -> None:
    office = Device(store, ADMIN, "admin-desk")
    r = await office.send("order.line.upsert", {"order_id": "o-1", "base_version": order,
                                               "line": {"id": "l-1", "product_id": "p-1", "qty": 7, "unit_price": 1200}})  # fmt: skip
    assert r.status == "applied", r
    r = await phone.send("order.line.upsert", {"order_id": "o-1", "base_version": order,
                                              "line": {"id": "l-1", "product_id": "p-1", "qty": 2, "unit_price": 1200}})  # fmt: skip
    assert (r.status, r.conflict_id) == ("merged", None), r
    assert (await get(store, "order_lines", "l-1"))["qty"] == 7
