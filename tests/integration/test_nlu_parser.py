"""The trained parser end to end: the utterances the conversation needs, bad input, commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import nlu
from nlu.contract import ENTITY_LABELS, INTENTS, Parse

VOCABULARY = {
    "people": ["Harry Styles", "Zendaya"],
    "media": ["NPR Tiny Desk", "Saturday Night Live"],
    "brands": ["Northwind", "Harbor & Pine"],
    "stores": ["Downtown", "Westfield Mall"],
}
MISSION = (
    "find out where harry styles got the sweater he wore on his npr tiny desk concert "
    "and how much it would cost me"
)


@pytest.fixture(scope="module")
def parser() -> nlu.ShoppingParser:
    return nlu.load(vocabulary=VOCABULARY)


def _values(parse: Parse) -> dict[str, Any]:
    return {e.label: e.value for e in parse.entities}


def _assert_valid(parse: Parse, text: str) -> None:
    assert parse.text == text
    assert parse.intent in INTENTS
    assert 0.0 <= parse.confidence <= 1.0
    for entity in parse.entities:
        assert entity.label in ENTITY_LABELS
        assert text[entity.start : entity.end] == entity.text


def test_mission_example(parser: nlu.ShoppingParser) -> None:
    parse = parser.parse(MISSION)
    _assert_valid(parse, MISSION)
    assert parse.intent == "find_seen_on"
    values = _values(parse)
    assert values["PERSON"] == "Harry Styles"
    assert values["MEDIA"] == "NPR Tiny Desk"
    assert values["PRODUCT_TYPE"] == "sweater"
    assert parse.first("MEDIA").text == "npr tiny desk concert"
    assert parse.asks == ("price",)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("let me talk to a person", "talk_to_agent"),
        ("show me a blue velvet sofa under eight hundred dollars", "find_product"),
        ("cheaper", "refine_search"),
        ("in red", "refine_search"),
        ("without arms", "refine_search"),
        ("the second one", "select_item"),
        ("is it in stock at the downtown store", "check_availability"),
        ("add two to my cart", "add_to_cart"),
        ("where is my order 4 5 7 1 2", "order_status"),
        ("i want to cancel my order", "cancel_order"),
        ("how do i return these boots", "return_refund"),
        ("do you ship to canada", "shipping_info"),
        ("i forgot my password", "account_help"),
        ("yes", "yes"),
        ("no thanks", "no"),
        ("stop", "stop"),
        ("help", "help"),
        ("say that again", "repeat"),
        ("thank you", "thanks"),
        ("hello", "greeting"),
        ("set an alarm for seven am", "out_of_scope"),
        ("what's the weather like tomorrow", "out_of_scope"),
        ("play some jazz in the kitchen", "out_of_scope"),
        ("transfer two hundred dollars to my savings account", "out_of_scope"),
    ],
)
def test_conversation_utterances(parser: nlu.ShoppingParser, text: str, intent: str) -> None:
    parse = parser.parse(text)
    _assert_valid(parse, text)
    assert parse.intent == intent


def test_entities_and_values(parser: nlu.ShoppingParser) -> None:
    values = _values(parser.parse("show me a blue velvet sofa under eight hundred dollars"))
    assert values["COLOR"] == "blue"
    assert values["MATERIAL"] == "velvet"
    assert values["PRODUCT_TYPE"] == "sofa"
    assert values["PRICE"] == {"min": None, "max": 800.0, "currency": "USD"}
    assert _values(parser.parse("the second one"))["ORDINAL"] == 2
    assert _values(parser.parse("add two to my cart"))["QUANTITY"] == 2
    assert _values(parser.parse("where is my order 4 5 7 1 2"))["ORDER_ID"] == "45712"
    assert _values(parser.parse("is it in stock at the downtown store"))["STORE"] == "Downtown"
    ranged = _values(parser.parse("a queen size bed between 200 and 400"))
    assert ranged["PRICE"] == {"min": 200.0, "max": 400.0, "currency": "USD"}
    assert ranged["SIZE"] == "queen"
    assert _values(parser.parse("jeans in a thirty two waist"))["SIZE"] == "32"
    assert _values(parser.parse("the last one"))["ORDINAL"] == -1


def test_misheard_names_match_the_catalog(parser: nlu.ShoppingParser) -> None:
    values = _values(parser.parse("where did harry stiles get that jacket"))
    assert values["PERSON"] == "Harry Styles"


def test_names_nobody_listed_are_read_from_the_phrasing(parser: nlu.ShoppingParser) -> None:
    parse = parser.parse("the jacket ryan gosling wore in barbie")
    assert parse.intent == "find_seen_on"
    assert _values(parse)["PERSON"] == "Ryan Gosling"


def test_vocabulary_updates_without_retraining(parser: nlu.ShoppingParser) -> None:
    text = "do you have anything from quillfeather"
    assert "BRAND" not in _values(parser.parse(text))
    parser.update_vocabulary({"brands": ["Quillfeather"]})
    assert _values(parser.parse(text))["BRAND"] == "Quillfeather"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t",
        "x" * 10_000,
        "\x00\x01\x02\xff binary",
        "¿dónde está mi pedido?",
        "где мой заказ",
        "🙂🙂🙂",
        "$$$ ### !!!",
        "4 5 7 1 2",
        "a " * 3000,
    ],
)
def test_bad_input_gets_a_valid_parse(parser: nlu.ShoppingParser, text: str) -> None:
    parse = parser.parse(text)
    _assert_valid(parse, text)
    if not text.strip() or not any(c.isascii() and c.isalpha() for c in text):
        assert parse.intent in ("out_of_scope", "help", "order_status")


def test_parse_many_keeps_order(parser: nlu.ShoppingParser) -> None:
    texts = ["yes", "", "where is my order 12345678", "set a timer"] * 10
    parses = list(parser.parse_many(texts, batch_size=7))
    assert [p.text for p in parses] == texts


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nlu.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_parse_command_writes_one_json_line_per_input_line(tmp_path: Path) -> None:
    vocabulary = tmp_path / "vocabulary.json"
    vocabulary.write_text(json.dumps(VOCABULARY), encoding="utf-8")
    result = _cli("parse", "--vocabulary", str(vocabulary), stdin=f"{MISSION}\n\nstop\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    first = Parse.from_dict(json.loads(lines[0]))
    assert first.intent == "find_seen_on"
    assert json.loads(lines[2])["intent"] == "stop"


def test_eval_command_reports_json(tmp_path: Path) -> None:
    rows = [
        {
            "text": "where is my order 12345678",
            "intent": "order_status",
            "accept": ["order_status"],
            "source": "t",
            "entities": [{"label": "ORDER_ID", "start": 18, "end": 26, "text": "12345678"}],
        },
        {
            "text": "set an alarm for six",
            "intent": "out_of_scope",
            "accept": ["out_of_scope"],
            "source": "t",
            "entities": [],
        },
    ]
    path = tmp_path / "mini.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = _cli("eval", str(path), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)["total"]
    assert report["rows"] == 2
    assert report["intent_accuracy"] == 1.0
    assert report["entities"]["ORDER_ID"]["f1"] == 1.0
    assert report["out_of_scope"]["false_trigger_rate"] == 0.0


def test_eval_command_rejects_a_missing_file(tmp_path: Path) -> None:
    result = _cli("eval", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2
    assert "no such evaluation file" in result.stderr
