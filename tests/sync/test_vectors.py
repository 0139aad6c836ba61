"""The shared vectors (tests/vectors/*.json) are what the Python side does today.

``optimistic.json`` is recorded from the real engine; re-recording here must give the committed
file, so a rule change that is not re-recorded fails. The PWA's modules are checked against the
same files (tests/pwa/*.test.mjs), so a change on either side that the other does not follow
fails one of the two. After a deliberate change of the Python side:
``python -m tests.vectors.make_vectors [file.json]``, read the diff, follow it in the JS.
"""

from __future__ import annotations

import msgspec
import pytest

from sync.hlc import BadHlc, Timestamp
from tests.vectors import make_vectors as mv
from tests.vectors import optimistic_vectors as ov


@pytest.mark.parametrize("name", sorted(mv.BUILDERS))
def test_python_gives_the_vectors(name: str) -> None:
    checked_in = (mv.HERE / name).read_text(encoding="utf-8")
    assert mv.render(mv.BUILDERS[name]()) == checked_in, (
        f"tests/vectors/{name} is not what Python gives now: run "
        f"`python -m tests.vectors.make_vectors {name}`, read the diff, follow it in pwa/js/core"
    )


def test_every_mutation_of_the_catalog_has_a_scenario() -> None:
    from shared.mutations import CATALOG

    names = {mu["name"] for case in ov.CASES for mu in case.pending}
    assert set(CATALOG) <= names


def test_the_recording_is_the_same_twice() -> None:
    """Pinned clock and ids: recording again today, or on any day, gives the same file."""
    assert mv.render(ov.build_optimistic()) == mv.render(ov.build_optimistic())


def test_a_rule_change_shows_in_the_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule that changes what the server writes changes the recording (so the committed file
    is compared with something that can differ)."""
    from sync.rules import HANDLERS, customers

    async def shouting(ctx, args):  # type: ignore[no-untyped-def]
        return await customers.upsert(ctx, msgspec.structs.replace(args, name=args.name.upper()))

    checked_in = (mv.HERE / "optimistic.json").read_text(encoding="utf-8")
    monkeypatch.setitem(HANDLERS, "customer.upsert", shouting)
    assert mv.render(ov.build_optimistic()) != checked_in


@pytest.mark.parametrize("text", ["001763892000123-00000-node\n", "٠٠١763892000123-00000-node"])
def test_hlc_parse_refuses_what_the_js_refuses(text: str) -> None:
    with pytest.raises(BadHlc):
        Timestamp.parse(text)
