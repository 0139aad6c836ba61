"""Helpers of the sales-rep browser tests: the server's admin and sync API with a bearer token
(invite a user, a link for another device, put products, pull the server's truth), and the
app driven the way a person does — taps on the screens by their test ids, no shortcuts into
the page's modules."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import AUTH_RATE as AUTH_RATE  # re-exported: tests import it from here
from tests.e2e.conftest import Server

# The outbox entries an order made in the app adds besides its order.create: the QR code the
# device signs for it (``qr.issue``, docs/qr.md), once the server takes that mutation.
# Every order made on a device is followed by the qr.issue of its device-signed code.
QR_PER_ORDER = 1

SYNC_TIMEOUT = 30_000  # ms: anything that waits on a push or pull

# A phone's browser context (``device(browser, contexts, **PHONE)``).
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}


# ---- the server, through its API --------------------------------------------------------------


@dataclass
class Api:
    """The server's HTTP API as a bearer token's holder (an admin, for these tests)."""

    http: httpx.Client

    @classmethod
    def admin(cls, server: Server, name: str = "E2E API admin") -> Api:
        return cls.of(server, name, "admin")

    @classmethod
    def of(cls, server: Server, user: str, role: str, warehouse: str | None = None) -> Api:
        """An API token of ``user`` (``orderly token`` makes the user if needed)."""
        where = ("--warehouse", warehouse) if warehouse else ()
        token = server.cli("token", "--user", user, "--role", role, *where).strip()
        assert token and "\n" not in token, f"orderly token printed {token!r}"
        # 127.0.0.1: "localhost" may resolve to ::1 first, where the server does not listen.
        base = server.url.replace("localhost", "127.0.0.1")
        return cls(
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        )

    def _json(self, method: str, path: str, body: dict | None = None) -> dict | list:
        r = self.http.request(method, path, json=body)
        assert r.is_success, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    def invite(self, name: str, role: str = "sales") -> tuple[str, str]:
        """Creates a user; answers (user id, enrollment link)."""
        got = self._json("POST", "/api/admin/users", {"name": name, "role": role})
        return got["user"]["id"], got["enrollment"]["url"]

    def enrollment_link(self, user_id: str) -> str:
        """A new enrollment link for the user's next device."""
        return self._json("POST", f"/api/admin/users/{user_id}/enrollments")["url"]

    def user_id(self, name: str) -> str:
        [user] = [u for u in self._json("GET", "/api/admin/users") if u["name"] == name]
        return user["id"]

    def put_product(self, sku: str, name: str, unit_price: int) -> str:
        product_id = f"p-{sku.lower()}"
        self._json(
            "PUT",
            f"/api/catalog/products/{product_id}",
            {"sku": sku, "name": name, "unit_price": unit_price},
        )
        return product_id

    def push(self, client_id: str, first_id: int, *mutations: tuple[str, dict]) -> list[dict]:
        """Pushes (name, args) as mutations ``first_id``, ``first_id + 1``, ... of
        ``client_id``; answers the results."""
        wall = time.time_ns() // 1_000_000
        body = {
            "client_id": client_id,
            "schema": 1,
            "mutations": [
                {
                    "id": first_id + i,
                    "name": name,
                    "args": args,
                    "hlc": f"{wall:015d}-{i:05d}-{client_id}",
                }
                for i, (name, args) in enumerate(mutations)
            ],
        }
        return self._json("POST", "/api/sync/push", body)["results"]

    def pull_all(self) -> dict[str, dict[str, dict]]:
        """Every row the server has, as {table: {id: row}}: an initial sync from a fresh client."""
        client_id = f"e2e-truth-{uuid.uuid4().hex[:12]}"
        tables: dict[str, dict[str, dict]] = {}
        cursor = None
        while True:
            got = self._json(
                "POST", "/api/sync/pull", {"client_id": client_id, "schema": 1, "cursor": cursor}
            )
            for change in got["changes"]:
                rows = tables.setdefault(change["t"], {})
                if change["op"] == "put":
                    rows[change["id"]] = change["row"]
                else:
                    rows.pop(change["id"], None)
            cursor = got["cursor"]
            if not got["more"]:
                return tables


