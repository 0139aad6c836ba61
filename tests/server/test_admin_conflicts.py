"""The admin console's server side of conflicts, devices and the audit log (docs/admin.md):
``GET /api/admin/conflicts`` (filters, paging, export, permissions), bulk resolving as several
``conflict.resolve`` mutations in one push, the per-device counts and stale flag of
``GET /api/admin/devices``, and the audit log's filters, paging and export.

Conflicts are made for real: one rep with two enrolled phones (device sessions) edits the same
fields of two orders from the same base through the Python sync client."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from server import times
from tests.days import day, days_of
from tests.device.client import SyncClient
from tests.device.transport import HttpTransport
from tests.server.conftest import LiveServer
from tests.server.phone import Phone, invite
from tests.server.test_api import assert_error


def _catalog(live: LiveServer) -> None:
    from server.db.sync_store import SqlSyncStore
    from sync.context import Actor
    from sync.direct import put_rows

    async def work(db: Any) -> None:
        store = SqlSyncStore(db)
        admin = Actor("u-admin", "admin")
        await put_rows(store, admin, "products",
                       [{"id": "p-1", "sku": "TEA-1", "name": "Tea", "unit_price": 1200}])  # fmt: skip

    live.run_db(work)


def _phone(server: LiveServer, admin: str, user_id: str, link: str | None, name: str) -> Phone:
    if link is None:
        with server.client(admin) as c:
            r = c.post(f"/api/admin/users/{user_id}/enrollments")
            assert r.status_code == 201, r.text
            link = r.json()["url"]
    phone = Phone(server, name)
    phone.enroll(link)
    assert phone.login().status_code == 200
    return phone


class Scene:
    """Two phones of rep ``rep-a``: phone 2 caused two like conflicts (delivery_address of two
    orders) and one rejected mutation; phone 1 nothing."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.admin = server.token("boss", "admin")
        _catalog(server)
        invited = invite(server, self.admin, "rep-a", "sales")
        self.rep_id = invited["user"]["id"]
        self.phone1 = _phone(server, self.admin, self.rep_id, invited["enrollment"]["url"], "P1")
        self.phone2 = _phone(server, self.admin, self.rep_id, None, "P2")
        self.clients: dict[str, SyncClient] = {}
        self.orders = asyncio.run(self._edit())
        rows = server.query("SELECT code FROM devices WHERE id = ?", (self.phone2.device_id,))
        self.codes = {r["code"] for r in rows}

    def sync_client(self, name: str) -> SyncClient:
        """The client ``name`` (its store kept between syncs; a transport per sync)."""
        if name not in self.clients:
            self.clients[name] = SyncClient(None, name, base_delay=0)  # type: ignore[arg-type]
        return self.clients[name]

    async def sync(self, name: str, token: str) -> SyncClient:
        client = self.sync_client(name)
        async with HttpTransport(self.server.base_url, token) as transport:
            client.transport = transport
            await client.sync()
        return client

    async def _edit(self) -> list[str]:
        one, two = self.sync_client("rep-a-phone-1"), self.sync_client("rep-a-phone-2")
        customer = one.upsert_customer("Golden Leaf").args["id"]
        lines = [{"product_id": "p-1", "qty": 1, "unit_price": 1200}]
        orders = [one.create_order(f"K7F-0000{i}", customer, lines).args["id"] for i in (1, 2)]
        await self.sync("rep-a-phone-1", self.phone1.token or "")
        await self.sync("rep-a-phone-2", self.phone2.token or "")
        for i, order in enumerate(orders):
            one.update_order(order, delivery_address=f"{i} Dock Road")
            two.update_order(order, delivery_address=f"{i} Hill Street")
        two.mutate("order.transition", {"id": orders[0], "to": "shipped"})  # rejected: a draft
        await self.sync("rep-a-phone-1", self.phone1.token or "")
        await self.sync("rep-a-phone-2", self.phone2.token or "")
        return orders

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        with self.server.client(token or self.admin) as c:
            return c.get(path, params=params)


