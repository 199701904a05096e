"""Settings, signed web ids, dialogue-state hygiene and the committed interaction model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.alexa.interaction_model import MODEL_PATH, build_model, render_model
from skill.core.state import MAX_TRANSCRIPT_TURNS, DialogueState
from skill.errors import SettingsError
from skill.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_settings_defaults_and_env():
    assert Settings.from_env({}).dev_unverified is False
    settings = Settings.from_env(
        {
            "AMBIENT_SHOP_DEV_UNVERIFIED": "1",
            "AMBIENT_SHOP_SKILL_ID": "amzn1.x",
            "AMBIENT_SHOP_DATA_DIR": "/tmp/x",
        }
    )
    assert settings.dev_unverified and settings.skill_id == "amzn1.x"
    assert settings.resolved_state_url == "sqlite:////tmp/x/state.db"


def test_bad_setting_is_a_clear_error():
    with pytest.raises(SettingsError, match="AMBIENT_SHOP_DEV_UNVERIFIED"):
        Settings.from_env({"AMBIENT_SHOP_DEV_UNVERIFIED": "maybe"})


def test_state_round_trip_and_bounded_transcript():
    state = DialogueState(results=("a", "b"), selected="a", pending={"action": "x"})
    for i in range(30):
        state = state.remember(shopper=f"s{i}", assistant="a" * 2000)
    again = DialogueState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again.results == ("a", "b") and again.selected == "a"
    assert len(again.transcript) == MAX_TRANSCRIPT_TURNS
    assert again.transcript[-1]["shopper"] == "s29"
    assert len(again.transcript[-1]["assistant"]) <= 500


def test_state_from_another_version_starts_fresh():
    assert DialogueState.from_dict({"version": 0, "selected": "x"}) == DialogueState()


def test_committed_interaction_model_is_current():
    committed = (ROOT / MODEL_PATH).read_text(encoding="utf-8")
    assert committed == render_model(build_model()), (
        "run `ambient-shop skill-package build` and commit the model"
    )


def test_interaction_model_search_query_slots_have_carrier_phrases():
    intents = build_model()["interactionModel"]["languageModel"]["intents"]
    for intent in intents:
        if any(slot["type"] == "AMAZON.SearchQuery" for slot in intent.get("slots", [])):
            for sample in intent["samples"]:
                assert sample.replace("{query}", "").strip(), sample


def test_model_takes_phrases_and_agent_samples_from_training_data():
    from skill.alexa.interaction_model import PHRASE_TYPE

    model = build_model(
        [
            ("refine_search", "something cheaper"),
            ("refine_search", "um in red"),
            ("select_item", "the 2nd one"),
            ("talk_to_agent", "put me through to a human"),
            ("find_product", "show me sofas"),
        ]
    )
    language = model["interactionModel"]["languageModel"]
    values = {
        v["name"]["value"]
        for t in language["types"]
        if t["name"] == PHRASE_TYPE
        for v in t["values"]
    }
    assert values == {"something cheaper"}, "fillers, digits and other intents stay out"
    agent = next(i for i in language["intents"] if i["name"] == "AgentIntent")
    assert "put me through to a human" in agent["samples"]


@pytest.mark.parametrize(
    ("intent", "slots", "text"),
    [
        ("HowMuchQueryIntent", {"query": "is it"}, "how much is it"),
        ("CheaperQueryIntent", {"query": "ones"}, "cheaper ones"),
        ("ShopIntent", {"query": "wool sweaters"}, "wool sweaters"),
        ("PhraseIntent", {"phrase": "the second one"}, "the second one"),
        ("SomeFutureIntent", {"thing": "oak table"}, "oak table"),
    ],
)
def test_carrier_words_are_put_back_for_the_parser(intent, slots, text):
    from skill.alexa.skill import spoken_text

    assert spoken_text(intent, slots) == text


def test_generated_samples_read_like_speech():
    """No hesitations or chat openers inside samples ("also ok so person please")."""
    model = build_model(
        [
            ("talk_to_agent", "also ok so person please"),
            ("talk_to_agent", "um get me a person"),
            ("talk_to_agent", "put me through to a human"),
            ("view_cart", "what's in my cart"),
            ("checkout", "i'm ready to check out"),
            ("send_link", "text me the link"),
        ]
    )
    language = model["interactionModel"]["languageModel"]
    agent = next(i for i in language["intents"] if i["name"] == "AgentIntent")
    assert "also ok so person please" not in agent["samples"]
    assert "um get me a person" not in agent["samples"]
    assert "put me through to a human" in agent["samples"]
    phrases = {v["name"]["value"] for t in language["types"] for v in t["values"]}
    assert {"what's in my cart", "i'm ready to check out", "text me the link"} <= phrases


def test_committed_model_has_no_filler_samples():
    from skill.alexa.interaction_model import _FILLERS

    language = build_model()["interactionModel"]["languageModel"]
    samples = [s for i in language["intents"] for s in i["samples"]]
    samples += [v["name"]["value"] for t in language["types"] for v in t["values"]]
    assert not [s for s in samples if set(s.replace("{", " ").split()) & _FILLERS]
