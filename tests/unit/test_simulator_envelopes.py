"""Envelope shapes and utterance routing: what the simulator sends must be what Alexa sends."""

from __future__ import annotations

import json
import re

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.simulator.envelopes import (
    DEVICES,
    EnvelopeContext,
    UtteranceResolver,
    device_profile,
    intent_request,
    launch_request,
    normalize,
    session_ended_request,
)
from skill.simulator.session import ssml_to_text

SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
USER_ID = "amzn1.ask.account.unit-test"


def context(device: str = "voice", **overrides: object) -> EnvelopeContext:
    fields: dict[str, object] = {
        "application_id": SKILL_ID,
        "user_id": USER_ID,
        "device_id": "amzn1.ask.device.unit",
        "device": device_profile(device),
        "session_id": "amzn1.echo-api.session.unit",
    }
    fields.update(overrides)
    return EnvelopeContext(**fields)  # type: ignore[arg-type]


def deserialize(envelope: dict) -> RequestEnvelope:
    return DefaultSerializer().deserialize(json.dumps(envelope), RequestEnvelope)


def test_launch_envelope_has_every_part_alexa_sends():
    envelope = launch_request(context())
    assert envelope["version"] == "1.0"
    session = envelope["session"]
    assert session["new"] is True
    assert session["sessionId"] == "amzn1.echo-api.session.unit"
    assert session["application"] == {"applicationId": SKILL_ID}
    assert session["user"] == {"userId": USER_ID}
    assert session["attributes"] == {}
    system = envelope["context"]["System"]
    assert system["application"]["applicationId"] == SKILL_ID
    assert system["user"]["userId"] == USER_ID
    assert system["device"]["deviceId"] == "amzn1.ask.device.unit"
    assert system["device"]["supportedInterfaces"] == {}
    assert system["apiEndpoint"].startswith("https://")
    request = envelope["request"]
    assert request["type"] == "LaunchRequest"
    assert request["requestId"].startswith("amzn1.echo-api.request.")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", request["timestamp"])
    assert request["locale"] == "en-US"


def test_intent_envelope_carries_slots_and_echoed_attributes():
    attributes = {"dialogue": {"version": 1, "results": ["p1"]}}
    envelope = intent_request(
        context(new_session=False, attributes=attributes), "ShopIntent", {"query": "red sofas"}
    )
    assert envelope["session"]["new"] is False
    assert envelope["session"]["attributes"] == attributes
    intent = envelope["request"]["intent"]
    assert envelope["request"]["type"] == "IntentRequest"
    assert intent["name"] == "ShopIntent"
    assert intent["confirmationStatus"] == "NONE"
    assert intent["slots"]["query"]["name"] == "query"
    assert intent["slots"]["query"]["value"] == "red sofas"
    assert intent["slots"]["query"]["confirmationStatus"] == "NONE"


def test_unfilled_slot_is_sent_without_a_value():
    envelope = intent_request(context(), "OrderStatusIntent", {"query": None})
    assert "value" not in envelope["request"]["intent"]["slots"]["query"]


def test_envelopes_deserialize_into_the_sdk_models():
    screen = deserialize(intent_request(context("screen"), "ShopIntent", {"query": "lamps"}))
    assert screen.request.object_type == "IntentRequest"
    assert screen.request.intent.slots["query"].value == "lamps"
    assert screen.context.system.device.supported_interfaces.alexa_presentation_apl is not None
    assert screen.context.system.user.user_id == USER_ID
    voice = deserialize(launch_request(context("voice")))
    assert voice.request.object_type == "LaunchRequest"
    assert voice.context.system.device.supported_interfaces.alexa_presentation_apl is None
    ended = deserialize(session_ended_request(context(), reason="EXCEEDED_MAX_REPROMPTS"))
    assert ended.request.object_type == "SessionEndedRequest"
    assert ended.request.reason.value == "EXCEEDED_MAX_REPROMPTS"


