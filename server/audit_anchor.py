"""Signed checkpoints of the audit chain's head, kept outside the database (docs/operations.md,
"Audit checkpoints").

The chain (server/audit.py) shows an entry changed in place, but someone who can write the
database can also truncate it or rewrite it from some entry on and recompute every hash after.
A checkpoint is the head -- ``(seq, hash)`` -- at a moment, signed with the server's signing key
(server/keys.py; the database holds no private key). It is written where the database is not:
appended to ``<data dir>/audit-checkpoints.jsonl`` at every ``orderly serve`` start, ``orderly
backup`` (also inside the archive, as ``audit-checkpoint.json``) and ``orderly audit
checkpoint``, and printed to the server's log. ``orderly audit verify`` walks the chain and
then checks every checkpoint it is given: its signature, and that the chain still holds entry
``seq`` with exactly that hash. A chain cut before a checkpoint, or rewritten at or before it,
fails.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import msgspec

from server import times
from server.audit import ChainCheck
from server.db.sql import Database
from server.keys import ServerKeys
from shared.qr import b64url, unb64url

KIND = "orderly-audit-checkpoint"
FILE = "audit-checkpoints.jsonl"
ARCHIVE_MEMBER = "audit-checkpoint.json"


class Checkpoint(msgspec.Struct, frozen=True):
    checkpoint: str  # always KIND: a line of a log is recognised by it
    seq: int
    hash: str
    at: str
    kid: str
    sig: str  # base64url Ed25519 over ``message()``

    def message(self) -> bytes:
        return f"{KIND}\n{self.seq}\n{self.hash}\n{self.at}".encode()

    def line(self) -> str:
        return msgspec.json.encode(self).decode()


async def make(db: Database, keys: ServerKeys) -> Checkpoint:
    """The chain's head now, signed with the current server key."""
    async with db.read() as conn:
        head = await conn.fetchrow("SELECT seq, hash FROM audit_head WHERE id = 1")
    seq, digest = (int(head["seq"]), head["hash"]) if head else (0, "0" * 64)
    unsigned = Checkpoint(KIND, seq, digest, times.now(), "", "")
    kid, sig = keys.sign(unsigned.message())
    return msgspec.structs.replace(unsigned, kid=kid, sig=b64url(sig))


def keep(data_dir: Path, checkpoint: Checkpoint) -> Path:
    """Append to ``<data dir>/audit-checkpoints.jsonl`` (owner-only)."""
    path = data_dir / FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as f:
        f.write(checkpoint.line() + "\n")
        f.flush()
        os.fsync(f.fileno())
    return path


def set_aside(data_dir: Path, stamp: str) -> Path | None:
    """After a restore the chain is the archive's, not the one the kept checkpoints describe:
    move them aside (``audit-checkpoints.before-restore-<stamp>.jsonl``)."""
    path = data_dir / FILE
    if not path.exists():
        return None
    aside = data_dir / f"audit-checkpoints.before-restore-{stamp}.jsonl"
    os.replace(path, aside)
    return aside


def parse(text: str) -> list[Checkpoint]:
    """Every checkpoint in ``text``: one per line, alone or inside a log line."""
    found = []
    for line in text.splitlines():
        start = line.find("{")
        if start < 0 or KIND not in line:
            continue
        try:
            cp = msgspec.json.decode(line[start:].strip(), type=Checkpoint)
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue
        if cp.checkpoint == KIND:
            found.append(cp)
    return found


def read(path: Path) -> list[Checkpoint]:
    """The checkpoints in a file: a checkpoint file, a saved log, or a backup archive."""
    if tarfile.is_tarfile(path):
        with tarfile.open(path, "r:") as tar:
            try:
                member = tar.extractfile(ARCHIVE_MEMBER)
            except KeyError:
                return []
            return parse(member.read().decode()) if member else []
    return parse(path.read_text(errors="replace"))


def archive_bytes(checkpoint: Checkpoint) -> io.BytesIO:
    return io.BytesIO(checkpoint.line().encode() + b"\n")


async def check(db: Database, keys: ServerKeys, checkpoints: list[Checkpoint]) -> ChainCheck | None:
    """None if every checkpoint is signed by a server key and the chain still holds its entry
    with its hash; else why not. A checkpoint whose key is no longer here (retired) is skipped."""
    public = keys.public()
    async with db.read() as conn:
        for cp in sorted(checkpoints, key=lambda c: c.seq):
            if cp.kid not in public:
                continue
            try:
                signature = unb64url(cp.sig)
            except ValueError:
                signature = b""
            if not keys.verify(cp.kid, signature, cp.message()):
                return ChainCheck(
                    False, 0, cp.seq, f"checkpoint of {cp.at}: its signature is not the server's"
                )
            if cp.seq == 0:
                continue
            row = await conn.fetchrow("SELECT hash FROM audit_log WHERE seq = ?", (cp.seq,))
            if row is None:
                return ChainCheck(
                    False,
                    0,
                    cp.seq,
                    f"truncated: the checkpoint of {cp.at} saw entry {cp.seq}, which is gone",
                )
            if row["hash"] != cp.hash:
                return ChainCheck(
                    False,
                    0,
                    cp.seq,
                    f"rewritten: entry {cp.seq} differs from the checkpoint of {cp.at}",
                )
    return None
