"""Browser test of the order QR code (docs/qr.md): an order made offline shows its code at once,
signed by the device; the code on screen decodes (zxing, the app's own scanner module) to
``<origin>/q/<token>`` (upper case, as the server's labels); the token verifies here and, once synced, in Python with shared/qr.py
against the keys the server publishes; the server keeps it as the order's current code, and a
reissue on the server replaces the one the app shows."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from shared import qr
from tests.e2e.conftest import Authenticator, Server, new_server, serving
from tests.e2e.sales import (
    SYNC_TIMEOUT,
    Api,
    by,
    create_customer,
    create_order,
    enroll,
    go,
    open_order,
    set_online,
    wait_synced,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own (its auth rate limit raised, as test_offline_sales)."""
    with serving(new_server(tmp_path_factory, "qr")) as srv:
        yield srv


def decode_on_screen(page: Page) -> list[str]:
    """What a phone's camera would read: a screenshot of the QR code as drawn on the page,
    decoded by the app's scanner (BarcodeDetector or the zxing polyfill, pwa/js/camera.js)."""
    image = by(page, "order-qr-image")
    # In the middle of the screen: not under the bottom navigation bar.
    image.evaluate("(e) => e.scrollIntoView({ block: 'center' })")
    png = image.screenshot()
    return page.evaluate(
        """async (b64) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
          const { qrDetector } = await import('/js/camera.js');
          const found = await (await qrDetector()).detect(bitmap);
          return found.filter((f) => f.format === 'qr_code').map((f) => f.rawValue);
        }""",
        base64.b64encode(png).decode(),
    )


def shown_token(page: Page) -> str:
    token = by(page, "order-qr").get_attribute("data-token") or ""
    assert len(token) == qr.TOKEN_CHARS, token
    return token


def test_an_order_made_offline_shows_a_code_signed_by_the_device(
    server: Server, api: Api, page: Page, authenticator: Authenticator
) -> None:
    api.put_product("QR-TEA", "QR jasmine tea", 3900)
    _, link = api.invite("Quentin QR")
    enroll(page, link)
    origin = page.evaluate("location.origin")

    set_online(page, False)
    create_customer(page, "QR Tea House", address="8 Lantern Lane")
    order_id, number = create_order(page, "QR Tea House", [("QR jasmine tea", 2)])

    # At once, offline: the device's own signature, valid against the keys pulled at login.
    code = by(page, "order-qr")
    expect(code).to_have_attribute("data-source", "device")
    expect(by(page, "order-qr-status").locator("[data-reason]")).to_have_attribute(
        "data-reason", "valid"
    )
    token = shown_token(page)
    claims = qr.decode(token)
    assert claims.order_id == order_id
    url = f"{origin}/q/{token}"
    expect(by(page, "order-qr-url")).to_have_text(url)
    box = by(page, "order-qr-image").bounding_box()
    assert box and box["width"] >= 240 and box["height"] >= 240, box
    # The same text as the server's labels: the URL upper case (the QR alphanumeric set).
    assert decode_on_screen(page) == [qr.qr_text(origin, token)] == [url.upper()]

    # A reload with no network shows the same code (IndexedDB, not memory).
    page.reload()
    open_order(page, number)
    expect(by(page, "order-qr")).to_have_attribute("data-token", token)

    # Online: the token reaches the server with the order and verifies in Python too.
    set_online(page, True)
    wait_synced(page)
    truth = api.pull_all()
    keys = list(truth.get("signing_keys", {}).values())
    revoked = list(truth.get("qr_revocations", {}).values())
    verdict = qr.verify(token, keys, revoked)
    assert verdict.reason == "valid", verdict
    assert verdict.order_id == order_id
    device_key = next(k for k in keys if k["id"] == claims.key_id)
    assert device_key["kind"] == "device"
    current = api._json("GET", f"/api/orders/{order_id}/qr")
    assert isinstance(current, dict) and current["token"] == token, current

    # A reissue on the server revokes it; the app shows the new code the next time it opens
    # the order online, and the old one verifies as revoked here.
    reissued = api._json("POST", f"/api/orders/{order_id}/qr/reissue")
    assert isinstance(reissued, dict) and reissued["token"] != token
    go(page, "home")
    by(page, "sync-now").click()
    wait_synced(page)
    open_order(page, number)
    expect(by(page, "order-qr")).to_have_attribute(
        "data-token", reissued["token"], timeout=SYNC_TIMEOUT
    )
    expect(by(page, "order-qr")).to_have_attribute("data-source", "server")
    expect(by(page, "order-qr-status").locator("[data-reason]")).to_have_attribute(
        "data-reason", "valid"
    )
    assert decode_on_screen(page) == [qr.qr_text(origin, reissued["token"])]
    truth = api.pull_all()
    old = qr.verify(token, list(truth["signing_keys"].values()), truth["qr_revocations"].values())
    assert old.reason == "revoked_token"
