"""A person's first day, in a real browser: the admin's enrollment link makes a passkey, the
session works, logging out ends it, and the passkey logs back in without a name typed."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Authenticator, Server

NAME = "Ada Admin"


def _me_status(page: Page) -> int:
    """GET /api/auth/me from the page, with the browser's own cookies."""
    return page.evaluate("fetch('/api/auth/me', {credentials: 'same-origin'}).then(r => r.status)")


def _signed_in(page: Page) -> None:
    expect(page.get_by_test_id("signed-in")).to_be_visible()
    expect(page.get_by_test_id("me-name")).to_have_text(NAME)
    expect(page.get_by_test_id("me-role")).to_have_text("admin")
    expect(page.get_by_test_id("me-device")).to_have_text(re.compile(r"^[0-9A-HJKMNP-TV-Z]{3}$"))
    expect(page.get_by_test_id("error")).to_be_hidden()


def test_enroll_logout_and_log_back_in_with_the_passkey(
    server: Server, page: Page, authenticator: Authenticator
) -> None:
    link = server.create_admin(NAME)
    assert link.startswith(server.url + "/enroll#")

    page.goto(link)
    page.get_by_test_id("enroll").click()
    _signed_in(page)
    device_code = page.get_by_test_id("me-device").text_content()
    assert page.url == server.url + "/", "the enrollment token must leave the address bar"
    [passkey] = authenticator.credentials()
    assert passkey["isResidentCredential"]

    assert _me_status(page) == 200
    me = page.evaluate("fetch('/api/auth/me').then(r => r.json())")
    assert NAME in str(me)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["orderly_session"]["httpOnly"]
    assert not cookies["orderly_csrf"]["httpOnly"]
    assert "orderly_session" not in page.evaluate("document.cookie")
    # The session cookie alone does not make an unsafe request: the CSRF header must come too.
    forged = page.evaluate(
        "fetch('/api/auth/logout', {method: 'POST'}).then(async r => [r.status, await r.json()])"
    )
    assert forged[0] == 403 and forged[1]["code"] == "csrf_failed"
    assert _me_status(page) == 200

    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login")).to_be_visible()
    assert _me_status(page) == 401

    page.reload()
    expect(page.get_by_test_id("login")).to_be_visible()
    page.get_by_test_id("login").click()
    _signed_in(page)
    assert _me_status(page) == 200
    # The same browser is the same device: its id was kept and re-used, so the code is too.
    expect(page.get_by_test_id("me-device")).to_have_text(device_code or "")
    assert authenticator.credentials()[0]["signCount"] >= 2


def test_a_used_enrollment_link_is_explained_by_its_code(
    server: Server, page: Page, authenticator: Authenticator
) -> None:
    link = server.create_admin("Second Admin")
    page.goto(link)
    page.get_by_test_id("enroll").click()
    expect(page.get_by_test_id("signed-in")).to_be_visible()

    page.goto(link)
    with page.expect_response("**/api/auth/enroll/begin") as answer:
        page.get_by_test_id("enroll").click()
    error = answer.value.json()
    assert answer.value.status == 400 and error["code"] == "enrollment_used"
    # The words for the code (pwa/js/locales/codes.js), the server's message kept alongside.
    expect(page.get_by_test_id("error")).to_have_text(
        "This enrollment link was used already: ask an administrator for a new one."
    )
    expect(page.get_by_test_id("error")).to_have_attribute("data-message", error["message"])
    expect(page.get_by_test_id("enroll")).to_be_visible()
