"""The passkey flows: enroll, log in, add a passkey, log out (docs/auth.md).

Each finish verifies first, then writes everything it decides in one transaction: the passkey
or its new sign count, the device, the session, the audit entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from server import audit, times
from server.audit import AuditEntry
from server.auth import challenges, devices, enrollment, sessions, webauthn_rp
from server.auth.devices import DeviceIn, DeviceOut, MyDevice
from server.auth.errors import LoginFailed, SignCountRegressed, WebAuthnInvalid
from server.config import Settings
from server.db.sql import Conn, Database, is_unique_violation
from server.db.sync_store import SqlSyncStore
from server.keys import ServerKeys
from server.qr.keys import publish as publish_keys
from shared.roles import permissions_of
from sync.ids import uuid7


class CeremonyStart(msgspec.Struct):
    ceremony_id: str
    options: dict[str, Any]  # PublicKeyCredential{Creation,Request}OptionsJSON


class EnrollmentAbout(msgspec.Struct):
    """Whom an enrollment link enrolls (its page names them before a passkey is made)."""

    user_name: str
    role: str


class UserOut(msgspec.Struct):
    id: str
    name: str
    role: str
    warehouse_id: str | None
    permissions: list[str]


class SignedIn(msgspec.Struct, omit_defaults=True):
    user: UserOut
    device: DeviceOut
    csrf: str
    expires_at: str
    token: str | None = None  # only when the finish asked for it (API clients)


class PasskeyOut(msgspec.Struct):
    id: str
    user_id: str
    name: str
    created_at: str
    last_used_at: str | None
    device_id: str | None
    backed_up: bool
    revoked: bool


@dataclass
class Started:
    """What the controller needs to answer a finish: the body and the cookie values."""

    body: SignedIn
    token: str
    csrf: str


async def _user(conn: Conn, user_id: str) -> UserOut:
    row = await conn.fetchrow(
        "SELECT id, name, role, warehouse_id FROM users WHERE id = ?", (user_id,)
    )
    assert row is not None
    return UserOut(row["id"], row["name"], row["role"], row["warehouse_id"],
                   permissions_of(row["role"]))  # fmt: skip


async def _passkey_ids(conn: Conn, user_id: str) -> list[str]:
    rows = await conn.fetch("SELECT credential_id FROM passkeys WHERE user_id = ?", (user_id,))
    return [r["credential_id"] for r in rows]


class AuthService:
    def __init__(
        self, db: Database, store: SqlSyncStore, settings: Settings, keys: ServerKeys
    ) -> None:
        # The app's store (its commits poke devices): a new device's key reaches every scanner.
        self.db, self.store, self.settings, self.keys = db, store, settings, keys

    # ---- registration: by enrollment link, or one more passkey for a signed-in user -----------

    async def enroll_about(self, token: str) -> EnrollmentAbout:
        """Whose an enrollment link is, so the page can say it before a passkey is made; the
        same refusals as ``enroll_begin`` for a link that cannot be used."""
        async with self.db.read() as conn:
            found = await enrollment.check(conn, token)
            user = await _user(conn, found.user_id)
        return EnrollmentAbout(user.name, user.role)

    async def enroll_begin(self, token: str) -> CeremonyStart:
        async with self.db.write() as conn:
            found = await enrollment.check(conn, token)
            user = await _user(conn, found.user_id)
            challenge, options = webauthn_rp.registration_options(
                self.settings, user.id, user.name, await _passkey_ids(conn, user.id)
            )
            cid = await challenges.open_ceremony(
                conn, "enroll", challenge, self.settings.challenge_ttl_seconds,
                user_id=user.id, enrollment_id=found.id,
            )  # fmt: skip
        return CeremonyStart(cid, options)

    async def enroll_finish(
        self, ceremony_id: str, credential: dict[str, Any], device: DeviceIn, want_token: bool
    ) -> Started:
        async with self.db.write() as conn:
            ceremony = await challenges.take(conn, ceremony_id, "enroll")
        new = webauthn_rp.verify_registration(self.settings, credential, ceremony.challenge)
        assert ceremony.user_id and ceremony.enrollment_id
        async with self.db.write() as conn:
            await enrollment.use(conn, ceremony.enrollment_id)
            dev = await devices.register(conn, self.keys, ceremony.user_id, device)
            passkey_id = await self._store_passkey(conn, ceremony.user_id, new, dev.id)
            started = await self._start(conn, ceremony.user_id, dev, passkey_id, want_token)
            await audit.append(conn, [
                AuditEntry("auth.enroll", ceremony.user_id,
                           {"device": dev.id, "code": dev.code, "passkey": passkey_id},
                           ceremony.user_id),
            ])  # fmt: skip
        await self._publish(dev)
        return started

    async def add_passkey_begin(self, user_id: str) -> CeremonyStart:
        async with self.db.write() as conn:
            user = await _user(conn, user_id)
            challenge, options = webauthn_rp.registration_options(
                self.settings, user.id, user.name, await _passkey_ids(conn, user.id)
            )
            cid = await challenges.open_ceremony(
                conn, "add_passkey", challenge, self.settings.challenge_ttl_seconds,
                user_id=user.id,
            )  # fmt: skip
        return CeremonyStart(cid, options)

    async def add_passkey_finish(
        self, user_id: str, device_id: str | None, ceremony_id: str, credential: dict[str, Any]
    ) -> PasskeyOut:
        async with self.db.write() as conn:
            ceremony = await challenges.take(conn, ceremony_id, "add_passkey")
        if ceremony.user_id != user_id:
            raise WebAuthnInvalid("this registration was begun by another user")
        new = webauthn_rp.verify_registration(self.settings, credential, ceremony.challenge)
        async with self.db.write() as conn:
            passkey_id = await self._store_passkey(conn, user_id, new, device_id)
            await audit.append(
                conn, [AuditEntry("auth.passkey_added", user_id, {"passkey": passkey_id}, user_id)]
            )
        return (await self.passkeys(user_id=user_id, passkey_id=passkey_id))[0]

    async def _store_passkey(
        self, conn: Conn, user_id: str, new: webauthn_rp.NewPasskey, device_id: str | None
    ) -> str:
        passkey_id = uuid7()
        try:
            await conn.execute("SAVEPOINT passkey")
            await conn.execute(
                "INSERT INTO passkeys (id, user_id, credential_id, public_key, sign_count,"
                " transports, aaguid, backed_up, name, device_id, created_at, revoked)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (passkey_id, user_id, new.credential_id, new.public_key, new.sign_count,
                 " ".join(new.transports), new.aaguid, new.backed_up, "", device_id,
                 times.now(), False),
            )  # fmt: skip
        except Exception as e:
            await conn.execute("ROLLBACK TO SAVEPOINT passkey")
            if is_unique_violation(e):
                raise WebAuthnInvalid("this passkey is registered already") from None
            raise
        await conn.execute("RELEASE SAVEPOINT passkey")
        return passkey_id

    # ---- login ---------------------------------------------------------------------------------

    async def login_begin(self) -> CeremonyStart:
        challenge, options = webauthn_rp.authentication_options(self.settings)
        async with self.db.write() as conn:
            cid = await challenges.open_ceremony(
                conn, "login", challenge, self.settings.challenge_ttl_seconds
            )
        return CeremonyStart(cid, options)

    async def login_finish(
        self, ceremony_id: str, credential: dict[str, Any], device: DeviceIn, want_token: bool
    ) -> Started:
        async with self.db.write() as conn:
            ceremony = await challenges.take(conn, ceremony_id, "login")
        assertion = webauthn_rp.parse_assertion(credential)
        async with self.db.read() as conn:
            key = await conn.fetchrow(
                "SELECT p.id, p.user_id, p.public_key, p.sign_count, p.revoked, u.disabled"
                " FROM passkeys p JOIN users u ON u.id = p.user_id WHERE p.credential_id = ?",
                (assertion.credential_id,),
            )
        if (
            key is None
            or key["revoked"]
            or key["disabled"]
            or (assertion.user_handle is not None and assertion.user_handle != key["user_id"])
        ):
            await audit.record(self.db, AuditEntry(
                "auth.login_failed", assertion.credential_id[:64],
                {"reason": "unknown, revoked or disabled"}, key["user_id"] if key else None,
            ))  # fmt: skip
            raise LoginFailed("this passkey cannot sign in here")
        count = webauthn_rp.verify_assertion(
            self.settings, assertion, ceremony.challenge, key["public_key"]
        )
        stored = int(key["sign_count"])
        if (count > 0 or stored > 0) and count <= stored:
            await audit.record(self.db, AuditEntry(
                "auth.sign_count_regressed", key["id"], {"stored": stored, "presented": count},
                key["user_id"],
            ))  # fmt: skip
            raise SignCountRegressed(
                "this passkey's signature counter went backwards: it may have been cloned; "
                "an admin has been told"
            )
        async with self.db.write() as conn:
            # Compare-and-set: of two logins racing with the same counter, one loses.
            moved = await conn.fetchrow(
                "UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE id = ?"
                " AND sign_count = ? RETURNING id",
                (count, times.now(), key["id"], stored),
            )
            if moved is None:
                raise SignCountRegressed("this passkey was used at the same moment elsewhere")
            dev = await devices.register(conn, self.keys, key["user_id"], device)
            started = await self._start(conn, key["user_id"], dev, key["id"], want_token)
            await audit.append(conn, [
                AuditEntry("auth.login", key["user_id"],
                           {"device": dev.id, "code": dev.code, "passkey": key["id"]},
                           key["user_id"]),
            ])  # fmt: skip
        await self._publish(dev)
        return started

    async def _publish(self, dev: DeviceOut) -> None:
        """The device's certified key into ``signing_keys`` (catalog), if it has one. After the
        login's own transaction: a failure here is repaired at the next server start."""
        if dev.certificate:
            await publish_keys(self.store, None, [dev.id])

    async def _start(
        self, conn: Conn, user_id: str, dev: DeviceOut, passkey_id: str, want_token: bool
    ) -> Started:
        new = await sessions.start(conn, user_id, dev.id, passkey_id, self.settings.session_days)
        body = SignedIn(
            user=await _user(conn, user_id), device=dev, csrf=new.csrf,
            expires_at=new.expires_at, token=new.token if want_token else None,
        )  # fmt: skip
        return Started(body, new.token, new.csrf)

    async def logout(self, session_id: str, user_id: str) -> None:
        await sessions.end(self.db, session_id)
        await audit.record(self.db, AuditEntry("auth.logout", user_id, {}, user_id))

    # ---- reading -------------------------------------------------------------------------------

    async def me(self, user_id: str, device_id: str | None) -> tuple[UserOut, MyDevice | None]:
        async with self.db.read() as conn:
            user = await _user(conn, user_id)
            row = None
            if device_id:
                row = await conn.fetchrow("SELECT * FROM devices WHERE id = ?", (device_id,))
            if row is None:
                return user, None
            counter = await devices.order_counter(conn, row["code"])
        out = devices._out(row)
        return user, MyDevice(**msgspec.structs.asdict(out), order_counter=counter)

    async def passkeys(
        self, *, user_id: str | None = None, passkey_id: str | None = None
    ) -> list[PasskeyOut]:
        where, args = [], []
        if user_id:
            where.append("user_id = ?")
            args.append(user_id)
        if passkey_id:
            where.append("id = ?")
            args.append(passkey_id)
        sql = (
            "SELECT id, user_id, name, created_at, last_used_at, device_id, backed_up, revoked"
            " FROM passkeys"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        async with self.db.read() as conn:
            rows = await conn.fetch(sql + " ORDER BY created_at", args)
        return [
            PasskeyOut(**{**r, "backed_up": bool(r["backed_up"]), "revoked": bool(r["revoked"])})
            for r in rows
        ]
