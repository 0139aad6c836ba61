"""The archive's format: its manifest, the members it may hold, writing one and opening one
checked (every part's SHA-256), its timestamped names, and pruning old ones."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import msgspec

from server.backup.encryption import AGE_SUFFIX
from server.backup.errors import BackupError
from server.config import Settings

FORMAT = 1
PREFIX = "orderly-backup-"
_MEMBER = re.compile(
    r"manifest\.json|audit-checkpoint\.json|database/orderly\.(sqlite3|pgdump)"
    r"|keys/([\w-][\w.-]*\.pem|current)"
)


class Manifest(msgspec.Struct, frozen=True):
    format: int
    created_at: str
    orderly_version: str
    database: str  # "sqlite" | "postgres"
    migration: str  # the last migration applied to the database backed up
    epoch: str  # its change history (sync_state) when the copy was taken
    last_seq: int
    parts: dict[str, str]  # archive member -> sha256
    pg_dump_version: str | None = None


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"


def archive_path(settings: Settings, to: Path | None, now: datetime, sealed: bool) -> Path:
    target = to if to is not None else settings.data_dir / "backups"
    if target.suffix in (".tar", AGE_SUFFIX) and not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        if sealed and target.suffix != AGE_SUFFIX:
            target = target.with_name(target.name + AGE_SUFFIX)
        return target
    target.mkdir(parents=True, exist_ok=True)
    return target / f"{PREFIX}{stamp(now)}.tar{AGE_SUFFIX if sealed else ''}"


def write(path: Path, manifest: Manifest, work: Path, members: list[str], now: datetime) -> None:
    """The tar file (owner-only: it holds private keys) of ``manifest.json`` and ``members``,
    files under ``work``, flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
        data = json.dumps(msgspec.to_builtins(manifest), indent=2).encode() + b"\n"
        info = tarfile.TarInfo("manifest.json")
        info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
        tar.addfile(info, io.BytesIO(data))
        for name in members:
            tar.add(work / name, arcname=name)
        raw.flush()
        os.fsync(raw.fileno())


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives named ``orderly-backup-*.tar[.age]`` in
    ``directory``; returns what was deleted. Other files are never touched."""
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    archives = sorted(  # the names sort by time, sealed or not
        [*directory.glob(f"{PREFIX}*.tar"), *directory.glob(f"{PREFIX}*.tar{AGE_SUFFIX}")]
    )
    old = archives[:-keep]
    for path in old:
        path.unlink()
    return old


@contextlib.contextmanager
def opened(archive: Path, scratch: Path) -> Iterator[tuple[Manifest, Path]]:
    """The archive checked and unpacked into a temporary directory under ``scratch``."""
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    with tempfile.TemporaryDirectory(prefix=".orderly-restore-", dir=scratch) as tmp:
        work = Path(tmp)
        try:
            with tarfile.open(archive, "r:") as tar:
                for member in tar.getmembers():
                    # Only the files a backup writes, as plain files: no links, no "..".
                    if not (member.isfile() and _MEMBER.fullmatch(member.name)):
                        raise BackupError(f"{archive}: unexpected member {member.name!r}")
                    dest = work / member.name
                    dest.parent.mkdir(exist_ok=True)
                    with tar.extractfile(member) as src, open(dest, "wb") as out:  # type: ignore[union-attr]
                        shutil.copyfileobj(src, out)
        except (tarfile.TarError, OSError) as e:
            raise BackupError(f"{archive} is not a readable backup archive: {e}") from e
        try:
            manifest = msgspec.json.decode((work / "manifest.json").read_bytes(), type=Manifest)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError) as e:
            raise BackupError(f"{archive} has no valid manifest.json: {e}") from e
        if manifest.format != FORMAT:
            raise BackupError(f"archive format {manifest.format}; this Orderly reads {FORMAT}")
        for name, digest in manifest.parts.items():
            part = work / name
            if not part.is_file() or sha256(part) != digest:
                raise BackupError(f"{archive}: {name} is missing or damaged (SHA-256 differs)")
        yield manifest, work
