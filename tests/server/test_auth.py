"""Passkeys, enrollment, devices and sessions over real HTTP with a software authenticator
(tests/server/softauthn.py): every ceremony is a real WebAuthn ceremony verified by py_webauthn."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from server import times
from server.auth.devices import certificate_message, unb64url
from server.keys import load as load_keys
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.phone import Phone, invite
from tests.server.softauthn import SoftAuthenticator
from tests.server.test_api import EVENTS, _sse_events, mutation, push_body

FAST = {"auth_rate_per_minute": 100_000}


@pytest.fixture
def server(serve: Callable[..., LiveServer]) -> LiveServer:
    return serve(**FAST)


@pytest.fixture
def admin_token(server: LiveServer) -> str:
    return server.token("boss", "admin")


def enrolled(server: LiveServer, admin_token: str, name: str = "rep7", role: str = "sales",
             warehouse_id: str | None = None) -> tuple[Phone, dict]:  # fmt: skip
    phone = Phone(server)
    invited = invite(server, admin_token, name, role, warehouse_id)
    return phone, phone.enroll(invited["enrollment"]["url"])


def error_code(response) -> str:
    return response.json()["code"]


# ---- enrollment -----------------------------------------------------------------------------


def test_enroll_registers_passkey_device_and_session(server: LiveServer, admin_token: str):
    invited = invite(server, admin_token, "rep7", "sales")
    link = invited["enrollment"]
    assert link["url"].startswith(server.settings.public_url + "/enroll#oen_")
    assert link["qr_svg"].startswith("<svg") and "</svg>" in link["qr_svg"]
    phone = Phone(server)
    signed = phone.enroll(link["url"])
    assert signed["user"]["name"] == "rep7" and signed["user"]["role"] == "sales"
    assert "sync" in signed["user"]["permissions"]
    device = signed["device"]
    assert len(device["code"]) == 3 and device["signing_public_key"] == phone.public_key
    # The server certified the device key with its own signing key.
    keys = load_keys(server.settings.keys_dir)
    message = certificate_message(device["id"], device["code"], signed["user"]["id"],
                                  phone.public_key)  # fmt: skip
    Ed25519PublicKey.from_public_bytes(keys.public()[device["cert_key_id"]]).verify(
        unb64url(device["certificate"]), message
    )
    with phone.authed() as c:
        me = c.get("/api/auth/me").json()
    assert me["user"]["name"] == "rep7" and me["device"]["id"] == device["id"]
    assert me["via"] == "session"
    stored = server.query("SELECT user_id, sign_count FROM passkeys")
    assert stored == [{"user_id": signed["user"]["id"], "sign_count": 0}]


def test_enrollment_link_works_once(server: LiveServer, admin_token: str):
    invited = invite(server, admin_token, "rep7", "sales")
    url = invited["enrollment"]["url"]
    first, second = Phone(server), Phone(server)
    # Both open the link before either finishes: only one finish can use it.
    a, b = first.enroll_begin(url).json(), second.enroll_begin(url).json()
    ok = first.finish("enroll", a["ceremony_id"], first.authenticator.create(a["options"]))
    assert ok.status_code == 200
    late = second.finish("enroll", b["ceremony_id"], second.authenticator.create(b["options"]))
    assert late.status_code == 400 and error_code(late) == "enrollment_used"
    again = Phone(server).enroll_begin(url)
    assert again.status_code == 400 and error_code(again) == "enrollment_used"
    assert len(server.query("SELECT id FROM passkeys")) == 1


def test_an_enrollment_link_says_whose_it_is_until_it_is_used(server: LiveServer, admin_token: str):
    """The enrollment page names the person before a passkey is made (issue 17 item 7); a link
    that cannot be used is refused with the same codes as the ceremony."""
    invited = invite(server, admin_token, "Wen Li", "finance")
    url = invited["enrollment"]["url"]
    token = url.split("#", 1)[1]
    phone = Phone(server)
    about = phone.http.post("/api/auth/enroll/about", json={"token": token})
    assert about.status_code == 200 and about.json() == {"user_name": "Wen Li", "role": "finance"}
    made_up = phone.http.post("/api/auth/enroll/about", json={"token": "oen_made-up"})
    assert made_up.status_code == 400 and error_code(made_up) == "enrollment_invalid"
    phone.enroll(url)
    used = Phone(server).http.post("/api/auth/enroll/about", json={"token": token})
    assert used.status_code == 400 and error_code(used) == "enrollment_used"


@pytest.mark.dates
def test_expired_enrollment_refused(serve: Callable[..., LiveServer]):
    server = serve(enrollment_ttl_hours=0, **FAST)
    invited = invite(server, server.token("boss", "admin"), "rep7", "sales")
    r = Phone(server).enroll_begin(invited["enrollment"]["url"])
    assert r.status_code == 400 and error_code(r) == "enrollment_expired"


def test_unknown_and_superseded_enrollment_links(server: LiveServer, admin_token: str):
    invited = invite(server, admin_token, "rep7", "sales")
    old = invited["enrollment"]["url"]
    r = Phone(server).enroll_begin(old.split("#")[0] + "#oen_made-up")
    assert r.status_code == 400 and error_code(r) == "enrollment_invalid"
    with server.client(admin_token) as c:
        new = c.post(f"/api/admin/users/{invited['user']['id']}/enrollments").json()
    r = Phone(server).enroll_begin(old)
    assert r.status_code == 400 and error_code(r) == "enrollment_expired"
    assert Phone(server).enroll(new["url"])["user"]["name"] == "rep7"


def test_registration_from_wrong_origin_refused(server: LiveServer, admin_token: str):
    invited = invite(server, admin_token, "rep7", "sales")
    phone = Phone(server)
    start = phone.enroll_begin(invited["enrollment"]["url"]).json()
    cred = phone.authenticator.create(start["options"], origin="https://evil.example")
    r = phone.finish("enroll", start["ceremony_id"], cred)
    assert r.status_code == 400 and error_code(r) == "webauthn_invalid"
    assert server.query("SELECT id FROM passkeys") == []


def test_registration_without_user_verification_refused(server: LiveServer, admin_token: str):
    invited = invite(server, admin_token, "rep7", "sales")
    phone = Phone(server)
    phone.authenticator.user_verified = False
    start = phone.enroll_begin(invited["enrollment"]["url"]).json()
    assert start["options"]["authenticatorSelection"]["userVerification"] == "required"
    assert start["options"]["authenticatorSelection"]["residentKey"] == "required"
    r = phone.finish("enroll", start["ceremony_id"], phone.authenticator.create(start["options"]))
    assert r.status_code == 400 and error_code(r) == "webauthn_invalid"


# ---- login ----------------------------------------------------------------------------------


def test_login_with_discoverable_passkey(server: LiveServer, admin_token: str):
    phone, signed = enrolled(server, admin_token)
    first_device = phone.device_id
    start = phone.login_begin()
    assert start["options"]["allowCredentials"] == []  # nobody typed a name
    assert start["options"]["userVerification"] == "required"
    r = phone.finish("login", start["ceremony_id"], phone.authenticator.get(start["options"]))
    assert r.status_code == 200, r.text
    assert r.json()["user"]["id"] == signed["user"]["id"]
    assert phone.device_id == first_device  # the same device, not a new one
    assert server.query("SELECT sign_count FROM passkeys") == [{"sign_count": 1}]
    actions = [r["action"] for r in server.query("SELECT action FROM audit_log ORDER BY seq")]
    assert "auth.enroll" in actions and "auth.login" in actions


def test_replayed_assertion_refused(server: LiveServer, admin_token: str):
    phone, _ = enrolled(server, admin_token)
    start = phone.login_begin()
    assertion = phone.authenticator.get(start["options"])
    assert phone.finish("login", start["ceremony_id"], assertion).status_code == 200
    # The same answer again: its ceremony is used up.
    r = phone.finish("login", start["ceremony_id"], assertion)
    assert r.status_code == 400 and error_code(r) == "ceremony_expired"
    # The same answer to a fresh ceremony: it signed another challenge.
    fresh = phone.login_begin()
    r = phone.finish("login", fresh["ceremony_id"], assertion)
    assert r.status_code == 400 and error_code(r) == "webauthn_invalid"


def test_login_from_wrong_origin_refused(server: LiveServer, admin_token: str):
    phone, _ = enrolled(server, admin_token)
    start = phone.login_begin()
    cred = phone.authenticator.get(start["options"], origin="http://localhost:9999")
    r = phone.finish("login", start["ceremony_id"], cred)
    assert r.status_code == 400 and error_code(r) == "webauthn_invalid"


def test_login_without_user_verification_refused(server: LiveServer, admin_token: str):
    phone, _ = enrolled(server, admin_token)
    phone.authenticator.user_verified = False
    r = phone.login()
    assert r.status_code == 400 and error_code(r) == "webauthn_invalid"


def test_ceremony_of_another_kind_refused(server: LiveServer, admin_token: str):
    invited = invite(server, admin_token, "rep7", "sales")
    phone = Phone(server)
    start = phone.enroll_begin(invited["enrollment"]["url"]).json()
    r = phone.finish("login", start["ceremony_id"], phone.authenticator.create(start["options"]))
    assert r.status_code == 400 and error_code(r) == "ceremony_expired"


def test_expired_ceremony_refused(serve: Callable[..., LiveServer]):
    server = serve(challenge_ttl_seconds=0, **FAST)
    invited = invite(server, server.token("boss", "admin"), "rep7", "sales")
    phone = Phone(server)
    start = phone.enroll_begin(invited["enrollment"]["url"]).json()
    r = phone.finish("enroll", start["ceremony_id"], phone.authenticator.create(start["options"]))
    assert r.status_code == 400 and error_code(r) == "ceremony_expired"


def test_sign_counter_regression_refused(server: LiveServer, admin_token: str):
    phone, _ = enrolled(server, admin_token)
    for _ in range(3):
        assert phone.login().status_code == 200
    # A clone of the authenticator taken earlier: its counter is behind the server's.
    phone.authenticator.credentials[-1].counter = 1
    r = phone.login()
    assert r.status_code == 401 and error_code(r) == "sign_count_regressed"
    assert server.query("SELECT sign_count FROM passkeys") == [{"sign_count": 3}]
    assert server.query(
        "SELECT action FROM audit_log WHERE action = ?", ("auth.sign_count_regressed",)
    )


def test_unknown_passkey_and_disabled_user_get_the_same_answer(
    server: LiveServer, admin_token: str
):
    phone, signed = enrolled(server, admin_token)
    stranger = Phone(server)
    stranger.authenticator = SoftAuthenticator(origin=server.settings.origin)
    # A passkey this server never registered, for the same rp.
    stranger.authenticator.create({"rp": {"id": server.settings.rp_id},
                                   "user": {"id": "eA"}, "challenge": "AA"})  # fmt: skip
    unknown = stranger.login()
    with server.client(admin_token) as c:
        c.patch(f"/api/admin/users/{signed['user']['id']}", json={"disabled": True})
        # The console no longer shows the user's device as active (nor as stale: it is off).
        (listed,) = [d for d in c.get("/api/admin/devices").json()
                     if d["id"] == signed["device"]["id"]]  # fmt: skip
    assert (listed["user_disabled"], listed["revoked"], listed["stale"]) == (True, False, False)
    disabled = phone.login()
    assert unknown.status_code == disabled.status_code == 401
    assert error_code(unknown) == error_code(disabled) == "login_failed"
    assert unknown.json()["message"] == disabled.json()["message"]


def test_several_passkeys_per_user(server: LiveServer, admin_token: str):
    phone, signed = enrolled(server, admin_token)
    with phone.authed() as c:
        start = c.post("/api/auth/passkeys/begin").json()
        # The passkey the user has is excluded: the authenticator will not make a duplicate.
        assert len(start["options"]["excludeCredentials"]) == 1
        laptop = SoftAuthenticator(origin=server.settings.origin)
        r = c.post(
            "/api/auth/passkeys/finish",
            json={
                "ceremony_id": start["ceremony_id"],
                "credential": laptop.create(start["options"]),
            },
        )
        assert r.status_code == 200, r.text
        assert len(c.get("/api/auth/passkeys").json()) == 2
    other = Phone(server, "Laptop")
    other.authenticator = laptop
    r = other.login()
    assert r.status_code == 200 and r.json()["user"]["id"] == signed["user"]["id"]


# ---- sessions -------------------------------------------------------------------------------


def test_cookie_session_needs_csrf_on_unsafe_methods(server: LiveServer, admin_token: str):
    invited = invite(server, admin_token, "rep7", "sales")
    phone = Phone(server)
    start = phone.enroll_begin(invited["enrollment"]["url"]).json()
    r = phone.http.post("/api/auth/enroll/finish", json={
        "ceremony_id": start["ceremony_id"], "device": phone.device(),
        "credential": phone.authenticator.create(start["options"])})  # fmt: skip
    assert r.status_code == 200 and "token" not in r.json()  # the PWA never sees the token
    cookies = {c.name: c for c in phone.http.cookies.jar}
    session = r.cookies.get("orderly_session") or cookies["orderly_session"].value
    header = r.headers.get_list("set-cookie")
    assert any(h.startswith("orderly_session=") and "HttpOnly" in h for h in header)
    csrf = r.json()["csrf"]
    with server.client(cookies={"orderly_session": session}) as c:
        assert c.get("/api/auth/me").status_code == 200  # safe method: no CSRF token needed
        no_csrf = c.post("/api/auth/logout")
        assert no_csrf.status_code == 403 and error_code(no_csrf) == "csrf_failed"
        bad = c.post("/api/auth/logout", headers={"X-CSRF-Token": "guess"})
        assert bad.status_code == 403
        assert c.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        gone = c.get("/api/auth/me")
        assert gone.status_code == 401 and error_code(gone) == "unauthorized"


def test_bearer_session_logout(server: LiveServer, admin_token: str):
    phone, _ = enrolled(server, admin_token)
    with phone.authed() as c:
        assert c.post("/api/auth/logout").status_code == 204  # bearer: no CSRF needed
        assert c.get("/api/auth/me").status_code == 401


@pytest.mark.dates
def test_session_expiry_slides(server: LiveServer, admin_token: str):
    phone, _ = enrolled(server, admin_token)
    # A phone that was offline for 29 days: last seen then, its session ends in a day.
    soon = times.from_now(days=1)

    async def age(db) -> None:
        async with db.write() as conn:
            await conn.execute(
                "UPDATE sessions SET last_seen_at = ?, expires_at = ?",
                (times.from_now(days=-29), soon),
            )

    server.run_db(age)
    with phone.authed() as c:
        assert c.get("/api/auth/me").status_code == 200
    (row,) = server.query("SELECT expires_at FROM sessions")
    left = times.parse(row["expires_at"]) - times.parse(times.now())
    assert row["expires_at"] > soon and left.days >= 29


@pytest.mark.dates
def test_expired_session_refused(server: LiveServer, admin_token: str):
    phone, _ = enrolled(server, admin_token)

    async def expire(db) -> None:
        async with db.write() as conn:
            await conn.execute("UPDATE sessions SET expires_at = ?", ("2020-01-01T00:00:00.000Z",))

    server.run_db(expire)
    with phone.authed() as c:
        assert c.get("/api/auth/me").status_code == 401


# ---- devices --------------------------------------------------------------------------------


def test_revoked_device_refused_and_its_outbox_accepted_after_login(
    server: LiveServer, admin_token: str
):
    phone, _ = enrolled(server, admin_token)
    client_id = f"pwa-{uuid7()}"
    with phone.authed() as c:
        r = c.post("/api/sync/push", json=push_body(client_id, [mutation(1)], pending=2))
        assert r.json()["results"][0]["status"] == "applied"
    (dev,) = server.query("SELECT pending_count, last_sync_at FROM devices")
    assert dev["pending_count"] == 2 and dev["last_sync_at"]
    old_device = phone.device_id
    with server.client(admin_token) as c:
        assert c.post(f"/api/admin/devices/{old_device}/revoke").status_code == 204
        listed = {d["id"]: d for d in c.get("/api/admin/devices").json()}
        assert listed[old_device]["revoked"] is True
    # Offline meanwhile, the phone captured two more mutations.
    outbox = [mutation(2), mutation(3)]
    with phone.authed() as c:
        refused = c.post("/api/sync/push", json=push_body(client_id, outbox))
        assert refused.status_code == 401 and error_code(refused) == "device_revoked"
        assert (
            c.post("/api/sync/pull", json={"client_id": client_id, "schema": 1}).status_code == 401
        )
    # The user logs in again on the phone: a new device, and the outbox goes through.
    assert phone.login().status_code == 200
    assert phone.device_id != old_device
    with phone.authed() as c:
        r = c.post("/api/sync/push", json=push_body(client_id, outbox))
        assert r.status_code == 200
        assert [x["status"] for x in r.json()["results"]] == ["applied", "applied"]
    assert len(server.query("SELECT id FROM customers")) == 3


def test_revoked_passkey_cannot_log_in_and_its_sessions_end(server: LiveServer, admin_token: str):
    phone, signed = enrolled(server, admin_token)
    with server.client(admin_token) as c:
        (key,) = c.get("/api/admin/passkeys", params={"user_id": signed["user"]["id"]}).json()
        assert c.post(f"/api/admin/passkeys/{key['id']}/revoke").status_code == 204
    with phone.authed() as c:
        assert c.get("/api/auth/me").status_code == 401
    r = phone.login()
    assert r.status_code == 401 and error_code(r) == "login_failed"


def test_device_registration_validates_the_signing_key(server: LiveServer, admin_token: str):
    invited = invite(server, admin_token, "rep7", "sales")
    phone = Phone(server)
    start = phone.enroll_begin(invited["enrollment"]["url"]).json()
    r = phone.http.post("/api/auth/enroll/finish", json={
        "ceremony_id": start["ceremony_id"], "credential": phone.authenticator.create(start["options"]),
        "device": {"name": "x", "signing_public_key": "bm90IGEga2V5"}})  # fmt: skip
    assert r.status_code == 400 and error_code(r) == "invalid_device"


def test_device_codes_are_unique(server: LiveServer, admin_token: str):
    codes = set()
    for i in range(12):
        _, signed = enrolled(server, admin_token, f"rep{i}")
        codes.add(signed["device"]["code"])
    assert len(codes) == 12


# ---- abuse ----------------------------------------------------------------------------------


def test_auth_endpoints_are_rate_limited(serve: Callable[..., LiveServer]):
    server = serve(auth_rate_per_minute=5)
    with server.client() as c:
        codes = [c.post("/api/auth/login/begin").status_code for _ in range(8)]
        assert codes[:5] == [200] * 5 and codes[-1] == 429
        assert error_code(c.post("/api/auth/login/begin")) == "rate_limited"
        # Other endpoints are not limited by it, /api/auth/me (asked at every app start) neither.
        assert all(c.get("/api/health").status_code == 200 for _ in range(10))
        assert all(c.get("/api/auth/me").status_code == 401 for _ in range(10))


def test_auth_bodies_are_bounded(server: LiveServer):
    with server.client() as c:
        r = c.post("/api/auth/enroll/begin", json={"token": "x" * 70_000})
        assert r.status_code == 413 and error_code(r) == "too_large"


def test_bad_auth_input_is_a_clear_error(server: LiveServer):
    with server.client() as c:
        for path, body in [
            ("/api/auth/enroll/begin", {}),
            ("/api/auth/enroll/finish", {"ceremony_id": "x"}),
            ("/api/auth/login/finish", {"ceremony_id": "x", "credential": "nope"}),
        ]:
            r = c.post(path, json=body)
            assert r.status_code == 400 and error_code(r) == "invalid_request", (path, r.text)
        start = c.post("/api/auth/login/begin").json()
        r = c.post("/api/auth/login/finish",
                   json={"ceremony_id": start["ceremony_id"], "credential": {"id": "junk"}})  # fmt: skip
        assert r.status_code == 400 and error_code(r) == "webauthn_invalid"


def test_nul_characters_never_cause_a_500(server: LiveServer, admin_token: str):
    """PostgreSQL refuses NUL in text where SQLite stores it: either way the client gets an
    answer with a code, never a 500 (the client fixture fails on any 5xx)."""
    invited = invite(server, admin_token, "rep7", "sales")
    phone = Phone(server)
    phone.name = "bad\x00name"
    start = phone.enroll_begin(invited["enrollment"]["url"]).json()
    r = phone.finish("enroll", start["ceremony_id"], phone.authenticator.create(start["options"]))
    assert r.status_code in (200, 400), r.text
    with server.client(admin_token) as c:
        for r in (
            c.post("/api/auth/login/finish", json={"ceremony_id": "x\x00", "credential": {}}),
            c.post("/api/admin/devices/x%00y/revoke"),
            c.get("/api/admin/audit", params={"action": "a\x00"}),
        ):
            assert r.status_code in (200, 400, 404), r.text
            if r.status_code == 400:
                assert r.json()["code"] in ("invalid_request", "ceremony_expired")


# ---- order numbers after a reinstall ---------------------------------------------------------


def test_me_gives_the_devices_highest_order_counter(server: LiveServer, admin_token: str):
    """A wiped app learns where its order numbers go on: ``/api/auth/me``'s device carries the
    highest ``<code>-<counter>`` its code has used, so the next number is not taken."""
    phone, signed = enrolled(server, admin_token)
    code = signed["device"]["code"]
    with phone.authed() as c:
        assert c.get("/api/auth/me").json()["device"]["order_counter"] == 0
    other, other_signed = enrolled(server, admin_token, "rep8")
    with server.client(admin_token) as c:
        c.put("/api/catalog/products/p-1", json={"sku": "T1", "name": "Tea", "unit_price": 500})

    def orders(p: Phone, numbers: list[str]) -> None:
        customer = uuid7()
        batch = [mutation(1, "customer.upsert", id=customer, name="Shop")]
        for i, number in enumerate(numbers):
            batch.append(mutation(i + 2, "order.create", id=uuid7(), number=number,
                                  customer_id=customer, lines=[]))  # fmt: skip
        with p.authed() as c:
            r = c.post("/api/sync/push", json=push_body(f"phone-{uuid7()}", batch)).json()
        assert {x["status"] for x in r["results"]} == {"applied"}, r

    # Out of order, and numbers that only look alike (not digits, another code around it).
    orders(phone, [f"{code}-00041", f"{code}-00003", f"{code}-00040", f"{code}-0004x",
                   f"{code}X-00900", f"X{code}-00950"])  # fmt: skip
    orders(other, [f"{other_signed['device']['code']}-00077"])
    with phone.authed() as c:
        me = c.get("/api/auth/me").json()
    assert me["device"]["code"] == code and me["device"]["order_counter"] == 41
    with other.authed() as c:
        assert c.get("/api/auth/me").json()["device"]["order_counter"] == 77
    # A token without a device has no device part.
    with server.client(admin_token) as c:
        assert c.get("/api/auth/me").json()["device"] is None


# ---- revocation ends what is open; a lost device --------------------------------------------


def _listen(server: LiveServer, token: str) -> queue.Queue[tuple[str, str]]:
    """Open the event stream in a thread; its events land in the queue, then ("closed", "")."""
    events: queue.Queue[tuple[str, str]] = queue.Queue()

    def run() -> None:
        try:
            with (
                server.client(token, timeout=httpx.Timeout(30.0)) as c,
                c.stream("GET", EVENTS) as response,
            ):
                for item in _sse_events(response):
                    events.put(item)
        finally:
            events.put(("closed", ""))

    threading.Thread(target=run, daemon=True).start()
    assert events.get(timeout=10)[0] == "hello"
    return events


def _ends(events: queue.Queue[tuple[str, str]], within: float) -> list[str]:
    got = []
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            kind, _ = events.get(timeout=left)
        except queue.Empty:
            break
        got.append(kind)
        if kind == "closed":
            break
    return got


def test_revoking_a_device_ends_its_open_event_stream(server: LiveServer, admin_token: str):
    phone, _ = enrolled(server, admin_token)
    events = _listen(server, phone.token or "")
    with server.client(admin_token) as c:
        assert c.post(f"/api/admin/devices/{phone.device_id}/revoke").status_code == 204
    # At once, not at the next heartbeat (15 s).
    assert _ends(events, 5)[-2:] == ["revoked", "closed"]


def test_a_revocation_by_another_process_ends_the_stream_within_a_heartbeat(
    serve: Callable[..., LiveServer],
):
    server = serve(poke_heartbeat=0.5, **FAST)
    admin_token = server.token("boss", "admin")
    phone, _ = enrolled(server, admin_token)
    events = _listen(server, phone.token or "")

    async def revoke_elsewhere(db) -> None:  # straight in the database: this process is not told
        async with db.write() as conn:
            await conn.execute("UPDATE sessions SET revoked = ?", (True,))

    server.run_db(revoke_elsewhere)
    assert _ends(events, 5)[-2:] == ["revoked", "closed"]


def test_a_lost_device_loses_its_passkeys_too(server: LiveServer, admin_token: str):
    phone, signed = enrolled(server, admin_token)
    other, _ = enrolled(server, admin_token, name="rep8")
    assert phone.login().status_code == 200  # a second session of the same passkey
    events = _listen(server, phone.token or "")
    with server.client(server.token("helper", "manager")) as c:
        r = c.post(f"/api/admin/devices/{phone.device_id}/lost")
        assert r.status_code == 403
    with server.client(admin_token) as c:
        assert c.post(f"/api/admin/devices/{phone.device_id}/lost").status_code == 204
        keys = c.get("/api/admin/passkeys", params={"user_id": signed["user"]["id"]}).json()
        assert [k["revoked"] for k in keys] == [True]
        assert c.post("/api/admin/devices/nope/lost").status_code == 404
    assert _ends(events, 5)[-2:] == ["revoked", "closed"]
    # The phone in a stranger's hands: its passkey no longer signs in, so no new device.
    r = phone.login()
    assert r.status_code == 401 and error_code(r) == "login_failed"
    devices = server.query("SELECT id FROM devices WHERE user_id = ?", (signed["user"]["id"],))
    assert len(devices) == 1
    # Someone else's device and passkey are untouched.
    assert other.login().status_code == 200
    (entry,) = server.query("SELECT detail FROM audit_log WHERE action = 'admin.device_revoked'")
    detail = json.loads(entry["detail"])
    assert detail == {"lost": True, "passkeys": [k["id"] for k in keys]}
