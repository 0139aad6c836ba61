"""The ``signing_keys`` rows every device pulls (catalog bucket): every server key, and every
device key the server certified, revoked from the time its device was revoked.

Written at server start (all of them: it repairs anything missed), after ``orderly keys
rotate``, when a device registers and when an admin revokes one. Only rows that differ are
written, so a start with nothing new writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.db.sql import Conn
from server.keys import ServerKeys
from shared import qr
from sync import buckets as bk
from sync.context import Actor
from sync.direct import server_context
from sync.store import Row, Store

SYSTEM = Actor("system", "admin")
_FIELDS = ("kind", "public_key", "device_id", "device_code", "user_id", "certificate",
           "cert_key_id", "revoked", "revoked_at")  # fmt: skip
_SERVER_FIELDS = tuple(f for f in _FIELDS if f not in ("revoked", "revoked_at"))


def server_rows(keys: ServerKeys) -> list[Row]:
    return [
        {
            "id": kid,
            "kind": "server",
            "public_key": qr.b64url(raw),
            "device_id": None,
            "device_code": None,
            "user_id": None,
            "certificate": None,
            "cert_key_id": None,
            "revoked": False,
            "revoked_at": None,
        }  # fmt: skip
        for kid, raw in sorted(keys.public().items())
    ]


def device_row(d: dict[str, Any]) -> Row:
    return {
        "id": qr.key_id(qr.unb64url(d["signing_public_key"])),
        "kind": "device",
        "public_key": d["signing_public_key"],
        "device_id": d["id"],
        "device_code": d["code"],
        "user_id": d["user_id"],
        "certificate": d["certificate"],
        "cert_key_id": d["cert_key_id"],
        "revoked": bool(d["revoked"]),
        "revoked_at": d["revoked_at"] if d["revoked"] else None,
    }


async def _device_rows(conn: Conn, device_ids: Sequence[str] | None) -> list[Row]:
    sql = (
        "SELECT id, user_id, code, signing_public_key, certificate, cert_key_id, revoked,"
        " revoked_at FROM devices WHERE certificate IS NOT NULL AND signing_public_key IS NOT NULL"
    )
    args: list[str] = []
    if device_ids is not None:
        if not device_ids:
            return []
        sql += f" AND id IN ({','.join('?' * len(device_ids))})"
        args = list(device_ids)
    return [device_row(d) for d in await conn.fetch(sql + " ORDER BY id", args)]


async def publish(
    store: Store, keys: ServerKeys | None, device_ids: Sequence[str] | None = None
) -> int:
    """Bring ``signing_keys`` up to date with the server's keys (unless ``keys`` is None) and the
    certified devices (those named, or all). Returns how many rows were written."""

    async def work(tx: Any) -> int:
        rows = (server_rows(keys) if keys is not None else []) + await _device_rows(
            tx.conn, device_ids
        )
        ctx = server_context(tx, SYSTEM, "server.signing_keys")
        from sync import writer

        n = 0
        for row in rows:
            current = await tx.get("signing_keys", row["id"])
            if current is None:
                await writer.insert(ctx, "signing_keys", row, bk.CATALOG)
            else:
                # A server key's revocation lives in its row (``orderly keys revoke``): the key
                # files know nothing of it, so a start must not undo it.
                fields = _FIELDS if row["kind"] != "server" else _SERVER_FIELDS
                changes = {k: row[k] for k in fields if current.get(k) != row[k]}
                if not changes and not current["deleted"]:
                    continue
                if current["deleted"]:
                    changes["deleted"] = False
                await writer.update(ctx, "signing_keys", current, changes, bk.CATALOG)
            n += 1
        return n

    return await store.run_write(work)


class NotAServerKey(LookupError):
    """No ``signing_keys`` row of a server key with that id."""


async def revoke_server_key(store: Store, kid: str, since: str, by: str | None = None) -> Row:
    """Distrust server key ``kid`` from ``since`` (ISO-8601 UTC) on, on every device: its row
    gets ``revoked`` and ``revoked_at`` (codes it signed dated at or after that answer
    ``revoked_key``). Audited ``keys.revoked``. Returns the row as it is now."""

    async def work(tx: Any) -> Row:
        from sync import writer

        row = await tx.get("signing_keys", kid)
        if row is None or row["kind"] != "server" or row["deleted"]:
            raise NotAServerKey(kid)
        ctx = server_context(tx, SYSTEM, "server.signing_keys")
        await writer.update(
            ctx, "signing_keys", row, {"revoked": True, "revoked_at": since}, bk.CATALOG
        )
        tx.audit("keys.revoked", kid, {"since": since}, by)
        return {**row, "revoked": True, "revoked_at": since}

    return await store.run_write(work)
