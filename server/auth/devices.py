"""Devices: registered at enrollment and login, certified, counted, revoked (docs/auth.md)."""

from __future__ import annotations

import secrets
import time
from typing import Annotated

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from server import times
from server.auth.errors import InvalidDevice
from server.db.sql import Conn, Database, is_unique_violation
from server.keys import ServerKeys
from shared.qr import b64url, certificate_message, unb64url
from sync.ids import uuid7

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


Label = Annotated[str, msgspec.Meta(max_length=200)]
Short = Annotated[str, msgspec.Meta(max_length=64)]


class DeviceIn(msgspec.Struct, forbid_unknown_fields=True):
    """What the app says about the device it runs on."""

    name: Label = ""
    platform: Label = ""
    app_version: Annotated[str, msgspec.Meta(max_length=40)] = ""
    # The device's Ed25519 public key, raw 32 bytes as base64url: signs QR codes made offline.
    signing_public_key: Short | None = None
    # The id the server gave this device at an earlier login, if the app kept it.
    id: Short | None = None


class DeviceOut(msgspec.Struct):
    id: str
    code: str
    name: str
    platform: str
    app_version: str
    signing_public_key: str | None
    certificate: str | None
    cert_key_id: str | None


class MyDevice(DeviceOut):
    """The signed-in device as ``/api/auth/me`` shows it: with the highest order counter its
    code has used, so an app whose storage was wiped goes on numbering from there."""

    order_counter: int = 0


def _check(device: DeviceIn) -> None:
    if device.signing_public_key is not None:
        try:
            raw = unb64url(device.signing_public_key)
            Ed25519PublicKey.from_public_bytes(raw)
        except Exception:
            raise InvalidDevice(
                "signing_public_key must be an Ed25519 public key: 32 bytes, base64url"
            ) from None


def _new_code(length: int) -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(length))


async def register(conn: Conn, keys: ServerKeys, user_id: str, device: DeviceIn) -> DeviceOut:
    """The device for this login: the one the app names if it is this user's and not revoked
    (its details brought up to date), else a new one with a fresh code and certificate."""
    _check(device)
    now = times.now()
    if device.id:
        row = await conn.fetchrow(
            "SELECT * FROM devices WHERE id = ? AND user_id = ? AND revoked = ?",
            (device.id, user_id, False),
        )
        if row is not None and row["signing_public_key"] == device.signing_public_key:
            await conn.execute(
                "UPDATE devices SET name = ?, platform = ?, app_version = ?, last_seen_at = ?"
                " WHERE id = ?",
                (device.name, device.platform, device.app_version, now, device.id),
            )
            row.update(name=device.name, platform=device.platform, app_version=device.app_version)
            return _out(row)
    device_id = uuid7()
    for attempt in range(20):
        # 3 characters (32,768 codes) while they are plentiful, then 4.
        code = _new_code(3 if attempt < 10 else 4)
        cert = kid = None
        if device.signing_public_key:
            kid, sig = keys.sign(
                certificate_message(device_id, code, user_id, device.signing_public_key)
            )
            cert = b64url(sig)
        try:
            # A savepoint: a taken code must not abort the caller's transaction (PostgreSQL).
            await conn.execute("SAVEPOINT device_code")
            await conn.execute(
                "INSERT INTO devices (id, user_id, name, platform, app_version, code,"
                " signing_public_key, created_at, last_seen_at, pending_count, revoked,"
                " certificate, cert_key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (device_id, user_id, device.name, device.platform, device.app_version, code,
                 device.signing_public_key, now, now, 0, False, cert, kid),
            )  # fmt: skip
        except Exception as e:
            await conn.execute("ROLLBACK TO SAVEPOINT device_code")
            await conn.execute("RELEASE SAVEPOINT device_code")
            if is_unique_violation(e):
                continue
            raise
        await conn.execute("RELEASE SAVEPOINT device_code")
        return DeviceOut(device_id, code, device.name, device.platform, device.app_version,
                         device.signing_public_key, cert, kid)  # fmt: skip
    raise RuntimeError("no free device code after 20 tries")


def _out(row: dict) -> DeviceOut:
    return DeviceOut(
        row["id"], row["code"], row["name"], row["platform"], row["app_version"],
        row["signing_public_key"], row["certificate"], row["cert_key_id"],
    )  # fmt: skip


async def order_counter(conn: Conn, code: str) -> int:
    """The highest counter of the order numbers ``<code>-<digits>`` made on the device with
    this code (deleted orders too: their numbers stay taken); 0 if none."""
    prefix = f"{code}-"
    # Device codes are Crockford base32: nothing in them is special to LIKE. LIKE may ignore
    # case (SQLite); the exact prefix is checked below.
    rows = await conn.fetch("SELECT number FROM orders WHERE number LIKE ?", (prefix + "%",))
    best = 0
    for r in rows:
        number: str = r["number"]
        digits = number[len(prefix) :]
        if number.startswith(prefix) and digits.isascii() and digits.isdigit():
            best = max(best, int(digits))
    return best


async def revoke(conn: Conn, device_id: str) -> bool:
    """Revoke a device and end its sessions at once. False if there is no such device."""
    now = times.now()
    row = await conn.fetchrow(
        "UPDATE devices SET revoked = ?, revoked_at = ? WHERE id = ? RETURNING id",
        (True, now, device_id),
    )
    if row is None:
        return False
    await conn.execute("UPDATE sessions SET revoked = ? WHERE device_id = ?", (True, device_id))
    return True


# Pulls come often (every poke, every timer tick): their "last sync" is written at most this
# often per device and process, so a pull stays a read. A push always writes (pending count).
PULL_RECORD_EVERY = 60.0
_pull_recorded: dict[str, float] = {}


async def record_sync(db: Database, device_id: str, pending: int | None) -> None:
    """Last sync now, and the pending count the app reported with a push (``None``: a pull)."""
    now = time.monotonic()
    if (
        pending is None
        and now - _pull_recorded.get(device_id, -PULL_RECORD_EVERY) < PULL_RECORD_EVERY
    ):
        return
    _pull_recorded[device_id] = now
    await db.run_write(lambda conn: _synced(conn, device_id, pending))


async def _synced(conn: Conn, device_id: str, pending: int | None) -> None:
    now = times.now()
    if pending is None:
        await conn.execute(
            "UPDATE devices SET last_sync_at = ?, last_seen_at = ? WHERE id = ?",
            (now, now, device_id),
        )
    else:
        await conn.execute(
            "UPDATE devices SET last_sync_at = ?, last_seen_at = ?, pending_count = ? WHERE id = ?",
            (now, now, pending, device_id),
        )
