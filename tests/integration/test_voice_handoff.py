"""A handoff over POST /alexa: the skill says how a person follows up, asks consent, then texts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import TEST_SKILL_ID
from tests.support.alexa_signing import alexa_envelope
from tests.support.processes import free_port

SHOPPER = "amzn1.ask.account.test"
PHONE = "+15555550123"


def post(client: Any, authority: Any, envelope: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(envelope).encode()
    response = client.post("/alexa", data=body, headers=authority.sign(body))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def speech(body: dict[str, Any]) -> str:
    return body["response"]["outputSpeech"]["ssml"]


def converse(
    client: Any, authority: Any, *steps: dict[str, Any], after: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Each step continues the session with the attributes the last answer carried."""
    answers: list[dict[str, Any]] = list(after or [])
    for step in steps:
        if answers:
            step = {**step, "session_new": False, "attributes": answers[-1]["sessionAttributes"]}
        answers.append(post(client, authority, alexa_envelope(skill_id=TEST_SKILL_ID, **step)))
    return answers


def test_voice_handoff_asks_consent_then_texts_the_shopper(client, application, alexa_authority):
    application.state.shoppers.save(SHOPPER, {"phone": PHONE, "name": "Sam"})
    so_far = converse(
        client,
        alexa_authority,
        {"intent": "ShopIntent", "slots": {"query": "show me wool sweaters"}},
        {"intent": "AgentIntent"},
    )
    asked = so_far[-1]
    assert "2 3" in speech(asked) and "Is that okay?" in speech(asked)
    assert asked["response"]["shouldEndSession"] is False
    assert application.agent_desk.tickets() == [], "nothing is opened before the shopper agrees"
    agreed = converse(client, alexa_authority, {"intent": "AMAZON.YesIntent"}, after=so_far)[-1]
    assert "text you shortly" in speech(agreed)
    assert agreed["response"]["shouldEndSession"] is True
    (ticket,) = application.agent_desk.tickets()
    assert ticket["contact"] == {"method": "sms", "phone": "ending 23"}
    assert ticket["channel"] == "alexa" and ticket["shopper_notified"] is True
    assert any("wool sweaters" in t.get("shopper", "") for t in ticket["transcript"])
    assert len(ticket["items"]) >= 2, "the items the shopper heard travel with the ticket"
    texts = application.outbox.messages(shopper_id=SHOPPER)
    assert texts and ticket["ticket_id"] in texts[0]["body"]
    assert texts[0]["channel"] == "sms"


def test_declining_a_text_offers_a_callback(client, application, alexa_authority):
    application.state.shoppers.save(SHOPPER, {"phone": PHONE})
    _, declined, agreed = converse(
        client,
        alexa_authority,
        {"intent": "AgentIntent"},
        {"intent": "AMAZON.NoIntent"},
        {"intent": "AMAZON.YesIntent"},
    )
    assert "call you back" in speech(declined)
    assert "call you back" in speech(agreed)
    (ticket,) = application.agent_desk.tickets()
    assert ticket["contact"]["method"] == "callback"


def test_declining_both_opens_nothing(client, application, alexa_authority):
    application.state.shoppers.save(SHOPPER, {"phone": PHONE})
    answers = converse(
        client,
        alexa_authority,
        {"intent": "AgentIntent"},
        {"intent": "AMAZON.NoIntent"},
        {"intent": "AMAZON.NoIntent"},
    )
    assert "no one will contact you" in speech(answers[-1])
    assert application.agent_desk.tickets() == []
    assert application.outbox.messages(shopper_id=SHOPPER) == []


@pytest.fixture
def sns_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    """moto's server on a real port, in this process so the test can read what SNS 'sent'."""
    from moto.server import ThreadedMotoServer
    from moto.sns.models import sns_backends

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}", sns_backends["123456789012"]["us-east-1"]
    finally:
        server.stop()


def test_texts_go_out_through_sns_when_configured(
    sns_endpoint, settings, demo_catalog, nlp, alexa_authority
):
    from skill.bootstrap import build
    from skill.web import create_app

    url, backend = sns_endpoint
    wired = build(
        settings.with_overrides(sms_url=f"sns://?region=us-east-1&endpoint_url={url}"),
        catalog=demo_catalog,
        parser=nlp,
        verifier=alexa_authority.verifier(skill_id=TEST_SKILL_ID),
    )
    client = create_app(application=wired).test_client()
    wired.state.shoppers.save(SHOPPER, {"phone": PHONE})
    converse(client, alexa_authority, {"intent": "AgentIntent"}, {"intent": "AMAZON.YesIntent"})
    (ticket,) = wired.agent_desk.tickets()
    sent = list(backend.sms_messages.values())
    assert [phone for phone, _ in sent] == [PHONE]
    assert ticket["ticket_id"] in sent[0][1]
    # The outbox table still records it, so the simulator and the desk can show what went out.
    assert wired.outbox.messages(shopper_id=SHOPPER)[0]["channel"] == "sms"
    # An agent's reply to a voice shopper travels the same way.
    desk = wired.agent_desk
    agent = desk.add_agent("ann", "correct horse battery")
    desk.claim(agent, ticket["ticket_id"])
    desk.reply(agent, ticket["ticket_id"], "Hi, Ann here about your sweater.")
    assert list(backend.sms_messages.values())[-1] == (PHONE, "Hi, Ann here about your sweater.")
    wired.close()
