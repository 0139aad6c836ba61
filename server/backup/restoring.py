"""``orderly restore``: an archive checked (decrypted first when sealed), its database and keys
put back, the migrations it lacks run, and a new change history started."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from server.audit_anchor import keep as keep_checkpoint
from server.audit_anchor import set_aside as set_aside_checkpoints
from server.backup import archive, records
from server.backup.archive import Manifest
from server.backup.databases import refuse_if_in_use, restore_postgres, restore_sqlite
from server.backup.encryption import encrypted, unseal
from server.backup.errors import BackupError
from server.config import Settings
from server.db.migrate import known_migrations


class Restored(msgspec.Struct, frozen=True):
    manifest: Manifest
    old_epoch: str
    new_epoch: str
    migrated_from: str
    migrated_to: str
    set_aside: str | None  # where the replaced SQLite file went


@contextlib.contextmanager
def _opened(path: Path, scratch: Path, keys: list[Path]) -> Iterator[tuple[Manifest, Path]]:
    """``archive.opened``, an age-encrypted archive first decrypted (owner-only, beside the
    data)."""
    if not path.is_file():
        raise BackupError(f"no archive at {path}")
    if not encrypted(path):
        with archive.opened(path, scratch) as opened:
            yield opened
        return
    with tempfile.TemporaryDirectory(prefix=".orderly-decrypt-", dir=scratch) as tmp:
        plain = Path(tmp) / "archive.tar"
        unseal(path, plain, keys)
        with archive.opened(plain, scratch) as opened:
            yield opened


async def restore(
    settings: Settings, path: Path, identity_files: list[Path] | None = None
) -> Restored:
    """Put the archive back as the configured database and keys. The server must be stopped.
    An encrypted archive needs ``identity_files`` holding the age identity it was made for."""
    from server.db.migrate import migrate

    stamp = archive.stamp(datetime.now(UTC))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    set_aside: Path | None = None
    with _opened(path, settings.data_dir, identity_files or []) as (manifest, work):
        kind = "postgres" if settings.is_postgres else "sqlite"
        if manifest.database != kind:
            raise BackupError(
                f"the archive holds a {manifest.database} database; this server is configured "
                f"for {kind} (ORDERLY_DATABASE_URL)"
            )
        await refuse_if_in_use(settings)
        known = known_migrations()
        if known and manifest.migration > known[-1]:
            raise BackupError(
                f"the archive was made by a newer Orderly (migration {manifest.migration}; this "
                f"one knows up to {known[-1]}): upgrade first"
            )
        if kind == "sqlite":
            set_aside = await asyncio.to_thread(
                restore_sqlite, settings, work / "database/orderly.sqlite3", stamp
            )
        else:
            await asyncio.to_thread(restore_postgres, settings, work / "database/orderly.pgdump")
        _restore_keys(settings, work / "keys")
    await migrate(settings)
    new_epoch = secrets.token_hex(8)
    migrated_to = await _after_restore(settings, manifest, path, new_epoch)
    # The kept checkpoints describe the replaced chain: aside, and one of the restored chain.
    set_aside_checkpoints(settings.data_dir, stamp)
    keep_checkpoint(settings.data_dir, await records.checkpoint(settings))
    return Restored(manifest, manifest.epoch, new_epoch, manifest.migration, migrated_to,
                    str(set_aside) if set_aside else None)  # fmt: skip


def _restore_keys(settings: Settings, keys: Path) -> None:
    """Add every archived key. A key made since the backup stays too (what it signed must keep
    verifying), and so does ``current`` if it names a key that is there."""
    if not keys.is_dir():
        return
    target = settings.keys_dir
    target.mkdir(parents=True, exist_ok=True)
    for pem in sorted(keys.glob("*.pem")):
        dest = target / pem.name
        if not dest.exists():
            tmp = target / f".{pem.name}.restoring"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem.read_bytes())
            os.replace(tmp, dest)
    current = target / "current"
    present = current.exists() and (target / f"{current.read_text().strip()}.pem").exists()
    if not present and (keys / "current").exists():
        tmp = target / ".current.restoring"
        tmp.write_text((keys / "current").read_text())
        os.replace(tmp, current)


async def _after_restore(settings: Settings, manifest: Manifest, path: Path,
                         new_epoch: str) -> str:  # fmt: skip
    """A new change history (every device's next pull: ``reset``), audited; the signing keys
    published to devices as the server does at start."""
    from server import audit
    from server.audit import AuditEntry
    from server.db.sql import open_database
    from server.db.sync_store import SqlSyncStore
    from server.keys import load
    from server.qr.keys import publish

    db = await open_database(settings)
    try:
        async with db.write() as conn:
            lock = " FOR UPDATE" if conn.dialect == "postgres" else ""
            await conn.fetchval(f"SELECT epoch FROM sync_state WHERE id = 1{lock}")
            await conn.execute("UPDATE sync_state SET epoch = ? WHERE id = 1", (new_epoch,))
            migration = await conn.fetchval("SELECT name FROM migration ORDER BY id DESC LIMIT 1")
            await audit.append(conn, [AuditEntry("admin.restore", path.name, {
                "created_at": manifest.created_at, "database": manifest.database,
                "old_epoch": manifest.epoch, "new_epoch": new_epoch,
                "last_seq": manifest.last_seq, "migration": manifest.migration,
                "migrated_to": migration})])  # fmt: skip
        await publish(SqlSyncStore(db), load(settings.keys_dir))
    finally:
        await db.close()
    return migration
