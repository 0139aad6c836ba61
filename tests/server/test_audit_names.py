"""The audit log in words (docs/admin.md § Audit log): each entry's subject named (the order a
pushed mutation changed, the user an admin changed), the subject filter finding entries by those
names ("SAPI-00101", "Café"), the list of actions the filter offers, and the export's names."""

from __future__ import annotations

import csv
import io
from typing import Any

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation
from tests.server.test_warehouse import push


def test_subjects_are_named_and_found_by_name(live_server: LiveServer) -> None:
    server = live_server

    async def catalog(db: Any) -> None:
        await put_rows(SqlSyncStore(db), Actor("u-admin", "admin"), "products",
                       [{"id": "p-1", "sku": "T1", "name": "Tea", "unit_price": 500}])  # fmt: skip

    server.run_db(catalog)
    boss, rep = server.token("boss", "admin"), server.token("rita", "sales")
    customer, order, other = uuid7(), uuid7(), uuid7()
    line = {"id": uuid7(), "product_id": "p-1", "qty": 1, "unit_price": 500}
    results = push(server, rep, "rita-phone",
                   mutation(1, "customer.upsert", id=customer, name="Café Lumière"),
                   mutation(2, "order.create", id=order, number="SAPI-00101",
                            customer_id=customer, lines=[line]),
                   mutation(3, "order.create", id=other, number="SAPI-00202",
                            customer_id=customer, lines=[{**line, "id": uuid7()}]),
                   mutation(4, "payment.record", id=uuid7(), order_id=order, method="cash",
                            amount=500))  # fmt: skip
    assert [r["status"] for r in results] == ["applied"] * 4
    rita = server.user_id("rita")
    with server.client(boss) as c:
        assert c.patch(f"/api/admin/users/{rita}", json={"role": "support"}).status_code == 200

        def audit(**params: str) -> dict[str, Any]:
            r = c.get("/api/admin/audit", params=params)
            assert r.status_code == 200, r.text
            return r.json()

        # Every subject that names a record says which, in words.
        page = audit()
        named = {e["subject"]: page["subjects"].get(e["subject"]) for e in page["rows"]}
        assert named["rita-phone#1"] == {"kind": "customer", "id": customer,
                                         "name": "Café Lumière", "mutation": "customer.upsert"}
        assert named["rita-phone#2"]["name"] == named["rita-phone#4"]["name"] == "SAPI-00101"
        assert named["rita-phone#4"]["mutation"] == "payment.record"  # the order's payment
        assert named[rita] == {"kind": "user", "id": rita, "name": "rita", "mutation": None}

        # The order's number finds its mutations (the creation, the payment), not the other's.
        found = audit(subject="SAPI-00101")
        assert {e["subject"] for e in found["rows"]} == {"rita-phone#2", "rita-phone#4"}
        assert found["total"] == 2
        assert {e["subject"] for e in audit(subject="café")["rows"]} == {"rita-phone#1"}
        assert {e["action"] for e in audit(subject="rita")["rows"]} >= {"admin.user_changed"}
        # The stored subject still matches as before (exactly, * a wildcard).
        assert {e["subject"] for e in audit(subject="rita-phone#*")["rows"]} == {
            f"rita-phone#{i}" for i in range(1, 5)}
        assert audit(subject="nothing-like-this")["total"] == 0

        # The actions the filter offers: what the log holds, with counts.
        actions = {a["action"]: a["count"] for a in c.get("/api/admin/audit/actions").json()}
        assert actions["mutation.applied"] == 4
        assert actions["admin.user_changed"] == 1
        assert "users.changed" not in actions

        # The export names the subjects too.
        text = c.get("/api/admin/audit", params={"format": "csv",
                                                 "subject": "SAPI-00101"}).text  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {(r["subject_kind"], r["subject_name"]) for r in rows} == {("order", "SAPI-00101")}


def test_the_actions_list_needs_audit_read(live_server: LiveServer) -> None:
    with live_server.client(live_server.token("rep", "sales")) as c:
        assert c.get("/api/admin/audit/actions").status_code == 403
