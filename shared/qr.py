"""Order QR tokens (docs/qr.md): encode, sign, decode, verify — the same answers as
``pwa/js/core/qr.js``, both checked against ``tests/vectors/qr.json``.

A token is 94 bytes — version, kind, order id, issued at, key id, Ed25519 signature — written in
upper-case base32 without padding (151 characters), inside the URL ``<public url>/q/<token>``.
Pure: ``cryptography`` only, no server, no database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = 1
KIND_ORDER = 1
BODY_BYTES = 30  # version, kind, order id, issued at, key id: what the signature covers
TOKEN_BYTES = 94
TOKEN_CHARS = 151
DOMAIN = b"orderly-qr-v1\n"
CERT_PREFIX = "orderly-device-cert-v1"
# How far a device's clock may be off when it dates a token (docs/qr.md § Issue times): a token
# dated more than this after the server's clock, or before its order was made, is refused.
ISSUE_SKEW_SECONDS = 300

# The answers of ``verify``, in the order they are checked (docs/qr.md § Verification).
REASONS: tuple[str, ...] = (
    "malformed",
    "wrong_version",
    "unknown_key",
    "tampered",
    "bad_certificate",
    "revoked_key",
    "wrong_signer",
    "revoked_token",
    "valid",
)

_BASE32 = re.compile(r"^[A-Z2-7]*$")

Signer = Callable[[bytes], bytes]


class Malformed(ValueError):
    """Not a token: not base32, or not 94 bytes."""


@dataclass(frozen=True)
class Claims:
    """What a token says (true only once ``verify`` answers ``valid``)."""

    version: int
    kind: int
    order_id: str  # canonical UUID text, lower case
    issued_at: int  # seconds since 1970-01-01 UTC
    key_id: str  # 16 hex digits
    signature: bytes
    token_id: str


@dataclass(frozen=True)
class Verdict:
    """The one answer of ``verify``. ``order_id``, ``issued_at``, ``key_id`` and ``token_id`` are
    what the token claims; they are set from ``unknown_key`` on, None for ``malformed`` and
    ``wrong_version``. Only ``valid`` means they are true."""

    reason: str
    order_id: str | None = None
    issued_at: int | None = None
    key_id: str | None = None
    token_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason == "valid"


# ---- keys ------------------------------------------------------------------------------------


def public_raw(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes | Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """First 16 hex digits of SHA-256 of the raw 32-byte public key (= ``server.keys.key_id``)."""
    raw = public if isinstance(public, bytes) else public_raw(public)
    return hashlib.sha256(raw).hexdigest()[:16]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def certificate_message(device_id: str, code: str, user_id: str, public_key: str) -> bytes:
    """What the server signs to certify a device's key (docs/auth.md § Devices)."""
    return f"{CERT_PREFIX}\n{device_id}\n{code}\n{user_id}\n{public_key}".encode()


# ---- encoding --------------------------------------------------------------------------------


def body(
    order_id: str, issued_at: int, key_id: str, *, version: int = VERSION, kind: int = KIND_ORDER
) -> bytes:
    """Bytes 0–29: what the signature covers (after the domain prefix)."""
    kid = bytes.fromhex(key_id)
    if len(kid) != 8:
        raise ValueError(f"a key id is 16 hex digits, not {key_id!r}")
    if not 0 <= issued_at < 2**32:
        raise ValueError(f"issued_at out of range: {issued_at}")
    return bytes([version, kind]) + uuid.UUID(order_id).bytes + issued_at.to_bytes(4, "big") + kid


