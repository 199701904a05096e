"""The intent decision and the classifier's features, without a trained model."""

from __future__ import annotations

import pytest
import spacy

from nlu import components


def test_character_ngrams_mark_word_boundaries_and_skip_placeholders() -> None:
    keys = components._char_keys("cancel", (3,))
    assert len(keys) == len("<cancel>") - 2
    assert components._char_keys("<id>", (3, 4)) == ()
    assert components._char_keys("reimburse", (3, 4)) != components._char_keys("refund", (3, 4))


def _decide(scores: dict[str, float], **thresholds: float) -> tuple[str, float]:
    nlp = spacy.blank("en")
    decider = components.IntentDecider(
        nlp, "shop_intent", threshold=0.6, alternatives=2, thresholds=thresholds
    )
    doc = nlp.make_doc("show me something for the weekend trip")
    doc.cats = scores
    doc = decider(doc)
    return doc._.intent, doc._.confidence


def test_each_intent_is_claimed_only_above_its_own_threshold() -> None:
    scores = {"find_product": 0.55, "out_of_scope": 0.3, "account_help": 0.15}
    assert _decide(scores, find_product=0.5)[0] == "find_product"
    assert _decide(scores)[0] == "out_of_scope", "the default threshold applies otherwise"
    weak_account = {"account_help": 0.55, "out_of_scope": 0.3, "find_product": 0.15}
    assert _decide(weak_account, find_product=0.5)[0] == "out_of_scope"


def test_thresholds_for_unknown_intents_are_a_clear_error() -> None:
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="buy_stuff"):
        components.make_intent(nlp, "shop_intent", 0.6, 3, {"buy_stuff": 0.5})
