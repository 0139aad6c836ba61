"""The server accepts and refuses exactly what tests/vectors/validation.json says.

The file is generated from the catalog's exported schemas (tests/vectors/validation_vectors.py;
tests/sync/test_vectors.py fails when it is stale), and tests/pwa/validate.test.mjs holds the
PWA's validator to the same answers: one definition of valid on both sides of the wire.
Here every vector goes through ``shared.mutations.check`` and then through the real push path on
a real database, where a refused one must come back ``rejected``/``invalid_args`` and an
accepted one must get past the checks of its shape.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from shared.mutations import check
from sync.context import Actor
from sync.hlc import Clock
from sync.protocol import MutationIn, PushRequest
from sync.push import push
from tests.vectors.validation_vectors import HERE_FILE, unpacked

VECTORS: list[dict[str, Any]] = json.loads(HERE_FILE.read_text(encoding="utf-8"))["vectors"]
ADMIN = Actor("u-admin", "admin", device_id="dev-admin")


def where(path: list[str | int]) -> str:
    """A path as msgspec's errors write it: ``$.lines[0].qty``."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def label(v: dict[str, Any]) -> str:
    return f"{v['name']}: {v['what']}"


def test_the_vectors_cover_every_mutation_and_both_answers() -> None:
    from shared.mutations import CATALOG

    for name in CATALOG:
        answers = {v["valid"] for v in VECTORS if v["name"] == name}
        assert answers == {True, False}, name


@pytest.mark.parametrize("v", VECTORS, ids=label)
def test_check_answers_as_the_vector_says(v: dict[str, Any]) -> None:
    args = unpacked(v["args"])
    if v["valid"]:
        check(v["name"], args)
        return
    with pytest.raises(msgspec.ValidationError) as refused:
        check(v["name"], args)
    message = str(refused.value)
    # msgspec names the place: the field itself, or for a field missing or unknown, its object.
    if v["rule"] in ("required", "unknown"):
        *parent, field = v["path"]
        assert f"`{field}`" in message, message
        if parent:
            assert f"`{where(parent)}`" in message, message
    elif v["path"]:
        assert f"`{where(v['path'])}`" in message, message


# The rules' own checks that need the database (a conflict, a redemption or a warehouse that is
# not there, a base version above the row's): an accepted vector may meet them after its shape
# passed, and they say so.
AFTER_THE_SHAPE = ("no conflict ", "no redemption ", "no warehouse ", "base_version ")


async def test_the_push_path_refuses_what_the_vectors_refuse(store) -> None:
    """Each vector pushed as an admin (who may send every mutation) to a real database."""
    clock = Clock("vectors-client")
    for start in range(0, len(VECTORS), 200):
        batch = VECTORS[start : start + 200]
        mutations = [
            MutationIn(
                id=start + i + 1,
                name=v["name"],
                args=unpacked(v["args"]),
                hlc=str(clock.now()),
                user_id=ADMIN.user_id,
            )  # fmt: skip
            for i, v in enumerate(batch)
        ]
        req = PushRequest(client_id="vectors-client", schema=1, mutations=mutations)
        results = (await push(store, ADMIN, req)).results
        for v, result in zip(batch, results, strict=True):
            if not v["valid"]:
                assert (result.status, result.error) == ("rejected", "invalid_args"), label(v)
            elif result.status == "rejected":
                assert result.error != "internal_error", (label(v), result.message)
                if result.error == "invalid_args":
                    assert (result.message or "").startswith(AFTER_THE_SHAPE), (
                        label(v),
                        result.message,
                    )
