"""The server's Ed25519 signing keys, kept under ``<data dir>/keys/``.

The current key signs (device certificates, order QR codes); every key ever made still
verifies (its public key is a ``signing_keys`` row), so rotating never invalidates what was
signed before. A key's id is the first 16 hex digits of the SHA-256 of its raw public key.
Files: ``<kid>.pem`` (private, mode 0600) and ``current`` (the kid that signs). A running
server reads ``current`` again before it signs, so ``orderly keys rotate`` takes effect at once
in every process (docs/qr.md § Key life cycle). Retiring or revoking a key deletes its file.
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

    def signing(self) -> str:
        """The id of the key that signs now, as ``current`` names it (another process —
        ``orderly keys rotate`` — may have changed it since this one started). A file that
        cannot be read, or names a key without a private key here, leaves the key as it was."""
        try:
            kid = (self.directory / "current").read_text().strip()
        except OSError:
            return self.current
        if kid != self.current:
            if kid not in self.private:
                try:
                    self.private[kid] = _load_private(self.directory / f"{kid}.pem")
                except (OSError, ValueError, TypeError):
                    return self.current
            self.current = kid
        return self.current

    def sign(self, message: bytes) -> tuple[str, bytes]:
        """(key id, signature) with the current key."""
        kid = self.signing()
        return kid, self.private[kid].sign(message)

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


def _load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{path} is not an Ed25519 private key")
    return key


def load(directory: Path) -> ServerKeys:
    """The keys in ``directory``, making the first one at first start."""
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "current").exists():
        _point_current(directory, _write_new_key(directory), only_if_missing=True)
    private = {p.stem: _load_private(p) for p in sorted(directory.glob("*.pem"))}
    current = (directory / "current").read_text().strip()
    if current not in private:
        raise RuntimeError(f"{directory}/current names {current!r}, which has no key file")
    return ServerKeys(directory, current, private)  # type: ignore[arg-type]


def new_key(directory: Path) -> str:
    """Make a new key that does not sign yet (publish it, then ``make_current``). Its id."""
    load(directory)
    return _write_new_key(directory)


def make_current(directory: Path, kid: str) -> None:
    """Sign with ``kid`` from now on (running servers follow: ``ServerKeys.signing``)."""
    if not (directory / f"{kid}.pem").exists():
        raise KeyError(kid)
    _point_current(directory, kid, only_if_missing=False)


def rotate(directory: Path) -> str:
    """Make a new key and sign with it from now on. Returns its id."""
    kid = new_key(directory)
    make_current(directory, kid)
    return kid


class KeyInUse(ValueError):
    """The key that signs now cannot be retired or revoked: rotate first."""


def forget(directory: Path, kid: str) -> None:
    """Delete the private key of ``kid`` (retired or revoked): it can never sign again. Its
    public key stays a ``signing_keys`` row, so what it signed goes on verifying (until
    revoked). Raises KeyInUse for the current key, KeyError for a key not here."""
    keys = load(directory)
    if kid == keys.signing():
        raise KeyInUse(f"{kid} is the key that signs now: run `orderly keys rotate` first")
    path = directory / f"{kid}.pem"
    if not path.exists():
        raise KeyError(kid)
    path.unlink()
