"""Conversation scripts: validation names the file and turn; mismatches say what was said."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from nlu.contract import Parse
from skill.simulator.script import (
    Script,
    ScriptError,
    load_script,
    load_scripts,
    load_yaml,
    parse_script,
    run_script,
)
from skill.simulator.session import Exchange, SimulatorSession
from tests.unit.test_simulator_session import alexa_response


class ShopSkill:
    """Answers like a tiny shop: welcome, a sofa list, a goodbye; optionally reports a parse."""

    name = "shop"

    def __init__(self, *, with_parse: bool) -> None:
        self.with_parse = with_parse

    def send(self, envelope: Mapping[str, Any]) -> Exchange:
        request = envelope["request"]
        if request["type"] == "LaunchRequest":
            return Exchange(alexa_response("Welcome to the shop.", attributes={}))
        intent = request.get("intent", {}).get("name")
        if intent == "AMAZON.StopIntent":
            return Exchange(alexa_response("Goodbye.", end=True))
        query = request["intent"]["slots"]["query"]["value"]
        parse = Parse(text=query, intent="find_product", confidence=0.9)
        response = alexa_response(
            "I found a blue velvet sofa for $799.",
            card={"type": "Standard", "title": "Sofas", "text": "Velvet sofa"},
            attributes={"dialogue": {"results": ["p1", "p2"], "selected": None}},
        )
        return Exchange(response, parse=parse if self.with_parse else None)


def run(script_yaml: str, *, with_parse: bool = True, in_process: bool = True) -> Any:
    script = parse_script(load_yaml(script_yaml), source="inline.yaml")
    transport = ShopSkill(with_parse=with_parse)

    def session_for(s: Script) -> SimulatorSession:
        return SimulatorSession(transport, application_id="amzn1.ask.skill.unit")

    return run_script(script, session_for, in_process=in_process)


PASSING = """
name: sofa search
turns:
  - launch: true
    expect: {says: welcome}
  - user: show me a blue velvet sofa
    expect:
      says: [sofa, "$799"]
      says_any: [exact, velvet]
      not_says: [sorry]
      card: true
      apl: false
      end_session: false
      intent: find_product
      state: {selected: null, results: [p1, p2]}
      state_has: [results]
      sent: ShopIntent
  - intent: AMAZON.StopIntent
    expect: {end_session: true, says: goodbye}
"""


def test_a_script_whose_expectations_hold_passes():
    report = run(PASSING)
    assert report.passed, report.summary()
    assert report.summary().startswith("PASS sofa search (3 turns")


def test_every_mismatch_is_reported_with_turn_expectation_and_speech():
    report = run(
        """
name: wrong expectations
turns:
  - user: show me a sofa
    expect:
      says: [lamp]
      not_says: ["$799"]
      card: false
      intent: order_status
      state: {selected: p9}
      state_has: [pending]
  - user: show me a lamp
    expect: {says_any: [rug, mat]}
"""
    )
    assert not report.passed
    checks = [(m.turn, m.check) for m in report.mismatches]
    assert checks == [
        (1, "says"),
        (1, "not_says"),
        (1, "card"),
        (1, "intent"),
        (1, "state.selected"),
        (1, "state_has.pending"),
        (2, "says_any"),
    ]
    text = report.summary()
    assert text.startswith("FAIL wrong expectations")
    assert "wrong expectations: turn 1 (show me a sofa): says expected 'lamp'" in text
    assert 'alexa said: "I found a blue velvet sofa for $799."' in text
    assert "intent expected 'order_status', got 'find_product'" in text


def test_intent_is_noted_not_failed_when_no_parse_is_available():
    report = run(PASSING, with_parse=False, in_process=False)
    assert report.passed
    assert any("not checked over --url" in note for note in report.notes)
    strict = run(PASSING, with_parse=False, in_process=True)
    assert [m.check for m in strict.mismatches] == ["intent"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[1, 2]", "a script is a mapping"),
        ("name: x\nturns: []", "`turns` must be a non-empty list"),
        ("turns:\n  - user: hi\n    launch: true", "turn 1: give exactly one of"),
        ("turns:\n  - user: hi\n    expect: {sayz: hi}", "turn 1: unknown expectations ['sayz']"),
        ("turns:\n  - launch: true\n  - user: ''", "turn 2: `user` needs non-empty text"),
        ("turns:\n  - user: hi\n    expect: {card: maybe}", "expect.card must be true or false"),
        ("device: tv\nturns:\n  - launch: true", "device 'tv' is not one of"),
        ("turns:\n  - user: hi\n    slots: {query: x}", "`slots` only go with `intent`"),
        ("turns:\n  - user: hi\n    expect: {says: {a: b}}", "expect.says: expected a string"),
        ("turns:\n  - launch: yes please", "`launch` takes `true`"),
    ],
)
def test_malformed_scripts_are_refused_with_the_place_named(document, message):
    with pytest.raises(ScriptError) as raised:
        parse_script(yaml.safe_load(document), source="bad.yaml")
    assert message in str(raised.value)
    assert str(raised.value).startswith("bad.yaml")


def test_files_and_directories_load_in_order(tmp_path: Path):
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "b.yaml").write_text("turns:\n  - launch: true\n", encoding="utf-8")
    (folder / "a.yml").write_text("name: first\nturns:\n  - launch: true\n", encoding="utf-8")
    single = tmp_path / "c.yaml"
    single.write_text("turns:\n  - user: hello\n", encoding="utf-8")
    names = [s.name for s in load_scripts([folder, single])]
    assert names == ["first", "b", "c"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("turns: [unclosed", encoding="utf-8")
    with pytest.raises(ScriptError, match="not valid YAML"):
        load_script(broken)
    with pytest.raises(ScriptError, match="cannot read"):
        load_script(tmp_path / "missing.yaml")
    with pytest.raises(ScriptError, match="no \\*.yaml scripts"):
        load_scripts([_empty_dir(tmp_path)])


def _empty_dir(root: Path) -> Path:
    path = root / "empty"
    path.mkdir()
    return path


def test_yes_no_and_numbers_are_words_the_shopper_says():
    script = parse_script(
        load_yaml("turns:\n  - user: yes\n  - user: no\n  - user: off\n  - user: 2\n"),
        source="words.yaml",
    )
    assert [t.value for t in script.turns] == ["yes", "no", "off", "2"]
    flags = load_yaml("turns:\n  - launch: true\n    expect: {card: false}\n")
    assert parse_script(flags, source="flags.yaml").turns[0].expect == {"card": False}


def test_ending_a_closed_session_with_expectations_is_a_mismatch():
    report = run(
        """
turns:
  - intent: AMAZON.StopIntent
  - end: true
    expect: {says: bye}
"""
    )
    assert [(m.turn, m.check) for m in report.mismatches] == [(2, "session")]
