"""The shared test vectors: what the Python side does, written down for the PWA's modules.

``python -m tests.vectors.make_vectors`` rewrites ``tests/vectors/*.json`` (run it after changing
a rule in ``sync/rules/``, ``sync/hlc.py``, ``ids.py``, ``protocol.py``, the catalog
``shared/mutations.py`` or the device simulator ``tests/device/``, and read the diff).
``optimistic.json`` is recorded from the real engine (``optimistic_vectors.py``).
``tests/sync/test_vectors.py`` checks the files still are what Python gives;
``tests/pwa/*.test.mjs`` check the JS modules give the same. Every expected value below is
computed here, never typed in.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from sync.hlc import BadHlc, Clock, Timestamp
from sync.ids import NAMESPACE, stock_level_id
from sync.protocol import (
    MutationIn,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from tests.device.local_store import LocalStore
from tests.device.transport import error_from_body
from tests.vectors.optimistic_vectors import build_optimistic
from tests.vectors.qr_vectors import build_qr
from tests.vectors.validation_vectors import build_validation

HERE = Path(__file__).parent
Doc = dict[str, Any]

# ---- hlc.json --------------------------------------------------------------------------------

NODE = "pwa-vectors01"
T0 = 1_763_892_000_123  # 2025-11-23T10:00:00.123Z


def _ts(ms: int, counter: int = 0, node: str = "srv-node1") -> str:
    return str(Timestamp(ms, counter, node))


HLC_SEQUENCES: list[Doc] = [
    {
        "name": "now: the wall clock when it moved on, else the counter",
        "node": NODE,
        "last": None,
        "steps": [
            {"op": "now", "wall": T0},
            {"op": "now", "wall": T0},
            {"op": "now", "wall": T0},
            {"op": "now", "wall": T0 + 1},
            {"op": "now", "wall": T0 + 250},
        ],
    },
    {
        "name": "now: a wall clock going back keeps the last time and counts on",
        "node": NODE,
        "last": None,
        "steps": [
            {"op": "now", "wall": T0},
            {"op": "now", "wall": T0 - 5000},
            {"op": "now", "wall": T0 - 1},
            {"op": "now", "wall": T0 + 1},
        ],
    },
    {
        "name": "now: a restored clock ahead of the wall clock",
        "node": NODE,
        "last": _ts(T0 + 60_000, 7, NODE),
        "steps": [{"op": "now", "wall": T0}, {"op": "now", "wall": T0 + 60_001}],
    },
    {
        "name": "now: the counter overflowing borrows a millisecond",
        "node": NODE,
        "last": _ts(T0, 99_998, NODE),
        "steps": [
            {"op": "now", "wall": T0},
            {"op": "now", "wall": T0},
            {"op": "now", "wall": T0},
            {"op": "now", "wall": T0 + 1},
            {"op": "now", "wall": T0 + 2},
        ],
    },
    {
        "name": "receive: the max of wall, last and remote",
        "node": NODE,
        "last": None,
        "steps": [
            {"op": "now", "wall": T0},
            {"op": "receive", "wall": T0, "remote": _ts(T0 + 500, 3)},
            {"op": "receive", "wall": T0 + 10, "remote": _ts(T0 + 500, 9)},
            {"op": "receive", "wall": T0 + 10, "remote": _ts(T0 + 500, 2)},
            {"op": "receive", "wall": T0 + 10, "remote": _ts(T0 + 100, 50)},
            {"op": "receive", "wall": T0 + 1000, "remote": _ts(T0 + 999, 4)},
            {"op": "receive", "wall": T0 + 1000, "remote": _ts(T0 + 1000, 0)},
            {"op": "now", "wall": T0 + 1000},
        ],
    },
    {
        "name": "receive: counter overflow on equal times",
        "node": NODE,
        "last": _ts(T0, 5, NODE),
        "steps": [
            {"op": "receive", "wall": T0 - 1, "remote": _ts(T0, 99_999)},
            {"op": "receive", "wall": T0, "remote": _ts(T0 + 1, 99_999)},
            {"op": "now", "wall": T0},
        ],
    },
    {
        "name": "receive: a malformed remote is refused and the clock stays",
        "node": NODE,
        "last": None,
        "steps": [
            {"op": "now", "wall": T0},
            {"op": "receive", "wall": T0 + 5, "remote": "1763892000123-00000-srv"},
            {"op": "receive", "wall": T0 + 5, "remote": f"{T0:015d}-00000-bad node"},
            {"op": "now", "wall": T0},
        ],
    },
    {
        "name": "a node of 40 characters",
        "node": "n" * 40,
        "last": None,
        "steps": [{"op": "now", "wall": 0}, {"op": "now", "wall": 0}, {"op": "now", "wall": 1}],
    },
]

HLC_TEXTS = [
    _ts(T0, 0, NODE),
    _ts(0, 0, "a"),
    "999999999999999-99999-Node_with-Dash",
    _ts(T0, 12, "n" * 40),
    # not timestamps
    "",
    "1763892000123-00000-node",
    "0001763892000123-00000-node",
    f"{T0:015d}-0000-node",
    f"{T0:015d}-000000-node",
    f"{T0:015d}-00000-",
    f"{T0:015d}-00000-" + "n" * 41,
    f"{T0:015d}-00000-no.de",
    f"{T0:015d}-00000-no de",
    f" {T0:015d}-00000-node",
    f"{T0:015d}-00000-node ",
    f"{T0:015d}_00000-node",
    f"{T0:015d}-00000-nodé",
    "00000000000000x-00000-node",
    "-00000000000001-00000-node",
    # Not here: a trailing "\n" and non-ASCII digits, which Python's parse accepts (its regex
    # uses `$` and `\d`) and the JS refuses; see test_vectors.py.
]


def _run_clock(seq: Doc) -> Doc:
    wall = {"ms": 0}
    last = Timestamp.parse(seq["last"]) if seq["last"] else None
    clock = Clock(seq["node"], last, wall=lambda: wall["ms"])
    steps = []
    for step in seq["steps"]:
        wall["ms"] = step["wall"]
        out = dict(step)
        if step["op"] == "now":
            out["expect"] = str(clock.now())
        else:
            try:
                out["expect"] = str(clock.receive(Timestamp.parse(step["remote"])))
            except BadHlc:
                out["expect"] = None
        out["last"] = str(clock.last)
        steps.append(out)
    return {**seq, "steps": steps}


def _parsed(text: str) -> Doc | None:
    try:
        ts = Timestamp.parse(text)
    except BadHlc:
        return None
    return {"ms": ts.ms, "counter": ts.counter, "node": ts.node}


def build_hlc() -> Doc:
    return {
        "about": "sync/hlc.py: Clock steps (op now/receive at a given wall ms; expect null: the "
        "remote is malformed, BadHlc) with the clock's last after each; parse results (null: "
        "BadHlc).",
        "sequences": [_run_clock(s) for s in HLC_SEQUENCES],
        "parse": [{"text": t, "expect": _parsed(t)} for t in HLC_TEXTS],
    }


# ---- ids.json --------------------------------------------------------------------------------

STOCK_INPUTS = [
    ("w-1", "p-1"),
    ("0193a8f2-1c3d-7e4f-8a9b-0c1d2e3f4a5b", "0193a8f2-1c3d-7e4f-8a9b-0c1d2e3f4a5c"),
    ("", ""),
    ("仓库", "产品"),
    ("a:b", "c"),
    ("a", "b:c"),
]
ORDER_NUMBERS = [("K7F", 42), ("K7F", 1), ("K7F", 0), ("AB2C", 99_999), ("K7F", 100_000)]


def build_ids() -> Doc:
    return {
        "about": "sync/ids.py: stock_level_id (uuid5 in NAMESPACE of 'stock:<warehouse>:<product>'); "
        "order numbers as the protocol writes them, '<device code>-<counter, 5 digits or more>'.",
        "namespace": str(NAMESPACE),
        "stock_level_id": [
            {"warehouse_id": w, "product_id": p, "expect": stock_level_id(w, p)}
            for w, p in STOCK_INPUTS
        ],
        "order_number": [
            {"code": code, "counter": n, "expect": f"{code}-{n:05d}"} for code, n in ORDER_NUMBERS
        ],
    }


# ---- optimistic.json: recorded from the real engine (optimistic_vectors.py) ---------------------

USER = "u-rep"


# ---- outbox.json -----------------------------------------------------------------------------


class _Given:
    """A clock that answers the HLC the vector gives (the JS side takes the HLC as an argument)."""

    def __init__(self) -> None:
        self.next = ""
        self.node = NODE

    def now(self) -> str:
        return self.next


def _mutation(n: int, name: str = "customer.upsert") -> Doc:
    return {
        "op": "enqueue",
        "name": name,
        "args": {"id": f"c-{n}", "name": f"Shop {n}"},
        "hlc": _ts(T0 + n, 0, NODE),
        "user_id": USER,
    }


OUTBOX_SEQUENCES: list[Doc] = [
    {
        "name": "enqueue, push, pull",
        "start": None,
        "steps": [
            _mutation(1),
            _mutation(2),
            {**_mutation(3), "user_id": None},
            {"op": "pending", "skip": []},
            {"op": "acknowledged", "last": 2},
            {"op": "pending", "skip": [1]},
            _mutation(4),
            {"op": "pulled", "last": 2},
            {"op": "acknowledged", "last": 4},
            {"op": "pulled", "last": 4},
            {"op": "pending", "skip": []},
        ],
    },
    {
        "name": "a pull that shows back what was not pushed yet (another push, a lost answer)",
        "start": None,
        "steps": [_mutation(1), _mutation(2), _mutation(3), {"op": "pulled", "last": 2}],
    },
    {
        "name": "the server knows ids this store never issued",
        "start": None,
        "steps": [
            _mutation(1),
            {"op": "acknowledged", "last": 9},
            _mutation(2),
            {"op": "pulled", "last": 3},
            {"op": "pending", "skip": []},
        ],
    },
    {
        "name": "a gap: the server lost acknowledged mutations (restored from a backup)",
        "start": None,
        "steps": [
            _mutation(1),
            _mutation(2),
            _mutation(3),
            {"op": "acknowledged", "last": 2},
            _mutation(4),
            {"op": "resume_after", "server_last": 0},
            {"op": "pending", "skip": []},
            _mutation(5),
        ],
    },
    {
        "name": "a pull shows the server lost acknowledged mutations (restored from a backup)",
        "start": None,
        "steps": [
            _mutation(1),
            _mutation(2),
            _mutation(3),
            {"op": "acknowledged", "last": 3},
            _mutation(4),
            {"op": "pulled", "last": 1},
            {"op": "pending", "skip": []},
            _mutation(5),
        ],
    },
    {
        "name": "a gap ahead: the server applied more than this store knows",
        "start": {
            "outbox": [],
            "unpulled": [],
            "lastMutationId": 3,
            "nextMutationId": 4,
        },
        "steps": [
            _mutation(4),
            _mutation(5),
            {"op": "resume_after", "server_last": 7},
            _mutation(6),
            {"op": "resume_after", "server_last": 4},
        ],
    },
]


def _mutation_doc(mu: MutationIn) -> Doc:
    return msgspec.to_builtins(mu)


def _outbox_state(st: LocalStore) -> Doc:
    return {
        "outbox": [_mutation_doc(x) for x in st.outbox],
        "unpulled": [_mutation_doc(x) for x in st.unpulled],
        "lastMutationId": st.last_mutation_id,
        "nextMutationId": st.next_mutation_id,
    }


def run_outbox(seq: Doc) -> Doc:
    start = seq["start"] or {"outbox": [], "unpulled": [], "lastMutationId": 0, "nextMutationId": 1}
    clock = _Given()
    st = LocalStore(
        NODE,
        last_mutation_id=start["lastMutationId"],
        next_mutation_id=start["nextMutationId"],
        outbox=[MutationIn(**x) for x in start["outbox"]],
        unpulled=[MutationIn(**x) for x in start["unpulled"]],
        clock=clock,
    )
    steps = []
    for step in seq["steps"]:
        out = dict(step)
        op = step["op"]
        if op == "enqueue":
            clock.next = step["hlc"]
            out["mutation"] = _mutation_doc(st.enqueue(step["name"], step["args"], step["user_id"]))
        elif op == "acknowledged":
            st.acknowledged(step["last"])
        elif op == "pulled":
            st.pulled(step["last"])
        elif op == "resume_after":
            st.resume_after(step["server_last"])
        elif op == "pending":
            out["pending"] = [_mutation_doc(x) for x in st.unconfirmed(skip=step["skip"])]
        out["state"] = _outbox_state(st)
        steps.append(out)
    return {**seq, "steps": steps}


def build_outbox() -> Doc:
    return {
        "about": "tests.device.local_store.LocalStore's outbox: each step's op on the state, then "
        "`state` after it (`mutation`: what enqueue made; `pending`: what a view lays over the "
        "mirror, unconfirmed()). `start` "
        "null is a new store.",
        "sequences": [run_outbox(s) for s in OUTBOX_SEQUENCES],
    }


# ---- protocol.json ---------------------------------------------------------------------------

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


# ---- vocab.json ------------------------------------------------------------------------------


def build_vocab() -> Doc:
    from shared import roles, states
    from shared.mutations import CATALOG

    names = sorted({*CATALOG, "order.delete"})
    perms = sorted({*roles.PERMISSIONS, "nothing.at.all"})
    every_role = [*roles.ROLES, "nobody"]
    every_status = [*states.STATUSES, "lost"]
    return {
        "about": "shared/states.py and shared/roles.py asked every question the PWA asks of the "
        "exported vocabulary; `transitions_for[role][status]`: the statuses role may move an order "
        "in status into, in the machine's order.",
        "transitions_for": {
            role: {
                status: [
                    to
                    for to in states.STATUSES
                    if states.can_transition(status, to) and states.role_may_transition(role, to)
                ]
                for status in every_status
            }
            for role in every_role
        },
        "can_transition": {
            s: [to for to in every_status if states.can_transition(s, to)] for s in every_status
        },
        "may_mutate": {role: [n for n in names if roles.may_send(role, n)] for role in every_role},
        "has_permission": {
            role: [p for p in perms if roles.has_permission(role, p)] for role in every_role
        },
        "fields_locked": [s for s in every_status if s in states.FIELDS_LOCKED],
        "lines_locked": [s for s in every_status if s in states.LINES_LOCKED],
        "mutation_names": names,
        "permission_names": perms,
        "statuses": every_status,
    }


# ---- files -----------------------------------------------------------------------------------

BUILDERS: dict[str, Callable[[], Doc]] = {
    "hlc.json": build_hlc,
    "ids.json": build_ids,
    "optimistic.json": build_optimistic,
    "outbox.json": build_outbox,
    "protocol.json": build_protocol,
    "vocab.json": build_vocab,
    "qr.json": build_qr,
    "validation.json": build_validation,
}


def render(doc: Doc) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    names = (sys.argv[1:] if argv is None else argv) or list(BUILDERS)
    for name in names:
        (HERE / name).write_text(render(BUILDERS[name]()), encoding="utf-8")
        print(f"wrote tests/vectors/{name}")


if __name__ == "__main__":
    main()
