"""optimistic.json: what the real engine shows a device after each scenario, for the PWA's prediction.

Every case of ``optimistic_cases`` runs on its own copy of the world: the device pulls (its
mirror), pushes the case's mutations one by one at the moments their HLCs name, and pulls again.
The file holds the mirror, the mutations, each push result and the rows the second pull changed.
``tests/pwa/optimistic.test.mjs`` holds ``pwa/js/core/optimistic.js`` to it: the mirror with the
pending mutations predicted must be what the pull brings, but for what the server alone decides.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from tests.vectors.clock import NODE, T0
from tests.vectors.engine import Engine, PinnedTime, View, scratch_dir
from tests.vectors.optimistic_cases import CASES, Base, Case
from tests.vectors.optimistic_world import build_world, hlc

Doc = dict[str, Any]

# Fields only the server fills in, whatever the case: the row's version and writer, what a
# device cannot know of itself (its device id, the token id, when the server got it) and names
# of people.
SERVER_FIELDS: dict[str, list[str]] = {
    "*": ["version", "updated_by"],
    "conflicts": ["resolver_name"],
    "redemptions": ["token_id", "device_id", "client_id", "received_at"],
    "scans": ["token_id", "device_id", "received_at"],
    "stocktake_lines": ["device_id"],
}


def _filled(value: Any, mirror: View) -> Any:
    """``value`` with every ``Base`` replaced by the version the mirror holds."""
    if isinstance(value, Base):
        return mirror[value.table][value.row_id]["version"]
    if isinstance(value, dict):
        return {k: _filled(v, mirror) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, mirror) for v in value]
    return value


def view_diff(mirror: View, view: View) -> Doc:
    """The rows of ``view`` that are not the mirror's: ``{table: {id: row, or None if gone}}``."""
    diff: Doc = {}
    for table in sorted({*mirror, *view}):
        before, after = mirror.get(table, {}), view.get(table, {})
        rows = {i: after.get(i) for i in sorted({*before, *after}) if before.get(i) != after.get(i)}
        if rows:
            diff[table] = rows
    return diff


async def _record(engine: Engine, case: Case) -> tuple[View, Doc]:
    """(the mirror, the recorded case) of one case, run on ``engine`` (a copy of the world)."""
    if case.setup is not None:
        await case.setup(engine)
    device = engine.device(case.actor, f"vectors-{case.actor.user_id}")
    mirror = await device.pull()
    pending, results = [], []
    for i, mu in enumerate(case.pending):
        at = mu["hlc"] or hlc(T0 + 1000 * (i + 1), NODE)
        args = _filled(mu["args"], mirror)
        result = await device.push(mu["name"], copy.deepcopy(args), at)
        pending.append({"id": i + 1, "name": mu["name"], "args": args, "hlc": at})
        results.append(result.status if result.error is None else f"rejected: {result.error}")
    pulled = view_diff(mirror, await device.pull())
    decided = set(case.server_decides)
    for entry in decided:
        # A declaration that no longer holds would hide a change: each must name one that happened.
        table, _, name = entry.partition(".")
        before = mirror.get(table, {})
        assert any(
            row is None or not name or before.get(i, {}).get(name) != row.get(name)
            for i, row in pulled.get(table, {}).items()
        ), (case.name, entry)
    return mirror, {
        "name": case.name,
        "user_id": case.actor.user_id,
        "mirror": case.mirror,
        "pending": pending,
        "results": results,
        "server_decides": sorted(decided),
        "pulled": pulled,
    }


async def record_all() -> Doc:
    time = PinnedTime(T0)
    with scratch_dir() as root, time.installed():
        world = await Engine.fresh(root, time)
        await build_world(world)
        ids_after_world = time.count
        mirrors: dict[str, Doc] = {}
        cases = []
        for number, case in enumerate(CASES):
            time.count, time.named = ids_after_world, []
            engine = await world.copy(f"case-{number}")
            try:
                mirror, recorded = await _record(engine, case)
            finally:
                await engine.close()
            key = f"{case.mirror}:{case.actor.user_id}"
            assert mirrors.setdefault(key, mirror) == mirror, f"{case.name}: another {key} mirror"
            recorded["mirror"] = key
            cases.append(recorded)
        await world.close()
    return {"mirrors": mirrors, "cases": cases}


def build_optimistic() -> Doc:
    recorded = asyncio.run(record_all())
    return {
        "about": "Recorded from the real engine (tests/vectors/optimistic_vectors.py): for each "
        "case the device of `user_id` pulled `mirrors[mirror]`, pushed `pending` one by one at "
        "the time each HLC names (`results`: each push's status) and pulled again: `pulled` is "
        "what that pull changed (`{table: {id: row, null: gone}}`). The PWA's rebase of `pending` "
        "on the mirror must give the same rows, leaving out `server_fields` (every case) and "
        "`server_decides` (this case: a table, or table.field).",
        "server_fields": SERVER_FIELDS,
        **recorded,
    }
