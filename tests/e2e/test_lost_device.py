"""The console's devices page offers two ways to take a device away and says what each does;
"lost or stolen" revokes the device and its passkey, and the phone's open event stream ends at
once (docs/auth.md, "A lost or stolen device")."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import SYNC_TIMEOUT, by, enroll


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "lost-device")) as srv:
        yield srv


def test_a_lost_phone_is_revoked_with_its_passkey_and_its_stream_ends(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    admin = device(browser, contexts, viewport=DESKTOP)
    enroll(admin, server.create_admin("Ada Admin"))
    by(admin, "nav-admin-users").click()
    by(admin, "invite-name").fill("Rita Rep")
    by(admin, "invite-role").select_option("sales")
    by(admin, "invite-submit").click()
    link = by(admin, "enrollment-url").text_content() or ""
    rep = device(browser, contexts)
    code = enroll(rep, link)
    expect(by(rep, "nav-home")).to_be_visible()
    # The phone holds its event stream open from here on (sync.js opens it on start).

    by(admin, "nav-admin-devices").click()
    choices = by(admin, "devices-choices")
    expect(choices).to_contain_text("Revoke:")
    expect(choices).to_contain_text("can sign in on it again")
    expect(choices).to_contain_text("Lost or stolen:")
    expect(choices).to_contain_text("nobody holding it can sign in again")
    row = by(admin, "device-row").and_(admin.locator(f'[data-code="{code}"]'))
    row.get_by_test_id("device-user").click()
    expect(by(admin, "passkey-row")).to_have_attribute("data-revoked", "false")
    row.get_by_test_id("device-lost").click()
    expect(row.get_by_test_id("device-lost-confirm")).to_have_text(
        re.compile(f"Device {code} is lost: revoke it and its passkeys")
    )
    row.get_by_test_id("device-lost-confirm").click()
    expect(row).to_have_attribute("data-revoked", "true")
    expect(by(admin, "passkey-row")).to_have_attribute("data-revoked", "true")

    # Without a tap on the phone: its stream ended, and the sync that followed was refused.
    expect(by(rep, "sync-error")).to_have_attribute(
        "data-code", "device_revoked", timeout=SYNC_TIMEOUT
    )
