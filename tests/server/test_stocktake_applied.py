"""An applied stocktake keeps its variances (issue 17 item 13): shown as they were applied,
not against on hand now (which the count moves made equal to the counts)."""

from __future__ import annotations

from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation
from tests.server.test_qr import _setup
from tests.server.test_warehouse import push


def test_applied_stocktake_shows_the_variances_it_applied(live_server: LiveServer) -> None:
    server = live_server
    _setup(server)  # warehouses wh-1, wh-2 and product p-1 (none on hand)
    picker = server.token("counter", "warehouse", "wh-1")
    manager = server.token("mgr", "manager")
    with server.client(picker) as c:
        sid = c.post("/api/stocktakes", json={"warehouse_id": "wh-1"}).json()["id"]
    res = push(server, picker, "counter-handheld", mutation(
        1, "stocktake.line", id=uuid7(), session_id=sid, warehouse_id="wh-1", product_id="p-1",
        counted=6))  # fmt: skip
    assert res[0]["status"] == "applied", res
    with server.client(manager) as c:
        applied = c.post(f"/api/stocktakes/{sid}/apply").json()
        shown = c.get(f"/api/stocktakes/{sid}").json()
    want = [("p-1", 6, 0, 6)]
    assert [(x["product_id"], x["counted"], x["on_hand"], x["variance"])
            for x in applied["lines"]] == want  # fmt: skip
    assert shown["status"] == "applied"
    assert [(x["product_id"], x["counted"], x["on_hand"], x["variance"])
            for x in shown["lines"]] == want  # fmt: skip
    assert server.query("SELECT on_hand FROM stock_levels WHERE warehouse_id = 'wh-1'") == [
        {"on_hand": 6}
    ]
