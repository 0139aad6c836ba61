"""The admin console's conflicts page (docs/admin.md) in a real browser on a real server: two
phones of one rep change the same order's priority offline, which makes one conflict; an admin
at a desktop window finds it on /admin/conflicts, reads who, where and the three values, and
settles it with a value of their own, which reaches both phones; then two like conflicts are
settled in one bulk action."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from sync.ids import uuid7
from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import (
    SYNC_TIMEOUT,
    Api,
    by,
    create_customer,
    create_order,
    enroll,
    open_order,
    set_online,
    set_priority,
    wait_synced,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own (three enrollments on top of the other tests' would pass
    the default limit of /api/auth/* per client address)."""
    with serving(new_server(tmp_path_factory, "admin-conflicts")) as srv:
        yield srv


def row_of(page: Page, conflict_id: str):
    return by(page, "admin-conflict-row").and_(page.locator(f'[data-id="{conflict_id}"]'))


def test_an_admin_settles_a_reps_conflict_with_a_value_of_their_own(
    server: Server, api: Api, browser: Browser, contexts: list[BrowserContext]
) -> None:
    api.put_product("ADM-TEA", "Admin console tea", 3300)
    user_id, link = api.invite("Cora Conflict")
    a = device(browser, contexts)
    enroll(a, link)
    create_customer(a, "Willow Teahouse")
    order_id, number = create_order(a, "Willow Teahouse", [("Admin console tea", 1)])
    wait_synced(a)
    b = device(browser, contexts)
    code_b = enroll(b, api.enrollment_link(user_id))
    open_order(b, number)

    # Both phones offline change the priority; A syncs first, B's change is the conflict.
    set_online(a, False)
    set_online(b, False)
    set_priority(a, number, "high", "High")
    set_priority(b, number, "low", "Low")
    a.context.set_offline(False)
    wait_synced(a)
    b.context.set_offline(False)
    wait_synced(b)
    [conflict] = [c for c in api.pull_all()["conflicts"].values() if c["row_id"] == order_id]
    assert conflict["status"] == "open"

    # The admin at a desktop window: the conflict is in the list of open ones.
    admin = device(browser, contexts, viewport=DESKTOP)
    enroll(admin, server.create_admin("Ada Admin"))
    by(admin, "nav-admin-conflicts").click()
    expect(by(admin, "admin-conflicts")).to_be_visible()
    row = row_of(admin, conflict["id"])
    expect(row).to_have_attribute("data-status", "open")
    expect(row).to_contain_text("Cora Conflict")
    expect(row).to_contain_text(code_b)
    # The filters narrow it down: by user (found), by a severity it does not have (gone).
    by(admin, "conflict-filter-user").select_option(user_id)
    expect(by(admin, "admin-conflict-row")).to_have_count(1)
    by(admin, "conflict-filter-severity").select_option("high")
    expect(by(admin, "admin-conflict-row")).to_have_count(0)
    by(admin, "conflict-filter-severity").select_option("")
    row.get_by_test_id("conflict-open").click()
    expect(admin).to_have_url(re.compile(rf"/admin/conflicts/{conflict['id']}\?"))

    detail = by(admin, "admin-conflict-detail")
    expect(detail).to_have_attribute("data-status", "open")
    expect(by(admin, "admin-conflict-who")).to_have_text("Cora Conflict")
    expect(by(admin, "admin-conflict-where")).to_contain_text(code_b)
    expect(by(admin, "admin-conflict-base")).to_contain_text("Normal")
    expect(by(admin, "admin-conflict-server")).to_contain_text("High")
    expect(by(admin, "admin-conflict-device")).to_contain_text("Low")
    # The change sent, in words: no mutation name or JSON on a conflict card.
    expect(by(admin, "admin-conflict-mutation")).to_have_text("Order edit: Priority: Low")
    expect(by(admin, "admin-conflict-subject")).to_have_text(number)

    # Neither: the admin types a value of their own (priority: a choice of the three).
    by(admin, "admin-conflict-custom").click()
    by(admin, "conflict-custom-value").select_option("normal")
    by(admin, "admin-conflict-custom-save").click()
    expect(detail).to_have_attribute("data-status", "resolved")  # at once, before the sync
    expect(by(admin, "admin-conflict-custom")).to_be_hidden()
    wait_synced(admin)

    # Both phones get the value with their next sync (the server pokes them).
    for phone in (a, b):
        open_order(phone, number)
        expect(by(phone, "order-priority-value")).to_have_text("Normal", timeout=SYNC_TIMEOUT)
    truth = api.pull_all()
    assert truth["orders"][order_id]["priority"] == "normal"
    settled = truth["conflicts"][conflict["id"]]
    assert (settled["status"], settled["resolution"], settled["resolved_value"]) == (
        "resolved", "custom", "normal"
    )  # fmt: skip
    assert settled["resolver_id"] not in (None, user_id)

    # The list says so too, once the server's row is back: resolved, not open.
    by(admin, "nav-admin-conflicts").click()
    by(admin, "conflict-filter-status").select_option("resolved")
    expect(row_of(admin, conflict["id"])).to_have_attribute("data-status", "resolved")
    row_of(admin, conflict["id"]).get_by_test_id("conflict-open").click()
    expect(by(admin, "admin-conflict-resolution")).to_contain_text("Ada Admin")
    expect(by(admin, "admin-conflict-resolved-value")).to_have_text("Normal")

    # The devices page counts B's open conflicts: none left.
    by(admin, "nav-admin-devices").click()
    phone_b = by(admin, "device-row").and_(admin.locator(f'[data-code="{code_b}"]'))
    expect(phone_b.get_by_test_id("device-conflicts")).to_have_text("0")
    expect(phone_b).to_have_attribute("data-stale", "false")


