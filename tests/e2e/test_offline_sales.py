"""A sales rep's day without a network, in a real browser on a real server: what is entered
offline survives a reload and reaches the server when the network comes back; and two devices
of one rep that changed the same order offline get one conflict, which the rep settles on the
device that lost."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import Authenticator, Server, device, new_server, serving
from tests.e2e.sales import (
    QR_PER_ORDER,
    SYNC_TIMEOUT,
    Api,
    by,
    create_customer,
    create_order,
    enroll,
    go,
    open_order,
    set_online,
    set_priority,
    wait_synced,
)

PRODUCTS = {  # sku: (name, unit price in minor units)
    "OFF-TEA": ("Offline green tea", 4500),
    "OFF-CUP": ("Offline porcelain cup", 1800),
    "OFF-POT": ("Offline clay teapot", 9900),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An ``orderly serve`` of this module's own (conftest's, by the same name, is shared by the
    whole run): passkey ceremonies are limited per client address (30 a minute by default), and
    the enrollments here on top of the other tests' could pass that."""
    with serving(new_server(tmp_path_factory, "sales")) as srv:
        yield srv


@pytest.fixture(scope="module")
def catalog(api: Api) -> dict[str, str]:
    """The products, put through the catalog API: product name -> id."""
    return {name: api.put_product(sku, name, price) for sku, (name, price) in PRODUCTS.items()}


def _price(name: str) -> int:
    [price] = [p for n, p in PRODUCTS.values() if n == name]
    return price


def test_a_rep_sells_offline_and_everything_reaches_the_server(
    server: Server,
    api: Api,
    catalog: dict[str, str],
    context: BrowserContext,
    page: Page,
    authenticator: Authenticator,
) -> None:
    _, link = api.invite("Olga Offline")
    code = enroll(page, link)

    set_online(page, False)
    customer_id = create_customer(
        page, "Harbour Teahouse Offline", phone="+86 21 5555 0101", address="3 Quay Road"
    )
    wanted = [
        [("Offline green tea", 3), ("Offline porcelain cup", 12)],
        [("Offline clay teapot", 1)],
        [("Offline green tea", 2), ("Offline clay teapot", 4), ("Offline porcelain cup", 6)],
    ]
    made = [create_order(page, "Harbour Teahouse Offline", lines) for lines in wanted]
    numbers = [number for _, number in made]
    # A new device numbers its orders 1, 2, 3 after its code.
    assert numbers == [f"{code}-{n:05d}" for n in (1, 2, 3)]
    go(page, "home")
    # The customer, three orders and (QR_PER_ORDER) their QR codes signed on the device.
    expect(by(page, "pending-count")).to_have_text(str(4 + 3 * QR_PER_ORDER))

    # The page reloads with no network: the shell comes from the service worker, the data
    # from IndexedDB, the session from what the last login left.
    page.reload()
    expect(by(page, "signed-in")).to_be_visible()
    expect(by(page, "online-state")).to_have_attribute("data-online", "false")
    expect(by(page, "pending-count")).to_have_text(str(4 + 3 * QR_PER_ORDER))
    go(page, "orders")
    items = by(page, "order-item")
    expect(items).to_have_count(3)
    for number in numbers:
        item = items.and_(page.locator(f'[data-number="{number}"]'))
        expect(item).to_contain_text("Harbour Teahouse Offline")
        expect(item.get_by_test_id("pending-mark")).to_be_visible()

    # An edit of an order that never reached the server.
    open_order(page, numbers[1])
    expect(by(page, "order-pending")).to_be_visible()
    expect(by(page, "line")).to_have_count(1)
    by(page, "order-edit").click()
    by(page, "order-priority").select_option("high")
    by(page, "order-notes").fill("Call before delivery")
    by(page, "order-save").click()
    expect(by(page, "order-priority-value")).to_have_text("High")
    expect(by(page, "order-notes-value")).to_have_text("Call before delivery")
    go(page, "home")
    expect(by(page, "pending-count")).to_have_text(str(5 + 3 * QR_PER_ORDER))

    # The network comes back: the app syncs by itself (the browser's online event).
    context.set_offline(False)
    expect(by(page, "online-state")).to_have_attribute("data-online", "true")
    expect(by(page, "pending-count")).to_have_text("0", timeout=SYNC_TIMEOUT)
    go(page, "orders")
    expect(by(page, "order-item")).to_have_count(3)
    expect(by(page, "order-item").get_by_test_id("pending-mark")).to_have_count(0)

    # The server's truth, through the API.
    truth = api.pull_all()
    customer = truth["customers"][customer_id]
    assert customer["name"] == "Harbour Teahouse Offline"
    assert customer["phone"] == "+86 21 5555 0101"
    assert customer["address"] == "3 Quay Road"
    orders = {o["number"]: o for o in truth["orders"].values() if o["customer_id"] == customer_id}
    assert sorted(orders) == numbers
    assert all(re.fullmatch(rf"{code}-000\d\d", n) for n in orders)
    for (order_id, number), lines in zip(made, wanted, strict=True):
        order = orders[number]
        assert order["id"] == order_id
        assert order["status"] == "submitted"
        got = sorted(
            (line["product_id"], line["qty"], line["unit_price"])
            for line in truth["order_lines"].values()
            if line["order_id"] == order_id
        )
        assert got == sorted((catalog[p], q, _price(p)) for p, q in lines)
        assert order["total"] == sum(q * _price(p) for p, q in lines)
    edited = orders[numbers[1]]
    assert (edited["priority"], edited["notes"]) == ("high", "Call before delivery")
    assert {orders[n]["priority"] for n in (numbers[0], numbers[2])} == {"normal"}
    assert not [c for c in truth.get("conflicts", {}).values() if c["row_id"] in orders]