# ---- browsers and devices --------------------------------------------------------------------


def app(page: Page) -> Locator:
    """The rendered app (the shell has nothing else with test ids, but stay inside #app)."""
    return page.locator("#app")


def by(page: Page, testid: str) -> Locator:
    return app(page).get_by_test_id(testid)


def enroll(page: Page, link: str) -> str:
    """Opens the enrollment link, makes the passkey, waits until the first sync is done and the
    service worker controls the page (so the app opens offline); answers the device code."""
    page.goto(link)
    by(page, "enroll").click()
    expect(by(page, "signed-in")).to_be_visible()
    expect(by(page, "last-sync")).not_to_have_attribute("data-at", "", timeout=SYNC_TIMEOUT)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=SYNC_TIMEOUT)
    code = by(page, "me-device").text_content() or ""
    assert re.fullmatch(r"[0-9A-Z]{3}", code), code
    return code


def go(page: Page, tab: str) -> None:
    """A tap on the bottom navigation (home, orders, customers, products, conflicts)."""
    by(page, f"nav-{tab}").click()


def wait_synced(page: Page) -> None:
    """On home: nothing pending any more."""
    go(page, "home")
    expect(by(page, "pending-count")).to_have_text("0", timeout=SYNC_TIMEOUT)


def set_online(page: Page, online: bool) -> None:
    page.context.set_offline(not online)
    go(page, "home")
    expect(by(page, "online-state")).to_have_attribute("data-online", str(online).lower())


def create_customer(page: Page, name: str, phone: str = "", address: str = "") -> str:
    """Home → new customer → save; answers the new customer's id (from the detail page's URL)."""
    go(page, "home")
    by(page, "new-customer").click()
    by(page, "customer-name-input").fill(name)
    if phone:
        by(page, "customer-phone-input").fill(phone)
    if address:
        by(page, "customer-address-input").fill(address)
    by(page, "save-customer").click()
    expect(by(page, "customer-detail")).to_be_visible()
    expect(by(page, "customer-name")).to_have_text(name)
    return page.url.rsplit("/", 1)[1]


def fill_order(page: Page, customer: str, lines: list[tuple[str, int]]) -> None:
    """On the order entry screen: picks the customer and adds the lines (product name, qty)."""
    by(page, "customer-search").fill(customer)
    by(page, "customer-option").filter(has_text=customer).first.click()
    expect(by(page, "customer-selected")).to_contain_text(customer)
    for i, (product, qty) in enumerate(lines):
        by(page, "line-add").click()
        by(page, "product-option").filter(has_text=product).first.click()
        by(page, "product-picker-close").click()
        line = by(page, "line").nth(i)
        expect(line).to_contain_text(product)
        line.get_by_test_id("line-qty").fill(str(qty))
    expect(by(page, "line")).to_have_count(len(lines))


def create_order(
    page: Page, customer: str, lines: list[tuple[str, int]], priority: str | None = None
) -> tuple[str, str]:
    """Home → new order → customer, lines (product name, qty), priority → save; answers
    (order id, number) from the order's page it opens."""
    go(page, "home")
    by(page, "new-order").click()
    expect(by(page, "order-new")).to_be_visible()
    fill_order(page, customer, lines)
    if priority:
        by(page, "order-priority").select_option(priority)
    by(page, "save-order").click()
    expect(by(page, "order-detail")).to_be_visible()
    number = by(page, "order-number").text_content() or ""
    return page.url.rsplit("/", 1)[1], number


def open_order(page: Page, number: str) -> None:
    go(page, "orders")
    by(page, "order-item").and_(app(page).locator(f'[data-number="{number}"]')).click()
    expect(by(page, "order-detail")).to_be_visible()
    expect(by(page, "order-number")).to_have_text(number)


def set_priority(page: Page, number: str, priority: str, label: str) -> None:
    """Opens the order, edits its priority, saves; waits for the detail to show `label`."""
    open_order(page, number)
    by(page, "order-edit").click()
    by(page, "order-priority").select_option(priority)
    by(page, "order-save").click()
    expect(by(page, "order-form")).to_be_hidden()
    expect(by(page, "order-priority-value")).to_have_text(label)
