"""Reply -> Alexa response rendering: escaping and Alexa's size limits."""

from __future__ import annotations

import json
from decimal import Decimal

from ask_sdk_core.response_helper import ResponseFactory
from ask_sdk_core.serialize import DefaultSerializer

from skill.alexa.rendering import MAX_RESPONSE_BYTES, MAX_SPEECH_CHARS, enforce_size, render, ssml
from skill.core.model import Card, Reply, ReplyItem


def rendered(reply: Reply, *, supports_apl: bool = False) -> dict:
    builder = ResponseFactory()
    render(reply, builder, supports_apl=supports_apl)
    envelope = {"version": "1.0", "response": DefaultSerializer().serialize(builder.response)}
    return json.loads(json.dumps(envelope))


def test_ssml_escapes_markup_and_ampersands():
    assert ssml('Kestrel & Co\'s "Marlow" <b>') == 'Kestrel &amp; Co\'s "Marlow" &lt;b&gt;'


def test_speech_is_capped_below_alexa_limit_at_a_word_boundary():
    text = "word " * 5000
    out = rendered(Reply(text=text))["response"]["outputSpeech"]["ssml"]
    assert len(out) <= MAX_SPEECH_CHARS
    assert out.endswith("…</speak>")


def test_escaping_cannot_push_speech_past_the_limit():
    out = ssml("&" * 9000)
    assert len(out) <= MAX_SPEECH_CHARS


def test_card_and_reprompt_and_session_flag():
    out = rendered(Reply(text="hi", reprompt="again?", card=Card("T", "body", "https://img/x.jpg")))
    response = out["response"]
    assert response["reprompt"]["outputSpeech"]["ssml"] == "<speak>again?</speak>"
    assert response["card"]["type"] == "Standard"
    assert response["card"]["image"]["largeImageUrl"] == "https://img/x.jpg"
    assert response["shouldEndSession"] is False


def test_http_images_are_left_out_of_cards():
    out = rendered(Reply(text="hi", card=Card("T", "body", "http://insecure/x.jpg")))
    assert "image" not in out["response"]["card"]


def test_apl_only_when_supported():
    item = ReplyItem("p1", "Sofa", Decimal("749"), image_url="https://img/p1.jpg")
    plain = rendered(Reply(text="hi", items=(item,)))
    screen = rendered(Reply(text="hi", items=(item,)), supports_apl=True)
    assert "directives" not in plain["response"]
    directive = screen["response"]["directives"][0]
    assert directive["type"] == "Alexa.Presentation.APL.RenderDocument"
    assert directive["datasources"]["list"]["items"][0]["price"] == "$749"


def test_oversized_response_sheds_apl_then_card():
    items = tuple(
        ReplyItem(f"p{i}", "x" * 3000, Decimal("1"), image_url="https://img/x.jpg")
        for i in range(10)
    )
    out = rendered(Reply(text="hi", items=items, card=Card("T", "y" * 900)), supports_apl=True)
    assert len(json.dumps(out)) > MAX_RESPONSE_BYTES
    trimmed = enforce_size(out)
    assert len(json.dumps(trimmed).encode()) <= MAX_RESPONSE_BYTES
    assert "directives" not in trimmed["response"]
    assert trimmed["response"]["outputSpeech"]


def test_variant_suffix_is_spoken_naturally():
    from skill.core.speech import spoken_title

    assert (
        spoken_title("Fable Knit Patchwork Cardigan - Cream")
        == "Fable Knit Patchwork Cardigan in Cream"
    )
    assert spoken_title("Oak Table") == "Oak Table"
    assert spoken_title(" - Cream") == " - Cream"
