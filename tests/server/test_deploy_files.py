"""deploy/ (docs/operations.md § 8) checked without containers: the compose file parses and
wires what the operations guide says, the Containerfile copies files that exist and runs
commands the CLI has, the systemd unit verifies and the environment example names real
settings, and the Caddyfile validates (tests/ensure_tools.sh installs caddy and systemd)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from server.cli import parser as cli_parser
from server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _commands() -> set[str]:
    sub = next(a for a in cli_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    return set(sub.choices)


# The PostgreSQL client each Debian release packages: `orderly backup` in the image runs its
# pg_dump, which refuses a server of a newer major version.
DEBIAN_PG_CLIENT = {"bookworm": 15, "trixie": 17}


def test_the_images_pg_dump_can_dump_the_composed_postgres():
    base = re.search(
        r"^FROM \S+/python:[\d.]+-slim-(\w+)$", (DEPLOY / "Containerfile").read_text(), re.M
    )
    assert base, "the server image pins its Debian release (the pg_dump version depends on it)"
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    server_major = int(compose["services"]["postgres"]["image"].rsplit(":", 1)[1].split(".")[0])
    assert server_major <= DEBIAN_PG_CLIENT[base.group(1)], (base.group(1), server_major)


def test_compose_services_wiring_and_healthchecks():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "migrate", "orderly", "caddy"} <= set(services)
    for name in ("postgres", "orderly", "caddy"):
        assert services[name]["healthcheck"]["test"], name
    # Migrations finish before a server starts; the server waits for a healthy database.
    orderly = services["orderly"]
    assert orderly["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert orderly["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["command"] == ["orderly", "migrate"]
    assert services["migrate"]["build"]["dockerfile"] == "deploy/Containerfile"
    assert (DEPLOY / services["migrate"]["build"]["context"] / "deploy/Containerfile").exists()
    # The server is reachable only through Caddy; the database URL points at the service.
    assert "ports" not in orderly
    assert orderly["environment"]["ORDERLY_DATABASE_URL"].endswith("@postgres:5432/orderly")
    assert orderly["environment"]["ORDERLY_HOST"] == "0.0.0.0"
    assert "/api/health" in " ".join(orderly["healthcheck"]["test"])
    caddy = services["caddy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert caddy["environment"]["ORDERLY_UPSTREAMS"] == "orderly:8000"
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), volume
            else:
                assert source in compose["volumes"], volume
        if "command" in service and service["command"][0] == "orderly":
            assert service["command"][1] in _commands()
    backup = services["backup"]
    assert backup["profiles"] == ["backup"] and "orderly backup" in backup["command"][-1]


def test_containerfile_copies_real_files_and_runs_real_commands():
    text = (DEPLOY / "Containerfile").read_text()
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.MULTILINE):
        *sources, _target = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
    assert re.search(r"^USER orderly$", text, re.MULTILINE), "the server must not run as root"
    assert "npm ci" in text and "pwa/package-lock.json" in text
    start = (DEPLOY / "container-start.sh").read_text()
    assert "orderly serve --workers" in start
    assert subprocess.run(["sh", "-n", str(DEPLOY / "container-start.sh")]).returncode == 0
    assert "serve" in _commands() and "migrate" in _commands()


def test_systemd_unit_runs_migrate_then_serve_hardened():
    unit = (DEPLOY / "systemd" / "orderly.service").read_text()
    assert re.search(r"^ExecStartPre=\S+/orderly migrate$", unit, re.MULTILINE)
    assert re.search(r"^ExecStart=\S+/orderly serve --workers", unit, re.MULTILINE)
    for line in ("User=orderly", "ProtectSystem=strict", "NoNewPrivileges=true",
                 "ReadWritePaths=/var/lib/orderly", "EnvironmentFile=/etc/orderly/orderly.env"):  # fmt: skip
        assert re.search(rf"^{re.escape(line)}$", unit, re.MULTILINE), line


def test_systemd_unit_verifies(tmp_path: Path):
    # The unit names /opt/orderly/venv/bin/orderly; point it at this checkout's to verify it.
    orderly = shutil.which("orderly") or str(ROOT / ".venv" / "bin" / "orderly")
    unit = (DEPLOY / "systemd" / "orderly.service").read_text()
    copy = tmp_path / "orderly.service"
    copy.write_text(unit.replace("/opt/orderly/venv/bin/orderly", orderly))
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_env_example_names_real_settings():
    fields = {f"ORDERLY_{name.upper()}" for name in Settings.__struct_fields__}
    # Read by the unit, the container and compose rather than by server/config.py.
    extra = {"ORDERLY_WORKERS", "ORDERLY_PWA_DIR", "ORDERLY_DOMAIN", "ORDERLY_ACME_EMAIL"}
    text = (DEPLOY / "orderly.env.example").read_text()
    named = set(re.findall(r"^#?\s*(ORDERLY_[A-Z_]+)=", text, re.MULTILINE))
    assert named, "no settings in the example"
    assert named <= fields | extra, named - fields - extra
    assert {"ORDERLY_PUBLIC_URL", "ORDERLY_DATABASE_URL", "ORDERLY_METRICS_TOKEN"} <= named


def test_caddyfile_validates():
    text = (DEPLOY / "Caddyfile").read_text()
    assert "flush_interval -1" in text  # server-sent events pass at once
    assert "respond /metrics 404" in text
    done = subprocess.run(
        ["caddy", "validate", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
