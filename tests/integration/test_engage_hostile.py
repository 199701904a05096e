"""Hostile input to POST /events and /surveys: always a clear 4xx, never a 500, nothing lost."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from skill.engage.events import sign
from tests.support.engage import cart_event, order_event


def post_raw(client: Any, application: Any, body: bytes) -> Any:
    headers = sign(application.engage.secret, body, int(datetime.now(UTC).timestamp()))
    return client.post(
        "/events", data=body, headers={"Content-Type": "application/json", **headers}
    )


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 30_000 + b"]" * 30_000,
        b'{"id": "x", "type": "cart_updated", "cart": ' + b"{" * 20_000 + b"}" * 20_000 + b"}",
        b"\xff\xfe not utf-8",
        b'{"id": "e1", "type": "checkout_started", "occurred_at": "2026-01-01T00:00:00Z", '
        b'"shopper_id": "s", "cart": {"id": "c", "value": NaN}}',
        b'{"id": "e1", "type": "checkout_started", "occurred_at": "2026-01-01T00:00:00Z", '
        b'"shopper_id": "s", "cart": {"id": "c", "value": 1e400}}',
        b'{"id": "\\ud800", "type": "cart_updated"}',
        b"null",
        b'"a string"',
        b"",
    ],
)
def test_hostile_bodies_get_a_400(client, application, body):
    answer = post_raw(client, application, body)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.json["error"] and answer.json["field"]


def _mutations(rng: random.Random, payload: dict[str, Any]) -> dict[str, Any]:
    """Replace, drop or retype one field somewhere in the event."""
    mutated = copy.deepcopy(payload)
    containers: list[Any] = [mutated]
    node: Any = mutated
    while isinstance(node, dict | list) and node and rng.random() < 0.6:
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        if isinstance(node[key], dict | list) and node[key]:
            node = node[key]
            containers.append(node)
        else:
            break
    target = containers[-1]
    key = rng.choice(list(target)) if isinstance(target, dict) else rng.randrange(len(target))
    junk = rng.choice(
        [None, "", " ", -1, 0, 10**30, 1.5, True, [], {}, "x" * 5000, "\u0000", "é🙂", [1, [2]]]
    )
    if isinstance(target, dict) and rng.random() < 0.2:
        del target[key]
    else:
        target[key] = junk
    return mutated


def test_randomly_broken_events_never_cause_a_500(client, application):
    rng = random.Random(12)
    now = datetime.now(UTC)
    seeds = [
        cart_event("f-cart", "checkout_started", at=now, shopper="s1", cart="c1"),
        order_event("f-order", at=now, shopper="s1", order="o1", cart="c1"),
    ]
    statuses: dict[int, int] = {}
    for n in range(300):
        payload = _mutations(rng, rng.choice(seeds))
        if isinstance(payload.get("id"), str):
            payload["id"] = f"{payload['id']}-{n}"
        answer = post_raw(client, application, json.dumps(payload).encode())
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        assert answer.status_code in (202, 400, 409), (payload, answer.get_data(as_text=True))
        if answer.status_code == 400:
            assert answer.json["field"]
    assert statuses.get(400, 0) > 50 and statuses.get(202, 0) > 10, statuses
    stored = application.engage.records.query("event")
    assert len(stored) == statuses.get(202, 0)


@pytest.mark.parametrize(
    "body",
    [
        {"score": 10**100},
        {"score": [5]},
        {"score": {"value": 5}},
        {"score": 5, "comment": ["not text"]},
        {"score": 5, "comment": "x" * 5000},
        {"score": "5.0"},
    ],
)
def test_hostile_survey_answers_get_a_clear_400(client, application, body):
    survey_id = application.engage.surveys.ask("csat", shopper_id="s", channel="webchat")
    answer = client.post(f"/surveys/{survey_id}", json=body)
    assert answer.status_code == 400
    assert answer.json["error"]
    assert application.engage.records.get("survey", survey_id).doc["score"] is None


def test_survey_body_that_is_not_an_object_is_a_400(client, application):
    survey_id = application.engage.surveys.ask("nps", shopper_id="s", channel="sms")
    for raw in (b"[1]", b"5", b"{bad"):
        answer = client.post(f"/surveys/{survey_id}", data=raw, content_type="application/json")
        assert answer.status_code == 400, raw
    assert client.post("/surveys/" + "x" * 5000, json={"score": 1}).status_code in (404, 414)
