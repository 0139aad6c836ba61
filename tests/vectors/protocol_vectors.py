"""protocol.json: the wire form of sync/protocol.py's messages and what an HTTP error answer
means to a client, for the PWA's protocol.js."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from sync.protocol import (
    MutationIn,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from tests.device.transport import error_from_body
from tests.vectors.clock import NODE, T0
from tests.vectors.clock import ts as _ts

Doc = dict[str, Any]


WIRE_MUTATION = {
    "id": 17,
    "name": "order.update",
    "args": {"id": "0193a8f2-1c3d-7e4f", "base_version": 4711, "set": {"priority": "high"}},
    "hlc": "001763892000123-00000-k7f-phone-01a2",
    "user_id": "01a2",
}
ODD_TEXT = (
    'quote " backslash \\ slash / nul \x00 ctl \x01\x08\x0c\n\r\t\x1f del \x7f ls \u2028 é 中文 😀'
)

PUSH_INPUTS: list[Doc] = [
    {"clientId": "k7f-phone-01a2", "mutations": [WIRE_MUTATION], "pending": 3},
    {"clientId": "k7f-phone-01a2", "mutations": [{**WIRE_MUTATION, "user_id": None}]},
    {"clientId": "abcdefgh", "mutations": [], "pending": 0},
    {
        "clientId": "A" * 64,
        "mutations": [
            {
                "id": 1,
                "name": "customer.upsert",
                "args": {
                    "id": "c-1",
                    "name": ODD_TEXT,
                    "phone": None,
                    "n": [1, -2, True, False, None, {}, []],
                },
                "hlc": _ts(T0, 0, NODE),
            },
            {"id": 2, "name": "é" * 64, "args": {}, "hlc": "😀" * 64, "user_id": "u"},
            {
                "id": 2**53 - 1,
                "name": "",
                "args": {"nested": {"b": 1, "a": {"z": None}}},
                "hlc": "",
            },
        ],
        "pending": 2**31 - 1,
    },
]
PULL_INPUTS: list[Doc] = [
    {"clientId": "k7f-phone-01a2"},
    {"clientId": "k7f-phone-01a2", "cursor": "9f3c0b1e2a7d4c11.d.2abb12a307.4712", "limit": 10_000},
    {"clientId": "pwa-0123456789abcdefghij", "cursor": None, "limit": 1},
    {"clientId": "pwa_client", "cursor": "c" * 200, "limit": 5000},
]
BAD_PUSH_INPUTS: list[Doc] = [
    {"clientId": "short", "mutations": []},
    {"clientId": "a" * 65, "mutations": []},
    {"clientId": "has space", "mutations": []},
    {"clientId": "k7f.phone.01", "mutations": []},
    {"clientId": "k7f-phone-01a2", "mutations": [], "pending": -1},
    {"clientId": "k7f-phone-01a2", "mutations": [], "pending": 2**31},
    {"clientId": "k7f-phone-01a2", "mutations": [{**WIRE_MUTATION, "id": 0}]},
    {"clientId": "k7f-phone-01a2", "mutations": [{**WIRE_MUTATION, "id": True}]},
    {"clientId": "k7f-phone-01a2", "mutations": [{**WIRE_MUTATION, "id": "17"}]},
    {"clientId": "k7f-phone-01a2", "mutations": [{**WIRE_MUTATION, "name": "a\x00b"}]},
    {"clientId": "k7f-phone-01a2", "mutations": [{**WIRE_MUTATION, "name": "n" * 65}]},
    {"clientId": "k7f-phone-01a2", "mutations": [{**WIRE_MUTATION, "hlc": "h" * 65}]},
    {"clientId": "k7f-phone-01a2", "mutations": [{**WIRE_MUTATION, "hlc": None}]},
    {"clientId": "k7f-phone-01a2", "mutations": [{**WIRE_MUTATION, "args": []}]},
    {"clientId": "k7f-phone-01a2", "mutations": [{**WIRE_MUTATION, "args": None}]},
    {"clientId": "k7f-phone-01a2", "mutations": [{**WIRE_MUTATION, "user_id": 5}]},
    {"clientId": "k7f-phone-01a2", "mutations": {"0": WIRE_MUTATION}},
]
BAD_PULL_INPUTS: list[Doc] = [
    {"clientId": "short"},
    {"clientId": "k7f-phone-01a2", "limit": 0},
    {"clientId": "k7f-phone-01a2", "limit": 10_001},
    {"clientId": "k7f-phone-01a2", "limit": "100"},
    {"clientId": "k7f-phone-01a2", "cursor": "c" * 201},
    {"clientId": "k7f-phone-01a2", "cursor": 5},
    # Not null: an empty cursor does not start an initial sync, it is refused.
    {"clientId": "k7f-phone-01a2", "cursor": ""},
]
PUSH_RESPONSES: list[Any] = [
    {
        "last_mutation_id": 17,
        "results": [
            {"id": 17, "status": "applied", "conflict_id": None, "error": None, "message": None}
        ],
    },
    {
        "last_mutation_id": 3,
        "results": [
            {"id": 1, "status": "duplicate"},
            {"id": 2, "status": "conflict", "conflict_id": "cf-1", "unknown": "ignored"},
            {"id": 3, "status": "rejected", "error": "invalid_args", "message": "no such field"},
        ],
        "extra": {"ignored": True},
    },
    {"last_mutation_id": 0, "results": []},
    # refused
    {"results": []},
    {"last_mutation_id": "3", "results": []},
    {"last_mutation_id": True, "results": []},
    {"last_mutation_id": 3, "results": None},
    {"last_mutation_id": 3, "results": [{"id": 1, "status": "done"}]},
    {"last_mutation_id": 3, "results": [{"status": "applied"}]},
    {"last_mutation_id": 3, "results": [{"id": 1, "status": "applied", "error": 5}]},
    {"last_mutation_id": 3, "results": [5]},
    [],
    "ok",
    None,
]
_CHANGES = [
    {
        "t": "orders",
        "id": "o-1",
        "op": "put",
        "v": 4711,
        "row": {"id": "o-1", "version": 4711, "status_history": [{"to": "submitted"}]},
    },
    {"t": "order_lines", "id": "l-1", "op": "del", "v": 4712},
    {"t": "order_lines", "id": "l-2", "op": "del", "v": 4713, "row": None},
]
PULL_RESPONSES: list[Any] = [
    {
        "cursor": "e.d.s.4712",
        "last_mutation_id": 17,
        "more": False,
        "reset": False,
        "changes": _CHANGES,
    },
    {
        "cursor": "e.s.s.1.2.x",
        "last_mutation_id": 0,
        "more": True,
        "reset": True,
        "changes": [],
        "snapshot": {"done": 5000, "total": 12000},
    },
    {
        "cursor": "e.d.s.1",
        "last_mutation_id": 0,
        "more": False,
        "reset": False,
        "changes": [],
        "snapshot": None,
        "other": 1,
    },
    # refused
    {"cursor": None, "last_mutation_id": 0, "more": False, "reset": False, "changes": []},
    {"cursor": "c", "last_mutation_id": 0, "more": 0, "reset": False, "changes": []},
    {"cursor": "c", "last_mutation_id": 0, "more": False, "changes": []},
    {
        "cursor": "c",
        "last_mutation_id": 0,
        "more": False,
        "reset": False,
        "changes": [{"t": "orders", "id": "o", "op": "upsert", "v": 1}],
    },
    {
        "cursor": "c",
        "last_mutation_id": 0,
        "more": False,
        "reset": False,
        "changes": [{"t": "orders", "id": "o", "op": "put", "v": "1"}],
    },
    {
        "cursor": "c",
        "last_mutation_id": 0,
        "more": False,
        "reset": False,
        "changes": [{"t": "orders", "id": 5, "op": "del", "v": 1}],
    },
    {
        "cursor": "c",
        "last_mutation_id": 0,
        "more": False,
        "reset": False,
        "changes": [{"t": "orders", "id": "o", "op": "put", "v": 1, "row": []}],
    },
    {
        "cursor": "c",
        "last_mutation_id": 0,
        "more": False,
        "reset": False,
        "changes": [],
        "snapshot": {"done": 1},
    },
    {
        "cursor": "c",
        "last_mutation_id": 0,
        "more": False,
        "reset": False,
        "changes": [],
        "snapshot": 5,
    },
    {"cursor": "c", "last_mutation_id": 0, "more": False, "reset": False, "changes": {}},
]
ERROR_ANSWERS: list[tuple[int, str]] = [
    (409, '{"code": "mutation_gap", "message": "expected mutation 18", "last_mutation_id": 17}'),
    (
        413,
        '{"code": "too_large", "message": "too many", "limits": {"max_mutations": 1000, "max_bytes": 4194304}}',
    ),
    (409, '{"code": "upgrade_required", "message": "schema 2 only"}'),
    (401, '{"code": "device_revoked", "message": "this device was revoked"}'),
    (401, '{"code": "unauthorized", "message": "log in"}'),
    (400, '{"code": "bad_cursor", "message": "not a cursor of this server", "extra": 1}'),
    (403, '{"code": "csrf_failed", "message": "no token"}'),
    (409, '{"code": "mutation_gap", "message": "gap", "last_mutation_id": null, "limits": null}'),
    (401, "Unauthorized"),
    (413, "<html>Request Entity Too Large</html>"),
    (418, "I'm a teapot"),
    (400, '{"code": "invalid_request"}'),
    (400, '{"code": 5, "message": "x"}'),
    (409, '{"code": "mutation_gap", "message": "gap", "last_mutation_id": "17"}'),
]


def _push_struct(inp: Doc) -> PushRequest:
    return PushRequest(
        client_id=inp["clientId"],
        schema=1,
        mutations=[MutationIn(**x) for x in inp["mutations"]],
        pending=inp.get("pending"),
    )


def _pull_struct(inp: Doc) -> PullRequest:
    return PullRequest(
        client_id=inp["clientId"], schema=1, **{k: inp[k] for k in ("cursor", "limit") if k in inp}
    )


def _refused(body: Doc, kind: type) -> bool:
    try:
        msgspec.json.decode(json.dumps(body), type=kind)
    except msgspec.ValidationError:
        return True
    return False


def _wire(inp: Doc, pull: bool) -> Doc:
    if pull:
        return {
            "client_id": inp["clientId"],
            "schema": 1,
            **{k: inp[k] for k in ("cursor", "limit") if k in inp},
        }
    return {
        "client_id": inp["clientId"],
        "schema": 1,
        "mutations": inp["mutations"],
        "pending": inp.get("pending"),
    }


def _decoded(body: Any, kind: type) -> Any:
    try:
        return msgspec.to_builtins(msgspec.json.decode(json.dumps(body), type=kind))
    except msgspec.ValidationError:
        return None


def _error(status: int, body: str) -> Doc:
    e = error_from_body(status, body.encode())
    return {
        "code": e.code,
        "message": e.message,
        "last_mutation_id": e.extra.get("last_mutation_id"),
        "limits": e.extra.get("limits"),
    }


def build_protocol() -> Doc:
    for inp in BAD_PUSH_INPUTS:
        assert _refused(_wire(inp, pull=False), PushRequest), inp
    for inp in BAD_PULL_INPUTS:
        assert _refused(_wire(inp, pull=True), PullRequest), inp
    return {
        "about": "sync/protocol.py: `push`/`pull`: request inputs and msgspec.json.encode of the "
        "Struct (exact text); `bad_push`/`bad_pull`: inputs whose body msgspec refuses to decode; "
        "`push_responses`/`pull_responses`: bodies and msgspec.to_builtins of the decoded "
        "response (null: refused); `errors`: an HTTP error answer and what "
        "tests.device.transport.error_from_body makes of it.",
        "push": [
            {"input": inp, "json": msgspec.json.encode(_push_struct(inp)).decode()}
            for inp in PUSH_INPUTS
        ],
        "pull": [
            {"input": inp, "json": msgspec.json.encode(_pull_struct(inp)).decode()}
            for inp in PULL_INPUTS
        ],
        "bad_push": BAD_PUSH_INPUTS,
        "bad_pull": BAD_PULL_INPUTS,
        "push_responses": [
            {"body": b, "expect": _decoded(b, PushResponse)} for b in PUSH_RESPONSES
        ],
        "pull_responses": [
            {"body": b, "expect": _decoded(b, PullResponse)} for b in PULL_RESPONSES
        ],
        "errors": [{"status": s, "body": b, "expect": _error(s, b)} for s, b in ERROR_ANSWERS],
    }
