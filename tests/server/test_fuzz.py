"""Schemathesis against the server's own OpenAPI schema: every operation, as an admin.

The live app (uvicorn, a fresh database of the run's kind) publishes ``/schema/openapi.json``;
schemathesis generates requests from it, valid and invalid, and checks every response: never a
5xx, only documented status codes, the documented content type, a body matching the schema.
Then a fuzz of the push with schema-valid mutations of every catalog name, and a sweep that
reads every list, export, report and order the two left behind. Bounded for CI (``FUZZ_EXAMPLES`` per operation, derandomized); ``ORDERLY_FUZZ_EXAMPLES=200``
runs a longer fuzz locally (docs/operations.md §5).
"""

from __future__ import annotations

import copy
import io
import json
import os
import time
import uuid
from collections.abc import Iterator

import msgspec
import openpyxl
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.admin.reports.service import REPORTS
from server.app import create_app
from server.config import Settings
from shared.mutations import CATALOG
from sync.hlc import Clock
from sync.protocol import SCHEMA_VERSION
from tests.dbs import TestDatabases as Databases
from tests.server.conftest import LiveServer, _server_factory

FUZZ_EXAMPLES = int(os.environ.get("ORDERLY_FUZZ_EXAMPLES", "12"))

# The one operation left out: GET /api/sync/events is a server-sent event stream that never
# ends, so there is no response to check (tests/server/test_api.py covers it with real pokes).
EXCLUDED_PATHS = ("/api/sync/events",)
# Operations that end the credential that calls them.
ENDS_ITS_TOKEN = frozenset({"/api/auth/logout"})


# The schema the app publishes at /schema/openapi.json, built in-process at collection time so
# each operation is its own test (test_served_schema_is_the_one_fuzzed checks they agree).
APP_SCHEMA = create_app(Settings()).openapi_schema.to_schema()
schema = schemathesis.openapi.from_dict(APP_SCHEMA).exclude(path=list(EXCLUDED_PATHS))


@pytest.fixture(scope="module")
def fuzz_server(databases: Databases) -> Iterator[LiveServer]:
    start, stop_all = _server_factory(databases)
    # The passkey ceremonies and the QR status page are rate limited per address: the fuzz
    # would test the limiter and nothing behind it (the limiters have their own tests).
    yield start(auth_rate_per_minute=1_000_000, qr_page_rate_per_minute=1_000_000)
    stop_all()


@pytest.fixture(scope="module")
def admin_token(fuzz_server: LiveServer) -> str:
    return fuzz_server.token()


