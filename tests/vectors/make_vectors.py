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

from sync.hlc import BadHlc, Clock, Timestamp
from sync.ids import NAMESPACE, stock_level_id
from tests.vectors.clock import NODE, T0
from tests.vectors.clock import ts as _ts
from tests.vectors.optimistic_vectors import build_optimistic
from tests.vectors.outbox_vectors import build_outbox
from tests.vectors.protocol_vectors import build_protocol
from tests.vectors.qr_vectors import build_qr
from tests.vectors.validation_vectors import build_validation

HERE = Path(__file__).parent
Doc = dict[str, Any]

# ---- hlc.json --------------------------------------------------------------------------------

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
