"""Order QR codes on the server: the current token of an order (issued on first ask), reissue,
what the public status page may show, and the retention purge (docs/qr.md)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from server import times
from server.db.sql import Database
from server.errors import Conflict, NotFound
from server.keys import ServerKeys
from shared import qr
from shared.states import TERMINAL
from sync.context import Actor
from sync.direct import server_context
from sync.outcome import visible_row
from sync.rules import qr as qr_rules
from sync.store import Row, Store


class NotEncodable(Conflict):
    code = "not_encodable"


class TokenOut(msgspec.Struct):
    token: str
    url: str
    token_id: str
    issued_at: str
    key_id: str
    order_id: str
    order_number: str


@dataclass(frozen=True)
class StatusView:
    """What ``/q/<token>`` may show: the verdict, and for a valid token the order's number,
    status, history of statuses and last update. Nothing else about the order."""

    reason: str
    number: str | None = None
    status: str | None = None
    reached: tuple[tuple[str, str], ...] = ()  # (status, when), in order
    updated_at: str | None = None


class QrService:
    def __init__(self, db: Database, store: Store, keys: ServerKeys, public_url: str) -> None:
        self.db = db
        self.store = store
        self.keys = keys
        self.public_url = public_url

    def _out(self, record: Row, order: Row) -> TokenOut:
        return TokenOut(
            token=record["token"],
            url=qr.url(self.public_url, record["token"]),
            token_id=record["id"],
            issued_at=record["issued_at"],
            key_id=record["key_id"],
            order_id=order["id"],
            order_number=order["number"],
        )

    async def _issue(self, tx: Any, actor: Actor, order_id: str, *, force: bool) -> TokenOut:
        ctx = server_context(tx, actor, "server.qr.issue")
        order = await visible_row(ctx, "orders", order_id)
        if order is None:
            raise NotFound(f"no order {order_id} that you can see")
        try:
            canonical = str(uuid.UUID(order_id)) == order_id
        except ValueError:
            canonical = False
        if not canonical:
            raise NotEncodable(f"order id {order_id!r} is not a lower-case UUID: no QR code")
        records = await tx.find("qr_tokens", "order_id", order_id)
        current = [r for r in records if not r["revoked"]]
        now = int(time.time())
        newest = max(current, key=lambda r: r["issued_at"], default=None)
        # A current code dated past the server's clock and skew (accepted before issue times
        # were bounded) is not served: the order gets a new code, and that one is revoked.
        if newest and not force and _seconds(newest["issued_at"]) <= now + qr.ISSUE_SKEW_SECONDS:
            return self._out(newest, order)
        # One second after the newest token of the order at least: a reissue within the same
        # second must still give another token (Ed25519 signatures are deterministic). A record
        # dated past the server's clock and skew does not drag the server's own date into the
        # future.
        dates = [_seconds(r["issued_at"]) for r in records]
        latest = max((d for d in dates if d <= now + qr.ISSUE_SKEW_SECONDS), default=-1)
        issued_at = max(now, latest + 1)
        kid = self.keys.signing()  # after `orderly keys rotate`, the new key at once
        token = qr.encode(order_id, issued_at, kid, self.keys.private[kid].sign)
        await qr_rules.record(ctx, token, qr.decode(token), "server", server=True)
        tx.audit("qr.issued", order_id, {"token": qr.token_id(token), "reissue": force},
                 actor.user_id)  # fmt: skip
        record = await tx.get("qr_tokens", qr.token_id(token))
        return self._out(record, order)

    async def current(self, actor: Actor, order_id: str) -> TokenOut:
        """The order's current token, issued now if it has none."""
        return await self.store.run_write(lambda tx: self._issue(tx, actor, order_id, force=False))

    async def reissue(self, actor: Actor, order_id: str) -> TokenOut:
        """A new token for the order; every earlier one is revoked."""
        return await self.store.run_write(lambda tx: self._issue(tx, actor, order_id, force=True))

    async def reissue_signed_by(self, kid: str) -> int:
        """A new code, signed with the current key, for every open order whose current code
        ``kid`` signed (``orderly keys revoke``; the old codes are revoked as reissued). How
        many."""
        async with self.db.read() as conn:
            rows = await conn.fetch(
                "SELECT DISTINCT t.order_id, o.status FROM qr_tokens t"
                " JOIN orders o ON o.id = t.order_id"
                " WHERE t.key_id = ? AND t.revoked = ? AND o.deleted = ? ORDER BY t.order_id",
                (kid, False, False),
            )
        system = Actor("system", "admin")
        orders = [r["order_id"] for r in rows if r["status"] not in TERMINAL]
        for order_id in orders:
            await self.store.run_write(
                lambda tx, o=order_id: self._issue(tx, system, o, force=True)
            )
        return len(orders)

    async def status(self, text: str) -> StatusView:
        """What the public page shows for a scanned token."""
        try:
            claims = qr.decode(text)
        except qr.Malformed:
            return StatusView("malformed")
        async with self.db.read() as conn:
            key_ids = [claims.key_id]
            key = await conn.fetchrow(
                "SELECT * FROM signing_keys WHERE id = ? AND deleted = ?", (claims.key_id, False)
            )
            if key and key["cert_key_id"]:
                key_ids.append(key["cert_key_id"])
            marks = ",".join("?" * len(key_ids))
            keys = await conn.fetch(
                f"SELECT * FROM signing_keys WHERE id IN ({marks}) AND deleted = ?",
                [*key_ids, False],
            )
            revoked = await conn.fetch(
                "SELECT id FROM qr_revocations WHERE id = ? AND deleted = ?",
                (claims.token_id, False),
            )
            verdict = qr.verify(text, keys, [r["id"] for r in revoked])
            if not verdict.ok:
                return StatusView(verdict.reason)
            if (
                key is not None
                and key["kind"] != "server"
                and not await conn.fetchval(
                    "SELECT COUNT(*) FROM qr_tokens WHERE id = ?", (claims.token_id,)
                )
            ):
                # A device's signature alone proves only that some certified device signed it:
                # the page vouches for a device's code once the server has accepted it
                # (qr.issue: its own order, dated within the order's life, key not revoked).
                return StatusView("unrecorded")
            order = await conn.fetchrow(
                "SELECT number, status, status_history, updated_at, deleted FROM orders"
                " WHERE id = ?",
                (claims.order_id,),
            )
        if order is None or order["deleted"]:
            return StatusView("unknown_order")
        history = msgspec.json.decode(order["status_history"] or "[]")
        # Status and time only: a transition's reason and author stay inside.
        reached = tuple(
            (h["to"], h.get("at") or "") for h in history if isinstance(h, dict) and h.get("to")
        )
        return StatusView("valid", order["number"], order["status"], reached, order["updated_at"])

    async def purge(self, older_than: timedelta, by: str | None = None) -> dict[str, int]:
        """Remove QR records issued and scans received before now - ``older_than`` (docs/qr.md
        and docs/warehouse.md § Retention), by the server's clock. The current code of an open
        order keeps its record (its printed code must keep working); the current code of a
        closed or deleted order is revoked (``purged``) before its record goes, so it never
        verifies again without a record behind it. Scans are synced rows: each one removed is a
        ``del`` change, so devices drop their copies in their next pull."""
        cutoff = times.iso(datetime.now(UTC) - older_than)
        async with self.store.write() as tx:
            conn = tx.conn
            old = await conn.fetch(
                "SELECT t.id, t.order_id, t.revoked, o.status, o.deleted FROM qr_tokens t"
                " LEFT JOIN orders o ON o.id = t.order_id WHERE t.issued_at < ?",
                (cutoff,),
            )
            ctx = server_context(tx, Actor("system", "admin"), "server.qr.purge")
            gone, revoked = [], 0
            for r in old:
                if not r["revoked"]:
                    if r["status"] is not None and not r["deleted"] and r["status"] not in TERMINAL:
                        continue  # the current code of an open order
                    await qr_rules.revoke_token(ctx, r, "purged")
                    revoked += 1
                gone.append(r["id"])
            for at in range(0, len(gone), 500):
                chunk = gone[at : at + 500]
                await conn.execute(
                    f"DELETE FROM qr_tokens WHERE id IN ({','.join('?' * len(chunk))})", chunk
                )
            n = len(gone)
            # The server's time of receipt, not the device's clock (``at``), which may be years off.
            scans = await conn.fetch(
                "SELECT id, buckets FROM scans WHERE received_at < ?", (cutoff,)
            )
            await conn.execute("DELETE FROM scans WHERE received_at < ?", (cutoff,))
            changes = [
                (await tx.next_seq(), "scans", r["id"], "del", r["buckets"], "") for r in scans
            ]
            if changes:
                await tx.add_changes(changes)
            removed = {"qr_tokens": n, "scans": len(scans)}
            detail = {"before": cutoff, **removed, "revoked": revoked}
            tx.audit("qr.purged", "qr_tokens scans", detail, by)
        return removed


def _seconds(iso: str) -> int:
    return int(times.parse(iso).timestamp())
