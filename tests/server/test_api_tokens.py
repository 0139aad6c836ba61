"""API tokens (docs/auth.md, "API tokens"): a name, a scope and an expiry; listed and revoked in
the console, audited; logout revokes the token; `orderly token` never changes an existing user
quietly; adding a passkey needs a passkey sign-in."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from server import times
from sync.protocol import SCHEMA_VERSION
from tests.server.conftest import LiveServer
from tests.server.phone import Phone, invite
from tests.server.test_cli import run_cli

PULL = {"client_id": "api-token-client-1", "schema": SCHEMA_VERSION}


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch):
    def point(settings) -> None:
        monkeypatch.setenv("ORDERLY_DATA_DIR", str(settings.data_dir))
        monkeypatch.setenv("ORDERLY_DATABASE_URL", settings.database_url)

    return point


@pytest.fixture
def server(serve: Callable[..., LiveServer]) -> LiveServer:
    return serve(auth_rate_per_minute=100_000)


def _audit(server: LiveServer, action: str) -> list[dict]:
    rows = server.query(
        "SELECT actor_id, subject, detail FROM audit_log WHERE action = ? ORDER BY seq", (action,)
    )
    return [{**r, "detail": json.loads(r["detail"])} for r in rows]


def test_orderly_token_refuses_to_change_an_existing_users_role_unless_told(
    server: LiveServer, use_db, capsys: pytest.CaptureFixture[str]
):
    use_db(server.settings)
    assert run_cli(capsys, "token", "--user", "wendy", "--role", "warehouse",
                   "--warehouse", "wh-1")[0] == 0  # fmt: skip
    code, out, err = run_cli(capsys, "token", "--user", "wendy", "--role", "admin")
    assert code == 2 and out == ""
    assert "exists as warehouse of warehouse wh-1" in err and "--change-role" in err
    (user,) = server.query("SELECT id, role, warehouse_id FROM users WHERE name = 'wendy'")
    assert (user["role"], user["warehouse_id"]) == ("warehouse", "wh-1")
    assert _audit(server, "admin.user_changed") == []
    # Told plainly: changed, her sessions end, and it is audited.
    code, out, _ = run_cli(capsys, "token", "--user", "wendy", "--role", "admin", "--change-role")
    assert code == 0 and out.startswith("oly_")
    (user,) = server.query("SELECT id, role, warehouse_id FROM users WHERE name = 'wendy'")
    assert (user["role"], user["warehouse_id"]) == ("admin", None)
    (changed,) = _audit(server, "admin.user_changed")
    assert changed["subject"] == user["id"]
    assert changed["detail"] == {"role": "admin", "warehouse": None, "was_role": "warehouse",
                                 "was_warehouse": "wh-1", "via": "orderly token"}  # fmt: skip
    # Every token made is audited, without the token.
    issued = _audit(server, "auth.token_issued")
    assert len(issued) == 2 and all(out.strip() not in json.dumps(e) for e in issued)


def test_a_token_has_a_name_a_scope_and_an_expiry(
    server: LiveServer, use_db, capsys: pytest.CaptureFixture[str]
):
    use_db(server.settings)
    code, out, err = run_cli(capsys, "token", "--user", "exporter", "--role", "finance",
                             "--name", "nightly export", "--scope", "read", "--expires", "12h")  # fmt: skip
    assert code == 0, err
    token = out.strip()
    with server.client(token) as c:
        r = c.post("/api/sync/pull", json=PULL)
        assert r.status_code == 200, r.text  # a read, though a POST
        r = c.post("/api/sync/push", json={**PULL, "mutations": []})
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
    with server.client(server.token("boss", "admin")) as c:
        listed = {t["name"]: t for t in c.get("/api/admin/tokens").json()}
    mine = listed["nightly export"]
    assert mine["scope"] == "read" and mine["user_name"] == "exporter"
    left = times.parse(mine["expires_at"]) - times.parse(mine["created_at"])
    assert 11.9 * 3600 < left.total_seconds() <= 12 * 3600
    assert mine["last_used_at"] and not mine["revoked"] and not mine["expired"]
    assert "token_hash" not in mine and token not in json.dumps(listed)

    async def expire(db) -> None:
        async with db.write() as conn:
            await conn.execute("UPDATE api_tokens SET expires_at = ? WHERE id = ?",
                               (times.from_now(seconds=-1), mine["id"]))  # fmt: skip

    server.run_db(expire)
    with server.client(token) as c:
        assert c.post("/api/sync/pull", json=PULL).status_code == 401
    assert run_cli(capsys, "token", "--user", "x", "--role", "sales", "--expires", "soon")[0] == 2


def test_a_token_made_before_expiries_expires_90_days_after_it_was_made(server: LiveServer):
    token = server.token("old", "sales")

    async def made_long_ago(db) -> None:
        async with db.write() as conn:
            await conn.execute("UPDATE api_tokens SET expires_at = NULL, scope = NULL,"
                               " created_at = ?", (times.from_now(days=-91),))  # fmt: skip

    server.run_db(made_long_ago)
    with server.client(token) as c:
        assert c.post("/api/sync/pull", json=PULL).status_code == 401


def test_logout_with_an_api_token_revokes_it(server: LiveServer):
    token = server.token("integrator", "sales")
    with server.client(token) as c:
        assert c.post("/api/sync/pull", json=PULL).status_code == 200
        assert c.post("/api/auth/logout").status_code == 204
        assert c.post("/api/sync/pull", json=PULL).status_code == 401
    (entry,) = _audit(server, "auth.token_revoked")
    assert entry["actor_id"] == server.user_id("integrator")


def test_admins_list_and_revoke_tokens_audited(server: LiveServer):
    admin = server.token("boss", "admin")
    other = server.token("integrator", "sales")
    with server.client(server.token("mia", "manager")) as c:
        assert c.get("/api/admin/tokens").status_code == 403
    with server.client(admin) as c:
        tokens = c.get("/api/admin/tokens", params={"user_id": server.user_id("integrator")})
        (listed,) = tokens.json()
        assert c.post(f"/api/admin/tokens/{listed['id']}/revoke").status_code == 204
        assert c.post("/api/admin/tokens/nope/revoke").status_code == 404
        (after,) = c.get(
            "/api/admin/tokens", params={"user_id": server.user_id("integrator")}
        ).json()
        assert after["revoked"] and after["revoked_at"]
    with server.client(other) as c:
        assert c.post("/api/sync/pull", json=PULL).status_code == 401
    (entry,) = _audit(server, "admin.token_revoked")
    assert entry["subject"] == listed["id"] and entry["actor_id"] == server.user_id("boss")


def test_adding_a_passkey_needs_a_passkey_session_not_an_api_token(server: LiveServer):
    admin = server.token("boss", "admin")
    phone = Phone(server)
    signed = phone.enroll(invite(server, admin, "rep7", "sales")["enrollment"]["url"])
    token = server.token("rep7", "sales")  # an API token of the same user
    with server.client(token) as c:
        r = c.post("/api/auth/passkeys/begin")
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
        r = c.post("/api/auth/passkeys/finish", json={"ceremony_id": "x", "credential": {}})
        assert r.status_code == 403
    with phone.authed() as c:
        assert c.post("/api/auth/passkeys/begin").status_code == 200
    assert len(server.query("SELECT id FROM passkeys WHERE user_id = ?",
                            (signed["user"]["id"],))) == 1  # fmt: skip
