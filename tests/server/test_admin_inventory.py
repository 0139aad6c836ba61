"""The admin console's inventory API (docs/admin.md § Inventory) over HTTP on a live server:
products and warehouses written through the sync engine (devices pull them), stock levels with
available and state, receipts and adjustments as stock moves, the ledger, alerts, stocktakes."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation
from tests.server.test_warehouse import pulled, push


@pytest.fixture
def admin(live_server: LiveServer) -> str:
    return live_server.token("boss", "admin")


def _warehouse(server: LiveServer, token: str, code: str) -> dict:
    with server.client(token) as c:
        r = c.post("/api/admin/warehouses", json={"code": code, "name": f"Depot {code}"})
    assert r.status_code == 201, r.text
    return r.json()


def _product(server: LiveServer, token: str, sku: str, **fields: object) -> dict:
    body = {"sku": sku, "name": f"Product {sku}", "unit_price": 250, **fields}
    with server.client(token) as c:
        r = c.post("/api/admin/products", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _adjust(server: LiveServer, token: str, product: str, warehouse: str, delta: int,
            reason: str = "receive", **more: object) -> dict:  # fmt: skip
    body = {"product_id": product, "warehouse_id": warehouse, "delta": delta, "reason": reason}
    with server.client(token) as c:
        r = c.post("/api/admin/stock/adjust", json={**body, **more})
    assert r.status_code == 201, r.text
    return r.json()


def test_products_create_edit_validate_and_reach_devices(live_server: LiveServer, admin: str):
    server = live_server
    rep = server.token("rep1", "sales")
    tea = _product(server, admin, "TEA-1", barcode="6901234567890", safety_stock=2,
                   reorder_point=5, unit="box")  # fmt: skip
    assert (tea["sku"], tea["barcode"], tea["unit"], tea["safety_stock"], tea["reorder_point"],
            tea["on_hand"], tea["available"], tea["active"]) == (
        "TEA-1", "6901234567890", "box", 2, 5, 0, 0, True)  # fmt: skip
    # A rep's device pulls the new product with the catalog, then the change.
    (row,) = [p for p in pulled(server, rep, "products") if p["id"] == tea["id"]]
    assert row["barcode"] == "6901234567890" and row["reorder_point"] == 5
    with server.client(admin) as c:
        r = c.patch(f"/api/admin/products/{tea['id']}",
                    json={"reorder_point": 12, "unit_price": 300, "barcode": " "})  # fmt: skip
        assert r.status_code == 200, r.text
        assert (r.json()["reorder_point"], r.json()["unit_price"], r.json()["barcode"]) == (
            12, 300, None)  # fmt: skip
        # Validation: a taken SKU, negative numbers, empty names, unknown products and fields.
        coffee = c.post("/api/admin/products", json={"sku": "COF-1", "name": "Coffee"}).json()
        r = c.patch(f"/api/admin/products/{coffee['id']}", json={"sku": "TEA-1"})
        assert (r.status_code, r.json()["code"]) == (409, "sku_taken")
        r = c.post("/api/admin/products", json={"sku": "TEA-1", "name": "Again"})
        assert (r.status_code, r.json()["code"]) == (409, "sku_taken")
        for bad in ({"safety_stock": -1}, {"reorder_point": -3}, {"unit_price": -1},
                    {"name": "  "}, {"colour": "red"}):  # fmt: skip
            r = c.patch(f"/api/admin/products/{coffee['id']}", json=bad)
            assert r.status_code == 400, (bad, r.text)
        assert c.patch("/api/admin/products/no-such", json={"name": "X"}).status_code == 404
        r = c.post("/api/admin/products", json={"sku": "", "name": "No SKU"})
        assert r.status_code == 400
    (row,) = [p for p in pulled(server, rep, "products") if p["id"] == tea["id"]]
    assert (row["reorder_point"], row["unit_price"], row["barcode"]) == (12, 300, None)
    audit = server.query(
        "SELECT action FROM audit_log WHERE subject = ? ORDER BY seq", (tea["id"],)
    )
    assert [a["action"] for a in audit] == ["server.insert.products", "server.update.products"]


def test_product_list_filters_paging_and_export(live_server: LiveServer, admin: str):
    server = live_server
    wh = _warehouse(server, admin, "MAIN")
    ids = {}
    for i in range(5):
        ids[i] = _product(server, admin, f"SKU-{i}", barcode=f"BC{i}", reorder_point=3)["id"]
    with server.client(admin) as c:
        c.patch(f"/api/admin/products/{ids[4]}", json={"active": False})
    _adjust(server, admin, ids[0], wh["id"], 10)
    _adjust(server, admin, ids[1], wh["id"], 2)  # at/below its reorder point: low
    with server.client(admin) as c:
        body = c.get("/api/admin/products", params={"limit": 2}).json()
        assert ([p["sku"] for p in body["rows"]], body["total"], body["next"]) == (
            ["SKU-0", "SKU-1"], 5, 2)  # fmt: skip
        assert body["rows"][0]["on_hand"] == 10
        body = c.get("/api/admin/products", params={"limit": 2, "offset": 4}).json()
        assert ([p["sku"] for p in body["rows"]], body["next"]) == (["SKU-4"], None)
        assert [p["sku"] for p in c.get("/api/admin/products?q=bc3").json()["rows"]] == ["SKU-3"]
        got = c.get("/api/admin/products?active=false").json()["rows"]
        assert [p["sku"] for p in got] == ["SKU-4"]
        got = c.get("/api/admin/products?low_stock=true").json()["rows"]
        assert [(p["sku"], p["low"]) for p in got] == [("SKU-1", 1)]
        r = c.get("/api/admin/products?format=csv&active=true")
        assert r.headers["content-type"].startswith("text/csv")
        lines = r.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("id,sku,name,barcode") and len(lines) == 5
        assert c.get("/api/admin/products?limit=0").status_code == 400


def test_warehouses_create_edit(live_server: LiveServer, admin: str):
    server = live_server
    rep = server.token("rep1", "sales")
    north = _warehouse(server, admin, "NORTH")
    south = _warehouse(server, admin, "SOUTH")
    with server.client(admin) as c:
        r = c.patch(f"/api/admin/warehouses/{north['id']}",
                    json={"name": "North depot", "address": "1 Harbour Rd"})  # fmt: skip
        assert (r.status_code, r.json()["address"]) == (200, "1 Harbour Rd")
        r = c.patch(f"/api/admin/warehouses/{south['id']}", json={"code": "NORTH"})
        assert (r.status_code, r.json()["code"]) == (409, "code_taken")
        r = c.post("/api/admin/warehouses", json={"code": "SOUTH", "name": "Twice"})
        assert (r.status_code, r.json()["code"]) == (409, "code_taken")
        r = c.post("/api/admin/warehouses", json={"code": "X" * 17, "name": "Too long"})
        assert r.status_code == 400
        assert c.patch("/api/admin/warehouses/nope", json={"name": "N"}).status_code == 404
        listed = c.get("/api/admin/warehouses").json()
    assert [(w["code"], w["name"]) for w in listed] == [("NORTH", "North depot"),
                                                          ("SOUTH", "Depot SOUTH")]  # fmt: skip
    rows = {w["id"]: w for w in pulled(server, rep, "warehouses")}
    assert rows[north["id"]]["address"] == "1 Harbour Rd"


def test_levels_available_states_and_alerts(live_server: LiveServer, admin: str):
    server = live_server
    wh = _warehouse(server, admin, "MAIN")
    ok = _product(server, admin, "OK", reorder_point=5, safety_stock=2)["id"]
    reorder = _product(server, admin, "REORDER", reorder_point=5, safety_stock=2)["id"]
    critical = _product(server, admin, "CRITICAL", reorder_point=5, safety_stock=4)["id"]
    negative = _product(server, admin, "NEGATIVE")["id"]
    _adjust(server, admin, ok, wh["id"], 20)
    _adjust(server, admin, reorder, wh["id"], 5)
    _adjust(server, admin, critical, wh["id"], 6)
    out = _adjust(server, admin, negative, wh["id"], -1, "adjust")
    assert out["conflict_id"] and out["level"]["state"] == "negative"
    # Reserve 3 of CRITICAL: an order confirmed in the warehouse (available 6 - 3 = 3 < 4).
    rep = server.token("rep1", "sales")
    customer, order = uuid7(), uuid7()
    push(server, rep, "rep-phone", mutation(1, "customer.upsert", id=customer, name="Chen"),
         mutation(2, "order.create", id=order, number="R-1", customer_id=customer,
                  warehouse_id=wh["id"], lines=[{"id": uuid7(), "product_id": critical, "qty": 3,
                                                 "unit_price": 250}]))  # fmt: skip
    res = push(server, admin, "boss-desk", mutation(1, "order.transition", id=order,
               **{"from": "submitted"}, to="confirmed"))  # fmt: skip
    assert res[0]["status"] == "applied", res
    with server.client(admin) as c:
        body = c.get("/api/admin/stock", params={"warehouse_id": wh["id"]}).json()
        got = {r["sku"]: (r["on_hand"], r["reserved"], r["available"], r["state"])
               for r in body["rows"]}  # fmt: skip
        assert got == {"OK": (20, 0, 20, "ok"), "REORDER": (5, 0, 5, "reorder"),
                       "CRITICAL": (6, 3, 3, "critical"), "NEGATIVE": (-1, 0, -1, "negative")}  # fmt: skip
        low = c.get("/api/admin/stock?low=true").json()
        assert sorted(r["sku"] for r in low["rows"]) == ["CRITICAL", "NEGATIVE", "REORDER"]
        assert [r["sku"] for r in c.get("/api/admin/stock?state=critical").json()["rows"]] == [
            "CRITICAL"]  # fmt: skip
        assert [r["sku"] for r in c.get("/api/admin/stock?q=reord").json()["rows"]] == ["REORDER"]
        assert c.get("/api/admin/stock?warehouse_id=other").json()["total"] == 0
        alerts = c.get("/api/admin/stock/alerts").json()
        assert alerts["counts"] == {"reorder": 1, "critical": 1, "negative": 1}
        assert alerts["total"] == 3
        assert [r["sku"] for r in alerts["rows"]] == ["NEGATIVE", "CRITICAL", "REORDER"]
        r = c.get("/api/admin/stock?format=xlsx")
        sheet = load_workbook(io.BytesIO(r.content)).active
        table = list(sheet.iter_rows(values_only=True))
        assert table[0][:3] == ("id", "product_id", "sku") and len(table) == 5
        # Receiving above the reorder point clears the alert.
        _adjust(server, admin, reorder, wh["id"], 10)
        assert c.get("/api/admin/stock/alerts").json()["counts"]["reorder"] == 0


def test_adjust_writes_a_move_and_the_level(live_server: LiveServer, admin: str):
    server = live_server
    wh = _warehouse(server, admin, "MAIN")
    tea = _product(server, admin, "TEA")["id"]
    move_id = uuid7()
    out = _adjust(server, admin, tea, wh["id"], 12, note="PO-4711", id=move_id)
    assert (out["status"], out["level"]["on_hand"], out["move"]["ref"]) == ("applied", 12,
                                                                            "PO-4711")  # fmt: skip
    again = _adjust(server, admin, tea, wh["id"], 12, note="PO-4711", id=move_id)
    assert (again["status"], again["level"]["on_hand"]) == ("merged", 12)  # counted once
    out = _adjust(server, admin, tea, wh["id"], -2, "adjust", note="broken")
    assert out["level"]["on_hand"] == 10 and out["conflict_id"] is None
    moves = server.query("SELECT delta, reason, ref FROM stock_moves WHERE product_id = ?"
                         " ORDER BY created_at, id", (tea,))  # fmt: skip
    assert [(m["delta"], m["reason"], m["ref"]) for m in moves] == [
        (12, "receive", "PO-4711"), (-2, "adjust", "broken")]  # fmt: skip
    actions = server.query("SELECT action FROM audit_log WHERE action LIKE 'stock.%' ORDER BY seq")
    assert [a["action"] for a in actions] == ["stock.receive", "stock.adjust"]
    # The warehouse's handheld pulls the level and the moves.
    picker = server.token("picker", "warehouse", wh["id"])
    (level,) = [x for x in pulled(server, picker, "stock_levels") if x["product_id"] == tea]
    assert level["on_hand"] == 10
    with server.client(admin) as c:
        base = {"product_id": tea, "warehouse_id": wh["id"]}
        for bad in ({"delta": 0, "reason": "adjust"}, {"delta": -1, "reason": "receive"},
                    {"delta": 1, "reason": "ship"}, {"delta": 1, "reason": "adjust", "x": 1}):  # fmt: skip
            assert c.post("/api/admin/stock/adjust", json={**base, **bad}).status_code == 400
        r = c.post("/api/admin/stock/adjust", json={**base, "product_id": "nope", "delta": 1,
                                                    "reason": "receive"})  # fmt: skip
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
        r = c.post("/api/admin/stock/adjust", json={**base, "delta": 1, "reason": "receive",
                                                    "id": move_id, "warehouse_id": "nope"})  # fmt: skip
        assert r.status_code == 404
        # Only the catalog bucket's rows changed: no conflict for an unknown product or warehouse.
        assert server.query("SELECT id FROM conflicts") == []


def test_moves_ledger_filters_keyset_paging_and_export(live_server: LiveServer, admin: str):
    server = live_server
    main, north = _warehouse(server, admin, "MAIN"), _warehouse(server, admin, "NORTH")
    tea, coffee = _product(server, admin, "TEA")["id"], _product(server, admin, "COF")["id"]
    for i in range(7):
        _adjust(server, admin, tea, main["id"], i + 1, note=f"PO-{i}")
    _adjust(server, admin, coffee, north["id"], 4)
    _adjust(server, admin, tea, main["id"], -1, "adjust")
    with server.client(admin) as c:
        seen, cursor = [], None
        while True:
            params = {"limit": 4, "product_id": tea, **({"cursor": cursor} if cursor else {})}
            body = c.get("/api/admin/stock-moves", params=params).json()
            assert body["total"] == 8
            seen += body["rows"]
            cursor = body["next"]
            if cursor is None:
                break
        assert [m["delta"] for m in seen] == [-1, 7, 6, 5, 4, 3, 2, 1]  # newest first
        assert seen[0]["sku"] == "TEA" and seen[0]["warehouse_code"] == "MAIN"
        assert seen[0]["created_by_name"] == "boss"
        assert len({m["id"] for m in seen}) == 8
        got = c.get("/api/admin/stock-moves", params={"reason": "adjust"}).json()["rows"]
        assert [m["delta"] for m in got] == [-1]
        got = c.get("/api/admin/stock-moves", params={"warehouse_id": north["id"]}).json()
        assert [m["sku"] for m in got["rows"]] == ["COF"]
        got = c.get("/api/admin/stock-moves", params={"q": "co"}).json()
        assert (got["total"], [m["sku"] for m in got["rows"]]) == (1, ["COF"])
        got = c.get("/api/admin/stock-moves", params={"ref": "PO-3"}).json()["rows"]
        assert [m["delta"] for m in got] == [4]
        assert c.get("/api/admin/stock-moves?from=2000-01-01&to=2000-01-02").json()["total"] == 0
        assert c.get("/api/admin/stock-moves?from=2000-01-01").json()["total"] == 9
        assert c.get("/api/admin/stock-moves?cursor=@@@").status_code == 400
        assert c.get("/api/admin/stock-moves?from=yesterday").status_code == 400
        assert c.get("/api/admin/stock-moves?reason=lost").status_code == 400
        r = c.get("/api/admin/stock-moves?format=csv&product_id=" + coffee)
        lines = r.content.decode("utf-8-sig").splitlines()
        assert lines[0].split(",")[:3] == ["id", "created_at", "product_id"]
        assert len(lines) == 2 and ",4,receive," in lines[1]


def test_stocktake_list(live_server: LiveServer, admin: str):
    server = live_server
    wh = _warehouse(server, admin, "MAIN")
    tea = _product(server, admin, "TEA")["id"]
    _adjust(server, admin, tea, wh["id"], 5)
    with server.client(admin) as c:
        first = c.post("/api/stocktakes", json={"warehouse_id": wh["id"]}).json()["id"]
        second = c.post("/api/stocktakes", json={"warehouse_id": wh["id"]}).json()["id"]
    lines = [mutation(i + 1, "stocktake.line", id=uuid7(), session_id=first,
                      warehouse_id=wh["id"], product_id=tea, counted=n)
             for i, n in enumerate((3, 4))]  # fmt: skip
    assert [r["status"] for r in push(server, admin, "boss-handheld", *lines)] == ["applied"] * 2
    with server.client(admin) as c:
        assert c.post(f"/api/stocktakes/{first}/apply").status_code == 200
        body = c.get("/api/admin/stocktakes").json()
        assert body["total"] == 2
        assert [(s["id"], s["status"]) for s in body["rows"]] == [(second, "open"),
                                                                    (first, "applied")]  # fmt: skip
        applied = body["rows"][1]
        assert (applied["lines"], applied["products"], applied["warehouse_code"],
                applied["opened_by_name"], applied["applied_by_name"]) == (2, 1, "MAIN", "boss",
                                                                           "boss")  # fmt: skip
        assert [s["id"] for s in c.get("/api/admin/stocktakes?status=open").json()["rows"]] == [
            second]  # fmt: skip
        level = c.get("/api/admin/stock").json()["rows"][0]
        assert level["on_hand"] == 4  # the later count won


def test_a_warehouse_user_sees_their_own_warehouses_moves_and_stocktakes_only(
    live_server: LiveServer, admin: str
):
    server = live_server
    main, north = _warehouse(server, admin, "MAIN"), _warehouse(server, admin, "NORTH")
    tea = _product(server, admin, "TEA")["id"]
    _adjust(server, admin, tea, main["id"], 5, note="PO-MAIN")
    _adjust(server, admin, tea, north["id"], 7, note="PO-NORTH")
    with server.client(admin) as c:
        for wh in (main, north):
            assert c.post("/api/stocktakes", json={"warehouse_id": wh["id"]}).status_code == 201
    picker = server.token("picker", "warehouse", main["id"])
    with server.client(picker) as c:
        for params in ({}, {"warehouse_id": ""}, {"warehouse_id": main["id"]}):
            moves = c.get("/api/admin/stock-moves", params=params).json()
            assert [m["ref"] for m in moves["rows"]] == ["PO-MAIN"], params
            takes = c.get("/api/admin/stocktakes", params=params).json()
            assert [s["warehouse_id"] for s in takes["rows"]] == [main["id"]], params
        csv = c.get("/api/admin/stock-moves", params={"format": "csv"}).text
        assert "PO-MAIN" in csv and "PO-NORTH" not in csv
        for path in ("/api/admin/stock-moves", "/api/admin/stocktakes"):
            r = c.get(path, params={"warehouse_id": north["id"]})
            assert (r.status_code, r.json()["code"]) == (403, "forbidden"), path
            r = c.get(path, params={"warehouse_id": north["id"], "format": "csv"})
            assert r.status_code == 403, path
    with server.client(admin) as c:  # other roles see every warehouse, or the one asked for
        assert c.get("/api/admin/stock-moves").json()["total"] == 2
        assert c.get("/api/admin/stocktakes", params={"warehouse_id": north["id"]}).json()[
            "total"] == 1  # fmt: skip


def test_read_only_roles(live_server: LiveServer, admin: str):
    server = live_server
    picker = server.token("picker", "warehouse", "wh-1")
    rep = server.token("rep1", "sales")
    with server.client(picker) as c:
        assert c.get("/api/admin/stock").status_code == 200
        r = c.post("/api/admin/products", json={"sku": "X", "name": "X"})
        assert r.status_code == 403
    with server.client(rep) as c:
        assert c.get("/api/admin/stock-moves").status_code == 403