def test_two_devices_change_one_order_offline_and_the_rep_settles_the_conflict(
    server: Server,
    api: Api,
    catalog: dict[str, str],
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    user_id, link = api.invite("Carl Conflict")
    a = device(browser, contexts)
    code_a = enroll(a, link)
    create_customer(a, "Jade Garden Conflict")
    order_id, number = create_order(a, "Jade Garden Conflict", [("Offline clay teapot", 2)])
    expect(by(a, "order-priority-value")).to_have_text("Normal")
    wait_synced(a)

    # The rep's second phone: a new enrollment link from the admin; its first sync has the order.
    b = device(browser, contexts)
    code_b = enroll(b, api.enrollment_link(user_id))
    assert code_b != code_a
    open_order(b, number)
    expect(by(b, "order-priority-value")).to_have_text("Normal")

    # Both offline; each changes the order's priority to another value.
    set_online(a, False)
    set_online(b, False)
    set_priority(a, number, "high", "High")
    set_priority(b, number, "low", "Low")

    # A syncs first: its value stands.
    a.context.set_offline(False)
    wait_synced(a)
    assert api.pull_all()["orders"][order_id]["priority"] == "high"

    # Then B: its change is a conflict, not applied.
    b.context.set_offline(False)
    wait_synced(b)
    truth = api.pull_all()
    assert truth["orders"][order_id]["priority"] == "high"
    [conflict] = [c for c in truth.get("conflicts", {}).values() if c["row_id"] == order_id]
    assert conflict["user_id"] == user_id
    assert (conflict["kind"], conflict["table_name"], conflict["field"]) == (
        "field",
        "orders",
        "priority",
    )
    assert (conflict["base_value"], conflict["server_value"], conflict["client_value"]) == (
        "normal",
        "high",
        "low",
    )
    assert conflict["status"] == "open"

    # B, the author, sees it: the badge, the list, both values side by side.
    expect(by(b, "conflicts-badge")).to_have_text("1", timeout=SYNC_TIMEOUT)
    go(b, "conflicts")
    expect(by(b, "conflict-item")).to_have_count(1)
    by(b, "conflict-item").click()
    expect(by(b, "conflict-detail")).to_be_visible()
    expect(by(b, "conflict-subject")).to_have_text(number)
    expect(by(b, "conflict-base")).to_contain_text("Normal")
    expect(by(b, "conflict-server")).to_contain_text("High")
    expect(by(b, "conflict-mine")).to_contain_text("Low")
    by(b, "conflict-use-mine").click()
    expect(by(b, "conflict-use-mine")).to_be_hidden()
    expect(by(b, "conflicts-badge")).to_be_hidden()
    wait_synced(b)

    # Both devices and the server now have B's value; the conflict is resolved.
    open_order(b, number)
    expect(by(b, "order-priority-value")).to_have_text("Low")
    open_order(a, number)  # A hears of it by the server's poke
    expect(by(a, "order-priority-value")).to_have_text("Low", timeout=SYNC_TIMEOUT)
    truth = api.pull_all()
    assert truth["orders"][order_id]["priority"] == "low"
    settled = truth["conflicts"][conflict["id"]]
    assert (settled["status"], settled["resolution"], settled["resolved_value"]) == (
        "resolved",
        "client",
        "low",
    )
    assert settled["resolver_id"] == user_id
    assert [c["id"] for c in truth["conflicts"].values() if c["row_id"] == order_id] == [
        conflict["id"]
    ]
