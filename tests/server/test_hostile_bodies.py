"""Bodies no client means to send, before anyone signed in: nested thousands deep, or bytes that
are not UTF-8. A 400 with a stable code, never a 500, and no traceback in the log."""

from __future__ import annotations

import logging

import pytest

from tests.server.conftest import LiveServer

PATHS = ("/api/sync/push", "/api/auth/login/finish", "/api/auth/enroll/begin",
         "/api/auth/enroll/finish")  # fmt: skip
DEEP = b'{"a":' + b"[" * 3000 + b"]" * 3000 + b"}"
BAD_UTF8 = b'{"client_id": "\xff\xfe", "schema": 1, "mutations": []}'
BAD_UTF8_KEY = b'{"\xc3\x28": 1}'


@pytest.mark.parametrize("body", [DEEP, BAD_UTF8, BAD_UTF8_KEY], ids=["deep", "utf8", "utf8-key"])
def test_hostile_json_is_a_400_without_a_traceback(
    shared_server: LiveServer, body: bytes, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    for path in PATHS:
        with shared_server.client() as c:
            r = c.post(path, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400, (path, r.status_code, r.text)
        assert r.json()["code"] == "malformed_json", (path, r.text)
    assert not [rec for rec in caplog.records if rec.exc_info], [
        rec.getMessage() for rec in caplog.records if rec.exc_info]  # fmt: skip


def test_a_signed_in_route_answers_hostile_json_the_same(shared_server: LiveServer):
    token = shared_server.token("hostile-admin", "admin")
    with shared_server.client(token) as c:
        for body in (DEEP, BAD_UTF8_KEY):
            r = c.post("/api/admin/products", content=body,
                       headers={"content-type": "application/json"})  # fmt: skip
            assert (r.status_code, r.json()["code"]) == (400, "malformed_json")
