"""The admin console's first pages (docs/admin.md) in a real browser on a real server: an admin
at a desktop window invites a sales rep on /admin/users and reads the enrollment link off the
page, the rep enrolls a phone with it, the admin sees that phone on /admin/devices and revokes
it, and the rep's next sync is refused with device_revoked."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import SYNC_TIMEOUT, by, enroll


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own: two enrollments and their page loads on top of the other
    tests' would pass the default limit of /api/auth/* per client address."""
    with serving(new_server(tmp_path_factory, "admin-console")) as srv:
        yield srv


def test_an_admin_invites_a_rep_and_revokes_the_reps_device(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    admin = device(browser, contexts, viewport=DESKTOP)
    enroll(admin, server.create_admin("Ada Admin"))
    # The desktop layout: a left navigation with the admin pages, no bottom bar.
    expect(by(admin, "side-nav")).to_be_visible()
    expect(admin.locator("#app nav.tabs")).to_have_count(0)
    by(admin, "nav-admin-users").click()
    expect(admin).to_have_url(re.compile(r"/admin/users$"))
    expect(by(admin, "user-row").filter(has_text="Ada Admin")).to_have_count(1)

    # The invite: the link and its QR code stay on screen.
    by(admin, "invite-name").fill("Rita Rep")
    by(admin, "invite-role").select_option("sales")
    by(admin, "invite-submit").click()
    panel = by(admin, "enrollment-panel")
    expect(panel).to_be_visible()
    expect(by(admin, "enrollment-qr").locator("svg")).to_have_count(1)
    link = by(admin, "enrollment-url").text_content() or ""
    assert re.match(rf"{re.escape(server.url)}/enroll\S+", link), link
    rita = by(admin, "user-row").and_(admin.locator('[data-name="Rita Rep"]'))
    expect(rita).to_have_count(1)
    expect(rita.get_by_test_id("user-role")).to_have_text("Sales")

    # The rep's phone (a narrow window: the phone layout).
    rep = device(browser, contexts)
    code = enroll(rep, link)
    expect(by(rep, "nav-home")).to_be_visible()
    expect(by(rep, "side-nav")).to_have_count(0)

    by(admin, "nav-admin-devices").click()
    row = by(admin, "device-row").and_(admin.locator(f'[data-code="{code}"]'))
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-user", "Rita Rep")
    expect(row).to_have_attribute("data-revoked", "false")
    expect(row).to_have_attribute("data-stale", "false")
    # The rep's passkeys, from the user's name in the row.
    row.get_by_test_id("device-user").click()
    expect(by(admin, "passkey-row")).to_have_count(1)
    row.get_by_test_id("device-revoke").click()
    row.get_by_test_id("device-revoke-confirm").click()
    expect(row).to_have_attribute("data-revoked", "true")
    expect(row.get_by_test_id("device-revoked")).to_be_visible()

    # The rep's next sync is refused: the app says so and offers to log in again.
    by(rep, "sync-now").click()
    expect(by(rep, "sync-error")).to_have_attribute(
        "data-code", "device_revoked", timeout=SYNC_TIMEOUT
    )
    expect(by(rep, "relogin")).to_be_visible()
