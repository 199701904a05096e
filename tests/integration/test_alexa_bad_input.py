"""Bad input over signed Alexa requests: a helpful spoken answer, never a 500 or a dead session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from catalog_adapter.registry import open_catalog
from catalog_adapter.resilience import RetryPolicy
from tests.conftest import TEST_SKILL_ID
from tests.support.alexa_signing import alexa_envelope
from tests.support.catalog_http_server import (
    API_KEY,
    RetailerApi,
    RunningApi,
    retailer_mapping,
    serve_retailer_api,
)


def post(client: Any, authority: Any, envelope: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(envelope).encode()
    response = client.post("/alexa", data=body, headers=authority.sign(body))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def speech(answer: dict[str, Any]) -> str:
    return answer["response"]["outputSpeech"]["ssml"]


def test_unknown_intent_is_read_by_the_parser(client, alexa_authority):
    envelope = alexa_envelope(
        intent="BrandNewIntent", slots={"thing": "wool sweaters"}, skill_id=TEST_SKILL_ID
    )
    answer = post(client, alexa_authority, envelope)
    assert "$" in speech(answer)
    assert answer["response"]["shouldEndSession"] is False


@pytest.mark.parametrize("slots", [None, {"query": ""}, {"query": "   "}])
def test_missing_or_empty_slot_gets_help(client, alexa_authority, slots):
    envelope = alexa_envelope(intent="ShopIntent", slots=slots, skill_id=TEST_SKILL_ID)
    answer = post(client, alexa_authority, envelope)
    assert "You can ask me" in speech(answer)


@pytest.mark.parametrize(
    "attributes",
    [
        {"dialogue": "not a mapping"},
        {"dialogue": {"version": 1, "results": [1, 2, {"x": 1}], "selected": 7}},
        {"dialogue": {"version": 1, "pending": {"action": "cancel_order", "order_id": {"$": 1}}}},
        {"dialogue": {"version": 0, "results": ["AH-SW-1001"]}},
        {"dialogue": {"version": 1, "results": ["no-such-product"] * 500}},
        {"something": "else"},
    ],
)
def test_tampered_or_old_session_attributes(client, alexa_authority, attributes):
    for query in ("the second one", "yes"):
        envelope = alexa_envelope(
            intent="ShopIntent",
            slots={"query": query},
            skill_id=TEST_SKILL_ID,
            session_new=False,
            attributes=attributes,
        )
        answer = post(client, alexa_authority, envelope)
        assert len(speech(answer)) > len("<speak></speak>")
        assert answer["response"]["shouldEndSession"] is False


def test_ordinal_past_the_end_is_explained(client, alexa_authority):
    first = post(
        client,
        alexa_authority,
        alexa_envelope(
            intent="ShopIntent", slots={"query": "wool sweaters"}, skill_id=TEST_SKILL_ID
        ),
    )
    envelope = alexa_envelope(
        intent="PhraseIntent",
        slots={"phrase": "the ninth one"},
        skill_id=TEST_SKILL_ID,
        session_new=False,
        attributes=first["sessionAttributes"],
    )
    assert "only have" in speech(post(client, alexa_authority, envelope))


@pytest.fixture
def retailer() -> Iterator[RunningApi]:
    with serve_retailer_api(RetailerApi(delay=0.3)) as running:
        yield running


def test_catalog_outage_mid_conversation(retailer, settings, nlp, alexa_authority):
    from skill.bootstrap import build
    from skill.web import create_app

    catalog = open_catalog(
        retailer.catalog_url,
        mapping=retailer_mapping(),
        env={"RETAILER_API_KEY": API_KEY},
        read_timeout=0.1,
        connect_timeout=0.1,
        retry=RetryPolicy(attempts=2, backoff=0.01, backoff_max=0.02, retry_after_cap=0.05),
    )
    wired = build(
        settings,
        catalog=catalog,
        parser=nlp,
        verifier=alexa_authority.verifier(skill_id=TEST_SKILL_ID),
    )
    client = create_app(application=wired).test_client()
    first = post(
        client,
        alexa_authority,
        alexa_envelope(
            intent="ShopIntent", slots={"query": "show me sweaters"}, skill_id=TEST_SKILL_ID
        ),
    )
    assert "$" in speech(first)
    retailer.state.mode = "fail"
    envelope = alexa_envelope(
        intent="ShopIntent",
        slots={"query": "show me sofas"},
        skill_id=TEST_SKILL_ID,
        session_new=False,
        attributes=first["sessionAttributes"],
    )
    outage = post(client, alexa_authority, envelope)
    assert "can't reach our product catalog" in speech(outage)
    assert outage["response"]["shouldEndSession"] is False
    assert outage["sessionAttributes"]["dialogue"]["pending"]["action"] == "handoff"
    wired.close()
