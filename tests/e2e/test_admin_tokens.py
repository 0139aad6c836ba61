"""The console's API tokens page: a token made with `orderly token` is listed with its name and
scope (never the token) and revoked there, after which it stops working (docs/auth.md)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import by, enroll


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "admin-tokens")) as srv:
        yield srv


def test_an_admin_sees_and_revokes_an_api_token(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    token = server.cli("token", "--user", "ci-bot", "--role", "sales", "--name", "CI export",
                       "--scope", "read").strip().splitlines()[-1]  # fmt: skip
    pull = {"client_id": "ci-bot-client-1", "schema": 1}
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{server.url}/api/sync/pull", json=pull, headers=headers).status_code == 200

    admin = device(browser, contexts, viewport=DESKTOP)
    enroll(admin, server.create_admin("Ada Admin"))
    by(admin, "nav-admin-tokens").click()
    expect(by(admin, "tokens-help")).to_contain_text("orderly token")
    row = by(admin, "token-row").and_(admin.locator('[data-name="CI export"]'))
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("token-scope")).to_have_text("Read only")
    expect(by(admin, "tokens-table")).not_to_contain_text(token[:12])
    row.get_by_test_id("token-revoke").click()
    row.get_by_test_id("token-revoke-confirm").click()
    expect(row).to_have_attribute("data-revoked", "true")
    assert httpx.post(f"{server.url}/api/sync/pull", json=pull, headers=headers).status_code == 401
