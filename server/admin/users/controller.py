"""The users, devices, passkeys and API tokens routes: thin handlers, each naming the permission
it needs (shared/roles.py); after a revocation the poker ends the open event streams it concerns."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from server.admin.users import queries
from server.admin.users.schemas import DeviceRow, Invited, NewUser, UserChange, UserRow
from server.auth.enrollment import EnrollmentLink
from server.auth.principal import Principal, needs
from server.auth.service import PasskeyOut
from server.auth.tokens import TokenOut, list_tokens, revoke_token
from server.errors import Forbidden, NotFound
from server.state import AppState
from shared.roles import has_permission


class AdminController(Controller):
    path = "/api/admin"
    tags = ["admin"]

    @get("/users", operation_id="adminUsers", summary="Every user",
         dependencies={"me": needs("users.read")})  # fmt: skip
    async def users(
        self, me: NamedDependency[Principal], app_state: NamedDependency[AppState]
    ) -> list[UserRow]:
        return await queries.users(app_state.db)

    @post("/users", status_code=201, operation_id="adminInvite",
          summary="Create a user and their enrollment link (with its QR code)",
          dependencies={"me": needs("users.manage")})  # fmt: skip
    async def invite(
        self,
        data: JSONBody[NewUser],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> Invited:
        return await app_state.admin.invite(me.actor.user_id, data)

    @post("/users/{user_id:str}/enrollments", status_code=201, operation_id="adminEnrollmentLink",
          summary="A new enrollment link for a user (older unused ones stop working)",
          dependencies={"me": needs("users.manage")})  # fmt: skip
    async def new_link(
        self,
        user_id: FromPath[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> EnrollmentLink:
        return await app_state.admin.new_link(me.actor.user_id, user_id)

    @patch("/users/{user_id:str}", operation_id="adminChangeUser",
           summary="Change a user's role or warehouse, disable or enable them",
           dependencies={"me": needs("users.manage")})  # fmt: skip
    async def change_user(
        self,
        user_id: FromPath[str],
        data: JSONBody[UserChange],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> UserRow:
        user = await app_state.admin.change_user(me.actor.user_id, user_id, data)
        app_state.poker.revoked()  # a user disabled or changed: their sessions ended
        return user

    @get("/devices", operation_id="adminDevices", summary="Every device, newest first",
         dependencies={"me": needs("devices.read")})  # fmt: skip
    async def devices(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        user_id: FromQuery[str | None] = None,
    ) -> list[DeviceRow]:
        return await queries.devices(app_state.db, app_state.settings.device_stale_hours, user_id)

    @post("/devices/{device_id:str}/revoke", status_code=204, operation_id="adminRevokeDevice",
          summary="Revoke a device: its sessions end, its next sync gets device_revoked",
          dependencies={"me": needs("devices.revoke")})  # fmt: skip
    async def revoke_device(
        self,
        device_id: FromPath[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> None:
        await app_state.admin.revoke_device(me.actor.user_id, device_id)
        app_state.poker.revoked()  # its open event stream ends now

    @post("/devices/{device_id:str}/lost", status_code=204, operation_id="adminDeviceLost",
          summary="A lost device: revoke it and its passkeys, so it cannot sign in again",
          dependencies={"me": needs("passkeys.revoke")})  # fmt: skip
    async def device_lost(
        self,
        device_id: FromPath[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> None:
        if not has_permission(me.actor.role, "devices.revoke"):
            raise Forbidden(f"a {me.actor.role} may not do this (devices.revoke)")
        await app_state.admin.revoke_device(me.actor.user_id, device_id, lost=True)
        app_state.poker.revoked()

    @get("/tokens", operation_id="adminTokens",
         summary="API tokens, of one user or all, newest first (never the token itself)",
         dependencies={"me": needs("users.manage")})  # fmt: skip
    async def tokens(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        user_id: FromQuery[str | None] = None,
    ) -> list[TokenOut]:
        return await list_tokens(app_state.db, user_id)

    @post("/tokens/{token_id:str}/revoke", status_code=204, operation_id="adminRevokeToken",
          summary="Revoke an API token: it stops working at once (audited)",
          dependencies={"me": needs("users.manage")})  # fmt: skip
    async def revoke_token(
        self,
        token_id: FromPath[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> None:
        if not await revoke_token(app_state.db, token_id, me.actor.user_id, "admin.token_revoked"):
            raise NotFound(f"no API token {token_id}")
        app_state.poker.revoked()

    @get("/passkeys", operation_id="adminPasskeys", summary="Passkeys, of one user or all",
         dependencies={"me": needs("users.read")})  # fmt: skip
    async def passkeys(
        self,
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
        user_id: FromQuery[str | None] = None,
    ) -> list[PasskeyOut]:
        return await app_state.auth.passkeys(user_id=user_id)

    @post("/passkeys/{passkey_id:str}/revoke", status_code=204, operation_id="adminRevokePasskey",
          summary="Revoke a passkey: it cannot sign in, the sessions it started end",
          dependencies={"me": needs("passkeys.revoke")})  # fmt: skip
    async def revoke_passkey(
        self,
        passkey_id: FromPath[str],
        me: NamedDependency[Principal],
        app_state: NamedDependency[AppState],
    ) -> None:
        await app_state.admin.revoke_passkey(me.actor.user_id, passkey_id)
        app_state.poker.revoked()
