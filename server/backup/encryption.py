"""age encryption of archives: recipients (``age1…``) to seal to, identities to open with."""

from __future__ import annotations

import os
from pathlib import Path

import pyrage
from pyrage import x25519

from server.backup.errors import BackupError

AGE_MAGIC = b"age-encryption.org/v1"  # how every age file starts
AGE_SUFFIX = ".age"


def recipients(texts: list[str]) -> list[x25519.Recipient]:
    """age public keys (``age1…``), as an operator writes them: one or more, spaces or commas
    between."""
    found = []
    for text in texts:
        for word in text.replace(",", " ").split():
            try:
                found.append(x25519.Recipient.from_str(word))
            except pyrage.RecipientError as e:
                raise BackupError(f"not an age recipient (age1…): {word!r}: {e}") from None
    return found


def identities(paths: list[Path]) -> list[x25519.Identity]:
    """The age identities (``AGE-SECRET-KEY-1…`` lines) in each file; ``#`` lines are comments."""
    found = []
    for path in paths:
        try:
            lines = path.read_text().splitlines()
        except OSError as e:
            raise BackupError(f"cannot read the identity file {path}: {e}") from None
        for line in lines:
            if line.strip() and not line.startswith("#"):
                try:
                    found.append(x25519.Identity.from_str(line.strip()))
                except pyrage.IdentityError:
                    raise BackupError(f"{path}: not an age identity file") from None
    return found


def encrypted(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(AGE_MAGIC)) == AGE_MAGIC


def _owner_only(path: Path) -> None:
    """Create ``path`` empty, readable by its owner alone, before anything is written to it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def seal(plain: Path, sealed: Path, to: list[x25519.Recipient]) -> None:
    """Encrypt ``plain`` into ``sealed`` (owner-only) for ``to``."""
    _owner_only(sealed)
    try:
        pyrage.encrypt_file(str(plain), str(sealed), to)
    except pyrage.EncryptError as e:
        raise BackupError(f"cannot encrypt the archive: {e}") from None


def unseal(sealed: Path, plain: Path, identity_files: list[Path]) -> None:
    """Decrypt ``sealed`` into ``plain`` (owner-only) with the identities in the files."""
    if not identity_files:
        raise BackupError(
            f"{sealed} is encrypted (age): pass --identity FILE with the key it was made for"
        )
    found = identities(identity_files)
    _owner_only(plain)
    try:
        pyrage.decrypt_file(str(sealed), str(plain), found)
    except pyrage.DecryptError as e:
        raise BackupError(f"cannot decrypt {sealed} with the identity given: {e}") from None
