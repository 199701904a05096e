"""Each hostile input that once caused a 500 (or a Lambda exception) now gets a clear answer."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.conftest import TEST_SKILL_ID
from tests.support.alexa_signing import alexa_envelope

DEEP = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
HUGE_INT = b'{"version": "1.0", "n": ' + b"9" * 5000 + b"}"


def envelope(**options: Any) -> dict[str, Any]:
    return alexa_envelope(
        intent="ShopIntent", slots={"query": "wool sweaters"}, skill_id=TEST_SKILL_ID, **options
    )


def without(path: tuple[str, ...]) -> dict[str, Any]:
    body = envelope()
    node = body
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return body


def slots_as_list() -> dict[str, Any]:
    body = envelope()
    body["request"]["intent"]["slots"] = [{"name": "query", "value": "sofas"}]
    return body


def slot_value_as_number() -> dict[str, Any]:
    body = envelope()
    body["request"]["intent"]["slots"]["query"]["value"] = 5
    return body


MALFORMED_ENVELOPES = {
    "no context": without(("context",)),
    "no System": without(("context", "System")),
    "no application": without(("context", "System", "application")),
    "no request": without(("request",)),
    "no intent": without(("request", "intent")),
    "slots as a list": slots_as_list(),
    "slot value a number": slot_value_as_number(),
    "context a string": {**envelope(), "context": "x"},
    "session a list": {**envelope(), "session": []},
    "attributes a string": {**envelope(), "session": {**envelope()["session"], "attributes": "x"}},
}


@pytest.fixture
def unverified_client(unverified_app: Any) -> Any:
    return unverified_app.test_client()


@pytest.mark.parametrize("name", list(MALFORMED_ENVELOPES))
def test_malformed_envelopes_are_a_clear_400_unsigned(unverified_client, name):
    response = unverified_client.post("/alexa", json=MALFORMED_ENVELOPES[name])
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "not an Alexa request envelope" in response.get_json()["error"]


@pytest.mark.parametrize("name", list(MALFORMED_ENVELOPES))
def test_malformed_envelopes_are_a_clear_400_signed(client, alexa_authority, name):
    body = MALFORMED_ENVELOPES[name]
    # The verifier needs a timestamp and application id to reach the envelope check at all.
    raw = json.dumps(body).encode()
    response = client.post("/alexa", data=raw, headers=alexa_authority.sign(raw))
    assert response.status_code == 400, response.get_data(as_text=True)


@pytest.mark.parametrize("body", [DEEP, HUGE_INT, b'{"a": NaN}', b"[1e999]", b"\xff"])
def test_deep_huge_or_invalid_json_is_a_400_signed_or_not(
    client, unverified_client, alexa_authority, body
):
    assert unverified_client.post("/alexa", data=body).status_code == 400
    response = client.post("/alexa", data=body, headers=alexa_authority.sign(body))
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]
    chat = client.post("/chat/api/messages", data=body, content_type="application/json")
    assert chat.status_code == 400


@pytest.mark.parametrize(
    "token", ["chat-abc.\u00e9\u00e9", "chat-abc.\ud800", "\ud83d", "web-x." + "0" * 32]
)
def test_non_ascii_or_surrogate_tokens_are_a_400(client, token):
    for field in ("shopper", "conversation"):
        body = json.dumps({"text": "hi", field: token}, ensure_ascii=True)
        response = client.post("/chat/api/messages", data=body, content_type="application/json")
        assert response.status_code == 400, (field, response.get_data(as_text=True))


def test_lone_surrogates_in_words_are_answered_without_a_traceback(
    client, unverified_client, caplog
):
    caplog.set_level(logging.INFO)
    text = "show me \ud800 sofas"
    chat = client.post(
        "/chat/api/messages",
        data=json.dumps({"text": text}),
        content_type="application/json",
    )
    assert chat.status_code == 200
    alexa = unverified_client.post(
        "/alexa",
        data=json.dumps(
            alexa_envelope(intent="ShopIntent", slots={"query": text}, skill_id=TEST_SKILL_ID)
        ),
        content_type="application/json",
    )
    assert alexa.status_code == 200
    assert "sofa" in json.dumps(alexa.get_json()).lower()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_tokens_of_one_kind_or_shopper_do_not_stand_in(client):
    def say(**body: Any) -> Any:
        return client.post("/chat/api/messages", json={"text": "talk to a person", **body})

    alice = say().get_json()
    bob = say().get_json()
    swapped = say(shopper=alice["conversation"], conversation=alice["shopper"])
    assert swapped.status_code == 400
    stolen = say(shopper=bob["shopper"], conversation=alice["conversation"])
    assert stolen.status_code == 400 and "another shopper" in stolen.get_json()["error"]
    orphan = say(conversation=alice["conversation"])
    assert orphan.status_code == 400


def test_one_open_ticket_per_conversation(client, application):
    first = client.post("/chat/api/messages", json={"text": "talk to a person"}).get_json()
    ids = {"shopper": first["shopper"], "conversation": first["conversation"]}
    opened = first["reply"]["handoff"]["ticket_id"]
    for _ in range(4):
        again = client.post("/chat/api/messages", json={"text": "talk to a person", **ids})
        assert again.status_code == 200
        body = again.get_json()
        ids = {"shopper": body["shopper"], "conversation": body["conversation"]}
        handoff = body["reply"]["handoff"]
        assert handoff is None or handoff["ticket_id"] == opened
    assert [t["ticket_id"] for t in application.desk.tickets()] == [opened]


def test_lambda_handler_never_raises(monkeypatch, tmp_path, demo_catalog, nlp):
    from skill.alexa import lambda_handler
    from skill.bootstrap import build
    from skill.settings import Settings

    wired = build(Settings(data_dir=tmp_path), catalog=demo_catalog, parser=nlp)
    monkeypatch.setattr(lambda_handler, "_application", lambda: wired)
    try:
        for event in [
            {},
            None,
            [],
            "x",
            {"request": {}},
            *MALFORMED_ENVELOPES.values(),
        ]:
            answer = lambda_handler.handler(event, None)
            assert answer["response"]["outputSpeech"]["text"].startswith("Sorry")
        good = lambda_handler.handler(envelope(), None)
        assert "$" in good["response"]["outputSpeech"]["ssml"]
    finally:
        wired.close()


def test_lambda_cold_start_failure_is_an_apology_not_an_exception(monkeypatch, tmp_path):
    from skill.alexa import lambda_handler

    lambda_handler._application.cache_clear()
    monkeypatch.setenv("AMBIENT_SHOP_STATE", "nosuch://state")
    monkeypatch.setenv("AMBIENT_SHOP_DATA_DIR", str(tmp_path))
    try:
        answer = lambda_handler.handler(envelope(), None)
    finally:
        lambda_handler._application.cache_clear()
    assert answer["response"]["outputSpeech"]["text"].startswith("Sorry")
