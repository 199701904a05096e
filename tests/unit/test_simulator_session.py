"""SimulatorSession keeps a session going like a device, over a transport that records envelopes."""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from skill.simulator.session import (
    Exchange,
    HttpTransport,
    SimulatorError,
    SimulatorSession,
)

SKILL_ID = "amzn1.ask.skill.unit"


def alexa_response(
    speech: str,
    *,
    end: bool | None = False,
    attributes: Mapping[str, Any] | None = None,
    card: Mapping[str, Any] | None = None,
    apl_items: list[dict[str, Any]] | None = None,
    reprompt: str | None = None,
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "outputSpeech": {"type": "SSML", "ssml": f"<speak>{speech}</speak>"}
    }
    if end is not None:
        response["shouldEndSession"] = end
    if reprompt:
        response["reprompt"] = {
            "outputSpeech": {"type": "SSML", "ssml": f"<speak>{reprompt}</speak>"}
        }
    if card:
        response["card"] = dict(card)
    if apl_items is not None:
        response["directives"] = [
            {
                "type": "Alexa.Presentation.APL.RenderDocument",
                "token": "t",
                "document": {},
                "datasources": {"list": {"title": "Sofas", "items": apl_items}},
            }
        ]
    return {
        "version": "1.0",
        "sessionAttributes": dict(attributes or {}),
        "response": response,
    }


class RecordingTransport:
    """Answers with whatever the test's function returns and keeps every envelope sent."""

    name = "recording"

    def __init__(self, answer: Callable[[Mapping[str, Any]], dict[str, Any]]) -> None:
        self._answer = answer
        self.sent: list[Mapping[str, Any]] = []

    def send(self, envelope: Mapping[str, Any]) -> Exchange:
        self.sent.append(envelope)
        return Exchange(response=self._answer(envelope))


def counting_skill(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """A skill that counts turns in its session attributes and ends on StopIntent."""
    count = int(envelope["session"]["attributes"].get("count", 0)) + 1
    intent = envelope["request"].get("intent", {}).get("name")
    return alexa_response(
        f"turn {count}", end=intent == "AMAZON.StopIntent", attributes={"count": count}
    )


def test_session_id_new_flag_and_attributes_are_kept_between_turns():
    transport = RecordingTransport(counting_skill)
    session = SimulatorSession(transport, application_id=SKILL_ID, shopper_id="amzn1.ask.account.a")
    first = session.launch()
    second = session.say("show me lamps")
    third = session.say("yes")
    assert [r.speech for r in (first, second, third)] == ["turn 1", "turn 2", "turn 3"]
    sessions = {e["session"]["sessionId"] for e in transport.sent}
    assert len(sessions) == 1
    assert [e["session"]["new"] for e in transport.sent] == [True, False, False]
    assert transport.sent[2]["session"]["attributes"] == {"count": 2}
    assert {e["context"]["System"]["user"]["userId"] for e in transport.sent} == {
        "amzn1.ask.account.a"
    }
    assert transport.sent[1]["request"]["intent"]["slots"]["query"]["value"] == "lamps"
    assert third.sent == "AMAZON.YesIntent"


def test_should_end_session_closes_and_the_next_turn_starts_afresh():
    transport = RecordingTransport(counting_skill)
    session = SimulatorSession(transport, application_id=SKILL_ID)
    session.launch()
    ended = session.say("stop")
    assert ended.end_session and not session.open
    again = session.say("show me lamps")
    assert again.speech == "turn 1"
    assert transport.sent[-1]["session"]["new"] is True
    assert transport.sent[-1]["session"]["sessionId"] != transport.sent[0]["session"]["sessionId"]


def test_unset_should_end_session_depends_on_the_device():
    def silent(envelope: Mapping[str, Any]) -> dict[str, Any]:
        return alexa_response("hello", end=None)

    voice = SimulatorSession(RecordingTransport(silent), application_id=SKILL_ID, device="voice")
    screen = SimulatorSession(RecordingTransport(silent), application_id=SKILL_ID, device="screen")
    assert voice.launch().end_session is True
    assert screen.launch().end_session is False and screen.open


def test_result_exposes_card_reprompt_and_apl_list():
    items = [{"id": "p1", "title": "Velvet Sofa", "price": "$799", "image": ""}]

    def skill(envelope: Mapping[str, Any]) -> dict[str, Any]:
        return alexa_response(
            "Here &amp; there",
            card={"type": "Standard", "title": "Sofas", "text": "1. Velvet Sofa"},
            apl_items=items,
            reprompt="Which one?",
            attributes={"dialogue": {"results": ["p1"]}},
        )

    result = SimulatorSession(RecordingTransport(skill), application_id=SKILL_ID).say("sofas")
    assert result.speech == "Here & there"
    assert result.ssml == "<speak>Here &amp; there</speak>"
    assert result.reprompt == "Which one?"
    assert result.card and result.card["title"] == "Sofas"
    assert result.apl and result.apl_title == "Sofas"
    assert [dict(i) for i in result.apl_items] == items
    assert result.state == {"results": ["p1"]}
    assert result.to_dict()["apl_items"][0]["title"] == "Velvet Sofa"


def test_end_sends_session_ended_request_only_when_open():
    transport = RecordingTransport(lambda e: {"version": "1.0", "response": {}})
    session = SimulatorSession(transport, application_id=SKILL_ID, device="screen")
    assert session.end() is None
    assert transport.sent == []
    transport_open = RecordingTransport(counting_skill)
    session = SimulatorSession(transport_open, application_id=SKILL_ID, device="screen")
    session.launch()
    result = session.end()
    assert result is not None and result.end_session
    assert transport_open.sent[-1]["request"]["type"] == "SessionEndedRequest"
    assert transport_open.sent[-1]["request"]["reason"] == "USER_INITIATED"
    assert not session.open


def test_switching_device_or_shopper_starts_a_new_session():
    transport = RecordingTransport(counting_skill)
    session = SimulatorSession(transport, application_id=SKILL_ID)
    session.launch()
    session.switch_device("screen")
    session.say("lamps")
    assert transport.sent[-1]["session"]["new"] is True
    interfaces = transport.sent[-1]["context"]["System"]["device"]["supportedInterfaces"]
    assert "Alexa.Presentation.APL" in interfaces
    session.switch_shopper("amzn1.ask.account.b")
    session.say("lamps")
    assert transport.sent[-1]["session"]["new"] is True
    assert transport.sent[-1]["session"]["user"]["userId"] == "amzn1.ask.account.b"
    with pytest.raises(ValueError):
        session.switch_shopper("  ")
    with pytest.raises(ValueError):
        session.switch_device("fridge")


def test_empty_utterance_is_refused_without_sending():
    transport = RecordingTransport(counting_skill)
    with pytest.raises(ValueError, match="empty"):
        SimulatorSession(transport, application_id=SKILL_ID).say("   ")
    assert transport.sent == []


def test_http_transport_refuses_a_bad_url_and_reports_an_unreachable_one():
    with pytest.raises(SimulatorError, match="http"):
        HttpTransport("ftp://example.org")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = HttpTransport(f"http://127.0.0.1:{port}", timeout=2)
    assert transport.url.endswith("/alexa")
    session = SimulatorSession(transport, application_id=SKILL_ID)
    with pytest.raises(SimulatorError, match="could not reach"):
        session.launch()
    assert not session.open


def test_no_device_means_voice():
    session = SimulatorSession(
        RecordingTransport(counting_skill), application_id=SKILL_ID, device=None
    )
    assert session.device.name == "voice"
