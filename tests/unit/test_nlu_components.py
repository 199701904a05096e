"""The intent decision and the classifier's features, without a trained model."""

from __future__ import annotations

import subprocess
import sys

import pytest
import spacy

from nlu.components import intent, scope, textcat_model
from nlu.contract import INTENTS, SHOPPING_INTENTS, ListedItem, ParseContext


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


def _scope(
    text: str,
    cats: dict[str, float],
    *,
    context: ParseContext | None = None,
    probe: object = None,
    vocabulary: dict[str, list[str]] | None = None,
    disabled: frozenset[str] = frozenset(),
) -> tuple[str, dict[str, float]]:
    """Runs gazetteer, entities and the scope decision on given classifier scores."""
    nlp = spacy.blank("en")
    gazetteer = nlp.add_pipe("shop_gazetteer")
    if vocabulary:
        gazetteer.update(vocabulary)
    nlp.add_pipe("shop_entities")
    decider = scope.ScopeDecider(
        nlp,
        "shop_scope",
        claim=0.8,
        weights={"lexicon": 0.2, "catalog": 0.35, "probe": 0.35, "context": 0.3},
    )
    decider.set_probe(probe)  # type: ignore[arg-type]
    decider.disabled = disabled
    doc = nlp.make_doc(text)
    doc._.context = context
    doc = nlp(doc)
    doc.cats = {label: cats.get(label, 0.0) for label in INTENTS}
    doc._.intent = "out_of_scope"
    doc = decider(doc)
    return doc._.intent, doc._.scope


DOUBTFUL = {"find_product": 0.45, "refine_search": 0.2, "out_of_scope": 0.35}


def test_scope_claims_doubtful_shopping_with_product_words_only() -> None:
    assert _scope("cordless drill", DOUBTFUL)[0] == "find_product"
    assert _scope("cordless drill", DOUBTFUL, disabled=frozenset({"lexicon"}))[0] == (
        "out_of_scope"
    )
    confident_oos = {"out_of_scope": 0.9, "find_product": 0.1}
    assert _scope("turn the lamp in the kitchen red", confident_oos)[0] == "out_of_scope"


def test_scope_weighs_catalog_names_and_the_probe() -> None:
    unknown = {"find_product": 0.5, "out_of_scope": 0.5}
    assert _scope("gridmark", unknown)[0] == "out_of_scope"
    assert _scope("gridmark", unknown, vocabulary={"brands": ["Gridmark"]})[0] == "find_product"
    asked: list[str] = []

    def probe(words: str) -> bool:
        asked.append(words)
        return words == "dinosaur"

    intent, evidence = _scope("do you have any dinosaur", unknown, probe=probe)
    assert (intent, evidence) == ("find_product", {"probe": 1.0})
    assert asked == ["dinosaur"], "only content words reach the catalog"
    assert _scope("set an alarm", {"out_of_scope": 0.99}, probe=probe)[0] == "out_of_scope"
    assert asked == ["dinosaur"], "the probe is not asked when it cannot change the answer"


def test_a_failing_probe_is_no_evidence() -> None:
    def broken(words: str) -> bool:
        raise OSError("index gone")

    unknown = {"find_product": 0.5, "out_of_scope": 0.5}
    assert _scope("dinosaur", unknown, probe=broken)[0] == "out_of_scope"


def test_context_keeps_follow_ups_in_scope_and_routing_decides() -> None:
    follow_up = {"add_to_cart": 0.35, "refine_search": 0.15, "out_of_scope": 0.5}
    listed = ParseContext(items=(ListedItem(1, "p1"),), last_intent="find_product")
    assert _scope("make that two", follow_up)[0] == "out_of_scope"
    assert _scope("make that two", follow_up, context=listed)[0] == "add_to_cart"
    routed = ParseContext(routing="find")
    doubtful = {"find_product": 0.3, "refine_search": 0.1, "out_of_scope": 0.6}
    assert _scope("argenteuil", doubtful)[0] == "out_of_scope"
    assert _scope("argenteuil", doubtful, context=routed)[0] == "find_product"
    alarm = {"out_of_scope": 0.99, "find_product": 0.01}
    assert _scope("set an alarm for seven", alarm, context=routed)[0] == "out_of_scope"
