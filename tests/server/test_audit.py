"""The audit log: every auth event, admin action and applied mutation lands in one hash chain
that `orderly audit verify` walks; the database refuses edits; tampering is found."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest

from server.audit import AuditEntry, entry_hash, record, verify
from server.config import Settings
from server.db.sql import open_database
from tests.server.conftest import LiveServer
from tests.server.phone import Phone
from tests.server.test_api import mutation, push_body
from tests.server.test_cli import run_cli, use_db  # noqa: F401 - fixture


def test_auth_admin_and_mutations_are_chained(serve: Callable[..., LiveServer]):
    server = serve(auth_rate_per_minute=10_000)
    admin = server.token("boss", "admin")
    with server.client(admin) as c:
        invited = c.post("/api/admin/users", json={"name": "rep7", "role": "sales"}).json()
    phone = Phone(server)
    phone.enroll(invited["enrollment"]["url"])
    assert phone.login().status_code == 200
    with phone.authed() as c:
        batch = [mutation(1), mutation(2), mutation(3, "order.transition", id="x", to="confirmed")]
        c.post("/api/sync/push", json=push_body("rep7-phone", batch))
    rows = server.query("SELECT seq, action, subject, actor_id FROM audit_log ORDER BY seq")
    actions = [r["action"] for r in rows]
    # The admin's API token was audited when made (never the token itself).
    assert actions[:4] == ["auth.token_issued", "admin.user_invited", "auth.enroll", "auth.login"]
    # The two customers are applied and audited; the bad transition is rejected, not audited.
    assert actions[4:] == ["mutation.applied", "mutation.applied"]
    assert [r["subject"] for r in rows[4:]] == ["rep7-phone#1", "rep7-phone#2"]
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    with server.client(admin) as c:
        check = c.get("/api/admin/audit/verify").json()
        assert check == {"ok": True, "entries": len(rows), "first_bad_seq": None, "reason": None}
        newest = c.get("/api/admin/audit", params={"action": "auth.*"}).json()
        assert [e["action"] for e in newest["rows"]] == [
            "auth.login", "auth.enroll", "auth.token_issued"
        ]  # fmt: skip


async def _tamper(settings: Settings, seq: int) -> None:
    """What someone with database access could do: lift the guard, rewrite an entry."""
    db = await open_database(settings)
    try:
        async with db.write() as conn:
            if conn.dialect == "sqlite":
                await conn.execute("DROP TRIGGER audit_log_no_update")
            else:
                await conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
            await conn.execute(
                "UPDATE audit_log SET detail = ? WHERE seq = ?", ('{"name":"someone else"}', seq)
            )
    finally:
        await db.close()


async def test_database_refuses_edits_and_verify_finds_tampering(settings: Settings):
    db = await open_database(settings)
    try:
        for i in range(5):
            await record(db, AuditEntry("admin.test", f"thing-{i}", {"name": f"n{i}"}, "u-1"))
        assert (await verify(db)).ok
        for sql in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match="append-only"):
                async with db.write() as conn:
                    await conn.execute(sql)
        assert (await verify(db)).entries == 5
    finally:
        await db.close()
    await _tamper(settings, 3)
    db = await open_database(settings)
    try:
        check = await verify(db)
    finally:
        await db.close()
    assert not check.ok and check.first_bad_seq == 3 and check.entries == 2
    assert "hash" in (check.reason or "")


def test_cli_audit_verify(settings: Settings, use_db, capsys):  # noqa: F811
    use_db(settings)
    code, out, _ = run_cli(capsys, "create-admin", "root")
    assert code == 0
    code, out, _ = run_cli(capsys, "audit", "verify")
    assert code == 0 and "intact: 1 entries" in out
    asyncio.run(_tamper(settings, 1))
    code, out, _ = run_cli(capsys, "audit", "verify")
    assert code == 1 and "BROKEN at entry 1" in out


def test_create_admin_prints_a_working_link_and_qr(serve: Callable[..., LiveServer], use_db,  # noqa: F811
                                                   capsys):  # fmt: skip
    server = serve(auth_rate_per_minute=10_000)
    use_db(server.settings)
    code, out, err = run_cli(capsys, "create-admin", "root")
    assert code == 0, err
    link = re.search(r"https?://\S+/enroll#\S+", out)
    assert link, out
    assert "█" in out or "▀" in out  # the QR code, drawn in the terminal
    phone = Phone(server)
    signed = phone.enroll(link.group(0))
    assert signed["user"]["name"] == "root" and signed["user"]["role"] == "admin"
    assert "users.manage" in signed["user"]["permissions"]
    code, _, err = run_cli(capsys, "token", "--user", "rep9", "--role", "sales")
    code, _, err = run_cli(capsys, "create-admin", "rep9")
    assert code == 2 and "not an admin" in err


# ---- signed checkpoints outside the database (server/audit_anchor.py) ------------------------


async def _lift_guards(conn) -> None:
    if conn.dialect == "sqlite":
        await conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        await conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    else:
        await conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")


async def _cut_after(settings: Settings, seq: int) -> None:
    """Truncate the chain after ``seq`` and move the head back: the chain alone still verifies."""
    db = await open_database(settings)
    try:
        async with db.write() as conn:
            await _lift_guards(conn)
            await conn.execute("DELETE FROM audit_log WHERE seq > ?", (seq,))
            digest = await conn.fetchval("SELECT hash FROM audit_log WHERE seq = ?", (seq,))
            await conn.execute(
                "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, digest)
            )
    finally:
        await db.close()


async def _rewrite_from(settings: Settings, seq: int) -> None:
    """Change entry ``seq`` and recompute every hash after it: the chain alone still verifies."""
    db = await open_database(settings)
    try:
        async with db.write() as conn:
            await _lift_guards(conn)
            rows = await conn.fetch("SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq", (seq,))
            prev = await conn.fetchval("SELECT prev_hash FROM audit_log WHERE seq = ?", (seq,))
            for r in rows:
                detail = '{"name":"someone else"}' if r["seq"] == seq else r["detail"]
                digest = entry_hash(prev, r["seq"], r["at"], r["actor_id"], r["action"],
                                    r["subject"], detail)  # fmt: skip
                await conn.execute(
                    "UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    (detail, prev, digest, r["seq"]),
                )
                prev = digest
            await conn.execute("UPDATE audit_head SET hash = ? WHERE id = 1", (prev,))
    finally:
        await db.close()


async def _record(settings: Settings, n: int) -> None:
    db = await open_database(settings)
    try:
        for i in range(n):
            await record(db, AuditEntry("admin.test", f"thing-{i}", {"name": f"n{i}"}, "u-1"))
    finally:
        await db.close()


@pytest.mark.parametrize("attack", ["truncate", "rewrite"])
def test_a_signed_checkpoint_catches_what_the_chain_alone_cannot(
    settings: Settings,
    use_db,  # noqa: F811
    capsys,
    attack: str,
    tmp_path,
):
    use_db(settings)
    asyncio.run(_record(settings, 5))
    code, out, _ = run_cli(capsys, "audit", "checkpoint")
    assert code == 0 and out.startswith("audit checkpoint: {")
    line = out.removeprefix("audit checkpoint: ").strip()
    assert f'"seq":{5}' in line and (settings.data_dir / "audit-checkpoints.jsonl").exists()
    code, out, _ = run_cli(capsys, "audit", "verify")
    assert code == 0 and "intact: 5 entries; 1 signed checkpoints agree (newest at entry 5)" in out
    asyncio.run(_record(settings, 1))  # the chain goes on past the checkpoint: fine

    if attack == "truncate":
        asyncio.run(_cut_after(settings, 3))
    else:
        asyncio.run(_rewrite_from(settings, 2))
    assert asyncio.run(_verify(settings)).ok  # the chain alone sees nothing wrong
    code, out, _ = run_cli(capsys, "audit", "verify")
    assert code == 1
    assert ("truncated" if attack == "truncate" else "rewritten") in out, out

    # Without the data dir's file, the same checkpoint from a saved log line finds it too.
    (settings.data_dir / "audit-checkpoints.jsonl").unlink()
    assert run_cli(capsys, "audit", "verify")[0] == 0
    log = tmp_path / "server.log"
    log.write_text(f"12:00:01 Orderly is serving\naudit checkpoint: {line}\n")
    code, out, _ = run_cli(capsys, "audit", "verify", "--checkpoint", str(log))
    assert code == 1 and "BROKEN" in out


def test_a_forged_checkpoint_is_refused(settings: Settings, use_db, capsys, tmp_path):  # noqa: F811
    use_db(settings)
    asyncio.run(_record(settings, 2))
    code, out, _ = run_cli(capsys, "audit", "checkpoint")
    line = out.removeprefix("audit checkpoint: ").strip()
    forged = tmp_path / "forged.jsonl"
    forged.write_text(
        re.sub(r'"seq":2,"hash":"[0-9a-f]+"', '"seq":1,"hash":"' + "0" * 64 + '"', line)
    )
    code, out, _ = run_cli(capsys, "audit", "verify", "--checkpoint", str(forged))
    assert code == 1 and "signature" in out


async def _verify(settings: Settings):
    db = await open_database(settings)
    try:
        return await verify(db)
    finally:
        await db.close()