@pytest.fixture(scope="module")
def scene(shared_server: LiveServer) -> Scene:
    return Scene(shared_server)


def _rows(scene: Scene, **params: Any) -> dict[str, Any]:
    r = scene.get("/api/admin/conflicts", **params)
    assert r.status_code == 200, r.text
    return r.json()


def test_conflicts_answer_who_and_where(scene: Scene):
    page = _rows(scene, user_id=scene.rep_id)
    assert page["total"] == 2 and page["next"] is None
    for row in page["rows"]:
        assert (row["kind"], row["table_name"], row["field"]) == ("field", "orders",
                                                                  "delivery_address")  # fmt: skip
        assert row["status"] == "open" and row["severity"] == "normal"
        assert row["user_name"] == "rep-a"
        assert row["device_id"] == scene.phone2.device_id
        assert row["device_code"] and row["device_code"] in scene.codes
        assert row["client_value"].endswith(" Hill Street")  # decoded, as a pull has it
        assert row["mutation"]["name"] == "order.update"
        assert row["mutation"]["args"]["set"] == {"delivery_address": row["client_value"]}
    assert {r["row_id"] for r in page["rows"]} == set(scene.orders)
    # Named: the order and its customer (an order's field names no product).
    assert {r["order_number"] for r in page["rows"]} == {"K7F-00001", "K7F-00002"}
    assert {(r["order_id"] == r["row_id"], r["customer_name"], r["product_name"])
            for r in page["rows"]} == {(True, "Golden Leaf", None)}  # fmt: skip
    one = _rows(scene, id=page["rows"][1]["id"])
    assert (one["total"], one["rows"]) == (1, [page["rows"][1]])


def test_conflicts_name_their_order_customer_product_and_the_winner(scene: Scene):
    """A line conflict names the line's order, customer and product; an ``overwritten`` notice
    names who wrote the notes that stand (another rep, so rep-a's counts stay as they are)."""
    invited = invite(scene.server, scene.admin, "rep-n", "sales")
    phone = _phone(scene.server, scene.admin, invited["user"]["id"],
                   invited["enrollment"]["url"], "N")  # fmt: skip

    async def race() -> str:
        one, two = scene.sync_client("rep-n-phone-1"), scene.sync_client("rep-n-phone-2")
        desk = scene.sync_client("boss-desk")
        customer = one.upsert_customer("Jade Pavilion").args["id"]
        line = {"id": "ln-names", "product_id": "p-1", "qty": 1, "unit_price": 1200}
        order = one.create_order("NAM-00001", customer, [line]).args["id"]
        await scene.sync("rep-n-phone-1", phone.token or "")
        await scene.sync("rep-n-phone-2", phone.token or "")
        await scene.sync("boss-desk", scene.admin)
        one.upsert_line(order, {**line, "qty": 2})
        two.upsert_line(order, {**line, "qty": 3})  # from the same base: a conflict
        two.update_order(order, notes="rep: ring the bell")
        await asyncio.sleep(0.01)  # a later millisecond: the admin's notes are the later ones
        desk.update_order(order, notes="admin: back door")
        for name, token in (("rep-n-phone-1", phone.token), ("boss-desk", scene.admin),
                            ("rep-n-phone-2", phone.token)):  # fmt: skip
            await scene.sync(name, token or "")
        return order

    order = asyncio.run(race())
    rows = {r["kind"]: r for r in _rows(scene, user_id=invited["user"]["id"])["rows"]}
    assert set(rows) == {"field", "overwritten"}
    line = rows["field"]
    # A line is one unit for conflicts: each side is the whole line.
    whole = {"product_id": "p-1", "unit_price": 1200, "discount_bp": 0}
    assert (line["table_name"], line["field"], line["server_value"], line["client_value"]) == (
        "order_lines", "line", {**whole, "qty": 2}, {**whole, "qty": 3}
    )  # fmt: skip
    assert (line["order_id"], line["order_number"], line["customer_name"]) == (
        order, "NAM-00001", "Jade Pavilion"
    )  # fmt: skip
    assert (line["product_id"], line["product_name"]) == ("p-1", "Tea")
    notice = rows["overwritten"]
    assert (notice["severity"], notice["status"], notice["field"]) == ("low", "open", "notes")
    assert (notice["server_value"], notice["client_value"]) == (
        "admin: back door", "rep: ring the bell"
    )  # fmt: skip
    assert notice["winner_id"] == scene.server.user_id("boss")
    assert notice["winner_name"] == "boss" and notice["winner_at"]
    assert (notice["order_number"], notice["customer_name"]) == ("NAM-00001", "Jade Pavilion")

    # The admin settles the line conflict: the order's timeline has it and its settlement.
    async def settle() -> None:
        scene.sync_client("boss-desk").resolve_conflict(line["id"], "server")
        await scene.sync("boss-desk", scene.admin)

    asyncio.run(settle())
    timeline = scene.get(f"/api/admin/orders/{order}").json()["timeline"]
    entries = {(e["kind"], e["summary"]): e for e in timeline}
    raised = entries["conflict", "field: line"]
    assert (raised["outcome"], raised["who"]) == ("resolved", "rep-n")
    settled = entries["settled", "field: line"]
    # No one field's value stands for a line: the settlement records none (the line stands).
    assert (settled["outcome"], settled["who"], settled["detail"]) == ("server", "boss", "null")
    assert settled["at"] > raised["at"]
    assert entries["conflict", "overwritten: notes"]["outcome"] == "open"