def to_text(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=")


def encode(
    order_id: str,
    issued_at: int,
    key_id: str,
    sign: Signer | Ed25519PrivateKey,
    *,
    version: int = VERSION,
    kind: int = KIND_ORDER,
) -> str:
    """A signed token. ``sign`` is the private key, or a callable that signs a message with the
    key named by ``key_id``. Raises ValueError for an order id that is not a UUID."""
    b = body(order_id, issued_at, key_id, version=version, kind=kind)
    signer = sign.sign if isinstance(sign, Ed25519PrivateKey) else sign
    signature = signer(DOMAIN + b)
    if len(signature) != 64:
        raise ValueError("an Ed25519 signature is 64 bytes")
    return to_text(b + signature)


def issue(private: Ed25519PrivateKey, order_id: str, issued_at: int) -> str:
    """A token for ``order_id`` signed with ``private`` (its key id computed from it)."""
    return encode(order_id, issued_at, key_id(private), private)


def to_bytes(token: str) -> bytes:
    """The 94 bytes of a token (upper-case base32, no padding, canonical). Raises Malformed."""
    if len(token) != TOKEN_CHARS or not _BASE32.match(token):
        raise Malformed("not 151 base32 characters")
    try:
        raw = base64.b32decode(token + "=")
    except (binascii.Error, ValueError):
        raise Malformed("not base32") from None
    # The last character carries 2 bits of the token and 3 that must be zero: one text per token.
    if len(raw) != TOKEN_BYTES or to_text(raw) != token:
        raise Malformed("not the canonical base32 of 94 bytes")
    return raw


def token_id(token: str | bytes) -> str:
    """First 16 hex digits of SHA-256 of the 94 token bytes."""
    raw = token if isinstance(token, bytes) else to_bytes(from_scan(token))
    return hashlib.sha256(raw).hexdigest()[:16]


def decode(token: str) -> Claims:
    """What a token (or scanned text) claims, unchecked. Raises Malformed."""
    raw = to_bytes(from_scan(token))
    return Claims(
        version=raw[0],
        kind=raw[1],
        order_id=str(uuid.UUID(bytes=raw[2:18])),
        issued_at=int.from_bytes(raw[18:22], "big"),
        key_id=raw[22:30].hex(),
        signature=raw[30:],
        token_id=token_id(raw),
    )


# ---- URLs and scanned text -------------------------------------------------------------------


def url(public_url: str, token: str) -> str:
    """What the QR code holds: ``<public url>/q/<token>``."""
    return f"{public_url.rstrip('/')}/q/{token}"


def qr_text(public_url: str, token: str) -> str:
    """What to put in the QR code: the URL, all upper case when the public URL has no path of
    its own (scheme and host ignore case; the server answers ``/Q/`` as ``/q/``), so the whole
    text is in the QR alphanumeric set: version 7–8 at ECC M instead of 9–10 in byte mode."""
    text = url(public_url, token)
    rest = public_url.split("://", 1)[-1].rstrip("/")
    return text.upper() if "/" not in rest else text


def from_scan(text: str) -> str:
    """The token in what a scanner read: a URL ``…/q/<token>`` or a bare token, in either case,
    with surrounding whitespace or a trailing CR/LF (keyboard-wedge scanners). Unchecked: a
    garbled text comes back as is (upper-cased), and ``verify`` calls it ``malformed``."""
    text = text.strip()
    at = text.lower().rfind("/q/")
    if at >= 0:
        text = text[at + 3 :]
        for stop in ("?", "#", "/"):
            text = text.split(stop, 1)[0]
    return text.upper()


# ---- verification ----------------------------------------------------------------------------


def _seconds(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() // 1)


def _verifies(public_key: str, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(unb64url(public_key)).verify(signature, message)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def _certified(key: Mapping[str, Any], keys: Mapping[str, Mapping[str, Any]]) -> bool:
    issuer = keys.get(key.get("cert_key_id") or "")
    if issuer is None or issuer.get("kind") != "server" or not key.get("certificate"):
        return False
    try:
        signature = unb64url(key["certificate"])
    except (ValueError, binascii.Error):
        return False
    message = certificate_message(
        key.get("device_id") or "",
        key.get("device_code") or "",
        key.get("user_id") or "",
        key["public_key"],
    )
    return _verifies(issuer["public_key"], signature, message)


def key_revoked_for(key: Mapping[str, Any], issued_at: int) -> bool:
    """Whether ``key`` was revoked when a token issued at ``issued_at`` was signed. A key is
    revoked from the whole second of its ``revoked_at`` on (a token of that same second is
    refused: the token's clock has no finer grain); revoked without a time, always."""
    if not key.get("revoked"):
        return False
    at = key.get("revoked_at")
    return at is None or issued_at >= _seconds(at)


def _distrusted_order(key: Mapping[str, Any], order: Mapping[str, Any] | None) -> bool:
    """Whether a revoked key's token names an order that reached the server at or after the
    key's distrust-from time (its ``revoked_at``): a token's own date is its signer's word (a
    stolen phone or a leaked key can backdate), the order's ``created_at`` is the server's."""
    if not key.get("revoked") or order is None or not order.get("created_at"):
        return False
    at = key.get("revoked_at")
    return at is None or _seconds(order["created_at"]) >= _seconds(at)


def verify(
    token: str,
    keys: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    revoked: Collection[str] | Iterable[Mapping[str, Any]],
    orders: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]] | None = None,
) -> Verdict:
    """One answer for a token or scanned text (docs/qr.md § Verification).

    ``keys``: the ``signing_keys`` rows (a list, or a dict by id); ``revoked``: the
    ``qr_revocations`` rows or just their ids (token ids); ``orders``: the ``orders`` rows the
    verifier holds (a list, or a dict by id) — a device key signs only its own user's orders,
    so with ``orders`` given a device's token for an order not among them, or owned by another
    user, is ``wrong_signer``. Only a verifier that checks the binding another way (the server:
    it accepted the token through ``qr.issue`` and kept a record) leaves it out."""
    by_id = dict(keys) if isinstance(keys, Mapping) else {k["id"]: k for k in keys}
    try:
        claims = decode(token)
    except Malformed:
        return Verdict("malformed")
    if claims.version != VERSION or claims.kind != KIND_ORDER:
        return Verdict("wrong_version")

    def answer(reason: str) -> Verdict:
        return Verdict(reason, claims.order_id, claims.issued_at, claims.key_id, claims.token_id)

    key = by_id.get(claims.key_id)
    if key is None:
        return answer("unknown_key")
    raw = to_bytes(from_scan(token))
    if not _verifies(key["public_key"], claims.signature, DOMAIN + raw[:BODY_BYTES]):
        return answer("tampered")
    if key.get("kind") != "server" and not _certified(key, by_id):
        return answer("bad_certificate")
    device = key.get("kind") != "server"
    order = None
    if orders is not None:
        held = orders if isinstance(orders, Mapping) else {o["id"]: o for o in orders}
        order = held.get(claims.order_id)
    if key_revoked_for(key, claims.issued_at) or _distrusted_order(key, order):
        return answer("revoked_key")
    if (
        device
        and orders is not None
        and (order is None or not key.get("user_id") or order.get("owner_id") != key.get("user_id"))
    ):
        return answer("wrong_signer")
    ids = {r if isinstance(r, str) else r["id"] for r in revoked}
    if claims.token_id in ids:
        return answer("revoked_token")
    return answer("valid")
