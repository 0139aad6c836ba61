"""``orderly backup`` and ``orderly restore``: the database and the signing keys in one archive.

An archive is a tar file (mode 0600: it holds the private signing keys), encrypted with age to
the operator's recipients when given (``.tar.age``; restore then needs an identity), of

    manifest.json               what it is: see ``Manifest``
    audit-checkpoint.json       the audit chain's head, signed (server/audit_anchor.py)
    database/orderly.sqlite3    SQLite: a copy made with the online backup API, or
    database/orderly.pgdump     PostgreSQL: ``pg_dump -Fc`` in the snapshot the manifest read
    keys/<kid>.pem, keys/current

Both are safe while the server runs. A restore is not: stop every server process first. It
checks the manifest and every part's SHA-256, puts the database back (SQLite: the file replaced
atomically, the old one and its WAL moved aside; PostgreSQL: the schema dropped and the dump
restored in one transaction), adds the keys, runs the migrations the archive lacks, and starts a
new change history (a new sync epoch): every device's next pull answers ``reset``, so no device
keeps rows the restored server never had (docs/operations.md §6, docs/protocol.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import asyncpg
import msgspec
import pyrage
from pyrage import x25519

from server.audit_anchor import ARCHIVE_MEMBER, Checkpoint, archive_bytes
from server.audit_anchor import keep as keep_checkpoint
from server.audit_anchor import make as make_checkpoint
from server.audit_anchor import set_aside as set_aside_checkpoints
from server.config import Settings
from server.db.engines import postgres_config
from server.db.migrate import known_migrations

FORMAT = 1
PREFIX = "orderly-backup-"

_MEMBER = re.compile(
    r"manifest\.json|audit-checkpoint\.json|database/orderly\.(sqlite3|pgdump)"
    r"|keys/([\w-][\w.-]*\.pem|current)"
)


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


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


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


class Restored(msgspec.Struct, frozen=True):
    manifest: Manifest
    old_epoch: str
    new_epoch: str
    migrated_from: str
    migrated_to: str
    set_aside: str | None  # where the replaced SQLite file went


# ---- helpers ----------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _version() -> str:
    try:
        return metadata.version("orderly")
    except metadata.PackageNotFoundError:
        return "unknown"


def _pg_env(settings: Settings) -> dict[str, str]:
    """libpq's environment for the configured database: the password never reaches argv."""
    cfg = postgres_config(settings.database_url)
    env = {**os.environ, "PGHOST": str(cfg["host"]), "PGPORT": str(cfg["port"]),
           "PGUSER": str(cfg["user"]), "PGDATABASE": str(cfg["database"])}  # fmt: skip
    if cfg["password"]:
        env["PGPASSWORD"] = str(cfg["password"])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed; it comes with the PostgreSQL client tools "
            "(Debian/Ubuntu: apt-get install postgresql-client)"
        )
    return path


def _run(argv: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, env=env, capture_output=True, **kwargs)  # noqa: S603
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip()
        raise BackupError(f"{Path(argv[0]).name} failed: {err}")
    return done


async def _connect(settings: Settings) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(settings.database_url)
    except (OSError, asyncpg.PostgresError) as e:
        where = settings.database_url.split("@")[-1]
        raise BackupError(f"cannot connect to PostgreSQL at {where}: {e}") from e


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"


# ---- backup -----------------------------------------------------------------------------------


def _sqlite_copy(settings: Settings, dest: Path) -> tuple[str, str, int]:
    """Copy the live database with the online backup API (consistent, writers keep going) and
    read (migration, epoch, last_seq) from the copy."""
    if not settings.sqlite_path.exists():
        raise BackupError(f"no database at {settings.sqlite_path}: nothing to back up")
    src = sqlite3.connect(settings.sqlite_path)
    src.execute("PRAGMA busy_timeout=10000")
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no WAL beside it
        return _state(dst)
    finally:
        dst.close()
        src.close()


