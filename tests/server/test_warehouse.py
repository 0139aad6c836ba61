"""The warehouse over HTTP (docs/warehouse.md): redemption leases (device sessions only) and
stocktakes; redemption through pushes of real clients."""

from __future__ import annotations

from typing import Any

import pytest

from server.auth import devices, sessions
from server.auth.tokens import ensure_user
from server.keys import load
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation, push_body
from tests.server.test_qr import _setup


def device_session(server: LiveServer, name: str, role: str, warehouse: str | None) -> str:
    """A bearer session token of a registered device (as after a passkey login)."""

    async def work(db: Any) -> str:
        user_id, _ = await ensure_user(db, name, role, warehouse)
        async with db.write() as conn:
            keys = load(server.settings.keys_dir)
            dev = await devices.register(conn, keys, user_id, devices.DeviceIn(name=name))
            return (await sessions.start(conn, user_id, dev.id, None, 30)).token

    return server.run_db(work)


def push(server: LiveServer, token: str, client: str, *muts: dict) -> list[dict]:
    with server.client(token) as c:
        r = c.post("/api/sync/push", json=push_body(client, list(muts)))
    assert r.status_code == 200, r.text
    return r.json()["results"]


def pulled(server: LiveServer, token: str, table: str) -> list[dict]:
    rows, cursor = [], None
    with server.client(token) as c:
        while True:
            body = c.post("/api/sync/pull", json={"client_id": f"p-{uuid7()}", "schema": 1,
                                                  "cursor": cursor}).json()  # fmt: skip
            rows += [ch["row"] for ch in body["changes"] if ch["t"] == table]
            cursor = body["cursor"]
            if not body["more"]:
                return rows


@pytest.fixture
def packed(live_server: LiveServer) -> dict[str, Any]:
    """Rep1's order (wh-1, 2 × 500), packed and paid; its QR token."""
    server = live_server
    rep, order = _setup(server)
    admin = server.token("boss", "admin")
    steps = [("submitted", "confirmed"), ("confirmed", "picking"), ("picking", "packed")]
    res = push(server, admin, "boss-desktop", *[
        mutation(i + 1, "order.transition", id=order, **{"from": a}, to=b)
        for i, (a, b) in enumerate(steps)
    ])  # fmt: skip
    assert [r["status"] for r in res] == ["applied"] * 3, res
    res = push(server, rep, "rep1-phone-2", mutation(1, "payment.record", id=uuid7(),
               order_id=order, method="cash", amount=1000))  # fmt: skip
    assert res[0]["status"] == "applied", res
    with server.client(admin) as c:
        token = c.get(f"/api/orders/{order}/qr").json()["token"]
    return {"server": server, "order": order, "token": token, "admin": admin, "rep": rep}


def test_leases_need_a_device_session(packed: dict) -> None:
    server = packed["server"]
    api_token = server.token("picker-api", "warehouse", "wh-1")
    with server.client(api_token) as c:
        r = c.post("/api/redemption-leases", json={"order_ids": [packed["order"]], "minutes": 5})
    assert (r.status_code, r.json()["code"]) == (409, "device_required")


def test_a_lease_keeps_other_handhelds_from_redeeming(packed: dict) -> None:
    server, order = packed["server"], packed["order"]
    one = device_session(server, "picker1", "warehouse", "wh-1")
    two = device_session(server, "picker2", "warehouse", "wh-1")
    with server.client(one) as c:
        r = c.post("/api/redemption-leases", json={"order_ids": [order], "minutes": 15})
    assert r.status_code == 201, r.text
    (lease,) = r.json()["leases"]
    assert set(lease) == {"id", "order_id", "warehouse_id", "device_id", "user_id", "created_at",
                          "expires_at", "released", "released_at", "version", "updated_by"}  # fmt: skip
    assert (lease["order_id"], lease["warehouse_id"], lease["released"]) == (order, "wh-1", False)
    # The other handheld has the lease row (it refuses offline) ...
    assert [x["id"] for x in pulled(server, two, "redemption_leases")] == [lease["id"]]
    # ... cannot take one itself, nor release this one ...
    with server.client(two) as c:
        r = c.post("/api/redemption-leases", json={"order_ids": [order], "minutes": 5})
        assert (r.status_code, r.json()["code"]) == (409, "leased")
        r = c.delete(f"/api/redemption-leases/{lease['id']}")
        assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    # ... and the server refuses its redemption; the leaseholder's goes through.
    res = push(server, two, "handheld-two", mutation(1, "qr.redeem", id=uuid7(), order_id=order,
                                            token=packed["token"]))  # fmt: skip
    assert (res[0]["status"], res[0]["error"]) == ("rejected", "leased")
    res = push(server, one, "handheld-one", mutation(1, "qr.redeem", id=uuid7(), order_id=order,
                                            token=packed["token"]))  # fmt: skip
    assert res[0]["status"] == "applied", res
    # Handheld two redeemed without knowing of the lease: the goods may have gone out twice.
    (c,) = server.query("SELECT kind, severity FROM conflicts WHERE id = ?",
                        (res[0]["conflict_id"],))  # fmt: skip
    assert (c["kind"], c["severity"]) == ("double_redemption", "high")
    with server.client(one) as c:
        r = c.delete(f"/api/redemption-leases/{lease['id']}")
    assert r.status_code == 200 and r.json()["released"] is True


