"""Cross-site requests (docs/auth.md § Cross-site requests): a passkey ceremony and anything a
session cookie authenticates must come from the app's own origin with a JSON body; a bearer
token's calls are left alone. The browser's side: tests/e2e/test_passkey_browser.py."""

from __future__ import annotations

import json

import pytest

from tests.server.conftest import LiveServer
from tests.server.phone import Phone, invite

EVIL = {"Origin": "http://evil.example:8080"}


def _code(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


@pytest.fixture
def admin(shared_server: LiveServer) -> str:
    return shared_server.token("origin-boss", "admin")


def _cookie_session(server: LiveServer, admin: str, name: str) -> tuple[dict, str]:
    """A sales rep enrolled the app's way: the session cookie and the CSRF token."""
    invited = invite(server, admin, name, "sales")
    phone = Phone(server)
    start = phone.enroll_begin(invited["enrollment"]["url"]).json()
    r = phone.http.post("/api/auth/enroll/finish", json={
        "ceremony_id": start["ceremony_id"], "device": phone.device(),
        "credential": phone.authenticator.create(start["options"])})  # fmt: skip
    assert r.status_code == 200, r.text
    return {"orderly_session": phone.http.cookies["orderly_session"]}, r.json()["csrf"]


def test_a_ceremony_from_another_origin_or_without_one_is_refused(
    shared_server: LiveServer, admin: str
):
    server = shared_server
    invited = invite(server, admin, "origin-rep1", "sales")
    token = invited["enrollment"]["url"].split("#", 1)[1]
    body = {"token": token}
    for headers in (EVIL, {"Origin": "null"}, {"Origin": server.settings.origin + ".evil.example"}):
        with server.client(headers=headers) as c:
            assert _code(c.post("/api/auth/enroll/begin", json=body)) == (403, "csrf_failed")
            r = c.post("/api/auth/login/finish", json={"ceremony_id": "x", "credential": {}})
            assert _code(r) == (403, "csrf_failed")
    with server.client() as c:
        del c.headers["Origin"]  # a request that names no origin is not ours either
        assert _code(c.post("/api/auth/enroll/begin", json=body)) == (403, "csrf_failed")
    # The link is unused: from the app's own origin it still enrolls.
    Phone(server).enroll(invited["enrollment"]["url"])


def test_a_ceremony_body_must_say_it_is_json(shared_server: LiveServer, admin: str):
    server = shared_server
    invited = invite(server, admin, "origin-rep2", "sales")
    phone = Phone(server)
    start = phone.enroll_begin(invited["enrollment"]["url"]).json()
    finish = {"ceremony_id": start["ceremony_id"], "device": phone.device(),
              "credential": phone.authenticator.create(start["options"])}  # fmt: skip
    # What a cross-site <form enctype="text/plain"> (or a urlencoded one) would send.
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        r = phone.http.post("/api/auth/enroll/finish", content=json.dumps(finish),
                            headers={"Content-Type": kind})  # fmt: skip
        assert _code(r) == (415, "unsupported_media_type"), kind
    r = phone.http.post("/api/auth/enroll/finish", content=json.dumps(finish),
                        headers={"Content-Type": "application/json; charset=utf-8"})  # fmt: skip
    assert r.status_code == 200, r.text


def test_cookie_requests_must_be_same_origin_bearer_calls_need_not(
    shared_server: LiveServer, admin: str
):
    server = shared_server
    cookies, csrf = _cookie_session(server, admin, "origin-rep3")
    with server.client(cookies=cookies, headers={**EVIL, "X-CSRF-Token": csrf}) as c:
        r = c.post("/api/admin/users", json={"name": "x", "role": "sales"})
        assert _code(r) == (403, "csrf_failed")
        assert _code(c.post("/api/auth/logout")) == (403, "csrf_failed")
        assert c.get("/api/auth/me").status_code == 200  # reading is not refused
    with server.client(cookies=cookies, headers={"X-CSRF-Token": csrf}) as c:
        r = c.post("/api/sync/push", content=b'{"client_id": "c1"}',
                   headers={"Content-Type": "text/plain"})  # fmt: skip
        assert _code(r) == (415, "unsupported_media_type")
        # The import takes its file as the body: same origin still, any type.
        r = c.post("/api/admin/import/products?dry_run=true", content=b"sku,name\n",
                   headers={"Content-Type": "application/octet-stream"})  # fmt: skip
        assert _code(r) == (403, "forbidden")  # a rep may not import: the guard let it through
        assert c.post("/api/auth/logout").status_code == 204  # no body: nothing to type
    with server.client(admin, headers=EVIL) as c:  # a bearer token: not a browser's doing
        r = c.post("/api/admin/users", json={"name": "origin-rep4", "role": "sales"})
        assert r.status_code == 201, r.text
