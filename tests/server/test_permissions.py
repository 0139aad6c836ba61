"""Roles and permissions on the server: a case for every role/permission pair and every
role/mutation pair of shared/roles.py, every API endpoint guarded, and pulls limited to scope."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import httpx
import pytest

from server.app import create_app
from server.db.sync_store import SqlSyncStore
from shared.roles import ALL_MUTATIONS, PERMISSIONS, ROLES, has_permission, may_send
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation, push_body

WAREHOUSE = "wh-1"
_names = itertools.count()


def _pull(c: httpx.Client) -> httpx.Response:
    return c.post("/api/sync/pull", json={"client_id": f"perm-{uuid7()}", "schema": 1})


def _invite(c: httpx.Client) -> httpx.Response:
    return c.post("/api/admin/users", json={"name": f"new{next(_names)}", "role": "sales"})


# permission -> a request that needs exactly it, and the answers it gives when allowed.
PROBES: dict[str, tuple[Callable[[httpx.Client], httpx.Response], set[int]]] = {
    "sync": (_pull, {200}),
    "users.read": (lambda c: c.get("/api/admin/users"), {200}),
    "users.manage": (_invite, {201}),
    "devices.read": (lambda c: c.get("/api/admin/devices"), {200}),
    "devices.revoke": (lambda c: c.post("/api/admin/devices/no-such/revoke"), {404}),
    "passkeys.revoke": (lambda c: c.post("/api/admin/passkeys/no-such/revoke"), {404}),
    "catalog.edit": (
        lambda c: c.put("/api/catalog/products/p-probe",
                        json={"sku": "PROBE", "name": "Probe", "unit_price": 100}),  # fmt: skip
        {200},
    ),
    "audit.read": (lambda c: c.get("/api/admin/audit"), {200}),
    # No such order: allowed roles get past the permission check to the 404.
    "qr.read": (lambda c: c.get(f"/api/orders/{uuid7()}/qr"), {404}),
    "qr.reissue": (lambda c: c.post(f"/api/orders/{uuid7()}/qr/reissue"), {404}),
    # API tokens have no device: allowed roles get past the permission check to the 409.
    "redemptions.lease": (
        lambda c: c.post("/api/redemption-leases", json={"order_ids": [uuid7()], "minutes": 5}),
        {409},
    ),
    # The probing warehouse user's warehouse: a session opens (404 if it does not exist).
    "stocktakes.run": (
        lambda c: c.post("/api/stocktakes", json={"warehouse_id": WAREHOUSE}), {201, 404}
    ),
    "stocktakes.apply": (lambda c: c.post("/api/stocktakes/no-such/apply"), {404}),
    "reports.read": (lambda c: c.get("/api/admin/reports/sales"), {200}),
    # A dry run of an empty file: allowed roles get past the permission check to the 400.
    "imports.run": (
        lambda c: c.post("/api/admin/import/orders", params={"dry_run": "true"}, content=b""),
        {400},
    ),
    "orders.review": (lambda c: c.get("/api/admin/review"), {200}),
    "orders.read": (lambda c: c.get("/api/admin/orders", params={"limit": 1}), {200}),
    # No such order: allowed roles get past the permission check to the 404.
    "orders.assign": (
        lambda c: c.post(f"/api/admin/orders/{uuid7()}/assign", json={"warehouse_id": None}),
        {404},
    ),
    "inventory.read": (lambda c: c.get("/api/admin/stock"), {200}),
    # No such product: allowed roles get past the permission check to the 404.
    "inventory.manage": (
        lambda c: c.patch("/api/admin/products/no-such", json={"name": "Probe"}),
        {404},
    ),
    # The default credit-limit rule, saved as it is: nothing changes for the other probes.
    "reviewrules.edit": (
        lambda c: c.put("/api/admin/review-rules", json={"credit_limit": {"enabled": True}}),
        {200},
    ),
    "aftersales.read": (lambda c: c.get("/api/admin/after-sales"), {200}),
    # No such case: allowed roles get past the permission check to the 404.
    "aftersales.manage": (
        lambda c: c.patch(f"/api/admin/after-sales/{uuid7()}", json={"status": "in_progress"}),
        {404},
    ),
    "refunds.record": (
        lambda c: c.post(
            f"/api/admin/after-sales/{uuid7()}/refund", json={"amount": 100, "method": "cash"}
        ),
        {404},
    ),
}


# Permissions checked inside a pushed mutation: the push answers 200 and the mutation's result
# says ``forbidden``. Each probe pushes, as the role, a mutation that needs exactly it.
def _resolve_others_conflict(c: httpx.Client, conflict_id: str) -> dict:
    batch = [mutation(1, "conflict.resolve", id=conflict_id, resolution="admin")]
    r = c.post("/api/sync/push", json=push_body(f"perm-{uuid7()}", batch))
    assert r.status_code == 200, r.text
    return r.json()["results"][0]


def _review_redemption(c: httpx.Client, _: str) -> dict:
    batch = [mutation(1, "redemption.review", id="no-such-redemption", approve=True)]
    r = c.post("/api/sync/push", json=push_body(f"perm-{uuid7()}", batch))
    assert r.status_code == 200, r.text
    return r.json()["results"][0]


MUTATION_PROBES: dict[str, Callable[[httpx.Client, str], dict]] = {
    "conflicts.resolve": _resolve_others_conflict,
    "redemptions.review": _review_redemption,
}
# What an allowed role's probe answers (past the permission check).
MUTATION_ALLOWED: dict[str, set[tuple[str, str | None]]] = {
    # The first allowed role refers it to an admin; referring it again is a no-op.
    "conflicts.resolve": {("applied", None), ("merged", None)},
    "redemptions.review": {("rejected", "invalid_args")},  # no such redemption
}


def test_every_permission_has_a_probe():
    assert set(PROBES) | set(MUTATION_PROBES) == set(PERMISSIONS)
    assert not set(PROBES) & set(MUTATION_PROBES)


@pytest.fixture(scope="module")
def others_conflict(shared_server: LiveServer) -> str:
    """A conflict caused by a user none of the probing roles is: an edit of a missing order."""
    token = shared_server.token("perm-author", "sales")
    edit = {"id": uuid7(), "base_version": 1, "set": {"priority": "high"}}
    with shared_server.client(token) as c:
        body = c.post("/api/sync/push", json=push_body(f"author-{uuid7()}",
                                                       [mutation(1, "order.update", **edit)]))  # fmt: skip
    (result,) = body.json()["results"]
    assert result["status"] == "conflict", result
    return result["conflict_id"]


@pytest.fixture(scope="module")
def tokens(shared_server: LiveServer) -> dict[str, str]:
    return {
        role: shared_server.token(f"perm-{role}", role, WAREHOUSE if role == "warehouse" else None)
        for role in ROLES
    }


@pytest.mark.parametrize(("role", "permission"), list(itertools.product(ROLES, PERMISSIONS)))
def test_role_permission(
    shared_server: LiveServer,
    tokens: dict[str, str],
    others_conflict: str,
    role: str,
    permission: str,
):
    if permission in MUTATION_PROBES:
        with shared_server.client(tokens[role]) as c:
            result = MUTATION_PROBES[permission](c, others_conflict)
        if has_permission(role, permission):
            got = (result["status"], result["error"])
            assert got in MUTATION_ALLOWED[permission], (role, permission, result)
        else:
            assert (result["status"], result["error"]) == ("rejected", "forbidden"), result
        return
    probe, allowed_codes = PROBES[permission]
    with shared_server.client(tokens[role]) as c:
        r = probe(c)
    if has_permission(role, permission):
        assert r.status_code in allowed_codes, (role, permission, r.text)
    else:
        assert r.status_code == 403, (role, permission, r.text)
        assert r.json()["code"] == "forbidden"


@pytest.mark.parametrize("role", ROLES)
def test_role_mutations(shared_server: LiveServer, tokens: dict[str, str], role: str):
    """Every mutation of the catalog, sent by every role: forbidden ones are stored rejected
    with ``forbidden``; allowed ones get past the permission check (to the args check)."""
    names = sorted(ALL_MUTATIONS)
    batch = [mutation(i + 1, name, bogus=1) for i, name in enumerate(names)]
    client_id = f"perm-{role}-{uuid7()}"
    with shared_server.client(tokens[role]) as c:
        results = c.post("/api/sync/push", json=push_body(client_id, batch)).json()["results"]
    for name, result in zip(names, results, strict=True):
        assert result["status"] == "rejected"
        if may_send(role, name):
            assert result["error"] == "invalid_args", (role, name, result)
        else:
            assert result["error"] == "forbidden", (role, name, result)
    logged = shared_server.query(
        "SELECT name, error FROM mutation_log WHERE client_id = ? ORDER BY mutation_id",
        (client_id,),
    )
    assert [(r["name"], r["error"]) for r in logged] == [
        (n, "invalid_args" if may_send(role, n) else "forbidden") for n in names
    ]


# Endpoints anyone may call: the ceremonies (the passkey or the enrollment token is the
# credential), health, schema.
PUBLIC = {
    "/api/health",
    "/q/{token:str}",
    "/Q/{token:str}",
    "/api/auth/enroll/about",
    "/api/auth/enroll/begin",
    "/api/auth/enroll/finish",
    "/api/auth/login/begin",
    "/api/auth/login/finish",
}


def test_every_api_endpoint_is_guarded():
    app = create_app()
    unguarded = []
    for route in app.routes:
        if not route.path.startswith("/api/") or route.path in PUBLIC:
            continue
        for handler in getattr(route, "route_handlers", []):
            if set(handler.http_methods) <= {"OPTIONS", "HEAD"}:
                continue  # Litestar's own OPTIONS answers
            if not {"me", "actor"} & set(handler.resolve_dependencies()):
                unguarded.append(route.path)
            else:
                # A guarded handler must actually ask for it (a parameter that uses it).
                assert {"me", "actor"} & set(handler.parsed_fn_signature.parameters), route.path
    assert unguarded == []


# ---- scope ------------------------------------------------------------------------------------


def test_a_reps_pull_never_holds_another_reps_rows(live_server: LiveServer):
    rep1, rep2 = live_server.token("rep1", "sales"), live_server.token("rep2", "sales")
    admin = live_server.token("boss", "admin")
    with live_server.client(admin) as c:
        c.put("/api/catalog/products/p-1", json={"sku": "T1", "name": "Tea", "unit_price": 500})
    mine: dict[str, set[str]] = {}
    for name, token in (("rep1", rep1), ("rep2", rep2)):
        customer, order = uuid7(), uuid7()
        create = {"id": order, "number": f"{name}-1", "customer_id": customer,
                  "lines": [{"id": uuid7(), "product_id": "p-1", "qty": 2, "unit_price": 500}]}  # fmt: skip
        batch = [mutation(1, "customer.upsert", id=customer, name=f"{name}'s customer"),
                 mutation(2, "order.create", **create)]  # fmt: skip
        with live_server.client(token) as c:
            r = c.post("/api/sync/push", json=push_body(f"{name}-phone", batch)).json()
            assert [x["status"] for x in r["results"]] == ["applied", "applied"]
        mine[name] = {customer, order}

    assert pulled(live_server, rep1) == mine["rep1"]
    assert pulled(live_server, rep2) == mine["rep2"]
    assert pulled(live_server, admin) == mine["rep1"] | mine["rep2"]


def pulled(server: LiveServer, token: str, tables=("customers", "orders")) -> set[str]:
    """The ids of every row of ``tables`` an initial sync with ``token`` brings."""
    ids, cursor = set(), None
    with server.client(token) as c:
        while True:
            body = c.post("/api/sync/pull", json={"client_id": f"p-{uuid7()}", "schema": 1,
                                                  "cursor": cursor}).json()  # fmt: skip
            ids |= {ch["id"] for ch in body["changes"] if ch["t"] in tables}
            cursor = body["cursor"]
            if not body["more"]:
                return ids


def test_a_warehouse_pulls_only_its_own_orders(live_server: LiveServer):
    manager = live_server.token("mgr", "manager")
    picker = live_server.token("picker", "warehouse", "wh-1")

    async def warehouses(db) -> None:
        rows = [{"id": w, "code": w.upper(), "name": w} for w in ("wh-1", "wh-2")]
        await put_rows(SqlSyncStore(db), Actor("u-admin", "admin"), "warehouses", rows)

    live_server.run_db(warehouses)
    with live_server.client(manager) as c:
        c.put("/api/catalog/products/p-1", json={"sku": "T1", "name": "Tea", "unit_price": 500})
        customer = uuid7()
        batch = [mutation(1, "customer.upsert", id=customer, name="Shop")]
        orders = {}
        for i, wh in enumerate(["wh-1", "wh-2", "wh-1"]):
            order = uuid7()
            orders[order] = wh
            batch.append(mutation(i + 2, "order.create", id=order, number=f"M-{i}",
                                  customer_id=customer, warehouse_id=wh, lines=[
                                      {"id": uuid7(), "product_id": "p-1", "qty": 1,
                                       "unit_price": 500}]))  # fmt: skip
        r = c.post("/api/sync/push", json=push_body("mgr-desk", batch)).json()
        assert {x["status"] for x in r["results"]} == {"applied"}, r
    got = pulled(live_server, picker, ("orders",))
    assert got == {o for o, wh in orders.items() if wh == "wh-1"}
    assert pulled(live_server, picker, ("customers",)) == set()


def test_a_warehouse_user_cannot_change_prices(live_server: LiveServer):
    admin = live_server.token("boss", "admin")
    picker = live_server.token("picker", "warehouse", WAREHOUSE)
    with live_server.client(admin) as c:
        assert c.put("/api/catalog/products/p-1",
                     json={"sku": "T1", "name": "Tea", "unit_price": 500}).status_code == 200  # fmt: skip
    with live_server.client(picker) as c:
        r = c.put("/api/catalog/products/p-1", json={"sku": "T1", "name": "Tea", "unit_price": 1})
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
        line = {"order_id": uuid7(), "base_version": 1,
                "line": {"id": uuid7(), "product_id": "p-1", "qty": 1, "unit_price": 1}}  # fmt: skip
        r = c.post("/api/sync/push",
                   json=push_body("picker-scanner", [mutation(1, "order.line.upsert", **line)]))  # fmt: skip
        assert r.json()["results"][0]["error"] == "forbidden"
    assert live_server.query("SELECT unit_price FROM products") == [{"unit_price": 500}]
