"""The sync protocol's own fields over real HTTP, as an independent client written from
docs/protocol.md sends them (issue 14): strict types, cursors this server never issued, and a
client id that belongs to someone else."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import PULL, PUSH, assert_error, mutation, pull_body, push_body


@pytest.fixture(scope="module")
def rep(shared_server: LiveServer) -> Iterator[httpx.Client]:
    with shared_server.client(shared_server.token("strict-rep", "sales")) as client:
        yield client


# ---- item 24: strict types on the protocol's own fields ------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": "strict-push-1", "schema": "1", "mutations": []},
        {"client_id": "strict-push-2", "schema": 1.0, "mutations": []},
        {"client_id": "strict-push-3", "schema": 1, "mutations": [], "pending": "3"},
        {"client_id": "strict-push-4", "schema": 1,
         "mutations": [{**mutation(1), "id": "1"}]},
    ],
)  # fmt: skip
def test_a_push_with_a_number_sent_as_text_is_refused(rep: httpx.Client, body: dict) -> None:
    assert_error(rep.post(PUSH, json=body), 400, "invalid_request")
    # Nothing was applied under that client id.
    r = rep.post(PULL, json=pull_body(body["client_id"]))
    assert r.json()["last_mutation_id"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": "strict-pull-1", "schema": "1", "cursor": None},
        {"client_id": "strict-pull-2", "schema": 1, "cursor": None, "limit": "5"},
        {"client_id": "strict-pull-3", "schema": 1, "cursor": None, "limit": 5.0},
        # An empty cursor is not "no cursor": it does not start an initial sync.
        {"client_id": "strict-pull-4", "schema": 1, "cursor": ""},
    ],
)
def test_a_pull_with_a_field_of_the_wrong_type_is_refused(rep: httpx.Client, body: dict) -> None:
    assert_error(rep.post(PULL, json=body), 400, "invalid_request")


def test_made_up_snapshot_cursors_are_refused(rep: httpx.Client) -> None:
    ms = [mutation(i, id=uuid7(), name=f"Shop {i}") for i in (1, 2, 3)]
    assert rep.post(PUSH, json=push_body("strict-cursor-rows", ms)).status_code == 200
    first = rep.post(PULL, json=pull_body("strict-cursor", limit=1)).json()
    assert first["more"] and first["snapshot"] is not None, first
    epoch, kind, scope, high, total, done, table, after = first["cursor"].split(".")
    assert kind == "s"
    made_up = [
        # More rows sent than the snapshot counted.
        f"{epoch}.s.{scope}.{high}.{total}.{int(total) + 5}.{table}.{after}",
        f"{epoch}.s.{scope}.{high}.-1.{done}.{table}.{after}",
        f"{epoch}.s.{scope}.{high}.{total}.{done}.99.{after}",
        f"{epoch}.s.{scope}.{high}.{total}.+{done}.{table}.{after}",
    ]
    for cursor in made_up:
        assert_error(rep.post(PULL, json=pull_body("strict-cursor", cursor)), 400, "bad_cursor")
    # The cursor the server issued still works.
    r = rep.post(PULL, json=pull_body("strict-cursor", first["cursor"], limit=1))
    assert r.status_code == 200, r.text


def test_the_strict_push_still_applies_a_well_typed_one(rep: httpx.Client) -> None:
    r = rep.post(PUSH, json=push_body("strict-good", [mutation(1, id=uuid7(), name="Good")]))
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["applied"]