def test_device_profiles():
    assert DEVICES["screen"].has_screen and not DEVICES["voice"].has_screen
    with pytest.raises(ValueError, match="unknown device 'tv'"):
        device_profile("tv")


@pytest.fixture(scope="module")
def resolver() -> UtteranceResolver:
    return UtteranceResolver()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("yes", "AMAZON.YesIntent"),
        ("Yeah!", "AMAZON.YesIntent"),
        ("no thanks", "AMAZON.NoIntent"),
        ("stop", "AMAZON.StopIntent"),
        ("cancel", "AMAZON.CancelIntent"),
        ("Help.", "AMAZON.HelpIntent"),
        ("say that again", "AMAZON.RepeatIntent"),
        ("start over", "AMAZON.StartOverIntent"),
        ("talk to a person", "AgentIntent"),
        ("Let me talk to a person", "AgentIntent"),
    ],
)
def test_slotless_phrases_route_to_their_intent(resolver, text, intent):
    resolution = resolver.resolve(text)
    assert (resolution.kind, resolution.intent, dict(resolution.slots)) == ("intent", intent, {})


@pytest.mark.parametrize(
    ("text", "intent", "query"),
    [
        ("show me a blue velvet sofa", "ShopIntent", "a blue velvet sofa"),
        ("where is my order 45712", "OrderStatusIntent", "my order 45712"),
        ("cancel order 45713", "CancelOrderIntent", "order 45713"),
        # The most specific sample wins, as with Alexa's own ranking of literal words.
        ("i want to cancel my order", "CancelOrderIntent", "my order"),
        ("where is my refund for order 45714", "ReturnIntent", "order 45714"),
        ("stop my order from shipping", "CancelOrderIntent", "my order"),
    ],
)
def test_carrier_phrases_fill_the_query_slot(resolver, text, intent, query):
    resolution = resolver.resolve(text)
    assert resolution.intent == intent
    assert resolution.slots == {"query": query}
    assert "{query}" in resolution.matched


def test_anything_else_goes_whole_to_the_parser(resolver):
    resolution = resolver.resolve("  Blue velvet sofa under $800?  ")
    assert resolution.intent == "ShopIntent"
    assert resolution.slots == {"query": "blue velvet sofa under $800"}


def test_invocation_phrases(resolver):
    assert resolver.resolve("Alexa, open Acme Home").kind == "launch"
    one_shot = resolver.resolve("ask acme home to find red sweaters")
    assert (one_shot.intent, one_shot.slots) == ("ShopIntent", {"query": "red sweaters"})
    assert resolver.resolve("ask acme home where is my order 45712").intent == "OrderStatusIntent"


def test_routing_follows_the_model_it_is_given():
    model = {
        "interactionModel": {
            "languageModel": {
                "invocationName": "gift finder",
                "intents": [
                    {
                        "name": "GiftIntent",
                        "slots": [{"name": "who", "type": "AMAZON.SearchQuery"}],
                        "samples": ["a gift for {who}"],
                    },
                    {"name": "AMAZON.StopIntent", "samples": []},
                ],
                "types": [],
            }
        }
    }
    resolver = UtteranceResolver(model)
    gift = resolver.resolve("a gift for my mom")
    assert (gift.intent, gift.slots) == ("GiftIntent", {"who": "my mom"})
    assert resolver.resolve("stop").intent == "AMAZON.StopIntent"
    # YesIntent is not declared, so "yes" cannot be routed there; nothing else matches either.
    assert resolver.resolve("yes").intent == "AMAZON.FallbackIntent"
    assert resolver.resolve("open gift finder").kind == "launch"


def test_normalize_keeps_inner_punctuation():
    assert normalize("  I'm looking for   a $50 lamp!! ") == "i'm looking for a $50 lamp"


def test_ssml_to_text_is_what_a_listener_hears():
    ssml = (
        "<speak>Tom &amp; Jerry's <break time='1s'/>rug costs $5.<emphasis>Yes</emphasis></speak>"
    )
    assert ssml_to_text(ssml + "</speak>") == "Tom & Jerry's rug costs $5.Yes"