def test_served_schema_is_the_one_fuzzed(fuzz_server: LiveServer) -> None:
    with fuzz_server.client() as client:
        assert client.get("/schema/openapi.json").json() == APP_SCHEMA


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation(case, fuzz_server: LiveServer, admin_token: str) -> None:
    # Two of schemathesis's checks stay off, on purpose:
    # - negative_data_rejection: Litestar converts request data with msgspec's non-strict
    #   mode, so ``"active": 0`` is taken as ``false``; schemathesis counts that as accepting
    #   invalid data. It is the framework's coercion, not a hole.
    # - positive_data_acceptance: a schema-valid request for an id that does not exist is a 404,
    #   and business rules (a lease for an order not in the warehouse, ...) are 400/409 with
    #   their own codes; random data cannot be "accepted". The tests of each module cover these.
    # Logging out with a bearer API token revokes it (docs/auth.md): that operation gets a token
    # of its own, or every operation after it would meet only 401s.
    token = fuzz_server.token() if case.path in ENDS_ITS_TOKEN else admin_token
    case.call_and_validate(
        base_url=fuzz_server.base_url,
        headers={"Authorization": f"Bearer {token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )


# ---- the push, one level deeper -------------------------------------------------------------
# The schema types a mutation's args as any object (the catalog is checked per name on the
# server), so the fuzz above almost never sends a mutation a rule would run. This one rewrites
# the push body from shared/mutations.py: one mutation, any catalog name with schema-valid args,
# on a new client each time; no 5xx, and no mutation answered ``internal_error`` (a rule that
# raised: the push stores it as rejected instead of failing, so only this check sees it).

HLC = r"^[0-9]{15}-[0-9]{5}-[A-Za-z0-9_-]{1,40}$"
# Every id in the args is one of these (customers, products and warehouses with them exist, see
# `seeded`), so an order.create can find its customer and products, and a later order.update,
# payment or transition finds that order: random ids would only ever meet "no such ...".
IDS = ["01a20ef8-bb81-7df6-98e9-d242037cb1f8", "01a20ef8-bb81-7858-b487-b2bb1c7b5f23",
       "01a20ef8-bb81-790f-a9c8-f02c43e1f322"]  # fmt: skip
ID_PATTERN = "^[A-Za-z0-9_-]+$"  # shared.mutations.Id


def _known_ids(node: object) -> object:
    if isinstance(node, dict):
        if node.get("pattern") == ID_PATTERN:
            return {"enum": IDS}
        return {k: _known_ids(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_known_ids(v) for v in node]
    return node


def _hlcs() -> list[str]:
    """HLCs the fuzz sends, relative to now (docs/protocol.md bounds them by the server's clock):
    one of now first (Hypothesis leans on the first choice), one a year ahead (clamped), one
    from before 2020 (refused bad_hlc). Any HLC the pattern allows would be 1970 nearly always."""
    now_ms = int(time.time() * 1000)
    return [f"{now_ms:015d}-00000-fuzz", f"{now_ms + 365 * 86_400_000:015d}-00007-fuzz",
            "001000000000000-00000-fuzz"]  # fmt: skip


def _push_schema() -> dict:
    names = sorted(CATALOG)
    args, defs = msgspec.json.schema_components(
        [CATALOG[n] for n in names], ref_template="#/components/schemas/Args_{name}"
    )
    one_mutation = {
        "oneOf": [
            {"type": "object", "additionalProperties": False,
             "required": ["id", "name", "args", "hlc"],
             "properties": {"id": {"const": 1}, "name": {"const": name}, "args": ref,
                            "hlc": {"enum": _hlcs()}}}
            for name, ref in zip(names, args, strict=True)
        ]
    }  # fmt: skip
    body = copy.deepcopy(APP_SCHEMA["components"]["schemas"]["PushRequest"])
    body["properties"]["schema"] = {"const": SCHEMA_VERSION}
    body["additionalProperties"] = False
    del body["properties"]["pending"]  # optional, and beside the point here
    body["properties"]["mutations"] = {
        "type": "array", "minItems": 1, "maxItems": 1, "items": one_mutation,
    }  # fmt: skip
    spec = copy.deepcopy(APP_SCHEMA)
    operation = spec["paths"]["/api/sync/push"]["post"]
    operation["requestBody"]["content"]["application/json"]["schema"] = body
    spec["paths"] = {"/api/sync/push": {"post": operation}}
    spec["components"]["schemas"].update({f"Args_{k}": _known_ids(v) for k, v in defs.items()})
    return spec


push_schema = schemathesis.openapi.from_dict(_push_schema())
push_schema.config.generation.update(modes=[GenerationMode.POSITIVE])


def no_internal_error(ctx, response, case) -> None:
    if response.status_code == 200:
        for result in response.json()["results"]:
            assert result["error"] != "internal_error", (case.body, result)


@pytest.fixture(scope="module")
def seeded(fuzz_server: LiveServer, admin_token: str) -> None:
    with fuzz_server.client(admin_token) as client:
        for n, id_ in enumerate(IDS):
            product = {"sku": f"FZ-{n}", "name": f"Fuzz {n}", "unit_price": 100 * (n + 1)}
            assert client.put(f"/api/catalog/products/{id_}", json=product).status_code == 200
            warehouse = {"id": id_, "code": f"FZ{n}", "name": f"Fuzz {n}"}
            assert client.post("/api/admin/warehouses", json=warehouse).status_code == 201
        clock = Clock("fuzzseed")
        mutations = [{"id": n + 1, "name": "customer.upsert", "hlc": str(clock.now()),
                      "args": {"id": id_, "name": f"Fuzz {n}"}} for n, id_ in enumerate(IDS)]  # fmt: skip
        body = {"client_id": "fuzz-seed", "schema": SCHEMA_VERSION, "mutations": mutations}
        results = client.post("/api/sync/push", json=body).json()["results"]
        assert [r["status"] for r in results] == ["applied"] * len(IDS), results


@push_schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES * 4,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_mutation(case, fuzz_server: LiveServer, admin_token: str, seeded: None) -> None:
    case.body["client_id"] = f"fuzz-{uuid.uuid4().hex}"  # a new device: mutation 1 is next
    case.call_and_validate(
        base_url=fuzz_server.base_url,
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance,
                no_internal_error],
    )  # fmt: skip


# ---- what the fuzz found, pinned as plain tests ---------------------------------------------


def test_xlsx_export_of_control_characters(fuzz_server: LiveServer, admin_token: str) -> None:
    # A product name with a vertical tab (valid JSON, valid text) broke the XLSX export with a
    # 500: XML 1.0 cannot hold it. The cell shows U+FFFD; CSV keeps the text as it is.
    with fuzz_server.client(admin_token) as client:
        made = client.post("/api/admin/products", json={"sku": "VT-1", "name": "tab\x0bhere",
                                                        "unit_price": 100})  # fmt: skip
        assert made.status_code == 201, made.text
        xlsx = client.get("/api/admin/products", params={"format": "xlsx", "q": "VT-1"})
        assert xlsx.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        assert "tab\ufffdhere" in [cell.value for cell in sheet["C"]]
        csv = client.get("/api/admin/products", params={"format": "csv", "q": "VT-1"})
        assert csv.headers["content-type"] == "text/csv; charset=utf-8"
        assert "tab\x0bhere" in csv.content.decode("utf-8-sig")


def test_catalog_numbers_beyond_the_columns(fuzz_server: LiveServer, admin_token: str) -> None:
    # safety_stock 2**40 reached PostgreSQL's 32-bit column and failed with a 500 there (SQLite
    # stored it); the catalog now takes the admin console's bounds, the same on both databases.
    with fuzz_server.client(admin_token) as client:
        for field, value in [("safety_stock", 2**40), ("reorder_point", 2**31),
                             ("unit_price", 2**70), ("unit_price", -1)]:  # fmt: skip
            body = {"sku": "BIG-1", "name": "Big", "unit_price": 1, field: value}
            r = client.put("/api/catalog/products/p-big", json=body)
            assert r.status_code == 400 and r.json()["code"] == "invalid_request", r.text
            assert field in r.json()["message"]
        ok = {"sku": "BIG-1", "name": "Big", "unit_price": 10**12, "safety_stock": 10**9}
        assert client.put("/api/catalog/products/p-big", json=ok).status_code == 200


def test_the_fuzz_ran_signed_in(fuzz_server: LiveServer, admin_token: str) -> None:
    # Runs after the fuzz (file order): had a fuzzed request revoked the admin's token, every
    # operation after it would have met only 401s and checked little.
    with fuzz_server.client(admin_token) as client:
        assert client.get("/api/auth/me").status_code == 200


def test_a_nul_in_mutation_args_rejects_that_mutation(
    fuzz_server: LiveServer, admin_token: str
) -> None:
    # On PostgreSQL a NUL inside a mutation's args failed the mutation log's insert and with it
    # the whole push (a 500 the device would retry forever). Now that one mutation is rejected
    # and logged without the NUL, on both databases, and the next one applies.
    clock = Clock("fuzzdevice")

    def mutation(mid: int, name: str) -> dict:
        args = {"id": f"c-nul-{mid}", "name": name}
        return {"id": mid, "name": "customer.upsert", "args": args, "hlc": str(clock.now())}

    body = {"client_id": "fuzz-device-1", "schema": SCHEMA_VERSION,
            "mutations": [mutation(1, "a\x00b"), mutation(2, "Plain")]}  # fmt: skip
    with fuzz_server.client(admin_token) as client:
        r = client.post("/api/sync/push", json=body)
    assert r.status_code == 200, r.text
    first, second = r.json()["results"]
    assert (first["status"], first["error"]) == ("rejected", "invalid_args")
    assert "NUL" in first["message"]
    assert second["status"] == "applied"
    logged = fuzz_server.query(
        "SELECT args FROM mutation_log WHERE client_id = ? AND mutation_id = 1", ["fuzz-device-1"]
    )
    args = logged[0]["args"]
    assert (json.loads(args) if isinstance(args, str) else args)["name"] == "a\ufffdb"


def test_every_list_reads_what_the_fuzz_wrote(fuzz_server: LiveServer, admin_token: str) -> None:
    # Runs after both fuzzes (file order): they left customers, products, orders, conflicts, ...
    # with odd text and numbers. Every list still reads, as JSON and as each export file, and so
    # does every report and every order (the XLSX 500 above was found this way: a product the
    # fuzz had made broke a later export).
    paths = APP_SCHEMA["paths"]
    lists = [
        path for path, ops in paths.items()
        if "get" in ops and "{" not in path and path not in EXCLUDED_PATHS
        and not any(p.get("required") for p in ops["get"].get("parameters", []))
    ] + [f"/api/admin/reports/{name}" for name in REPORTS]  # fmt: skip
    orders = [row["id"] for row in fuzz_server.query("SELECT id FROM orders")]
    assert orders, "the mutation fuzz made no order: it no longer reaches the sync rules"
    with fuzz_server.client(admin_token) as client:  # fails on any 5xx
        for path in lists:
            exports = "format" in {p["name"] for p in paths.get(path, paths[
                "/api/admin/reports/{name}"])["get"].get("parameters", [])}  # fmt: skip
            for fmt in [None, "csv", "xlsx"] if exports else [None]:
                r = client.get(path, params={"format": fmt} if fmt else {})
                assert r.status_code in (200, 400), (path, fmt, r.text)
        for order_id in orders[:50]:
            assert client.get(f"/api/admin/orders/{order_id}").status_code == 200


def test_a_base_version_beyond_64_bits_is_invalid_args(
    fuzz_server: LiveServer, admin_token: str
) -> None:
    # base_version was any integer: -2**65 reached the database's history lookup and failed
    # there ("internal_error", stored for an admin). Now the catalog bounds it like mutation ids.
    clock = Clock("fuzzdevice")
    mutations = [{"id": n + 1, "name": "customer.upsert", "hlc": str(clock.now()),
                  "args": {"id": f"c-ver-{n}", "name": "V", "base_version": version}}
                 for n, version in enumerate([-(2**65), 2**64, -1])]  # fmt: skip
    body = {"client_id": "fuzz-device-2", "schema": SCHEMA_VERSION, "mutations": mutations}
    with fuzz_server.client(admin_token) as client:
        results = client.post("/api/sync/push", json=body).json()["results"]
    assert [(r["status"], r["error"]) for r in results] == [("rejected", "invalid_args")] * 3
