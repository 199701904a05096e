"""The intent decision and the classifier's features, without a trained model."""

from __future__ import annotations

import subprocess
import sys

import pytest
import spacy

from nlu.components import intent, textcat_model
from nlu.contract import SHOPPING_INTENTS


def test_character_ngrams_mark_word_boundaries_and_skip_placeholders() -> None:
    keys = textcat_model._char_keys("cancel", (3,))
    assert len(keys) == len("<cancel>") - 2
    assert textcat_model._char_keys("<id>", (3, 4)) == ()
    assert textcat_model._char_keys("reimburse", (3, 4)) != textcat_model._char_keys(
        "refund", (3, 4)
    )


def _decide(
    scores: dict[str, float], shopping: float = 0.6, **thresholds: float
) -> tuple[str, float]:
    nlp = spacy.blank("en")
    decider = intent.IntentDecider(
        nlp,
        "shop_intent",
        threshold=0.6,
        shopping_threshold=shopping,
        alternatives=2,
        thresholds=thresholds,
    )
    doc = nlp.make_doc("show me something for the weekend trip")
    doc.cats = scores
    doc = decider(doc)
    return doc._.intent, doc._.confidence


def test_each_intent_is_claimed_only_above_its_own_threshold() -> None:
    scores = {"find_product": 0.55, "out_of_scope": 0.3, "account_help": 0.15}
    assert _decide(scores, shopping=0.5)[0] == "find_product"
    assert _decide(scores)[0] == "out_of_scope", "the default threshold applies otherwise"
    weak_account = {"account_help": 0.55, "out_of_scope": 0.3, "find_product": 0.15}
    assert _decide(weak_account, shopping=0.5)[0] == "out_of_scope"
    assert _decide(scores, shopping=0.5, find_product=0.6)[0] == "out_of_scope", "an override"


def test_every_shopping_intent_shares_the_shopping_threshold() -> None:
    for name in SHOPPING_INTENTS:
        scores = {name: 0.55, "out_of_scope": 0.45}
        assert _decide(scores, shopping=0.5)[0] == name


def test_factories_are_found_through_entry_points_without_importing_them() -> None:
    """A fresh interpreter builds every component from its name alone (pyproject entry points)."""
    code = (
        "import sys, spacy\n"
        "nlp = spacy.blank('en')\n"
        "for name in ('shop_normalizer', 'shop_gazetteer', 'shop_entities', 'shop_intent', "
        "'shop_asks'):\n"
        "    nlp.add_pipe(name)\n"
        "assert 'nlu.components.intent' in sys.modules\n"
        "print(nlp('add two navy sofas under 800 dollars').ents)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "navy" in result.stdout


def test_thresholds_for_unknown_intents_are_a_clear_error() -> None:
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="buy_stuff"):
        intent.make_intent(nlp, "shop_intent", 0.6, 0.5, 3, {"buy_stuff": 0.5})
