"""POST /alexa with real signatures, the real parser and the demo catalog."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import TEST_SKILL_ID
from tests.support.alexa_signing import alexa_envelope

MISSION = (
    "find out where harry styles got the sweater he wore on his npr tiny desk concert "
    "and how much it would cost me"
)


def post_signed(client: Any, authority: Any, envelope: dict[str, Any], **sign: Any) -> Any:
    body = json.dumps(envelope).encode()
    headers = authority.sign(body, **sign)
    return client.post("/alexa", data=body, headers=headers, content_type="application/json")


def shop(query: str, **kwargs: Any) -> dict[str, Any]:
    return alexa_envelope(
        intent="ShopIntent", slots={"query": query}, skill_id=TEST_SKILL_ID, **kwargs
    )


def speech_of(response: Any) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]["outputSpeech"]["ssml"]


def test_signed_mission_request_names_sweater_price_and_match(client, alexa_authority):
    response = post_signed(client, alexa_authority, shop(MISSION))
    speech = speech_of(response)
    body = response.get_json()
    assert "sweater" in speech.lower()
    assert "$" in speech
    assert "exact" in speech or "similar" in speech
    assert body["response"]["card"]["type"] == "Standard"


def test_sha1_only_signature_is_accepted(client, alexa_authority):
    response = post_signed(client, alexa_authority, shop("show me a wool sweater"), sha1=True)
    assert response.status_code == 200


def test_talk_to_a_person_is_acknowledged(client, alexa_authority):
    envelope = alexa_envelope(intent="AgentIntent", skill_id=TEST_SKILL_ID)
    speech = speech_of(post_signed(client, alexa_authority, envelope))
    # No phone number on file: a person cannot follow up by voice, so the web chat is offered.
    assert "person" in speech and "web chat" in speech


def test_free_form_talk_to_a_person(client, alexa_authority):
    speech = speech_of(post_signed(client, alexa_authority, shop("let me talk to a person")))
    assert "web chat" in speech


def test_session_attributes_carry_the_conversation(client, alexa_authority):
    first = post_signed(client, alexa_authority, shop("show me sweaters"))
    attributes = first.get_json()["sessionAttributes"]
    assert attributes["dialogue"]["results"]
    second = post_signed(
        client,
        alexa_authority,
        shop("the second one", session_new=False, attributes=attributes),
    )
    speech = speech_of(second)
    second_id = attributes["dialogue"]["results"][1]
    assert second.get_json()["sessionAttributes"]["dialogue"]["selected"] == second_id
    assert "$" in speech


def test_ssml_special_characters_are_escaped(client, alexa_authority):
    speech = speech_of(post_signed(client, alexa_authority, shop("show me sweaters")))
    assert speech.startswith("<speak>") and speech.endswith("</speak>")
    inner = speech[len("<speak>") : -len("</speak>")]
    assert "<" not in inner and ">" not in inner


def test_unsigned_request_is_400(client):
    response = client.post("/alexa", json=shop("show me sweaters"))
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_tampered_body_is_400(client, alexa_authority):
    body = json.dumps(shop("show me sweaters")).encode()
    headers = alexa_authority.sign(body)
    tampered = body.replace(b"sweaters", b"sofas!!!")
    response = client.post("/alexa", data=tampered, headers=headers)
    assert response.status_code == 400


def test_stale_timestamp_is_400(client, alexa_authority):
    old = datetime.now(UTC) - timedelta(seconds=151)
    response = post_signed(client, alexa_authority, shop("show me sweaters", timestamp=old))
    assert response.status_code == 400
    assert "timestamp" in response.get_json()["error"].lower()


def test_wrong_application_is_400(client, alexa_authority):
    envelope = alexa_envelope(
        intent="ShopIntent", slots={"query": "sofa"}, skill_id="amzn1.ask.skill.someone-else"
    )
    assert post_signed(client, alexa_authority, envelope).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://notamazon.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem",
    ],
)
def test_bad_certificate_url_is_400(client, alexa_authority, url):
    body = json.dumps(shop("show me sweaters")).encode()
    headers = alexa_authority.sign(body)
    headers["SignatureCertChainUrl"] = url
    response = client.post("/alexa", data=body, headers=headers)
    assert response.status_code == 400


def test_signed_garbage_is_400_not_500(client, alexa_authority):
    body = b'{"version": "1.0", "request": "not an object"}'
    response = client.post("/alexa", data=body, headers=alexa_authority.sign(body))
    assert response.status_code == 400


def test_oversized_body_is_413(client):
    response = client.post("/alexa", data=b"x" * (200 * 1024))
    assert response.status_code == 413


def test_wrong_method_is_json_405(client):
    response = client.get("/alexa")
    assert response.status_code == 405
    assert "error" in response.get_json()


def test_healthz(client):
    assert client.get("/healthz").get_json()["status"] == "ok"
