"""The HTTP API over real HTTP: every bad input gets JSON with a stable ``code`` and a readable
``message`` -- never a 500, never a silent drop -- and the good paths work end to end.

Every client here comes from ``live_server.client()``, which fails the test on any 5xx.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sync.hlc import Clock
from sync.ids import uuid7
from sync.protocol import SCHEMA_VERSION
from tests.server.conftest import LiveServer

PUSH = "/api/sync/push"
PULL = "/api/sync/pull"
EVENTS = "/api/sync/events"
DEFAULT_MAX_BYTES = 4 * 1024 * 1024

_clock = Clock("apitest")


def mutation(mid: int, op: str = "customer.upsert", /, **args: Any) -> dict[str, Any]:
    """Mutation ``mid``: ``op`` with ``args`` (by default a new customer)."""
    if op == "customer.upsert" and not args:
        args = {"id": uuid7(), "name": f"Customer {mid}"}
    return {"id": mid, "name": op, "args": args, "hlc": str(_clock.now())}


def push_body(client_id: str, mutations: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"client_id": client_id, "schema": SCHEMA_VERSION, "mutations": mutations, **extra}


def pull_body(client_id: str, cursor: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"client_id": client_id, "schema": SCHEMA_VERSION, "cursor": cursor, **extra}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    return body


def pull_all(client: httpx.Client, client_id: str, cursor: str | None = None) -> tuple[list, dict]:
    """Pull until ``more`` is false: (all changes, the last response)."""
    changes: list[dict[str, Any]] = []
    for _ in range(100):
        r = client.post(PULL, json=pull_body(client_id, cursor))
        assert r.status_code == 200, r.text
        body = r.json()
        changes.extend(body["changes"])
        cursor = body["cursor"]
        if not body["more"]:
            return changes, body
    raise AssertionError("pull never finished")


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An admin's client on this test's own server and fresh database."""
    with live_server.client(live_server.token("admin", "admin")) as client:
        yield client


@pytest.fixture(scope="module")
def shared_admin(shared_server: LiveServer) -> Iterator[httpx.Client]:
    """An admin's client on the module's shared server (for refused or read-only requests)."""
    with shared_server.client(shared_server.token("admin", "admin")) as client:
        yield client


def stored_for(live: LiveServer, client_id: str) -> list[dict[str, Any]]:
    """What the server stored for ``client_id``: its mutations and its client row."""
    return live.query(
        "SELECT mutation_id AS n FROM mutation_log WHERE client_id = ?"
        " UNION ALL SELECT last_mutation_id AS n FROM sync_clients WHERE client_id = ?",
        (client_id, client_id),
    )


# ---- health, schema, routing ---------------------------------------------------------------


def test_health(live_server: LiveServer) -> None:
    with live_server.client() as client:  # no token needed
        r = client.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["schema"] == SCHEMA_VERSION
    assert body["database"] == ("postgres" if live_server.settings.is_postgres else "sqlite")
    assert body["last_seq"] == 1  # the server signing key, published at start (docs/qr.md)


def test_openapi_lists_the_sync_and_health_paths(shared_server: LiveServer) -> None:
    with shared_server.client() as client:
        r = client.get("/schema/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert {PUSH, PULL, EVENTS, "/api/health"} <= set(paths)
    assert "post" in paths[PUSH] and "post" in paths[PULL]
    assert "get" in paths[EVENTS] and "get" in paths["/api/health"]


@pytest.mark.parametrize("path", ["/api/nope", "/api/sync/nope", "/no/such/page"])
def test_unknown_path_is_a_json_404(shared_admin: httpx.Client, path: str) -> None:
    assert_error(shared_admin.get(path), 404, "not_found")
    if path.startswith("/api/"):
        # Not a 405 from the PWA's GET-only catch-all route.
        assert_error(shared_admin.post(path, json={}), 404, "not_found")


def test_wrong_method_is_a_json_405(shared_admin: httpx.Client) -> None:
    assert_error(shared_admin.get(PUSH), 405, "method_not_allowed")


# ---- 400: malformed JSON and wrong types ---------------------------------------------------


@pytest.mark.parametrize("path", [PUSH, PULL])
@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"client_id": "client-0001", "schema": 1,', b"\xff\xfe\x00", b"hello"],
    ids=["garbage", "truncated", "binary", "bare-word"],
)
def test_malformed_json_is_400(shared_admin: httpx.Client, path: str, raw: bytes) -> None:
    r = shared_admin.post(path, content=raw, headers={"content-type": "application/json"})
    assert_error(r, 400, "malformed_json")