@pytest.mark.dates
def test_conflict_filters(scene: Scene):
    # The days the rep's conflicts were made on: today, or yesterday and today if midnight
    # passed since the scene was made.
    first, last = days_of(r["created_at"] for r in _rows(scene, user_id=scene.rep_id)["rows"])
    counts = {
        "open": _rows(scene, status="open", user_id=scene.rep_id)["total"],
        "resolved": _rows(scene, status="resolved", user_id=scene.rep_id)["total"],
        "high": _rows(scene, severity="high", user_id=scene.rep_id)["total"],
        "field": _rows(scene, kind="field", user_id=scene.rep_id)["total"],
        "payment": _rows(scene, kind="payment", user_id=scene.rep_id)["total"],
        "phone1": _rows(scene, device_id=scene.phone1.device_id)["total"],
        "phone2": _rows(scene, device_id=scene.phone2.device_id)["total"],
        "nobody": _rows(scene, user_id="u-nobody")["total"],
        "today": _rows(scene, user_id=scene.rep_id, **{"from": first, "to": last})["total"],
        "tomorrow": _rows(scene, user_id=scene.rep_id, **{"from": day(1, of=last)})["total"],
        "yesterday": _rows(scene, user_id=scene.rep_id, to=day(-1, of=first))["total"],
        "an hour ago": _rows(
            scene, user_id=scene.rep_id, **{"from": times.from_now(hours=-1), "to": times.now()}
        )["total"],
    }
    assert counts == {"open": 2, "resolved": 0, "high": 0, "field": 2, "payment": 0, "phone1": 0,
                      "phone2": 2, "nobody": 0, "today": 2, "tomorrow": 0, "yesterday": 0,
                      "an hour ago": 2}  # fmt: skip


def test_conflict_paging(scene: Scene):
    first = _rows(scene, user_id=scene.rep_id, limit=1)
    assert (first["total"], len(first["rows"]), first["next"]) == (2, 1, 1)
    second = _rows(scene, user_id=scene.rep_id, limit=1, offset=first["next"])
    assert (len(second["rows"]), second["next"]) == (1, None)
    assert first["rows"][0]["id"] != second["rows"][0]["id"]
    assert first["rows"][0]["created_at"] >= second["rows"][0]["created_at"]  # newest first


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"from": "yesterday"}, {"to": "2026-13-01"},
     {"status": "closed"}, {"severity": "urgent"}, {"format": "pdf"}, {"limit": "x"}],
)  # fmt: skip
def test_bad_conflict_filters_are_400(scene: Scene, params: dict[str, Any]):
    assert_error(scene.get("/api/admin/conflicts", **params), 400, "invalid_request")


