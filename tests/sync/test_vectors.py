"""The shared vectors (tests/vectors/*.json) are what the Python sync code does today.

The PWA's modules are checked against the same files (tests/pwa/*.test.mjs), so a change on
either side that the other does not follow fails one of the two. After a deliberate change of
the Python side: ``python -m tests.vectors.make_vectors``, read the diff, port it to the JS.
"""

from __future__ import annotations

import copy

import pytest

from sync.hlc import BadHlc, Timestamp
from tests.vectors import make_vectors as mv


@pytest.mark.parametrize("name", sorted(mv.BUILDERS))
def test_python_gives_the_vectors(name: str) -> None:
    checked_in = (mv.HERE / name).read_text(encoding="utf-8")
    assert mv.render(mv.BUILDERS[name]()) == checked_in, (
        f"tests/vectors/{name} is not what Python gives now: run "
        "`python -m tests.vectors.make_vectors` and port the change to pwa/js/core"
    )


def test_every_mutation_of_the_catalog_has_vectors() -> None:
    from shared.mutations import CATALOG

    names = {m["name"] for case in mv.OPTIMISTIC_CASES for m in case["pending"]}
    assert set(CATALOG) <= names


def test_a_vector_can_fail() -> None:
    """The comparison sees a one-row difference (the files are not compared with themselves)."""
    case = copy.deepcopy(mv.OPTIMISTIC_CASES[0])
    case["pending"][0]["args"]["name"] = "someone else"
    _, view, mirror = mv.run_optimistic(case)
    _, expected, _ = mv.run_optimistic(mv.OPTIMISTIC_CASES[0])
    assert mv.view_diff(mirror, view) != mv.view_diff(mirror, expected)


@pytest.mark.parametrize("text", ["001763892000123-00000-node\n", "٠٠١763892000123-00000-node"])
def test_hlc_parse_refuses_what_the_js_refuses(text: str) -> None:
    with pytest.raises(BadHlc):
        Timestamp.parse(text)


@pytest.mark.parametrize("case", mv.PYTHON_PARTIAL_WRITES, ids=lambda c: c["name"])
def test_malformed_mutations_change_nothing(case: dict) -> None:
    changed, view, mirror = mv.run_optimistic(case)
    assert changed == [False]
    assert view == mv.non_empty(mirror)