PUSH_WRONG_TYPES = {
    "array-body": [],
    "string-body": "push",
    "empty-object": {},
    "null-body": None,
    "schema-string": {"client_id": "client-0001", "schema": "one", "mutations": []},
    "schema-float": {"client_id": "client-0001", "schema": 1.5, "mutations": []},
    "mutations-object": {"client_id": "client-0001", "schema": 1, "mutations": {}},
    "client-id-int": {"client_id": 12345678, "schema": 1, "mutations": []},
    "client-id-short": {"client_id": "abc", "schema": 1, "mutations": []},
    "client-id-bad-chars": {"client_id": "client 0001!", "schema": 1, "mutations": []},
    "unknown-field": {"client_id": "client-0001", "schema": 1, "mutations": [], "x": 1},
    "mutation-id-string": {
        "client_id": "client-0001",
        "schema": 1,
        "mutations": [{"id": "first", "name": "customer.upsert", "args": {}, "hlc": "h"}],
    },
    "mutation-id-zero": {
        "client_id": "client-0001",
        "schema": 1,
        "mutations": [{"id": 0, "name": "customer.upsert", "args": {}, "hlc": "h"}],
    },
    "args-list": {
        "client_id": "client-0001",
        "schema": 1,
        "mutations": [{"id": 1, "name": "customer.upsert", "args": [], "hlc": "h"}],
    },
    "missing-hlc": {
        "client_id": "client-0001",
        "schema": 1,
        "mutations": [{"id": 1, "name": "customer.upsert", "args": {}}],
    },
    "pending-list": {"client_id": "client-0001", "schema": 1, "mutations": [], "pending": [2]},
    "name-int": {
        "client_id": "client-0001",
        "schema": 1,
        "mutations": [{"id": 1, "name": 7, "args": {}, "hlc": "h"}],
    },
    # Values the wire types allow but the database cannot hold (were 500s).
    "pending-too-big": {"client_id": "client-0001", "schema": 1, "mutations": [], "pending": 2**31},
    "pending-huge": {"client_id": "client-0001", "schema": 1, "mutations": [], "pending": 2**63},
    "pending-negative": {"client_id": "client-0001", "schema": 1, "mutations": [], "pending": -1},
    "nul-in-name": {
        "client_id": "client-0001",
        "schema": 1,
        "mutations": [{"id": 1, "name": "order\u0000create", "args": {}, "hlc": "h"}],
    },
    "nul-in-hlc": {
        "client_id": "client-0001",
        "schema": 1,
        "mutations": [{"id": 1, "name": "customer.upsert", "args": {}, "hlc": "h\u0000"}],
    },
}


@pytest.mark.parametrize("path", [PUSH, PULL])
def test_an_empty_body_is_400(shared_admin: httpx.Client, path: str) -> None:
    r = shared_admin.post(path, content=b"", headers={"content-type": "application/json"})
    assert "body is empty" in assert_error(r, 400, "invalid_request")["message"]


