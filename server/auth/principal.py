"""Who is calling: a session (cookie or bearer) or an API token, and what they may do.

Every endpoint names the permission it needs with ``needs(...)`` (a dependency): the PWA hiding a
button is not security. A request authenticated by the session cookie must also carry the CSRF
token on unsafe methods; a bearer token is no ambient authority and needs none.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request
from litestar.di import Provide

from server import times
from server.auth import sessions
from server.auth.errors import CsrfFailed
from server.auth.tokens import actor_for_token, token_alive
from server.db.sql import Database
from server.errors import Forbidden, Unauthorized
from server.state import AppState
from shared.roles import PERMISSIONS, has_permission
from sync.context import Actor

SESSION_COOKIE = "orderly_session"
CSRF_COOKIE = "orderly_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CACHE = "orderly.principal"
# POSTs that change nothing: what a read-only API token may still send.
READ_POSTS = frozenset({"/api/sync/pull"})


@dataclass(frozen=True)
class Principal:
    actor: Actor
    session: sessions.Session | None  # None for an API token
    token_id: str | None = None  # the API token's id, for a token


async def authenticate(request: Request) -> Principal:
    if (cached := request.scope.get(_CACHE)) is not None:  # type: ignore[misc]
        return cached
    state: AppState = request.app.state.orderly
    days = state.settings.session_days
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        if token.startswith(sessions.PREFIX):
            session = await sessions.resolve(state.db, token, days)
            principal = _of_session(session)
        else:
            found = await actor_for_token(state.db, token)
            if found is None:
                raise Unauthorized("the token is unknown, revoked or expired, or its user disabled")
            if (
                found.scope == "read"
                and request.method in UNSAFE_METHODS
                and (request.url.path not in READ_POSTS)
            ):
                raise Forbidden("this API token may only read (scope read)")
            principal = Principal(found.actor, None, found.token_id)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        principal = _of_session(await sessions.resolve(state.db, cookie, days))
        assert principal.session is not None
        if request.method in UNSAFE_METHODS and not principal.session.csrf_ok(
            request.headers.get(CSRF_HEADER)
        ):
            raise CsrfFailed(f"send the {CSRF_HEADER} header with the value of the csrf cookie")
    else:
        raise Unauthorized("log in with a passkey, or send Authorization: Bearer <token>")
    request.scope[_CACHE] = principal  # type: ignore[literal-required]
    return principal


def _of_session(session: sessions.Session | None) -> Principal:
    if session is None:
        raise Unauthorized("your session has ended: log in again")
    actor = Actor(session.user_id, session.role, session.warehouse_id, session.device_id)
    return Principal(actor, session)


async def still_valid(db: Database, principal: Principal) -> bool:
    """Whether what signed this caller in still holds: the session (not ended or expired, its
    device and passkey not revoked) or the API token (not revoked or expired), and the user not
    disabled. A long-lived answer (the event stream) asks again when something is revoked."""
    now = times.now()
    if principal.session is None:
        return await token_alive(db, principal.token_id or "", now)
    # Each open stream asks once a heartbeat: one statement, one round trip.
    row = await db.fetchrow(
        "SELECT s.revoked, s.expires_at, u.disabled, d.revoked AS device_revoked,"
        " p.revoked AS passkey_revoked FROM sessions s JOIN users u ON u.id = s.user_id"
        " LEFT JOIN devices d ON d.id = s.device_id"
        " LEFT JOIN passkeys p ON p.id = s.passkey_id WHERE s.id = ?",
        (principal.session.id,),
    )
    return row is not None and not (
        row["revoked"] or row["disabled"] or row["device_revoked"]
        or row["passkey_revoked"] or row["expires_at"] <= now
    )  # fmt: skip


def needs(permission: str) -> Provide:
    """A dependency that yields the caller's ``Principal`` if their role has ``permission``."""
    if permission not in PERMISSIONS:
        raise ValueError(f"no permission {permission!r} in shared/roles.py")

    async def check(request: Request) -> Principal:
        principal = await authenticate(request)
        if not has_permission(principal.actor.role, permission):
            raise Forbidden(f"a {principal.actor.role} may not do this ({permission})")
        return principal

    return Provide(check)


def signed_in() -> Provide:
    """A dependency for anyone signed in, whatever their role."""
    return Provide(authenticate)


async def sync_actor(request: Request) -> Actor:
    """The ``actor`` of the sync endpoints."""
    principal = await authenticate(request)
    if not has_permission(principal.actor.role, "sync"):
        raise Forbidden(f"a {principal.actor.role} may not sync")
    return principal.actor
