"""shared/qr.py against tests/vectors/qr.json (the same file the PWA's qr.js is tested with)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared import qr
from tests.vectors import qr_vectors

V = json.loads((Path(qr_vectors.__file__).parent / "qr.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", V["cases"], ids=[c["name"] for c in V["cases"]])
def test_every_vector(case: dict) -> None:
    v = qr.verify(case["token"], V["keys"], V["revoked"], V["orders"])
    got = {
        "reason": v.reason,
        "order_id": v.order_id,
        "issued_at": v.issued_at,
        "key_id": v.key_id,
        "token_id": v.token_id,
    }
    assert got == case["expect"]


def test_every_reason_has_a_case() -> None:
    assert {c["expect"]["reason"] for c in V["cases"]} == set(qr.REASONS)


def test_valid_tokens_re_sign_from_their_seeds() -> None:
    """Ed25519 is deterministic: a valid case's claims signed with its key's seed give its token."""
    for case in V["cases"]:
        e = case["expect"]
        if e["reason"] != "valid" or case["token"] != case["token"].strip().upper():
            continue
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(V["seeds"][e["key_id"]]))
        assert qr.encode(e["order_id"], e["issued_at"], e["key_id"], key) == case["token"]


def test_urls() -> None:
    for u in V["urls"]:
        assert qr.url(u["public_url"], u["token"]) == u["url"]
        assert qr.qr_text(u["public_url"], u["token"]) == u["qr_text"]
        assert qr.from_scan(u["qr_text"]) == u["token"]


def test_a_token_is_151_characters_of_the_qr_alphanumeric_set() -> None:
    key = Ed25519PrivateKey.generate()
    token = qr.issue(key, str(uuid.uuid4()), 1_780_000_000)
    assert len(token) == qr.TOKEN_CHARS == 151
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert qr.from_scan(qr.url("https://x.example/", token)) == token


def test_token_id_is_the_start_of_sha256_of_the_bytes() -> None:
    import hashlib

    token = V["cases"][0]["token"]
    assert qr.token_id(token) == hashlib.sha256(qr.to_bytes(token)).hexdigest()[:16]
    assert qr.decode(token).token_id == qr.token_id(token)


def test_server_key_id_is_the_same_function() -> None:
    from server.keys import key_id

    key = Ed25519PrivateKey.generate()
    assert key_id(key.public_key()) == qr.key_id(key)


def test_an_order_id_that_is_no_uuid_cannot_be_encoded() -> None:
    with pytest.raises(ValueError):
        qr.issue(Ed25519PrivateKey.generate(), "o-1", 0)


def test_revoked_may_be_ids_or_rows_and_keys_a_dict() -> None:
    case = next(c for c in V["cases"] if c["expect"]["reason"] == "revoked_token")
    ids = {r["id"] for r in V["revoked"]}
    by_id = {k["id"]: k for k in V["keys"]}
    assert qr.verify(case["token"], by_id, ids).reason == "revoked_token"
    assert qr.verify(case["token"], by_id, []).reason == "valid"