def _like_conflicts(server: Server, count: int) -> tuple[list[str], list[str]]:
    """``count`` orders of one user, each with a conflict on its delivery address: a first
    client changes it, a second changed it from the same base. Answers (order ids, conflicts)."""
    rep = Api.of(server, "Bulk Rep", "sales")
    customer = uuid7()
    orders = [uuid7() for _ in range(count)]
    made = rep.push(
        "bulk-rep-one", 1, ("customer.upsert", {"id": customer, "name": "Bulk Teahouse"}),
        *[("order.create", {"id": o, "number": f"BULK-{i}", "customer_id": customer, "lines": [],
                            "status": "draft"}) for i, o in enumerate(orders)],
    )  # fmt: skip
    assert {r["status"] for r in made} == {"applied"}
    first = [("order.update", {"id": o, "base_version": 1,
                               "set": {"delivery_address": f"{i} Dock Road"}})
             for i, o in enumerate(orders)]  # fmt: skip
    assert {r["status"] for r in rep.push("bulk-rep-one", 1 + len(made), *first)} == {"applied"}
    second = [("order.update", {"id": o, "base_version": 1,
                                "set": {"delivery_address": f"{i} Hill Street"}})
              for i, o in enumerate(orders)]  # fmt: skip
    results = rep.push("bulk-rep-two", 1, *second)
    rep.http.close()
    assert {r["status"] for r in results} == {"conflict"}
    return orders, [r["conflict_id"] for r in results]


def test_an_admin_settles_like_conflicts_in_one_action(
    server: Server, api: Api, browser: Browser, contexts: list[BrowserContext]
) -> None:
    orders, conflicts = _like_conflicts(server, 2)
    admin = device(browser, contexts, viewport=DESKTOP)
    enroll(admin, server.create_admin("Bo Bulk"))
    by(admin, "nav-admin-conflicts").click()
    # Every status: the settled ones stay in the list (the open ones' list would drop them).
    by(admin, "conflict-filter-status").select_option("")
    by(admin, "conflict-filter-kind").select_option("field")
    for conflict_id in conflicts:
        expect(row_of(admin, conflict_id)).to_have_attribute("data-status", "open")
        row_of(admin, conflict_id).get_by_test_id("conflict-select").check()
    expect(by(admin, "conflict-bulk")).to_have_attribute("data-count", "2")
    by(admin, "conflict-bulk-device").click()
    by(admin, "conflict-bulk-yes").click()  # after the confirmation (test_admin_consistency_ops)
    for conflict_id in conflicts:
        expect(row_of(admin, conflict_id)).to_have_attribute("data-status", "resolved")
    expect(by(admin, "conflict-bulk")).to_have_count(0)
    wait_synced(admin)
    truth = api.pull_all()
    assert [truth["orders"][o]["delivery_address"] for o in orders] == [
        "0 Hill Street", "1 Hill Street"
    ]  # fmt: skip
    assert {(truth["conflicts"][c]["status"], truth["conflicts"][c]["resolution"])
            for c in conflicts} == {("resolved", "client")}  # fmt: skip


def test_an_admin_reads_the_audit_log_and_checks_its_chain(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    admin = device(browser, contexts, viewport=DESKTOP)
    enroll(admin, server.create_admin("Aud Admin"))
    by(admin, "nav-admin-audit").click()
    expect(by(admin, "admin-audit")).to_be_visible()
    by(admin, "audit-verify").click()
    expect(by(admin, "audit-chain-ok")).to_be_visible()
    expect(by(admin, "audit-chain-broken")).to_have_count(0)
    # The admin's own enrollment and login, by action and actor.
    by(admin, "audit-filter-action").select_option("auth.*")
    by(admin, "audit-filter-actor").select_option(label="Aud Admin")
    by(admin, "audit-search").click()
    rows = by(admin, "audit-row")
    others = admin.locator('#app [data-testid="audit-row"]:not([data-action^="auth."])')
    expect(others).to_have_count(0)
    expect(rows.first).to_have_attribute("data-action", re.compile(r"^auth\."))
    expect(by(admin, "audit-actor").first).to_have_text("Aud Admin")
    actions = {rows.nth(i).get_attribute("data-action") for i in range(rows.count())}
    assert {"auth.enroll", "auth.login"} >= actions and "auth.enroll" in actions, actions
    # A subject no entry has: nothing.
    by(admin, "audit-filter-subject").fill("no-such-subject")
    by(admin, "audit-search").click()
    expect(by(admin, "audit-row")).to_have_count(0)

    # On a narrow window (a phone) there is no left navigation: settings lists the admin pages.
    admin.set_viewport_size({"width": 400, "height": 800})
    expect(by(admin, "side-nav")).to_have_count(0)
    by(admin, "nav-home").click()
    by(admin, "nav-settings").click()
    expect(by(admin, "settings-admin")).to_be_visible()
    expect(by(admin, "settings-admin-conflicts")).to_be_visible()
    by(admin, "settings-admin-audit").click()
    expect(by(admin, "admin-audit")).to_be_visible()
