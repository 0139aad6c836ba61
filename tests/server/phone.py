"""A device in pure-Python tests: a software authenticator, an Ed25519 device key, and an
HTTP client that enrolls and logs in the way the PWA does (docs/auth.md)."""

from __future__ import annotations

from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.server.conftest import LiveServer
from tests.server.softauthn import SoftAuthenticator, b64


class Phone:
    def __init__(self, server: LiveServer, name: str = "Test phone") -> None:
        self.server = server
        self.authenticator = SoftAuthenticator(origin=server.settings.origin)
        self.signing_key = Ed25519PrivateKey.generate()
        self.name = name
        self.device_id: str | None = None
        self.token: str | None = None
        self.http = server.client()

    @property
    def public_key(self) -> str:
        raw = self.signing_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return b64(raw)

    def device(self) -> dict[str, Any]:
        return {"name": self.name, "platform": "pytest", "app_version": "0.1.0",
                "signing_public_key": self.public_key, "id": self.device_id}  # fmt: skip

    def authed(self) -> httpx.Client:
        assert self.token, "not signed in"
        return self.server.client(self.token)

    # ---- ceremonies, step by step (tests poke at each step) ---------------------------------

    def enroll_begin(self, link: str) -> httpx.Response:
        token = link.split("#", 1)[1]
        return self.http.post("/api/auth/enroll/begin", json={"token": token})

    def finish(self, kind: str, ceremony_id: str, credential: dict[str, Any]) -> httpx.Response:
        r = self.http.post(
            f"/api/auth/{kind}/finish",
            json={"ceremony_id": ceremony_id, "credential": credential,
                  "device": self.device(), "want_token": True},
        )  # fmt: skip
        if r.status_code == 200:
            body = r.json()
            self.token, self.device_id = body["token"], body["device"]["id"]
        return r

    def login_begin(self) -> dict[str, Any]:
        r = self.http.post("/api/auth/login/begin", json={})  # as the app sends it
        assert r.status_code == 200, r.text
        return r.json()

    # ---- whole ceremonies ----------------------------------------------------------------------

    def enroll(self, link: str) -> dict[str, Any]:
        r = self.enroll_begin(link)
        assert r.status_code == 200, r.text
        start = r.json()
        r = self.finish("enroll", start["ceremony_id"], self.authenticator.create(start["options"]))
        assert r.status_code == 200, r.text
        return r.json()

    def login(self) -> httpx.Response:
        start = self.login_begin()
        return self.finish("login", start["ceremony_id"], self.authenticator.get(start["options"]))


def invite(server: LiveServer, admin_token: str, name: str, role: str,
           warehouse_id: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Create a user through the admin API; answers {user, enrollment}."""
    with server.client(admin_token) as c:
        r = c.post("/api/admin/users", json={"name": name, "role": role,
                                              "warehouse_id": warehouse_id})  # fmt: skip
        assert r.status_code == 201, r.text
        return r.json()
