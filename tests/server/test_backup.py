"""``orderly backup`` / ``orderly restore`` as an operator runs them (the real CLI, in a process of
its own), around a live server and two devices: the server goes back in time, every device's
next pull answers ``reset``, outboxes are kept and pushed, the audit chain verifies and the
signing keys come back (docs/operations.md §6)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from server.backup import PREFIX, prune
from server.config import Settings
from server.db.migrate import known_migrations
from server.db.sql import open_database
from server.keys import load as load_keys
from tests import dbs
from tests.device.client import SyncClient
from tests.device.transport import HttpTransport
from tests.server.conftest import LiveServer, _start

ROOT = Path(__file__).resolve().parents[2]
LINE = [{"product_id": "p-1", "qty": 1, "unit_price": 1200}]
LATER = "2099-01-01T00:00:00:000000"  # a migration id past any this code carries


def cli(settings: Settings, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ORDERLY_DATA_DIR": str(settings.data_dir),
           "ORDERLY_DATABASE_URL": settings.database_url}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *argv],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _catalog(live: LiveServer) -> None:
    from server.db.sync_store import SqlSyncStore
    from sync.context import Actor
    from sync.direct import put_rows

    async def work(db):
        store = SqlSyncStore(db)
        admin = Actor("u-admin", "admin")
        await put_rows(store, admin, "warehouses", [{"id": "wh-1", "code": "W1", "name": "Main"}])
        await put_rows(store, admin, "products",
                       [{"id": "p-1", "sku": "TEA-1", "name": "Tea", "unit_price": 1200}])  # fmt: skip

    live.run_db(work)


class _Recording(HttpTransport):
    """Keeps whether each pull answered ``reset``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.resets: list[bool] = []

    async def pull(self, req):
        resp = await super().pull(req)
        self.resets.append(resp.reset)
        return resp


def _order(device: SyncClient, number: str) -> str:
    cust = device.upsert_customer(f"Shop {number}")
    return device.create_order(number, cust.args["id"], LINE).args["id"]


def _numbers(settings: Settings) -> set[str]:
    return {r["number"] for r in dbs.query(settings, "SELECT number FROM orders")}


async def _fresh_mirror(live: LiveServer, token: str, client_id: str) -> dict:
    async with HttpTransport(live.base_url, token) as t:
        fresh = SyncClient(t, client_id, base_delay=0)
        await fresh.pull()
        return fresh.store.tables


