"""The audit log: every auth event, admin action and applied mutation lands in one hash chain
that `orderly audit verify` walks; the database refuses edits; tampering is found."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest

from server.audit import AuditEntry, record, verify
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
