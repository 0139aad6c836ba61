"""Order QR tokens (docs/qr.md): recording one (server-signed or device-signed), revoking the
earlier ones of its order, and the ``qr.issue`` mutation a device sends for an order it made
offline.

Records (``qr_tokens``) stay on the server; revocations (``qr_revocations``) are synced rows of
the ``catalog`` bucket, so every scanner learns of them in its next pull.
"""

from __future__ import annotations

import contextlib
import uuid

import msgspec

from shared import qr
from shared.mutations import QrIssue
from sync import buckets as bk
from sync import writer
from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.hlc import Timestamp
from sync.outcome import APPLIED, MERGED, Outcome, missing, visible_row
from sync.store import Row


def iso_of(seconds: int) -> str:
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def revoke_token(ctx: MutationContext, record: Row, reason: str) -> None:
    """Mark a record revoked and publish its revocation to every device."""
    await ctx.tx.update(
        "qr_tokens", record["id"], {"revoked": True, "revoked_at": ctx.now, "reason": reason}
    )
    if await ctx.tx.get("qr_revocations", record["id"]) is None:
        row = {"id": record["id"], "order_id": record["order_id"], "revoked_at": ctx.now,
               "reason": reason}  # fmt: skip
        await writer.insert(ctx, "qr_revocations", row, bk.CATALOG)


async def record(
    ctx: MutationContext, token: str, claims: qr.Claims, issuer: str, *, server: bool = False
) -> bool:
    """Record a token issued for its order; the newest (by issue time) stays current and the
    others are revoked. Returns False when a newer token was already current: this one is then
    recorded revoked at once (``superseded``). A ``server`` token (a person asked for it) is
    current whatever the others' dates say."""
    earlier = [
        r for r in await ctx.tx.find("qr_tokens", "order_id", claims.order_id) if not r["revoked"]
    ]
    issued_at = iso_of(claims.issued_at)
    newer = [] if server else [r for r in earlier if r["issued_at"] > issued_at]
    await ctx.tx.insert(
        "qr_tokens",
        {
            "id": claims.token_id,
            "order_id": claims.order_id,
            "token": token,
            "key_id": claims.key_id,
            "issuer": issuer,
            "issued_by": ctx.actor.user_id,
            "issued_at": issued_at,
            "revoked": False,
            "revoked_at": None,
            "reason": None,
        },
    )
    if newer:
        await revoke_token(ctx, {"id": claims.token_id, "order_id": claims.order_id}, "superseded")
        return False
    for r in earlier:
        await revoke_token(ctx, r, "reissued")
    return True


def order_made_at(order: Row) -> int:
    """When the order was made, in seconds: the earlier of the device's time of its
    ``order.create`` (the HLC of its first status step) and the server's ``created_at``."""
    made = _seconds(order["created_at"])
    history = msgspec.json.decode(order.get("status_history") or "[]")
    first = history[0] if isinstance(history, list) and history else None
    if isinstance(first, dict) and isinstance(first.get("hlc"), str):
        with contextlib.suppress(ValueError):  # an HLC of before bounds: the server's time
            made = min(made, Timestamp.parse(first["hlc"]).ms // 1000)
    return made


def check_issue_time(ctx: MutationContext, issued_at: int, order: Row) -> None:
    """A device's token is dated within the order's life, as the server's clock sees it, give or
    take ``ISSUE_SKEW_SECONDS`` (docs/qr.md § Issue times): not after the server's now, not
    before the order was made. ``invalid_token`` with ``future`` / ``before_order`` first."""
    skew = qr.ISSUE_SKEW_SECONDS
    now = _seconds(ctx.now)
    if issued_at > now + skew:
        raise MutationRejected(
            "invalid_token",
            f"future: the token is dated {iso_of(issued_at)}, after the server's clock "
            f"({ctx.now}) by more than {skew} s",
        )
    made = order_made_at(order)
    if issued_at < made - skew:
        raise MutationRejected(
            "invalid_token",
            f"before_order: the token is dated {iso_of(issued_at)}, before its order was made "
            f"({iso_of(made)}) by more than {skew} s",
        )


def _seconds(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def decoded(text: str) -> tuple[str, qr.Claims]:
    """The token in a scanned text and what it claims; ``invalid_token`` if it is none."""
    token = qr.from_scan(text)
    try:
        return token, qr.decode(token)
    except qr.Malformed:
        raise MutationRejected("invalid_token", "malformed: not a QR token") from None


async def verified(
    ctx: MutationContext, token: str, claims: qr.Claims
) -> tuple[qr.Verdict, Row | None]:
    """``shared.qr.verify`` against the server's signing keys and revocations; and the key."""
    key = await ctx.tx.get("signing_keys", claims.key_id)
    keys = {} if key is None or key["deleted"] else {key["id"]: key}
    if key is not None and key["cert_key_id"]:
        certifier = await ctx.tx.get("signing_keys", key["cert_key_id"])
        if certifier is not None and not certifier["deleted"]:
            keys[certifier["id"]] = certifier
    revoked = await ctx.tx.get("qr_revocations", claims.token_id)
    return qr.verify(token, keys, [revoked["id"]] if revoked else []), key


def require_order_uuid(order_id: str) -> None:
    """A token names its order by the 16 bytes of a UUID: the id must be one, in its canonical
    (lower-case) text, or the token could never match it."""
    try:
        canonical = str(uuid.UUID(order_id))
    except ValueError:
        raise MutationRejected("invalid_args", "order_id is not a UUID") from None
    if canonical != order_id:
        raise MutationRejected("invalid_args", "order_id is not a canonical (lower-case) UUID")


async def issue(ctx: MutationContext, args: QrIssue) -> Outcome:
    """``qr.issue``: a token the pushing device signed for an order it can see."""
    require_order_uuid(args.order_id)
    token, claims = decoded(args.token)
    existing = await ctx.tx.get("qr_tokens", claims.token_id)
    if existing is not None and existing["order_id"] == args.order_id:
        return MERGED  # recorded before (sent again from another client, say)
    verdict, key = await verified(ctx, token, claims)
    if not verdict.ok:
        raise MutationRejected("invalid_token", f"{verdict.reason}: the token does not verify")
    assert key is not None
    if (
        key["kind"] != "device"
        or not ctx.actor.device_id
        or key["device_id"] != ctx.actor.device_id
    ):
        raise MutationRejected(
            "invalid_token", "wrong_signer: not signed by this session's own device key"
        )
    if key["revoked"]:
        # Its own issue time is the device's word: a revoked key records nothing, however dated.
        raise MutationRejected("invalid_token", "revoked_key: this device key is revoked")
    if claims.order_id != args.order_id:
        raise MutationRejected("invalid_token", "wrong_order: the token is for another order")
    order = await visible_row(ctx, "orders", args.order_id)
    if order is None:
        return await missing(ctx, "orders", args.order_id, "order")
    if order["owner_id"] != key["user_id"]:
        raise MutationRejected(
            "invalid_token", "wrong_signer: a device key signs only orders its own user made"
        )
    check_issue_time(ctx, claims.issued_at, order)
    current = await record(ctx, token, claims, ctx.actor.device_id)
    return APPLIED if current else MERGED