def test_restore_resets_devices_keeps_outboxes_audit_and_keys(
    databases: dbs.TestDatabases, tmp_path: Path
) -> None:
    settings = asyncio.run(databases.fresh())
    live, running = _start(settings)
    try:
        _catalog(live)
        token_a, token_b = live.token("rep-a", "sales"), live.token("rep-b", "sales")
        keys = load_keys(settings.keys_dir)
        kid, signature = keys.sign(b"a QR code signed before the backup")

        async def before(a: SyncClient, b: SyncClient) -> None:
            async with HttpTransport(live.base_url, token_a) as ta, \
                       HttpTransport(live.base_url, token_b) as tb:  # fmt: skip
                a.transport, b.transport = ta, tb
                _order(a, "BK-A1")
                _order(b, "BK-B1")
                await a.sync()
                await b.sync()

        a = SyncClient(None, "device-a-backup", base_delay=0)  # type: ignore[arg-type]
        b = SyncClient(None, "device-b-backup", base_delay=0)  # type: ignore[arg-type]
        asyncio.run(before(a, b))

        # Online: the server keeps serving while the copy is taken.
        made = cli(settings, "backup", "--to", str(tmp_path / "backups"))
        assert made.returncode == 0, made.stderr
        (archive,) = (tmp_path / "backups").glob(f"{PREFIX}*.tar")
        assert archive.stat().st_mode & 0o077 == 0  # it holds private keys
        with tarfile.open(archive) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        assert manifest["database"] == databases.kind
        assert f"keys/{kid}.pem" in manifest["parts"]

        async def after_backup() -> None:
            async with HttpTransport(live.base_url, token_a) as ta, \
                       HttpTransport(live.base_url, token_b) as tb:  # fmt: skip
                a.transport, b.transport = ta, tb
                _order(a, "BK-A2")
                await a.sync()  # pushed and pulled back: the device forgets it was pending
                _order(a, "BK-A3")
                await a.push()  # acknowledged, not yet pulled back
                _order(b, "BK-B2")  # never pushed: in the outbox

        asyncio.run(after_backup())
        assert {"BK-A1", "BK-A2", "BK-A3", "BK-B1"} <= _numbers(settings)
        assert a.pending == 0 and [m.name for m in a.store.unpulled] == [
            "customer.upsert",
            "order.create",
        ]
        assert b.pending == 2

        # The server has the database open: refused, even with --yes.
        busy = cli(settings, "restore", str(archive), "--yes")
        assert busy.returncode == 1 and "stop" in busy.stderr, busy.stderr
        assert "BK-A2" in _numbers(settings)
    finally:
        running.stop()

    # Refused without --yes; nothing changed.
    refused = cli(settings, "restore", str(archive))
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert "BK-A2" in _numbers(settings)

    # The machine lost its keys too.
    shutil.rmtree(settings.keys_dir)
    restored = cli(settings, "restore", str(archive), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert _numbers(settings) == {"BK-A1", "BK-B1"}

    state = dbs.query(settings, "SELECT epoch FROM sync_state")[0]
    assert state["epoch"] != manifest["epoch"]
    (entry,) = dbs.query(settings, "SELECT action, detail FROM audit_log ORDER BY seq DESC LIMIT 1")
    assert entry["action"] == "admin.restore"
    assert json.loads(entry["detail"])["old_epoch"] == manifest["epoch"]
    verified = cli(settings, "audit", "verify")
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout

    # The keys are back: what was signed before the backup verifies, devices get the key.
    assert load_keys(settings.keys_dir).verify(
        kid, signature, b"a QR code signed before the backup"
    )
    assert dbs.query(settings, "SELECT id FROM signing_keys WHERE id = ?", (kid,))

    live, running = _start(settings)
    try:

        async def after_restore() -> tuple[list[bool], list[bool], dict, dict]:
            async with _Recording(live.base_url, token_a) as ta, \
                       _Recording(live.base_url, token_b) as tb:  # fmt: skip
                a.transport, b.transport = ta, tb
                await a.sync()
                await b.sync()
                assert b.results[max(b.results)].status == "applied"
                # A's next mutation meets the gap: what the server lost but A still held
                # (acknowledged, not pulled back) is sent again with it.
                _order(a, "BK-A4")
                await a.sync()
                fresh_a = await _fresh_mirror(live, token_a, "device-a-fresh")
                fresh_b = await _fresh_mirror(live, token_b, "device-b-fresh")
                return ta.resets, tb.resets, fresh_a, fresh_b

        resets_a, resets_b, fresh_a, fresh_b = asyncio.run(after_restore())
    finally:
        running.stop()

    assert resets_a[0] is True and resets_b[0] is True  # the first pull after the restore
    assert not any(resets_a[1:]) and not any(resets_b[1:])
    assert b.pending == 0 and a.pending == 0 and not a.store.unpulled and not b.store.unpulled
    # BK-A2 was pushed and pulled back before the restore: the server lost it, and so does A.
    assert _numbers(settings) == {"BK-A1", "BK-A3", "BK-A4", "BK-B1", "BK-B2"}
    # Each device holds exactly the restored server's rows plus what it pushed since.
    assert a.store.tables == fresh_a
    assert b.store.tables == fresh_b
    orders_a = {r["number"] for r in a.store.tables["orders"].values()}
    assert {"BK-A1", "BK-A3", "BK-A4"} <= orders_a and "BK-A2" not in orders_a
    assert "BK-B2" in {r["number"] for r in b.store.tables["orders"].values()}
    assert cli(settings, "audit", "verify").returncode == 0


def test_restore_refuses_a_damaged_archive_and_keep_prunes(
    databases: dbs.TestDatabases, tmp_path: Path
) -> None:
    settings = asyncio.run(databases.fresh())
    load_keys(settings.keys_dir)
    folder = tmp_path / "daily"
    for _ in range(3):
        done = cli(settings, "backup", "--to", str(folder), "--keep", "2")
        assert done.returncode == 0, done.stderr
    archives = sorted(folder.glob(f"{PREFIX}*.tar"))
    assert len(archives) == 2
    (folder / "notes.txt").write_text("not an archive")
    assert prune(folder, 1) == archives[:1] and (folder / "notes.txt").exists()

    # One byte of the database part changed: refused by its SHA-256, nothing restored.
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archives[1]) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("database/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.addfile(member, io.BytesIO(data))
    epoch = dbs.query(settings, "SELECT epoch FROM sync_state")[0]["epoch"]
    refused = cli(settings, "restore", str(damaged), "--yes")
    assert refused.returncode == 1 and "damaged" in refused.stderr, refused.stderr
    assert dbs.query(settings, "SELECT epoch FROM sync_state")[0]["epoch"] == epoch

    # A member outside what a backup writes (a path out of the scratch directory): refused.
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as dst:
        info = tarfile.TarInfo("../../outside.txt")
        info.size = 1
        dst.addfile(info, io.BytesIO(b"x"))
    refused = cli(settings, "restore", str(evil), "--yes")
    assert refused.returncode == 1 and "unexpected member" in refused.stderr, refused.stderr
    assert not (settings.data_dir.parent / "outside.txt").exists()


def test_restore_refuses_an_archive_of_the_other_database_kind(
    databases: dbs.TestDatabases, tmp_path: Path
) -> None:
    settings = asyncio.run(databases.fresh())
    made = cli(settings, "backup", "--to", str(tmp_path / "one.tar"))
    assert made.returncode == 0, made.stderr
    other = (
        Settings(data_dir=tmp_path / "sqlite")
        if settings.is_postgres
        else settings.with_(database_url="postgresql://postgres@127.0.0.1:5432/none")
    )
    refused = cli(other, "restore", str(tmp_path / "one.tar"), "--yes")
    assert refused.returncode == 1 and "configured" in refused.stderr, refused.stderr


def test_restore_refuses_an_archive_from_a_newer_orderly_and_restores_the_schema_it_knows(
    databases: dbs.TestDatabases, tmp_path: Path
) -> None:
    settings = asyncio.run(databases.fresh())
    known = set(known_migrations())
    ours = cli(settings, "backup", "--to", str(tmp_path / "ours.tar"))
    assert ours.returncode == 0, ours.stderr

    async def run_a_migration_this_code_lacks() -> None:
        db = await open_database(settings)
        try:
            async with db.write() as conn:
                await conn.execute(
                    "INSERT INTO migration (name, app_name) VALUES (?, 'orderly')", (LATER,)
                )
        finally:
            await db.close()

    asyncio.run(run_a_migration_this_code_lacks())
    newer = cli(settings, "backup", "--to", str(tmp_path / "newer.tar"))
    assert newer.returncode == 0, newer.stderr
    with tarfile.open(tmp_path / "newer.tar") as tar:
        assert json.load(tar.extractfile("manifest.json"))["migration"] == LATER  # type: ignore[arg-type]
    epoch = dbs.query(settings, "SELECT epoch FROM sync_state")

    refused = cli(settings, "restore", str(tmp_path / "newer.tar"), "--yes")
    assert refused.returncode == 1 and "newer Orderly" in refused.stderr, refused.stderr
    assert dbs.query(settings, "SELECT epoch FROM sync_state") == epoch  # nothing changed

    restored = cli(settings, "restore", str(tmp_path / "ours.tar"), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "migrated from" not in restored.stdout  # the archive's schema is this code's
    names = {r["name"] for r in dbs.query(settings, "SELECT name FROM migration")}
    assert names == known
    if settings.is_postgres:  # pg_dump carries the baseline's SQL-made indexes across
        indexes = dbs.query(
            settings, "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm'"
        )
        assert {r["indexname"] for r in indexes} == {"orders_number_trgm", "customers_name_trgm"}


def test_a_backup_carries_a_signed_audit_checkpoint_that_verify_checks(
    databases: dbs.TestDatabases, tmp_path: Path
) -> None:
    settings = asyncio.run(databases.fresh())
    made = cli(settings, "backup", "--to", str(tmp_path / "b.tar"))
    assert made.returncode == 0, made.stderr
    assert "audit checkpoint: {" in made.stdout  # to the log, too
    with tarfile.open(tmp_path / "b.tar") as tar:
        checkpoint = json.loads(tar.extractfile("audit-checkpoint.json").read())  # type: ignore[union-attr]
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert checkpoint["checkpoint"] == "orderly-audit-checkpoint" and checkpoint["sig"]
    assert "audit-checkpoint.json" in manifest["parts"]
    kept = (settings.data_dir / "audit-checkpoints.jsonl").read_text()
    assert json.loads(kept.splitlines()[-1]) == checkpoint
    (settings.data_dir / "audit-checkpoints.jsonl").unlink()
    verified = cli(settings, "audit", "verify", "--checkpoint", str(tmp_path / "b.tar"))
    assert verified.returncode == 0 and "1 signed checkpoints agree" in verified.stdout


def test_an_encrypted_backup_leaks_nothing_and_restores_only_with_its_identity(
    databases: dbs.TestDatabases, tmp_path: Path
) -> None:
    from pyrage import x25519

    settings = asyncio.run(databases.fresh())
    load_keys(settings.keys_dir)  # a signing key to protect
    identity = x25519.Identity.generate()
    key_file = tmp_path / "backup.key"
    key_file.write_text(f"# the operator's, kept off this machine\n{identity}\n")
    other = tmp_path / "other.key"
    other.write_text(f"{x25519.Identity.generate()}\n")

    made = cli(settings, "backup", "--to", str(tmp_path), "--recipient", str(identity.to_public()))
    assert made.returncode == 0, made.stderr
    (archive,) = tmp_path.glob(f"{PREFIX}*.tar.age")
    assert "NOT encrypted" not in made.stdout
    raw = archive.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1") and not tarfile.is_tarfile(archive)
    assert b"PRIVATE KEY" not in raw and b"SQLite format" not in raw and b"manifest" not in raw
    assert archive.stat().st_mode & 0o077 == 0

    refused = cli(settings, "restore", str(archive), "--yes")
    assert refused.returncode == 1 and "--identity" in refused.stderr
    wrong = cli(settings, "restore", str(archive), "--yes", "--identity", str(other))
    assert wrong.returncode == 1 and "cannot decrypt" in wrong.stderr
    restored = cli(settings, "restore", str(archive), "--yes", "--identity", str(key_file))
    assert restored.returncode == 0, restored.stderr
    assert cli(settings, "audit", "verify").returncode == 0

    # Without recipients the command says plainly that the archive is not encrypted.
    plain = cli(settings, "backup", "--to", str(tmp_path / "plain.tar"))
    assert plain.returncode == 0 and "NOT encrypted" in plain.stdout