def test_conflict_export(scene: Scene):
    r = scene.get("/api/admin/conflicts", format="csv", user_id=scene.rep_id)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="conflicts.csv"' in r.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(table) == 2
    assert {t["user_name"] for t in table} == {"rep-a"}
    assert {t["row_id"] for t in table} == set(scene.orders)
    assert {t["client_value"][:1] for t in table} == {'"'}  # JSON text, one cell
    r = scene.get("/api/admin/conflicts", format="xlsx", device_id=scene.phone2.device_id)
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    header, *body = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert "device_code" in header and len(body) == 2
    assert {row[header.index("status")] for row in body} == {"open"}


def test_conflicts_need_conflicts_resolve(scene: Scene):
    for role, status in (("sales", 403), ("support", 403), ("manager", 200)):
        token = scene.server.token(f"probe-{role}", role)
        assert scene.get("/api/admin/conflicts", token).status_code == status, role
    assert scene.get("/api/admin/conflicts", "not-a-token").status_code == 401


def _devices(scene: Scene) -> dict[str, dict[str, Any]]:
    r = scene.get("/api/admin/devices", user_id=scene.rep_id)
    assert r.status_code == 200, r.text
    return {d["id"]: d for d in r.json()}


def test_devices_count_open_conflicts_and_errors_and_flag_stale(scene: Scene):
    devices = _devices(scene)
    one, two = devices[scene.phone1.device_id], devices[scene.phone2.device_id]
    assert (one["open_conflicts"], one["errors"], one["stale"]) == (0, 0, False)
    assert (two["open_conflicts"], two["errors"], two["stale"]) == (2, 1, False)
    assert two["stale_after_hours"] == 72
    logged = scene.server.query(
        "SELECT error FROM mutation_log WHERE device_id = ? AND status = 'rejected'",
        (scene.phone2.device_id,),
    )
    assert len(logged) == 1

    # Four days without a sync: stale after the default 72 hours; revoked ones never are.
    async def age(db: Any) -> None:
        async with db.write() as conn:
            await conn.execute("UPDATE devices SET last_sync_at = ? WHERE id = ?",
                               (times.from_now(days=-4), scene.phone1.device_id))  # fmt: skip

    scene.server.run_db(age)
    devices = _devices(scene)
    assert devices[scene.phone1.device_id]["stale"] is True
    assert devices[scene.phone2.device_id]["stale"] is False


def test_stale_follows_the_setting(serve: Callable[..., LiveServer]):
    server = serve(device_stale_hours=2)
    admin = server.token("boss", "admin")
    invited = invite(server, admin, "rep-s", "sales")
    phone = _phone(server, admin, invited["user"]["id"], invited["enrollment"]["url"], "S")

    def stale_after(hours_ago: float) -> bool:
        async def age(db: Any) -> None:
            async with db.write() as conn:
                await conn.execute("UPDATE devices SET last_sync_at = ? WHERE id = ?",
                                   (times.from_now(hours=-hours_ago), phone.device_id))  # fmt: skip

        server.run_db(age)
        with server.client(admin) as c:
            (row,) = c.get("/api/admin/devices").json()
        assert row["stale_after_hours"] == 2
        return row["stale"]

    assert stale_after(1) is False
    assert stale_after(3) is True
    with server.client(admin) as c:
        assert c.post(f"/api/admin/devices/{phone.device_id}/revoke").status_code == 204
        (row,) = c.get("/api/admin/devices").json()
    assert row["revoked"] is True and row["stale"] is False


