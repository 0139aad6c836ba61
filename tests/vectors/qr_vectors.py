"""``tests/vectors/qr.json``: order QR tokens as ``shared/qr.py`` makes and judges them.

Keys come from fixed seeds, times are fixed, Ed25519 signatures are deterministic: the file is
the same on every run. ``make_vectors.py`` writes it with the others (``BUILDERS``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared import qr

Doc = dict[str, Any]

PUBLIC_URL = "https://orders.example.com"
ORDER = "0193a8f2-1c3d-7e4f-8a9b-0c1d2e3f4a5b"
ORDER_2 = "0193a8f2-1c3d-7e4f-8a9b-0c1d2e3f4a5c"
ORDER_LATE = "0193a8f2-1c3d-7e4f-8a9b-0c1d2e3f4a5d"  # reached the server after the revocation
ORDER_OTHER = "0193a8f2-1c3d-7e4f-8a9b-0c1d2e3f4a5e"  # another user's order
ORDER_ABSENT = "0193a8f2-1c3d-7e4f-8a9b-0c1d2e3f4a5f"  # an order the verifier does not hold
REVOKED_AT = "2026-06-01T12:00:00.000Z"


def seconds(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).timestamp())


T_REVOKED = seconds(REVOKED_AT)
T_BEFORE = T_REVOKED - 3600  # an hour before the device key was revoked
T_AFTER = T_REVOKED + 60


def seed(name: str) -> bytes:
    return hashlib.sha256(f"orderly-qr-vectors:{name}".encode()).digest()


def private(name: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed(name))


def _server_row(name: str) -> Doc:
    k = private(name)
    return {
        "id": qr.key_id(k),
        "kind": "server",
        "public_key": qr.b64url(qr.public_raw(k)),
        "device_id": None,
        "device_code": None,
        "user_id": None,
        "certificate": None,
        "cert_key_id": None,
        "revoked": False,
        "revoked_at": None,
    }


def _device_row(
    name: str,
    device_id: str,
    code: str,
    certifier: str = "server",
    *,
    revoked_at: str | None = None,
    bad_cert: bool = False,
    user_id: str = "user-1",
) -> Doc:
    k = private(name)
    public = qr.b64url(qr.public_raw(k))
    signer = private(certifier)
    # A bad certificate: the server's signature, but over another device code.
    message = qr.certificate_message(device_id, "ZZZ" if bad_cert else code, user_id, public)
    return {
        "id": qr.key_id(k),
        "kind": "device",
        "public_key": public,
        "device_id": device_id,
        "device_code": code,
        "user_id": user_id,
        "certificate": qr.b64url(signer.sign(message)),
        "cert_key_id": qr.key_id(signer),
        "revoked": revoked_at is not None,
        "revoked_at": revoked_at,
    }


def _flip(token: str, byte: int) -> str:
    raw = bytearray(qr.to_bytes(token))
    raw[byte] ^= 0x01
    return qr.to_text(bytes(raw))


def build_qr() -> Doc:
    keys = [
        _server_row("server"),
        _server_row("server-old"),  # rotated out: still verifies what it signed
        {**_server_row("server-leaked"), "revoked": True, "revoked_at": REVOKED_AT},
        _device_row("device", "0193a8f2-0000-7000-8000-00000000d001", "K7F"),
        _device_row(
            "device-revoked", "0193a8f2-0000-7000-8000-00000000d002", "R2D", revoked_at=REVOKED_AT
        ),
        _device_row("device-badcert", "0193a8f2-0000-7000-8000-00000000d003", "B4D", bad_cert=True),
        # Certified by a device key, not a server key: no certificate at all.
        _device_row("device-selfcert", "0193a8f2-0000-7000-8000-00000000d004", "S3L", "device"),
    ]

    def tok(name: str, order: str = ORDER, at: int = T_BEFORE, **kw: int) -> str:
        k = private(name)
        return qr.encode(order, at, qr.key_id(k), k, **kw)

    # The orders the verifier holds, as pulled (only what verify reads): every device key of the
    # vectors belongs to user-1.
    orders = [
        {"id": ORDER, "owner_id": "user-1", "created_at": "2026-05-20T08:00:00.000Z"},
        {"id": ORDER_2, "owner_id": "user-1", "created_at": "2026-05-20T09:00:00.000Z"},
        {"id": ORDER_LATE, "owner_id": "user-1", "created_at": "2026-06-02T08:00:00.000Z"},
        {"id": ORDER_OTHER, "owner_id": "user-2", "created_at": "2026-05-20T10:00:00.000Z"},
    ]
    server = tok("server")
    replaced = tok("server", at=T_BEFORE - 86_400)
    revoked_by_key_and_list = tok("device-revoked", ORDER_2, T_AFTER)
    revoked = [
        {
            "id": qr.token_id(t),
            "order_id": qr.decode(t).order_id,
            "revoked_at": "2026-06-01T09:00:00.000Z",
            "reason": "reissued",
        }
        for t in (replaced, revoked_by_key_and_list)
    ]
    bad_char = server[:40] + "1" + server[41:]
    # The last character holds 2 bits of the token and 3 zero bits: set one of those.
    last = qr.to_text(qr.to_bytes(server))[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    non_canonical = server[:-1] + alphabet[alphabet.index(last) | 1]

    inputs: list[tuple[str, str]] = [
        ("valid: signed by the server", server),
        ("valid: signed by a certified device (an order made offline)", tok("device", ORDER_2)),
        ("valid: signed by an older server key (rotation keeps it valid)", tok("server-old")),
        ("valid: a device key revoked later; token issued before", tok("device-revoked")),
        ("valid: issued at 0 (1970)", tok("server", at=0)),
        ("valid: issued at the last second a token can hold", tok("server", at=2**32 - 1)),
        ("url: the QR code's text", qr.url(PUBLIC_URL, server)),
        (
            "url: with a trailing CR and spaces (keyboard wedge)",
            "  " + qr.url(PUBLIC_URL, server) + "\r\n",
        ),
        ("url: all lower case", qr.url(PUBLIC_URL, server).lower()),
        (
            "url: upper-case scheme and host, a query string",
            qr.url(PUBLIC_URL.upper(), server) + "?utm=x",
        ),
        ("url: another host (only the signature counts)", qr.url("http://10.0.0.7:8000", server)),
        ("bare token: lower case", server.lower()),
        ("bare token: with a trailing CR", server + "\r"),
        ("tampered: one bit of the order id flipped", _flip(server, 5)),
        ("tampered: one bit of issued at flipped", _flip(server, 21)),
        ("tampered: one bit of the signature flipped", _flip(server, 60)),
        ("tampered: a device token with its order id changed", _flip(tok("device"), 17)),
        ("unknown_key: signed by a key nobody published", tok("stranger")),
        ("unknown_key: a changed key id (before the signature is checked)", _flip(server, 25)),
        ("bad_certificate: a device key whose certificate does not verify", tok("device-badcert")),
        ("bad_certificate: certified by a device key, not a server key", tok("device-selfcert")),
        ("revoked_key: issued after the device key was revoked", tok("device-revoked", at=T_AFTER)),
        (
            "revoked_key: issued in the very second of the revocation",
            tok("device-revoked", at=T_REVOKED),
        ),
        ("revoked_key: comes before revoked_token", revoked_by_key_and_list),
        (
            "revoked_key: dated before the revocation, for an order the server got after it",
            tok("device-revoked", ORDER_LATE, T_BEFORE),
        ),
        ("valid: a revoked server key; token dated before", tok("server-leaked", ORDER_2)),
        (
            "revoked_key: a revoked server key's token backdated, for an order made after it",
            tok("server-leaked", ORDER_LATE, T_BEFORE),
        ),
        ("wrong_signer: a device key signing another user's order", tok("device", ORDER_OTHER)),
        ("wrong_signer: a device key signing an order not held", tok("device", ORDER_ABSENT)),
        ("valid: a server key signs any order, held or not", tok("server", ORDER_ABSENT)),
        ("revoked_token: replaced by a newer code", replaced),
        ("wrong_version: version byte 2 (signed)", tok("server", version=2)),
        ("wrong_version: kind 2 (signed)", tok("server", kind=2)),
        ("wrong_version: version 0 with an unknown key", tok("stranger", version=0)),
        ("malformed: empty", ""),
        ("malformed: only spaces", "   "),
        ("malformed: a character outside base32 ('1')", bad_char),
        ("malformed: padding '=' added", server + "="),
        ("malformed: one character short", server[:-1]),
        ("malformed: one character too many", server + "A"),
        ("malformed: 95 bytes", qr.to_text(qr.to_bytes(server) + b"\0")),
        ("malformed: non-zero bits after the last byte", non_canonical),
        ("malformed: a space inside", server[:70] + " " + server[71:]),
        ("malformed: a URL without a token", PUBLIC_URL + "/q/"),
        ("malformed: some other URL", PUBLIC_URL + "/orders/" + ORDER),
    ]
    cases = []
    for name, text in inputs:
        v = qr.verify(text, keys, revoked, orders)
        assert name.split(":")[0] in (v.reason, "url", "bare token"), (name, v)
        cases.append(
            {
                "name": name,
                "token": text,
                "expect": {
                    "reason": v.reason,
                    "order_id": v.order_id,
                    "issued_at": v.issued_at,
                    "key_id": v.key_id,
                    "token_id": v.token_id,
                },
            }
        )
    return {
        "about": (
            "shared/qr.py (docs/qr.md): `verify(case.token, keys, revoked, orders)` gives "
            "`case.expect`. `keys` are signing_keys rows and `revoked` qr_revocations rows exactly "
            "as devices pull them (catalog bucket; sync columns `version`, `updated_by` left out); "
            "`orders` the orders the verifier holds (only id, owner_id and created_at: what "
            "verify reads). "
            "`expect`: reason (malformed, wrong_version, unknown_key, tampered, bad_certificate, "
            "revoked_key, wrong_signer, revoked_token, valid: the first that applies), and what "
            "the token claims "
            "(order_id as lower-case UUID text, issued_at in seconds, key_id, token_id) — null for "
            "malformed and wrong_version. `token` is what a scanner read: a bare token or a URL "
            "`.../q/<token>`, any case, surrounding whitespace and CR/LF ignored. `seeds`: the "
            "32-byte Ed25519 private key seed (hex) of each key id, 'stranger' included: signing "
            "is deterministic, so re-signing a valid case's claims with its seed gives its token "
            "(as the device does for orders made offline). `urls`: url(public_url, token) (links) and qr_text(public_url, token) (what the QR code holds: upper case unless the public URL has a path)."
        ),
        "public_url": PUBLIC_URL,
        "keys": keys,
        "revoked": revoked,
        "orders": orders,
        "seeds": {
            qr.key_id(private(n)): seed(n).hex()
            for n in (
                "server",
                "server-old",
                "server-leaked",
                "device",
                "device-revoked",
                "device-badcert",
                "device-selfcert",
                "stranger",
            )
        },
        "urls": [
            {
                "public_url": u,
                "token": server,
                "url": qr.url(u, server),
                "qr_text": qr.qr_text(u, server),
            }  # fmt: skip
            for u in (
                PUBLIC_URL,
                PUBLIC_URL + "/",
                "http://localhost:8000",
                "https://example.com/orderly/",
            )  # fmt: skip
        ],
        "cases": cases,
    }
