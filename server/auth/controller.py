"""``/api/auth``: passkey ceremonies, the session, one's own passkeys. Thin handlers."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody

from server.auth.devices import DeviceIn, MyDevice
from server.auth.principal import CSRF_COOKIE, SESSION_COOKIE, Principal, signed_in
from server.auth.service import (
    CeremonyStart,
    EnrollmentAbout,
    PasskeyOut,
    SignedIn,
    Started,
    UserOut,
)
from server.auth.tokens import revoke_token
from server.errors import Forbidden
from server.state import AppState

AUTH_MAX_BODY = 64 * 1024


class EnrollBegin(msgspec.Struct, forbid_unknown_fields=True):
    token: str


class Finish(msgspec.Struct, forbid_unknown_fields=True):
    ceremony_id: str
    credential: dict[str, Any]  # what the browser's credential.toJSON() gives
    device: DeviceIn = msgspec.field(default_factory=DeviceIn)
    want_token: bool = False  # API clients: answer the session token for a bearer header


class PasskeyFinish(msgspec.Struct, forbid_unknown_fields=True):
    ceremony_id: str
    credential: dict[str, Any]


class Me(msgspec.Struct):
    user: UserOut
    device: MyDevice | None  # with ``order_counter``: where the device's order numbers go on
    via: str  # "session" | "token"


def _passkey_session(me: Principal) -> None:
    """Adding a passkey needs a session a passkey started: an API token (or a stolen one) must
    not plant a credential that outlives it."""
    if me.session is None or me.session.passkey_id is None:
        raise Forbidden("adding a passkey needs a passkey sign-in, not an API token")


def _signed_in(app_state: AppState, started: Started) -> Response[SignedIn]:
    secure = app_state.settings.secure_cookies
    max_age = app_state.settings.session_days * 86400
    return Response(
        started.body,
        cookies=[
            Cookie(key=SESSION_COOKIE, value=started.token, httponly=True, secure=secure,
                   samesite="lax", path="/", max_age=max_age),
            # Readable by the app on purpose: it echoes it in the X-CSRF-Token header.
            Cookie(key=CSRF_COOKIE, value=started.csrf, httponly=False, secure=secure,
                   samesite="strict", path="/", max_age=max_age),
        ],
    )  # fmt: skip


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]
    request_max_body_size = AUTH_MAX_BODY

    @post("/enroll/about", status_code=200, operation_id="authEnrollAbout",
          summary="Whose an enrollment link is (name and role), before a passkey is made")  # fmt: skip
    async def enroll_about(
        self, data: JSONBody[EnrollBegin], app_state: NamedDependency[AppState]
    ) -> EnrollmentAbout:
        return await app_state.auth.enroll_about(data.token)

    @post("/enroll/begin", status_code=200, operation_id="authEnrollBegin",
          summary="Begin registering a passkey with an enrollment link's token")  # fmt: skip
    async def enroll_begin(
        self, data: JSONBody[EnrollBegin], app_state: NamedDependency[AppState]
    ) -> CeremonyStart:
        return await app_state.auth.enroll_begin(data.token)

    @post("/enroll/finish", status_code=200, operation_id="authEnrollFinish",
          summary="Store the passkey, register the device, start a session")  # fmt: skip
    async def enroll_finish(
        self, data: JSONBody[Finish], app_state: NamedDependency[AppState]
    ) -> Response[SignedIn]:
        started = await app_state.auth.enroll_finish(
            data.ceremony_id, data.credential, data.device, data.want_token
        )
        return _signed_in(app_state, started)

    @post("/login/begin", status_code=200, operation_id="authLoginBegin",
          summary="Begin a passkey login (no name: the authenticator offers its passkeys)")  # fmt: skip
    async def login_begin(self, app_state: NamedDependency[AppState]) -> CeremonyStart:
        return await app_state.auth.login_begin()

    @post("/login/finish", status_code=200, operation_id="authLoginFinish",
          summary="Verify the passkey's answer, register the device, start a session")  # fmt: skip
    async def login_finish(
        self, data: JSONBody[Finish], app_state: NamedDependency[AppState]
    ) -> Response[SignedIn]:
        started = await app_state.auth.login_finish(
            data.ceremony_id, data.credential, data.device, data.want_token
        )
        return _signed_in(app_state, started)

    @post("/logout", status_code=204, operation_id="authLogout", summary="End this session",
          dependencies={"me": signed_in()})  # fmt: skip
    async def logout(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> Response[None]:
        if me.session is not None:
            await app_state.auth.logout(me.session.id, me.actor.user_id)
            app_state.poker.revoked()  # its event stream ends too
        elif me.token_id is not None:  # an API token logs out by being revoked
            await revoke_token(app_state.db, me.token_id, me.actor.user_id, "auth.token_revoked")
            app_state.poker.revoked()
        response: Response[None] = Response(None, status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response

    @get("/me", operation_id="authMe", summary="Who you are, what you may do, your device",
         dependencies={"me": signed_in()})  # fmt: skip
    async def me(self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]) -> Me:
        user, device = await app_state.auth.me(me.actor.user_id, me.actor.device_id)
        return Me(user, device, "session" if me.session else "token")

    @get("/passkeys", operation_id="authPasskeys", summary="Your passkeys",
         dependencies={"me": signed_in()})  # fmt: skip
    async def passkeys(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> list[PasskeyOut]:
        return await app_state.auth.passkeys(user_id=me.actor.user_id)

    @post("/passkeys/begin", status_code=200, operation_id="authPasskeyBegin",
          summary="Begin adding another passkey", dependencies={"me": signed_in()})  # fmt: skip
    async def passkey_begin(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> CeremonyStart:
        _passkey_session(me)
        return await app_state.auth.add_passkey_begin(me.actor.user_id)

    @post("/passkeys/finish", status_code=200, operation_id="authPasskeyFinish",
          summary="Store the added passkey", dependencies={"me": signed_in()})  # fmt: skip
    async def passkey_finish(
        self,
        data: JSONBody[PasskeyFinish],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> PasskeyOut:
        _passkey_session(me)
        return await app_state.auth.add_passkey_finish(
            me.actor.user_id, me.actor.device_id, data.ceremony_id, data.credential
        )
