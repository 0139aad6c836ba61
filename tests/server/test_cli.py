"""The ``orderly`` command: token, migrate, seed-demo, serve -- on the test database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from server import cli
from server.config import Settings
from sync.protocol import SCHEMA_VERSION
from tests import dbs
from tests.processes import free_port, wait_healthy
from tests.server import test_migrations
from tests.server.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]
empty_database = test_migrations.empty_database  # the fixture: a database with no tables


def _env(settings: Settings) -> dict[str, str]:
    return {
        "ORDERLY_DATA_DIR": str(settings.data_dir),
        "ORDERLY_DATABASE_URL": settings.database_url,
    }


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch):
    """Point the CLI's environment at a database: ``use_db(settings)``."""

    def point(settings: Settings) -> None:
        for name, value in _env(settings).items():
            monkeypatch.setenv(name, value)

    return point


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- token -----------------------------------------------------------------------------------


def test_token_prints_a_token_that_works_against_the_api(
    live_server: LiveServer, use_db, capsys: pytest.CaptureFixture[str]
) -> None:
    use_db(live_server.settings)
    code, out, err = run_cli(capsys, "token", "--user", "rep7", "--role", "sales")
    assert code == 0, err
    token = out.strip()
    assert token.startswith("oly_") and len(out.strip().splitlines()) == 1, out

    with live_server.client(token) as client:
        r = client.post(
            "/api/sync/pull",
            json={"client_id": "cli-device-1", "schema": SCHEMA_VERSION, "cursor": None},
        )
        assert r.status_code == 200, r.text
        r = client.post(
            "/api/sync/push",
            json={
                "client_id": "cli-device-1",
                "schema": SCHEMA_VERSION,
                "mutations": [
                    {
                        "id": 1,
                        "name": "customer.upsert",
                        "args": {"id": "cust-cli-1", "name": "Jade Garden"},
                        "hlc": "001700000000000-00000-clitest",
                    }
                ],
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["results"][0]["status"] == "applied"
    (user,) = dbs.query(live_server.settings, "SELECT id, role FROM users WHERE name = 'rep7'")
    assert user["role"] == "sales"
    (owner,) = dbs.query(live_server.settings, "SELECT owner_id FROM customers")
    assert owner["owner_id"] == user["id"]

    # A second token for the same user: both work, and no second user is made.
    code, out2, _ = run_cli(capsys, "token", "--user", "rep7", "--role", "sales")
    assert code == 0 and out2.strip() != token
    assert len(dbs.query(live_server.settings, "SELECT id FROM users WHERE name = 'rep7'")) == 1
    for t in (token, out2.strip()):
        with live_server.client(t) as client:
            r = client.post(
                "/api/sync/pull", json={"client_id": "cli-device-2", "schema": SCHEMA_VERSION}
            )
            assert r.status_code == 200


def test_token_with_an_unknown_role_exits_2(
    databases: dbs.TestDatabases, use_db, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = asyncio.run(databases.fresh())
    use_db(settings)
    code, out, err = run_cli(capsys, "token", "--user", "merlin", "--role", "wizard")
    assert code == 2
    assert out == ""
    assert "wizard" in err and "admin" in err  # names the bad role and the good ones
    assert dbs.query(settings, "SELECT id FROM users WHERE name = 'merlin'") == []


def test_token_without_a_role_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["token", "--user", "merlin"])
    assert exit_.value.code == 2
    assert "--role" in capsys.readouterr().err


# ---- migrate ---------------------------------------------------------------------------------


def test_migrate_builds_an_empty_database_and_is_idempotent(
    empty_database: Settings, use_db, capsys: pytest.CaptureFixture[str]
) -> None:
    use_db(empty_database)
    for _ in range(2):
        code, out, err = run_cli(capsys, "migrate")
        assert code == 0, err
        assert "up to date" in out
    where = "PostgreSQL" if empty_database.is_postgres else "SQLite"
    assert where in out
    assert dbs.query(empty_database, "SELECT COUNT(*) AS n FROM users") == [{"n": 0}]
    assert dbs.query(empty_database, "SELECT COUNT(*) AS n FROM mutation_log") == [{"n": 0}]


def test_migrate_refuses_a_database_from_before_the_baseline_saying_what_to_do(
    empty_database: Settings, use_db, capsys: pytest.CaptureFixture[str]
) -> None:
    use_db(empty_database)
    assert run_cli(capsys, "migrate")[0] == 0

    test_migrations.as_made_before_the_baseline(empty_database)
    code, _, err = run_cli(capsys, "migrate")
    assert code == 1
    assert err.startswith("orderly migrate: this database was made by migrations that were")
    assert "orderly.sqlite3" in err and "drop and create the PostgreSQL database" in err


# ---- seed-demo -------------------------------------------------------------------------------


def test_seed_demo_leaves_orders_in_the_database(
    empty_database: Settings, use_db, capsys: pytest.CaptureFixture[str]
) -> None:
    use_db(empty_database)
    code, out, err = run_cli(capsys, "seed-demo", "--orders", "6")
    assert code == 0, err
    assert out.strip().endswith("done")
    orders = dbs.query(empty_database, "SELECT id, customer_id FROM orders")
    assert len(orders) == 6
    assert all(o["customer_id"] for o in orders)
    assert len(dbs.query(empty_database, "SELECT id FROM order_lines")) >= 6
    names = {r["name"] for r in dbs.query(empty_database, "SELECT name FROM users")}
    assert {"admin", "rep1", "rep2", "picker1"} <= names
    assert dbs.query(empty_database, "SELECT id FROM products")
    # Written through the sync engine: the change log has the orders too.
    assert dbs.query(empty_database, "SELECT 1 FROM change_log WHERE table_name = 'orders'")


# ---- serve -----------------------------------------------------------------------------------


def test_serve_answers_health_and_a_cli_token(
    databases: dbs.TestDatabases, use_db, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = asyncio.run(databases.fresh())
    use_db(settings)
    code, out, _ = run_cli(capsys, "token", "--user", "boss", "--role", "admin")
    assert code == 0
    token = out.strip()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "ORDERLY_PUBLIC_URL"},
            **_env(settings),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc, 30)
        assert httpx.get(f"{base}/api/health", timeout=2).json()["status"] == "ok"
        r = httpx.post(
            f"{base}/api/sync/pull",
            json={"client_id": "cli-serve-1", "schema": SCHEMA_VERSION},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200, r.text
        r = httpx.post(f"{base}/api/sync/pull", json={"client_id": "cli-serve-1", "schema": 1})
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    # With no ORDERLY_PUBLIC_URL, the app's public URL follows the port (WebAuthn checks it).
    assert "Orderly is serving" in out and f"at http://localhost:{port} " in out


# ---- the data directory ----------------------------------------------------------------------


def _loose(root: Path) -> list[str]:
    """Everything under ``root`` (itself included) that a group or other user may touch."""
    paths = [root, *root.rglob("*")]
    return [f"{p} {oct(p.stat().st_mode & 0o777)}" for p in paths if p.stat().st_mode & 0o077]


def test_the_data_directory_is_owner_only_whatever_the_umask(
    databases: dbs.TestDatabases, tmp_path: Path
) -> None:
    settings = asyncio.run(databases.fresh())
    data = settings.data_dir
    data.mkdir(exist_ok=True)
    (data / "notes.txt").write_text("left by an older Orderly")
    for p in [data, *data.rglob("*")]:  # as a 022 umask (or an older Orderly) left it
        p.chmod(0o755 if p.is_dir() else 0o644)
    env = {**{k: v for k, v in os.environ.items() if k != "ORDERLY_PUBLIC_URL"}, **_env(settings)}

    def orderly(*argv: str, **kwargs):
        return subprocess.Popen(
            [sys.executable, "-m", "server.cli", *argv], cwd=ROOT, env=env, umask=0o022,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs,
        )  # fmt: skip

    for argv in (["migrate"], ["backup"]):
        out, _ = orderly(*argv).communicate(timeout=120)
        assert "written to" in out or "up to date" in out, out
    assert _loose(data) == []
    archives = list((data / "backups").glob("*.tar"))
    assert archives
    # A running server: SQLite's WAL and SHM are made while it serves.
    port = free_port()
    proc = orderly("serve", "--host", "127.0.0.1", "--port", str(port))
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc, 30)
        if not settings.is_postgres:
            assert (data / "orderly.sqlite3-wal").exists()
        assert (data / "keys" / "current").exists()
        assert _loose(data) == []
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
