"""Discounts (issue 17): a line's and an order's, in hundredths of a percent (shared/mutations.py
``Discount``). The order's total is each line's net less the order's discount on every path that
changes one — the creation, a line edit or removal, an edit of the order's discount, a conflict
settled with the device's discount — and a discount over 100 % is refused by the catalog."""

from __future__ import annotations

from typing import Any

import pytest

from shared.mutations import order_net
from tests.sync.test_rules import (
    ADMIN,
    REP_A,
    Device,
    conflict_row,
    get,
    line,
    order_args,
    version,
)


@pytest.fixture
def phone(store: Any, catalog: dict[str, str]) -> Device:
    return Device(store, REP_A, "rep-a-phone")


@pytest.fixture
def tablet(store: Any, phone: Device) -> Device:
    return Device(store, REP_A, "rep-a-tablet")


@pytest.fixture
def office(store: Any, phone: Device) -> Device:
    return Device(store, ADMIN, "admin-desk")


@pytest.fixture(autouse=True)
async def customer(phone: Device) -> None:
    r = await phone.send("customer.upsert", {"id": "c-a", "name": "Ann's shop"})
    assert r.status == "applied", r


def discounted(line_id: str, product_id: str, qty: int, price: int, bp: int) -> dict[str, Any]:
    return {**line(line_id, product_id, qty, price), "discount_bp": bp}


async def total(store: Any) -> int:
    order = await get(store, "orders", "o-1")
    assert order is not None
    return order["total"]


async def test_the_total_is_each_lines_net_less_the_orders_discount(
    store: Any, phone: Device
) -> None:
    lines = [discounted("l-1", "p-1", 3, 1200, 1250), discounted("l-2", "p-2", 1, 333, 0)]
    r = await phone.send("order.create", order_args(lines=lines, discount_bp=333))
    assert r.status == "applied", r
    # 3 × 12.00 less 12.5 % = 31.50; + 3.33 = 34.83; less 3.33 % = 33.67 (half up to the fen).
    assert await total(store) == order_net([(3, 1200, 1250), (1, 333, 0)], 333) == 3367
    assert (await get(store, "order_lines", "l-1"))["discount_bp"] == 1250  # type: ignore[index]
    assert (await get(store, "orders", "o-1"))["discount_bp"] == 333  # type: ignore[index]

    # A line's discount changed: the order re-totals with the line's new net.
    seen = await version(store, "orders", "o-1")
    r = await phone.send("order.line.upsert", {"order_id": "o-1", "base_version": seen,
                                               "line": discounted("l-1", "p-1", 3, 1200, 0)})  # fmt: skip
    assert r.status == "applied", r
    assert await total(store) == order_net([(3, 1200, 0), (1, 333, 0)], 333)

    # The order's discount changed: re-totalled in the same write.
    seen = await version(store, "orders", "o-1")
    r = await phone.send("order.update", {"id": "o-1", "base_version": seen,
                                          "set": {"discount_bp": 10_000}})  # fmt: skip
    assert r.status == "applied", r
    assert await total(store) == 0  # 100 % off

    # A line removed: the rest, less the order's discount.
    seen = await version(store, "orders", "o-1")
    r = await phone.send("order.update", {"id": "o-1", "base_version": seen,
                                          "set": {"discount_bp": 1000}})  # fmt: skip
    seen = await version(store, "orders", "o-1")
    r = await phone.send("order.line.remove", {"order_id": "o-1", "base_version": seen,
                                               "line_id": "l-1"})  # fmt: skip
    assert r.status == "applied", r
    assert await total(store) == order_net([(1, 333, 0)], 1000) == 300


async def test_a_discount_over_100_percent_is_refused(store: Any, phone: Device) -> None:
    r = await phone.send("order.create", order_args(discount_bp=10_001))
    assert (r.status, r.error) == ("rejected", "invalid_args"), r
    bad = [discounted("l-1", "p-1", 1, 1200, -1)]
    r = await phone.send("order.create", order_args(order_id="o-2", lines=bad))
    assert (r.status, r.error) == ("rejected", "invalid_args"), r


async def test_two_discounts_of_one_order_conflict_and_the_settled_one_re_totals(
    store: Any, phone: Device, tablet: Device, office: Device
) -> None:
    r = await phone.send("order.create", order_args())  # 2 × 12.00 + 3 × 3.00 = 33.00
    seen = await version(store, "orders", "o-1")
    a = await phone.send("order.update", {"id": "o-1", "base_version": seen,
                                          "set": {"discount_bp": 500}})  # fmt: skip
    b = await tablet.send("order.update", {"id": "o-1", "base_version": seen,
                                           "set": {"discount_bp": 2000}})  # fmt: skip
    assert (a.status, b.status) == ("applied", "conflict"), (a, b)
    c = await conflict_row(store, b.conflict_id)
    assert (c["field"], c["server_value"], c["client_value"]) == ("discount_bp", 500, 2000)
    assert await total(store) == order_net([(2, 1200, 0), (3, 300, 0)], 500) == 3135

    r = await office.send("conflict.resolve", {"id": b.conflict_id, "resolution": "client"})
    assert r.status == "applied", r
    assert (await get(store, "orders", "o-1"))["discount_bp"] == 2000  # type: ignore[index]
    assert await total(store) == 2640  # 33.00 less 20 %