def test_bulk_resolve_two_like_conflicts_in_one_push_reaches_both_phones(scene: Scene):
    """What the console's bulk action sends: one conflict.resolve per conflict, one push."""
    ids = [r["id"] for r in _rows(scene, user_id=scene.rep_id, status="open")["rows"]]
    assert len(ids) == 2

    async def bulk() -> None:
        admin = scene.sync_client("boss-console")
        for conflict_id in ids:
            admin.resolve_conflict(conflict_id, "client")
        await scene.sync("boss-console", scene.admin)
        assert [r.status for r in admin.results.values()] == ["applied", "applied"]
        for name, phone in (("rep-a-phone-1", scene.phone1), ("rep-a-phone-2", scene.phone2)):
            await scene.sync(name, phone.token or "")

    asyncio.run(bulk())
    page = _rows(scene, user_id=scene.rep_id)
    assert {(r["status"], r["resolution"], r["resolver_name"]) for r in page["rows"]} == {
        ("resolved", "client", "boss")
    }
    for name in ("rep-a-phone-1", "rep-a-phone-2"):
        orders = scene.clients[name].store.tables["orders"]
        assert [orders[o]["delivery_address"] for o in scene.orders] == [
            "0 Hill Street", "1 Hill Street"
        ]  # fmt: skip
    assert _devices(scene)[scene.phone2.device_id]["open_conflicts"] == 0


# ---- the audit log -----------------------------------------------------------------------------


def _audit(scene: Scene, **params: Any) -> dict[str, Any]:
    r = scene.get("/api/admin/audit", **params)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.dates
def test_audit_filters_paging_and_names(scene: Scene):
    enrolls = _audit(scene, action="auth.enroll", actor_id=scene.rep_id)
    assert enrolls["total"] == 2 and enrolls["next"] is None
    assert enrolls["names"] == {scene.rep_id: "rep-a"}
    invited = _audit(scene, subject=scene.rep_id, action="admin.*")
    assert [e["action"] for e in invited["rows"]] == ["admin.enrollment_link", "admin.user_invited"]
    pushed = _audit(scene, subject="rep-a-phone-2#*")  # the phone's logged mutations
    assert pushed["total"] >= 2
    assert all(e["subject"].startswith("rep-a-phone-2#") for e in pushed["rows"])
    # The days of the whole log (one, or two if midnight passed since the scene was made).
    log = _audit(scene, limit=500)
    assert log["next"] is None
    first, last = days_of(e["at"] for e in log["rows"])
    assert _audit(scene, **{"from": day(1, of=last)})["total"] == 0
    assert _audit(scene, to=day(-1, of=first))["total"] == 0
    everything = _audit(scene, **{"from": first, "to": last})["total"]
    assert everything == _audit(scene)["total"] > 5
    first = _audit(scene, limit=2)
    assert len(first["rows"]) == 2 and first["next"] == first["rows"][-1]["seq"]
    second = _audit(scene, limit=2, before_seq=first["next"])
    assert [e["seq"] for e in first["rows"] + second["rows"]] == list(
        range(first["rows"][0]["seq"], first["rows"][0]["seq"] - 4, -1)
    )
    for params in ({"limit": 0}, {"from": "soon"}, {"format": "doc"}):
        assert_error(scene.get("/api/admin/audit", **params), 400, "invalid_request")


def test_audit_export(scene: Scene):
    r = scene.get("/api/admin/audit", format="csv", action="auth.*")
    assert r.status_code == 200 and 'filename="audit.csv"' in r.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table and {t["action"][:5] for t in table} == {"auth."}
    assert "rep-a" in {t["actor"] for t in table}
    assert [int(t["seq"]) for t in table] == sorted((int(t["seq"]) for t in table), reverse=True)
    r = scene.get("/api/admin/audit", format="xlsx", subject=scene.rep_id)
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    header, *body = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header == ["seq", "at", "actor_id", "actor", "action", "subject", "subject_kind",
                      "subject_name", "detail"]  # fmt: skip
    assert {row[header.index("subject")] for row in body} == {scene.rep_id}
    assert {row[header.index("subject_kind")] for row in body} == {"user"}
    assert scene.get("/api/admin/audit", scene.server.token("mgr", "manager")).status_code == 403