def test_lease_refusals(packed: dict) -> None:
    server, order = packed["server"], packed["order"]
    other_wh = device_session(server, "picker-north", "warehouse", "wh-2")
    with server.client(other_wh) as c:
        r = c.post("/api/redemption-leases", json={"order_ids": [order], "minutes": 5})
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
    one = device_session(server, "picker1", "warehouse", "wh-1")
    rep, fresh = _setup(server, rep="rep2")  # submitted: not redeemable yet
    with server.client(one) as c:
        r = c.post("/api/redemption-leases", json={"order_ids": [order, fresh], "minutes": 5})
        assert (r.status_code, r.json()["code"]) == (409, "not_redeemable")
        for body in ({"order_ids": [], "minutes": 5}, {"order_ids": [order], "minutes": 0},
                     {"order_ids": [order], "minutes": 100000}):  # fmt: skip
            assert c.post("/api/redemption-leases", json=body).status_code == 400
        r = c.delete("/api/redemption-leases/no-such")
        assert r.status_code == 404
    # All or none: nothing was leased.
    assert server.query("SELECT COUNT(*) AS n FROM redemption_leases") == [{"n": 0}]


def test_double_redemption_over_http_is_one_completed_and_a_high_conflict(packed: dict) -> None:
    server, order = packed["server"], packed["order"]
    one = device_session(server, "picker1", "warehouse", "wh-1")
    two = device_session(server, "picker2", "warehouse", "wh-1")
    first = push(server, one, "handheld-one", mutation(1, "qr.redeem", id=uuid7(), order_id=order,
                                              token=packed["token"]))  # fmt: skip
    late = push(server, two, "handheld-two", mutation(1, "qr.redeem", id=uuid7(), order_id=order,
                                             token=packed["token"]))  # fmt: skip
    assert first[0]["status"] == "applied" and late[0]["status"] == "conflict"
    rows = server.query("SELECT status FROM redemptions WHERE order_id = ?", (order,))
    assert rows == [{"status": "completed"}]
    (c,) = [x for x in pulled(server, packed["admin"], "conflicts")
            if x["id"] == late[0]["conflict_id"]]  # fmt: skip
    assert (c["kind"], c["severity"]) == ("double_redemption", "high")
    assert c["server_value"]["device_id"] != c["client_value"]["device_id"]


def test_stocktake_over_http(live_server: LiveServer) -> None:
    server = live_server
    _setup(server)  # warehouses wh-1, wh-2 and product p-1
    picker = server.token("counter", "warehouse", "wh-1")
    manager = server.token("mgr", "manager")
    with server.client(picker) as c:
        assert c.post("/api/stocktakes", json={"warehouse_id": "wh-2"}).status_code == 404
        r = c.post("/api/stocktakes", json={"warehouse_id": "wh-1"})
        assert r.status_code == 201, r.text
        sid = r.json()["id"]
    res = push(server, picker, "counter-handheld", mutation(
        1, "stocktake.line", id=uuid7(), session_id=sid, warehouse_id="wh-1", product_id="p-1",
        counted=4))  # fmt: skip
    assert res[0]["status"] == "applied", res
    with server.client(picker) as c:
        body = c.get(f"/api/stocktakes/{sid}").json()
        assert [(x["product_id"], x["counted"], x["on_hand"], x["variance"])
                for x in body["lines"]] == [("p-1", 4, 0, 4)]  # fmt: skip
        assert c.post(f"/api/stocktakes/{sid}/apply").status_code == 403
    with server.client(manager) as c:
        r = c.post(f"/api/stocktakes/{sid}/apply")
        assert r.status_code == 200 and r.json()["status"] == "applied"
        assert c.post(f"/api/stocktakes/{sid}/apply").json()["code"] == "stocktake_closed"
    assert server.query("SELECT on_hand FROM stock_levels WHERE warehouse_id = 'wh-1'") == [
        {"on_hand": 4}
    ]
