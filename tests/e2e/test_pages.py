"""The app shell and its modules load in chromium: the import map resolves, no module fails."""

from __future__ import annotations

from playwright.sync_api import Page, Response, expect

from tests.e2e.conftest import Server


def _watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))

    def bad_file(response: Response) -> None:
        if "/api/" not in response.url and response.status >= 400:
            problems.append(f"{response.status}: {response.url}")

    page.on("response", bad_file)
    return problems


def test_home_shows_login_when_signed_out(server: Server, page: Page) -> None:
    problems = _watch(page)
    page.goto(server.url + "/")
    expect(page.get_by_test_id("login")).to_be_visible()
    expect(page.get_by_test_id("error")).to_be_hidden()
    expect(page.locator("#health")).to_have_text("ok, sqlite")
    vendor = page.evaluate(
        "import('@simplewebauthn/browser').then(m => typeof m.startRegistration)"
    )
    assert vendor == "function"
    assert problems == []


def test_enroll_page_offers_the_passkey(server: Server, page: Page) -> None:
    problems = _watch(page)
    page.goto(server.url + "/enroll#oen_not-a-real-token")
    expect(page.get_by_test_id("enroll")).to_be_visible()
    expect(page.get_by_test_id("login")).to_be_hidden()
    assert problems == []


def test_enroll_without_token_says_so(server: Server, page: Page) -> None:
    page.goto(server.url + "/enroll")
    expect(page.get_by_test_id("error")).to_contain_text("enrollment link is incomplete")


def test_only_the_app_and_its_vendor_modules_are_served(server: Server, page: Page) -> None:
    ok = page.request.get(server.url + "/vendor/@simplewebauthn/browser/index.js")
    assert ok.status == 200
    assert "javascript" in ok.headers["content-type"]
    for hidden in ("/package.json", "/node_modules/@simplewebauthn/browser/esm/index.js"):
        assert page.request.get(server.url + hidden).status == 404, hidden
