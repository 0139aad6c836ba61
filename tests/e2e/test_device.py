"""The device's own signing key (pwa/js/device.js): Ed25519 made by WebCrypto, kept in
IndexedDB with the private key non-extractable, the same key after a reload."""

from __future__ import annotations

import base64

from playwright.sync_api import Page

from tests.e2e.conftest import Server

DEVICE = "import('/js/device.js').then(m => m.deviceForFinish())"


def test_device_key_is_ed25519_kept_across_reloads(server: Server, page: Page) -> None:
    page.goto(server.url + "/")
    first = page.evaluate(DEVICE)
    assert first["app_version"] == "0.1.0"
    assert first["name"] and first["platform"]
    assert "id" not in first, "no device id before the server gave one"
    raw = base64.urlsafe_b64decode(first["signing_public_key"] + "==")
    assert len(raw) == 32

    page.reload()
    assert page.evaluate(DEVICE)["signing_public_key"] == first["signing_public_key"]

    private = page.evaluate(
        """import('/js/device.js').then(async m => {
             const keys = await m.signingKeys();
             const data = new TextEncoder().encode('order');
             const sig = await crypto.subtle.sign('Ed25519', keys.privateKey, data);
             return {
               algorithm: keys.privateKey.algorithm.name,
               extractable: keys.privateKey.extractable,
               verifies: await crypto.subtle.verify('Ed25519', keys.publicKey, sig, data),
             };
           })"""
    )
    assert private == {"algorithm": "Ed25519", "extractable": False, "verifies": True}


def test_device_id_from_the_server_is_sent_next_time(server: Server, page: Page) -> None:
    page.goto(server.url + "/")
    page.evaluate("import('/js/device.js').then(m => m.remember({id: 'd-1', code: 'K7F'}))")
    page.reload()
    assert page.evaluate(DEVICE)["id"] == "d-1"
    assert page.evaluate("import('/js/device.js').then(m => m.known())") == {
        "id": "d-1",
        "code": "K7F",
    }
