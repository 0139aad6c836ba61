"""What admins do to users, devices and passkeys; every action is audited in its transaction."""

from __future__ import annotations

import msgspec

from server import audit, times
from server.admin.orders.schemas import UnknownWarehouse
from server.admin.users import queries
from server.admin.users.schemas import Invited, NewUser, UserChange, UserExists, UserRow
from server.audit import AuditEntry
from server.auth import devices, enrollment
from server.auth.enrollment import EnrollmentLink
from server.config import Settings
from server.db.sql import Conn, Database, is_unique_violation
from server.db.sync_store import SqlSyncStore
from server.errors import BadRequest, NotFound
from server.qr.keys import publish as publish_keys
from shared.roles import ROLES
from sync.ids import uuid7


async def _check_warehouse(conn: Conn, warehouse_id: str | None) -> None:
    if warehouse_id is not None and not await conn.fetchval(
        "SELECT id FROM warehouses WHERE id = ? AND deleted = ?", (warehouse_id, False)
    ):
        raise UnknownWarehouse(f"no warehouse {warehouse_id}")


def _check_role(role: str, warehouse_id: str | None) -> None:
    if role not in ROLES:
        raise BadRequest(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "warehouse" and not warehouse_id:
        raise BadRequest("a warehouse user needs a warehouse_id")


def _check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise BadRequest("a user name is 1 to 200 characters")
    if (
        "\x00" in name
    ):  # PostgreSQL refuses it (server/error_responses.py text_error); SQLite would not
        raise BadRequest("a user name may not contain NUL characters")
    return name


class AdminService:
    """What admins do to users, devices and passkeys, each in one audited transaction."""

    def __init__(self, db: Database, store: SqlSyncStore, settings: Settings) -> None:
        # The app's store (its commits poke devices): a revoked device's key reaches scanners.
        self.db, self.store, self.settings = db, store, settings

    async def invite(self, by: str | None, new: NewUser) -> Invited:
        """Create a user and their first enrollment link."""
        name = _check_name(new.name)
        _check_role(new.role, new.warehouse_id)
        user_id = uuid7()
        async with self.db.write() as conn:
            await _check_warehouse(conn, new.warehouse_id)
            try:
                await conn.execute("SAVEPOINT new_user")
                await conn.execute(
                    "INSERT INTO users (id, name, role, warehouse_id, disabled, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (user_id, name, new.role, new.warehouse_id, False, times.now()),
                )
            except Exception as e:
                await conn.execute("ROLLBACK TO SAVEPOINT new_user")
                if is_unique_violation(e):
                    raise UserExists(f"a user called {name!r} exists already") from None
                raise
            link, _ = await enrollment.create(conn, self.settings, user_id, by)
            await audit.append(conn, [AuditEntry(
                "admin.user_invited", user_id,
                {"name": name, "role": new.role, "warehouse": new.warehouse_id}, by,
            )])  # fmt: skip
            user = await queries.user(conn, user_id)
        return Invited(user, link)

    async def new_link(self, by: str | None, user_id: str) -> EnrollmentLink:
        async with self.db.write() as conn:
            user = await queries.user(conn, user_id)
            if user.disabled:
                raise BadRequest("this user is disabled: enable them first")
            link, _ = await enrollment.create(conn, self.settings, user_id, by)
            await audit.append(conn, [AuditEntry("admin.enrollment_link", user_id, {}, by)])
        return link

    async def change_user(self, by: str | None, user_id: str, change: UserChange) -> UserRow:
        async with self.db.write() as conn:
            user = await queries.user(conn, user_id)
            role = user.role if change.role is msgspec.UNSET else change.role
            warehouse = (
                user.warehouse_id if change.warehouse_id is msgspec.UNSET else change.warehouse_id
            )
            disabled = user.disabled if change.disabled is msgspec.UNSET else change.disabled
            _check_role(role, warehouse)
            if warehouse != user.warehouse_id:
                await _check_warehouse(conn, warehouse)
            if by == user_id and (disabled or role != user.role):
                raise BadRequest("admins cannot disable themselves or change their own role")
            await conn.execute(
                "UPDATE users SET role = ?, warehouse_id = ?, disabled = ? WHERE id = ?",
                (role, warehouse, disabled, user_id),
            )
            if disabled or role != user.role or warehouse != user.warehouse_id:
                # What a session may do was decided at login: make the user log in again.
                await conn.execute(
                    "UPDATE sessions SET revoked = ? WHERE user_id = ?", (True, user_id)
                )
            detail = {"role": role, "warehouse": warehouse, "disabled": disabled}
            await audit.append(conn, [AuditEntry("admin.user_changed", user_id, detail, by)])
            return await queries.user(conn, user_id)

    async def revoke_device(self, by: str | None, device_id: str, lost: bool = False) -> None:
        """Revoke a device (its sessions end, its next sync: ``device_revoked``). ``lost``: its
        passkeys too -- the one made on it and every one that signed in on it -- so the phone
        cannot sign in again and become a new device; the user enrolls anew elsewhere."""
        async with self.db.write() as conn:
            if not await devices.revoke(conn, device_id):
                raise NotFound(f"no device {device_id}")
            detail: dict[str, object] = {}
            if lost:
                rows = await conn.fetch(
                    "SELECT id FROM passkeys WHERE revoked = ? AND (device_id = ? OR id IN"
                    " (SELECT passkey_id FROM sessions WHERE device_id = ?)) ORDER BY id",
                    (False, device_id, device_id),
                )
                passkeys = [r["id"] for r in rows]
                for passkey_id in passkeys:
                    await conn.execute(
                        "UPDATE passkeys SET revoked = ? WHERE id = ?", (True, passkey_id)
                    )
                    await conn.execute(
                        "UPDATE sessions SET revoked = ? WHERE passkey_id = ?", (True, passkey_id)
                    )
                detail = {"lost": True, "passkeys": passkeys}
            await audit.append(conn, [AuditEntry("admin.device_revoked", device_id, detail, by)])
        # Its signing key is revoked from now on, on every scanner (tokens signed before stay
        # valid). After the revocation's transaction; the next server start repairs a miss.
        await publish_keys(self.store, None, [device_id])

    async def revoke_passkey(self, by: str | None, passkey_id: str) -> None:
        async with self.db.write() as conn:
            row = await conn.fetchrow(
                "UPDATE passkeys SET revoked = ? WHERE id = ? RETURNING user_id",
                (True, passkey_id),
            )
            if row is None:
                raise NotFound(f"no passkey {passkey_id}")
            await conn.execute(
                "UPDATE sessions SET revoked = ? WHERE passkey_id = ?", (True, passkey_id)
            )
            await audit.append(conn, [AuditEntry(
                "admin.passkey_revoked", passkey_id, {"user": row["user_id"]}, by
            )])  # fmt: skip
