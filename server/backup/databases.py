"""Each database kind copied into an archive and put back from one: SQLite with its online
backup API and an atomic file swap, PostgreSQL with ``pg_dump``/``pg_restore`` in one
transaction; and the check that no server has the database open before a restore."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import asyncpg

from server.backup.errors import BackupError
from server.config import Settings
from server.db.engines import postgres_config


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


def sqlite_copy(settings: Settings, dest: Path) -> tuple[str, str, int]:
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


async def pg_dump(settings: Settings, dest: Path) -> tuple[str, str, int, str]:
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


def restore_sqlite(settings: Settings, copy: Path, stamp: str) -> Path:
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


def restore_postgres(settings: Settings, dump: Path) -> None:
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


async def refuse_if_in_use(settings: Settings) -> None:
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
