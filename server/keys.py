"""The server's Ed25519 signing keys, kept under ``<data dir>/keys/``.

The newest key signs (device certificates now, order QR codes later); every key ever made still
verifies, so rotating never invalidates what was signed before. A key's id is the first 16 hex
digits of the SHA-256 of its raw public key. Files: ``<kid>.pem`` (private, mode 0600) and
``current`` (the kid that signs).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass
class ServerKeys:
    directory: Path
    current: str
    private: dict[str, Ed25519PrivateKey]

    def sign(self, message: bytes) -> tuple[str, bytes]:
        """(key id, signature) with the current key."""
        return self.current, self.private[self.current].sign(message)

    def public(self) -> dict[str, bytes]:
        """Every key's raw public key by id (what scanners verify with)."""
        return {kid: public_raw(k.public_key()) for kid, k in self.private.items()}

    def verify(self, kid: str, signature: bytes, message: bytes) -> bool:
        key = self.private.get(kid)
        if key is None:
            return False
        try:
            key.public_key().verify(signature, message)
        except Exception:  # cryptography raises InvalidSignature; any failure means "no"
            return False
        return True


def _write_new_key(directory: Path) -> str:
    key = Ed25519PrivateKey.generate()
    kid = key_id(key.public_key())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(directory / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return kid


def _point_current(directory: Path, kid: str, *, only_if_missing: bool) -> None:
    tmp = directory / f".current.{os.getpid()}"
    tmp.write_text(kid + "\n")
    if only_if_missing:
        try:  # several server processes may start at once: the first link wins
            os.link(tmp, directory / "current")
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    else:
        os.replace(tmp, directory / "current")


def load(directory: Path) -> ServerKeys:
    """The keys in ``directory``, making the first one at first start."""
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "current").exists():
        _point_current(directory, _write_new_key(directory), only_if_missing=True)
    private = {
        p.stem: serialization.load_pem_private_key(p.read_bytes(), password=None)
        for p in sorted(directory.glob("*.pem"))
    }
    current = (directory / "current").read_text().strip()
    if current not in private:
        raise RuntimeError(f"{directory}/current names {current!r}, which has no key file")
    return ServerKeys(directory, current, private)  # type: ignore[arg-type]


def rotate(directory: Path) -> str:
    """Make a new key and sign with it from now on. Returns its id."""
    load(directory)
    kid = _write_new_key(directory)
    _point_current(directory, kid, only_if_missing=False)
    return kid