@pytest.mark.parametrize("body", PUSH_WRONG_TYPES.values(), ids=PUSH_WRONG_TYPES.keys())
def test_push_with_wrong_types_is_400(
    shared_server: LiveServer, shared_admin: httpx.Client, body: Any
) -> None:
    r = shared_admin.post(
        PUSH, content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert_error(r, 400, "invalid_request")
    # Nothing of a refused request is stored.
    assert stored_for(shared_server, "client-0001") == []


PULL_WRONG_TYPES = {
    "array-body": [],
    "empty-object": {},
    "null-body": None,
    "schema-string": {"client_id": "client-0001", "schema": "one"},
    "cursor-int": {"client_id": "client-0001", "schema": 1, "cursor": 5},
    "limit-zero": {"client_id": "client-0001", "schema": 1, "limit": 0},
    "limit-string": {"client_id": "client-0001", "schema": 1, "limit": "ten"},
    "limit-too-big": {"client_id": "client-0001", "schema": 1, "limit": 10_001},
    "unknown-field": {"client_id": "client-0001", "schema": 1, "since": 3},
}


@pytest.mark.parametrize("body", PULL_WRONG_TYPES.values(), ids=PULL_WRONG_TYPES.keys())
def test_pull_with_wrong_types_is_400(shared_admin: httpx.Client, body: Any) -> None:
    r = shared_admin.post(
        PULL, content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert_error(r, 400, "invalid_request")


@pytest.mark.parametrize("cursor", ["garbage", "d.1.2.3", "a\u0000b", "x" * 200])
def test_pull_with_a_cursor_the_server_never_issued_is_400(
    shared_admin: httpx.Client, cursor: str
) -> None:
    assert_error(shared_admin.post(PULL, json=pull_body("client-0001", cursor)), 400, "bad_cursor")


# ---- unknown mutation: stored as rejected --------------------------------------------------


def test_unknown_mutation_is_stored_as_rejected(
    live_server: LiveServer, admin: httpx.Client
) -> None:
    good = mutation(2)
    r = admin.post(
        PUSH,
        json=push_body(
            "client-unknown", [mutation(1, "order.teleport", id="o-1", to="mars"), good]
        ),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["last_mutation_id"] == 2
    first, second = body["results"]
    assert first["id"] == 1 and first["status"] == "rejected"
    assert first["error"] == "unknown_mutation"
    assert isinstance(first["message"], str) and first["message"]
    # The rejection neither stops the batch nor is dropped.
    assert second == {**second, "id": 2, "status": "applied"}

    rows = live_server.query(
        "SELECT mutation_id, name, args, hlc, status, error, message, user_id FROM mutation_log"
        " WHERE client_id = ? ORDER BY mutation_id",
        ("client-unknown",),
    )
    assert [(r["mutation_id"], r["status"]) for r in rows] == [(1, "rejected"), (2, "applied")]
    rejected = rows[0]
    assert rejected["name"] == "order.teleport"
    assert rejected["error"] == "unknown_mutation" and rejected["message"]
    assert json.loads(rejected["args"]) == {"id": "o-1", "to": "mars"}
    assert rejected["user_id"] == live_server.user_id("admin")

    # A retry of the rejected mutation is a duplicate carrying its first outcome.
    r = admin.post(PUSH, json=push_body("client-unknown", [mutation(1, "order.teleport")]))
    assert r.status_code == 200, r.text
    (dup,) = r.json()["results"]
    assert (dup["id"], dup["status"], dup["error"]) == (1, "duplicate", "unknown_mutation")


# ---- 409: mutation id gap ------------------------------------------------------------------


def test_a_gap_after_the_last_applied_id_is_409_with_the_servers_last_id(
    live_server: LiveServer, admin: httpx.Client
) -> None:
    r = admin.post(PUSH, json=push_body("client-gap", [mutation(1), mutation(2), mutation(3)]))
    assert r.status_code == 200 and r.json()["last_mutation_id"] == 3

    body = assert_error(
        admin.post(PUSH, json=push_body("client-gap", [mutation(5), mutation(6)])),
        409,
        "mutation_gap",
    )
    assert body["last_mutation_id"] == 3
    (server,) = live_server.query(
        "SELECT last_mutation_id FROM sync_clients WHERE client_id = ?", ("client-gap",)
    )
    assert server["last_mutation_id"] == 3
    # Nothing of the refused batch was stored; resending from last+1 works.
    assert len(live_server.query("SELECT 1 FROM mutation_log WHERE client_id = 'client-gap'")) == 3
    r = admin.post(PUSH, json=push_body("client-gap", [mutation(4), mutation(5)]))
    assert r.status_code == 200 and r.json()["last_mutation_id"] == 5


def test_a_first_push_that_does_not_start_at_1_is_409(
    shared_server: LiveServer, shared_admin: httpx.Client
) -> None:
    body = assert_error(
        shared_admin.post(PUSH, json=push_body("client-new1", [mutation(2), mutation(3)])),
        409,
        "mutation_gap",
    )
    assert body["last_mutation_id"] == 0
    assert stored_for(shared_server, "client-new1") == []


@pytest.mark.parametrize("ids", [[4, 6], [4, 4], [4, 3], [4, 5, 7]])
def test_a_gap_inside_a_batch_is_409_with_the_servers_last_id(
    live_server: LiveServer, admin: httpx.Client, ids: list[int]
) -> None:
    admin.post(PUSH, json=push_body("client-gap2", [mutation(i) for i in (1, 2, 3)]))
    body = assert_error(
        admin.post(PUSH, json=push_body("client-gap2", [mutation(i) for i in ids])),
        409,
        "mutation_gap",
    )
    assert body["last_mutation_id"] == 3
    assert len(live_server.query("SELECT 1 FROM mutation_log WHERE client_id = 'client-gap2'")) == 3


# ---- 413: batch limits ---------------------------------------------------------------------


def test_too_many_mutations_is_413_with_the_limits(serve) -> None:
    live = serve(push_max_mutations=5)
    with live.client(live.token()) as client:
        body = assert_error(
            client.post(PUSH, json=push_body("client-many", [mutation(i) for i in range(1, 7)])),
            413,
            "too_large",
        )
        assert body["limits"] == {"max_mutations": 5, "max_bytes": DEFAULT_MAX_BYTES}
        assert live.query("SELECT 1 FROM mutation_log") == []
        # Exactly the limit is fine.
        r = client.post(PUSH, json=push_body("client-many", [mutation(i) for i in range(1, 6)]))
        assert r.status_code == 200 and r.json()["last_mutation_id"] == 5


def test_too_many_bytes_is_413_with_the_limits(serve) -> None:
    live = serve(push_max_bytes=2048)
    big = mutation(1, "customer.upsert", id=uuid7(), name="x", address="a" * 4000)
    with live.client(live.token()) as client:
        body = assert_error(
            client.post(PUSH, json=push_body("client-big", [big])), 413, "too_large"
        )
        assert body["limits"] == {"max_mutations": 1000, "max_bytes": 2048}
        # Also when the body comes chunked, without a Content-Length up front.
        raw = json.dumps(push_body("client-big", [big])).encode()
        chunks = iter([raw[i : i + 512] for i in range(0, len(raw), 512)])
        r = client.post(PUSH, content=chunks, headers={"content-type": "application/json"})
        assert assert_error(r, 413, "too_large")["limits"]["max_bytes"] == 2048
        assert live.query("SELECT 1 FROM mutation_log") == []
        # A push under the limit is fine.
        r = client.post(PUSH, json=push_body("client-big", [mutation(1)]))
        assert r.status_code == 200, r.text


# ---- 401: tokens ---------------------------------------------------------------------------

BAD_AUTH = {
    "missing": None,
    "basic-scheme": "Basic YWRtaW46YWRtaW4=",
    "bearer-without-token": "Bearer",
    "token-without-scheme": "oly_abcdefghijklmnopqrstuvwxyz",
    "unknown-token": "Bearer oly_" + "A" * 43,
    "not-our-prefix": "Bearer abc.def.ghi",
    "overlong-token": "Bearer oly_" + "x" * 500,
}


@pytest.mark.parametrize("header", BAD_AUTH.values(), ids=BAD_AUTH.keys())
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", PUSH, push_body("client-auth", [mutation(1)])),
        ("POST", PULL, pull_body("client-auth")),
        ("GET", EVENTS, None),
    ],
    ids=["push", "pull", "events"],
)
def test_a_missing_or_bad_token_is_401(
    shared_server: LiveServer,
    shared_admin: httpx.Client,  # a real token exists; the one sent is still not it
    header: str | None,
    method: str,
    path: str,
    body: Any,
) -> None:
    headers = {"Authorization": header} if header else {}
    with shared_server.client(headers=headers) as client:
        r = client.request(method, path, json=body)
    assert_error(r, 401, "unauthorized")
    assert stored_for(shared_server, "client-auth") == []


def test_a_revoked_token_or_disabled_user_is_401(live_server: LiveServer) -> None:
    token = live_server.token("rep9", "sales")
    with live_server.client(token) as client:
        assert client.post(PULL, json=pull_body("client-rev")).status_code == 200

        async def revoke(db: Any) -> None:
            async with db.write() as conn:
                await conn.execute("UPDATE api_tokens SET revoked = ?", (True,))

        live_server.run_db(revoke)
        assert_error(client.post(PULL, json=pull_body("client-rev")), 401, "unauthorized")

    token = live_server.token("rep9", "sales")
    with live_server.client(token) as client:
        assert client.post(PULL, json=pull_body("client-rev")).status_code == 200

        async def disable(db: Any) -> None:
            async with db.write() as conn:
                await conn.execute("UPDATE users SET disabled = ? WHERE name = 'rep9'", (True,))

        live_server.run_db(disable)
        assert_error(client.post(PULL, json=pull_body("client-rev")), 401, "unauthorized")


# ---- 409: schema version -------------------------------------------------------------------


@pytest.mark.parametrize("schema", [2, 0, 99])
def test_an_unknown_schema_version_is_409_upgrade_required(
    shared_server: LiveServer, shared_admin: httpx.Client, schema: int
) -> None:
    r = shared_admin.post(PUSH, json={**push_body("client-old", [mutation(1)]), "schema": schema})
    assert_error(r, 409, "upgrade_required")
    assert stored_for(shared_server, "client-old") == []
    r = shared_admin.post(PULL, json={**pull_body("client-old"), "schema": schema})
    assert_error(r, 409, "upgrade_required")


# ---- the good paths ------------------------------------------------------------------------


def test_push_then_pull_round_trip(live_server: LiveServer) -> None:
    rep = live_server.token("rep1", "sales")
    other_rep = live_server.token("rep2", "sales")
    boss = live_server.token("boss", "admin")
    cust = {"id": uuid7(), "name": "Golden Leaf Café", "phone": "+86 21 5555 1000"}
    with (
        live_server.client(rep) as device,
        live_server.client(other_rep) as other,
        live_server.client(boss) as admin,
    ):
        _, first = pull_all(device, "client-rep1")
        assert first["last_mutation_id"] == 0

        r = device.post(PUSH, json=push_body("client-rep1", [mutation(1, **cust)], pending=0))
        assert r.status_code == 200, r.text
        assert r.json() == {
            "last_mutation_id": 1,
            "results": [
                {"id": 1, "status": "applied", "conflict_id": None, "error": None, "message": None}
            ],
        }

        # The pushing device sees its acknowledgement and the row, from its old cursor.
        changes, body = pull_all(device, "client-rep1", first["cursor"])
        assert body["last_mutation_id"] == 1 and body["reset"] is False
        (change,) = [c for c in changes if c["t"] == "customers"]
        assert change["id"] == cust["id"] and change["op"] == "put"
        assert {k: change["row"][k] for k in ("name", "phone")} == {
            "name": cust["name"],
            "phone": cust["phone"],
        }

        # An admin's initial sync has it too; another rep's scope does not.
        changes, _ = pull_all(admin, "client-admin")
        assert cust["id"] in {c["id"] for c in changes if c["t"] == "customers"}
        changes, _ = pull_all(other, "client-rep2")
        assert cust["id"] not in {c["id"] for c in changes}

        # Pulling again from the newest cursor brings nothing new.
        again, _ = pull_all(device, "client-rep1", body["cursor"])
        assert again == []

        health = admin.get("/api/health").json()
        assert health["last_seq"] >= 1


def test_a_retried_push_is_a_duplicate_and_creates_nothing_twice(
    live_server: LiveServer, admin: httpx.Client
) -> None:
    cust_id = uuid7()
    batch = push_body(
        "client-retry", [mutation(1, id=cust_id, name="Harbour"), mutation(2, id=uuid7(), name="B")]
    )
    first = admin.post(PUSH, json=batch)
    assert first.status_code == 200
    assert [r["status"] for r in first.json()["results"]] == ["applied", "applied"]
    seq_after_first = admin.get("/api/health").json()["last_seq"]

    for _ in range(2):  # the response was lost; the device sends the same batch again
        again = admin.post(PUSH, json=batch)
        assert again.status_code == 200, again.text
        assert again.json()["last_mutation_id"] == 2
        assert [(r["id"], r["status"]) for r in again.json()["results"]] == [
            (1, "duplicate"),
            (2, "duplicate"),
        ]

    assert len(live_server.query("SELECT id FROM customers")) == 2
    (row,) = live_server.query("SELECT version FROM customers WHERE id = ?", (cust_id,))
    assert (
        len(live_server.query("SELECT 1 FROM mutation_log WHERE client_id = 'client-retry'")) == 2
    )
    # No new changes were written by the retries.
    assert admin.get("/api/health").json()["last_seq"] == seq_after_first

    # An overlapping retry (1..3) applies only the new one.
    r = admin.post(PUSH, json={**batch, "mutations": [*batch["mutations"], mutation(3)]})
    assert [x["status"] for x in r.json()["results"]] == ["duplicate", "duplicate", "applied"]
    assert len(live_server.query("SELECT id FROM customers")) == 3
    (same,) = live_server.query("SELECT version FROM customers WHERE id = ?", (cust_id,))
    assert same["version"] == row["version"]


# ---- server-sent pokes ---------------------------------------------------------------------


def _sse_events(response: httpx.Response) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a server-sent event stream; comments are skipped."""
    event, data = "message", []
    for line in response.iter_lines():
        if line == "":
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)


def test_a_push_pokes_open_event_streams_with_the_new_change_sequence(
    live_server: LiveServer,
) -> None:
    # The rep's other device: it pulls what the rep's push changed (pokes are scoped: server/
    # poke.py, tests/server/test_pokes.py).
    listener_token = live_server.token("rep1", "sales")
    pusher_token = live_server.token("rep1", "sales")
    events: queue.Queue[tuple[str, str]] = queue.Queue()
    opened = threading.Event()
    failure: list[BaseException] = []

    with live_server.client(listener_token, timeout=httpx.Timeout(10.0)) as listener:

        def listen() -> None:
            try:
                with listener.stream("GET", EVENTS) as response:
                    assert response.status_code == 200
                    assert response.headers["content-type"].startswith("text/event-stream")
                    opened.set()
                    for item in _sse_events(response):
                        events.put(item)
                        if item[0] == "poke":
                            return
            except BaseException as e:  # noqa: BLE001 - reported below
                failure.append(e)
                opened.set()

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        assert opened.wait(10), "the event stream did not open"
        assert not failure, failure
        hello = events.get(timeout=10)
        assert hello == ("hello", "1")  # the server's signing key, published at start

        with live_server.client(pusher_token) as pusher:
            r = pusher.post(PUSH, json=push_body("client-poker", [mutation(1)]))
            assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied"
            last_seq = pusher.get("/api/health").json()["last_seq"]
        assert last_seq > 0

        name, data = events.get(timeout=10)
        thread.join(10)
        assert not failure, failure
    assert name == "poke"
    assert int(data) == last_seq
