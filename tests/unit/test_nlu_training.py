"""Training data expansion: deterministic, split by template, and the committed model is current."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from nlu import training
from nlu.contract import INTENTS
from nlu.errors import TrainingDataError


def test_template_language_choices_options_and_slots() -> None:
    expander = training.Expander({"color": ["red", "blue"]}, random.Random(1))
    seen = {expander.render("(show|find) me [a] {color} sofa") for _ in range(60)}
    assert "show me a red sofa" in seen
    assert "find me blue sofa" in seen
    assert all(s.endswith("sofa") for s in seen)


def test_generated_slots_fill_order_ids_and_amounts() -> None:
    expander = training.Expander({}, random.Random(3))
    ids = {expander.render("{order_id}") for _ in range(40)}
    assert any(" " in i for i in ids), "some ids are read out digit by digit"
    assert all(any(c.isdigit() for c in i) or i.split()[0].isalpha() for i in ids)


@pytest.mark.parametrize(
    "template", ["(unclosed", "[also unclosed", "{missing}", "closed) too early"]
)
def test_broken_templates_are_clear_errors(template: str) -> None:
    expander = training.Expander({}, random.Random(0))
    with pytest.raises(TrainingDataError):
        expander.render(template)


def test_expansion_is_reproducible_and_covers_every_intent() -> None:
    first = training.expand(seed=7)
    second = training.expand(seed=7)
    assert [e.text for e in first] == [e.text for e in second]
    assert {e.intent for e in first} == set(INTENTS)
    texts = [e.text for e in first]
    assert len(texts) == len(set(texts)), "no text appears twice or under two intents"


def test_heldout_split_never_shares_a_template_with_training() -> None:
    train, test = training.split(training.expand(seed=7))
    assert test, "a held-out split exists"
    train_templates = {(e.intent, e.template) for e in train}
    assert not any((e.intent, e.template) in train_templates for e in test)


def test_data_hash_changes_with_the_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.yml").write_text("intents:\n  yes:\n    examples: [yes]\n", encoding="utf-8")
    before = training.data_hash(data)
    (data / "a.yml").write_text("intents:\n  yes:\n    examples: [yep]\n", encoding="utf-8")
    assert training.data_hash(data) != before


def test_unknown_intent_in_data_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("intents:\n  buy_stuff:\n    examples: [x]\n")
    with pytest.raises(TrainingDataError, match="buy_stuff"):
        training.expand(data_dir=tmp_path)


def test_committed_model_matches_training_data() -> None:
    """Fails when nlu/data/ or nlu/config.cfg changed without `ambient-shop nlu train`."""
    assert not training.is_stale(), "run `ambient-shop nlu train` and commit nlu/model/"


def test_openers_and_closers_wrap_requests_but_not_short_turns(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "openers: ['hi there,']\n"
        "closers: ['thanks in advance']\n"
        "intents:\n"
        "  order_status:\n"
        "    samples: 60\n"
        "    examples: ['where is my (order|package|parcel|delivery|stuff) [now|today|please]']\n"
        "  yes:\n"
        "    wrap: false\n"
        "    samples: 60\n"
        "    examples: ['(yes|yeah|sure) [please|thanks]']\n",
        encoding="utf-8",
    )
    examples = training.expand(data_dir=tmp_path, seed=3)
    status = [e.text for e in examples if e.intent == "order_status"]
    assert any(t.startswith("hi there,") for t in status)
    assert any(t.endswith("thanks in advance") for t in status)
    assert any(t.startswith("where is") for t in status), "most requests stay as written"
    assert not any(
        "hi there" in e.text or "in advance" in e.text for e in examples if e.intent == "yes"
    )
