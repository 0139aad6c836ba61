"""``orderly backup``: the database, the signing keys and a signed audit checkpoint written into
one archive, whole or not at all, encrypted when recipients are given."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from server.audit_anchor import ARCHIVE_MEMBER, archive_bytes
from server.audit_anchor import keep as keep_checkpoint
from server.backup import archive, records
from server.backup.archive import FORMAT, Manifest, sha256
from server.backup.databases import pg_dump, sqlite_copy
from server.backup.encryption import recipients, seal
from server.backup.errors import BackupError
from server.config import Settings


def _version() -> str:
    try:
        return metadata.version("orderly")
    except metadata.PackageNotFoundError:
        return "unknown"


async def backup(
    settings: Settings, to: Path | None = None, to_recipients: list[str] | None = None
) -> tuple[Path, Manifest]:
    """Write an archive of the database and the keys: into ``to`` when it is a ``.tar`` path,
    else into the directory ``to`` (default ``<data dir>/backups``) under a timestamped name.
    With age recipients the archive is encrypted to them (``.tar.age``): only an identity of
    one of them opens it."""
    now = datetime.now(UTC)
    sealed_to = recipients(to_recipients or [])
    path = archive.archive_path(settings, to, now, bool(sealed_to))
    if not settings.is_postgres and not settings.sqlite_path.exists():
        raise BackupError(f"no database at {settings.sqlite_path}: nothing to back up")
    # The chain's head signed before the copy: an entry the copy holds, and the live chain too.
    checkpoint = await records.checkpoint(settings)
    with tempfile.TemporaryDirectory(prefix=".orderly-backup-", dir=path.parent) as tmp:
        work = Path(tmp)
        (work / "database").mkdir()
        (work / ARCHIVE_MEMBER).write_bytes(archive_bytes(checkpoint).getvalue())
        pg_version = None
        if settings.is_postgres:
            db_part = "database/orderly.pgdump"
            migration, epoch, last_seq, pg_version = await pg_dump(settings, work / db_part)
        else:
            db_part = "database/orderly.sqlite3"
            migration, epoch, last_seq = await asyncio.to_thread(
                sqlite_copy, settings, work / db_part
            )
        # The keys copied first: what is hashed is what is archived, even if a key is rotated now.
        (work / "keys").mkdir()
        source = settings.keys_dir
        for f in [*sorted(source.glob("*.pem")), source / "current"] if source.is_dir() else []:
            if f.is_file():
                shutil.copy2(f, work / "keys" / f.name)
        keys = [f"keys/{f.name}" for f in sorted((work / "keys").iterdir())]
        parts = {name: sha256(work / name) for name in (db_part, ARCHIVE_MEMBER, *keys)}
        manifest = Manifest(
            format=FORMAT,
            created_at=now.isoformat().replace("+00:00", "Z"),
            orderly_version=_version(),
            database="postgres" if settings.is_postgres else "sqlite",
            migration=migration,
            epoch=epoch,
            last_seq=last_seq,
            parts=parts,
            pg_dump_version=pg_version,
        )
        partial = work / "archive.tar"
        archive.write(partial, manifest, work, [db_part, ARCHIVE_MEMBER, *keys], now)
        if sealed_to:
            seal(partial, work / "archive.tar.age", sealed_to)
            partial.unlink()
            partial = work / "archive.tar.age"
        os.replace(partial, path)  # whole or not at all
    await records.audit(settings, "admin.backup", str(path), {
        "archive": path.name, "database": manifest.database, "epoch": epoch,
        "last_seq": last_seq, "sha256": sha256(path)})  # fmt: skip
    keep_checkpoint(settings.data_dir, checkpoint)
    return path, manifest
