"""outbox.json: the device simulator's outbox bookkeeping, step by step, for the PWA's outbox.js."""

from __future__ import annotations

from typing import Any

import msgspec

from sync.protocol import MutationIn
from tests.device.local_store import LocalStore
from tests.vectors.clock import NODE, T0
from tests.vectors.clock import ts as _ts

Doc = dict[str, Any]
USER = "u-rep"


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