def _state(con: sqlite3.Connection) -> tuple[str, str, int]:
    migration = con.execute("SELECT name FROM migration ORDER BY id DESC LIMIT 1").fetchone()
    epoch, last_seq = con.execute("SELECT epoch, last_seq FROM sync_state WHERE id = 1").fetchone()
    return migration[0], epoch, int(last_seq)


async def _pg_dump(settings: Settings, dest: Path) -> tuple[str, str, int, str]:
    """``pg_dump -Fc`` inside a snapshot this connection exported, so the manifest's epoch and
    last_seq are exactly those of the dump."""
    pg_dump = _tool("pg_dump")
    env = _pg_env(settings)
    version = _run([pg_dump, "--version"], env).stdout.decode().strip()
    con = await _connect(settings)
    try:
        async with con.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await con.fetchval("SELECT pg_export_snapshot()")
            migration = await con.fetchval("SELECT name FROM migration ORDER BY id DESC LIMIT 1")
            row = await con.fetchrow("SELECT epoch, last_seq FROM sync_state WHERE id = 1")
            argv = [pg_dump, "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                    "-f", str(dest)]  # fmt: skip
            await asyncio.to_thread(_run, argv, env)
    finally:
        await con.close()
    return migration, row["epoch"], int(row["last_seq"]), version


def _archive_path(settings: Settings, to: Path | None, now: datetime, sealed: bool) -> Path:
    target = to if to is not None else settings.data_dir / "backups"
    if target.suffix in (".tar", AGE_SUFFIX) and not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        if sealed and target.suffix != AGE_SUFFIX:
            target = target.with_name(target.name + AGE_SUFFIX)
        return target
    target.mkdir(parents=True, exist_ok=True)
    return target / f"{PREFIX}{_stamp(now)}.tar{AGE_SUFFIX if sealed else ''}"


async def backup(
    settings: Settings, to: Path | None = None, to_recipients: list[str] | None = None
) -> tuple[Path, Manifest]:
    """Write an archive of the database and the keys: into ``to`` when it is a ``.tar`` path,
    else into the directory ``to`` (default ``<data dir>/backups``) under a timestamped name.
    With age recipients the archive is encrypted to them (``.tar.age``): only an identity of
    one of them opens it."""
    now = datetime.now(UTC)
    sealed_to = recipients(to_recipients or [])
    path = _archive_path(settings, to, now, bool(sealed_to))
    if not settings.is_postgres and not settings.sqlite_path.exists():
        raise BackupError(f"no database at {settings.sqlite_path}: nothing to back up")
    # The chain's head signed before the copy: an entry the copy holds, and the live chain too.
    checkpoint = await _checkpoint(settings)
    with tempfile.TemporaryDirectory(prefix=".orderly-backup-", dir=path.parent) as tmp:
        work = Path(tmp)
        (work / "database").mkdir()
        (work / ARCHIVE_MEMBER).write_bytes(archive_bytes(checkpoint).getvalue())
        pg_version = None
        if settings.is_postgres:
            db_part = "database/orderly.pgdump"
            migration, epoch, last_seq, pg_version = await _pg_dump(settings, work / db_part)
        else:
            db_part = "database/orderly.sqlite3"
            migration, epoch, last_seq = await asyncio.to_thread(
                _sqlite_copy, settings, work / db_part
            )
        # The keys copied first: what is hashed is what is archived, even if a key is rotated now.
        (work / "keys").mkdir()
        source = settings.keys_dir
        for f in [*sorted(source.glob("*.pem")), source / "current"] if source.is_dir() else []:
            if f.is_file():
                shutil.copy2(f, work / "keys" / f.name)
        parts = {db_part: _sha256(work / db_part), ARCHIVE_MEMBER: _sha256(work / ARCHIVE_MEMBER)}
        keys = sorted((work / "keys").iterdir())
        for f in keys:
            parts[f"keys/{f.name}"] = _sha256(f)
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
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            data = json.dumps(msgspec.to_builtins(manifest), indent=2).encode() + b"\n"
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(work / db_part, arcname=db_part)
            tar.add(work / ARCHIVE_MEMBER, arcname=ARCHIVE_MEMBER)
            for f in keys:
                tar.add(f, arcname=f"keys/{f.name}")
            raw.flush()
            os.fsync(raw.fileno())
        if sealed_to:
            sealed = work / "archive.tar.age"
            os.close(os.open(sealed, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            try:
                pyrage.encrypt_file(str(partial), str(sealed), sealed_to)
            except pyrage.EncryptError as e:
                raise BackupError(f"cannot encrypt the archive: {e}") from None
            partial.unlink()
            partial = sealed
        os.replace(partial, path)  # whole or not at all
    await _audit(settings, "admin.backup", str(path), {
        "archive": path.name, "database": manifest.database, "epoch": epoch,
        "last_seq": last_seq, "sha256": _sha256(path)})  # fmt: skip
    keep_checkpoint(settings.data_dir, checkpoint)
    return path, manifest


async def _checkpoint(settings: Settings) -> Checkpoint:
    from server.db.sql import open_database
    from server.keys import load

    db = await open_database(settings)
    try:
        return await make_checkpoint(db, load(settings.keys_dir))
    finally:
        await db.close()


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


# ---- restore ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _opened(archive: Path, scratch: Path) -> Iterator[tuple[Manifest, Path]]:
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
            if not part.is_file() or _sha256(part) != digest:
                raise BackupError(f"{archive}: {name} is missing or damaged (SHA-256 differs)")
        yield manifest, work


def _restore_sqlite(settings: Settings, copy: Path, stamp: str) -> Path:
    """Swap the database file for ``copy``; the old file and its WAL go to a directory beside."""
    con = sqlite3.connect(copy)
    try:
        check = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    if check != "ok":
        raise BackupError(f"the archived SQLite database fails its integrity check: {check}")
    db = settings.sqlite_path
    db.parent.mkdir(parents=True, exist_ok=True)
    fresh = db.with_name(db.name + ".restoring")
    shutil.copyfile(copy, fresh)
    with open(fresh, "rb+") as f:
        os.fsync(f.fileno())
    aside = settings.data_dir / f"before-restore-{stamp}"
    aside.mkdir()
    # The WAL first: a WAL left beside the new file would be replayed into it.
    for suffix in ("-wal", "-shm", "-journal"):
        extra = db.with_name(db.name + suffix)
        if extra.exists():
            os.replace(extra, aside / extra.name)
    if db.exists():
        try:
            os.link(db, aside / db.name)
        except OSError:  # a file system without hard links
            shutil.copy2(db, aside / db.name)
    os.replace(fresh, db)
    return aside


def _restore_postgres(settings: Settings, dump: Path) -> None:
    """Drop the schema and load the dump in ONE transaction: on any error nothing changed."""
    env = _pg_env(settings)
    script = _run(
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "-f", "-", str(dump)], env
    ).stdout
    # A running server holds locks: fail after a while instead of waiting for ever.
    head = (b"SET lock_timeout = '15s';\n"
            b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")  # fmt: skip
    _run([_tool("psql"), "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1"],
         env, input=head + script)  # fmt: skip


async def _refuse_if_in_use(settings: Settings) -> None:
    """No server may have the database open: it would go on writing to the replaced copy
    (SQLite) or hold the tables a restore drops (PostgreSQL)."""
    if settings.is_postgres:
        con = await _connect(settings)
        try:
            others = await con.fetchval(
                "SELECT COUNT(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await con.close()
        if others:
            raise BackupError(
                f"{others} other connection(s) to the database: stop every server process "
                "(and close other sessions) first"
            )
        return
    if not settings.sqlite_path.exists():
        return
    # In WAL mode an exclusive lock is refused while any other connection has the file open,
    # even an idle one: a running server always has.
    con = sqlite3.connect(settings.sqlite_path, timeout=1.0)
    try:
        con.execute("PRAGMA locking_mode=EXCLUSIVE")
        con.execute("BEGIN EXCLUSIVE")
        con.rollback()
    except sqlite3.OperationalError as e:
        raise BackupError(f"{settings.sqlite_path} is in use ({e}): stop the server first") from e
    finally:
        con.close()


@contextlib.contextmanager
def _opened_sealed(
    archive: Path, scratch: Path, keys: list[Path]
) -> Iterator[tuple[Manifest, Path]]:
    """``_opened``, an age-encrypted archive first decrypted (owner-only, beside the data)."""
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    if not encrypted(archive):
        with _opened(archive, scratch) as opened:
            yield opened
        return
    if not keys:
        raise BackupError(
            f"{archive} is encrypted (age): pass --identity FILE with the key it was made for"
        )
    found = identities(keys)
    with tempfile.TemporaryDirectory(prefix=".orderly-decrypt-", dir=scratch) as tmp:
        plain = Path(tmp) / "archive.tar"
        os.close(os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            pyrage.decrypt_file(str(archive), str(plain), found)
        except pyrage.DecryptError as e:
            raise BackupError(f"cannot decrypt {archive} with the identity given: {e}") from None
        with _opened(plain, scratch) as opened:
            yield opened


async def restore(
    settings: Settings, archive: Path, identity_files: list[Path] | None = None
) -> Restored:
    """Put the archive back as the configured database and keys. The server must be stopped.
    An encrypted archive needs ``identity_files`` holding the age identity it was made for."""
    from server.db.migrate import migrate

    stamp = _stamp(datetime.now(UTC))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    set_aside: Path | None = None
    with _opened_sealed(archive, settings.data_dir, identity_files or []) as (manifest, work):
        kind = "postgres" if settings.is_postgres else "sqlite"
        if manifest.database != kind:
            raise BackupError(
                f"the archive holds a {manifest.database} database; this server is configured "
                f"for {kind} (ORDERLY_DATABASE_URL)"
            )
        await _refuse_if_in_use(settings)
        known = known_migrations()
        if known and manifest.migration > known[-1]:
            raise BackupError(
                f"the archive was made by a newer Orderly (migration {manifest.migration}; this "
                f"one knows up to {known[-1]}): upgrade first"
            )
        if kind == "sqlite":
            set_aside = await asyncio.to_thread(
                _restore_sqlite, settings, work / "database/orderly.sqlite3", stamp
            )
        else:
            await asyncio.to_thread(_restore_postgres, settings, work / "database/orderly.pgdump")
        _restore_keys(settings, work / "keys")
    await migrate(settings)
    new_epoch = secrets.token_hex(8)
    migrated_to = await _after_restore(settings, manifest, archive, new_epoch)
    # The kept checkpoints describe the replaced chain: aside, and one of the restored chain.
    set_aside_checkpoints(settings.data_dir, stamp)
    keep_checkpoint(settings.data_dir, await _checkpoint(settings))
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


async def _after_restore(settings: Settings, manifest: Manifest, archive: Path,
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
            await audit.append(conn, [AuditEntry("admin.restore", archive.name, {
                "created_at": manifest.created_at, "database": manifest.database,
                "old_epoch": manifest.epoch, "new_epoch": new_epoch,
                "last_seq": manifest.last_seq, "migration": manifest.migration,
                "migrated_to": migration})])  # fmt: skip
        await publish(SqlSyncStore(db), load(settings.keys_dir))
    finally:
        await db.close()
    return migration


async def _audit(settings: Settings, action: str, subject: str, detail: dict) -> None:
    from server import audit
    from server.audit import AuditEntry
    from server.db.sql import open_database

    db = await open_database(settings)
    try:
        await audit.record(db, AuditEntry(action, subject[-200:], detail))
    finally:
        await db.close()
