"""References to listed items ("the brown one", "both of them") resolved from the parse context."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language

from nlu.contract import ListedItem, ParseContext

ITEMS = (
    ListedItem(1, "p-1", "Harbor Wool Sweater", "sweater", "Navy", "Northwind", "wool", 89.0),
    ListedItem(2, "p-2", "Cozy Knit Cardigan", "cardigan", "Chocolate Brown", "Acme", "", 59.0),
    ListedItem(3, "p-3", "Linen Shirt", "shirt", "White", "Acme", "linen", 45.0),
)


@pytest.fixture(scope="module")
def nlp() -> Language:
    pipeline = spacy.blank("en")
    for name in ("shop_normalizer", "shop_gazetteer", "shop_entities", "shop_references"):
        pipeline.add_pipe(name)
    pipeline.get_pipe("shop_gazetteer").update({"brands": ["Northwind", "Acme"]})
    return pipeline


def _refs(nlp: Language, text: str, context: ParseContext | None) -> list[tuple[str, list[int]]]:
    doc = nlp.make_doc(text)
    doc._.context = context
    doc = nlp(doc)
    return [(text[r.start : r.end], list(r.positions)) for r in doc._.references]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i'll take the brown one", [("the brown one", [2])]),
        ("what about the navy one", [("the navy one", [1])]),
        ("the blue one please", [("the blue one", [1])]),  # navy is a blue
        ("tell me more about the second one", [("the second one", [2])]),
        ("add the last one you said", [("the last one", [3])]),
        ("the cheapest one", [("the cheapest one", [3])]),
        ("which is the more expensive one", [("the more expensive one", [1])]),
        ("add all of them to my cart", [("all of them", [1, 2, 3])]),
        ("the acme one", [("the acme one", [2, 3])]),
        ("the cardigan", [("the cardigan", [2])]),
        ("the linen one", [("the linen one", [3])]),
    ],
)
def test_phrases_resolve_to_listed_positions(
    nlp: Language, text: str, expected: list[tuple[str, list[int]]]
) -> None:
    assert _refs(nlp, text, ParseContext(items=ITEMS)) == expected


def test_the_brown_one_without_a_brown_item_points_at_nothing(nlp: Language) -> None:
    """The phrase is a reference, but to nothing listed: the conversation asks which one."""
    items = (ITEMS[0], ITEMS[2])
    assert _refs(nlp, "i'll take the brown one", ParseContext(items=items)) == [
        ("the brown one", [])
    ]


def test_both_and_the_cheaper_of_the_two(nlp: Language) -> None:
    two = ParseContext(items=ITEMS[:2])
    assert _refs(nlp, "both of them please", two) == [("both of them", [1, 2])]
    assert _refs(nlp, "the cheaper of the two", two) == [("the cheaper of the two", [2])]
    assert _refs(nlp, "both of them", ParseContext(items=ITEMS)) == [("both of them", [])]


def test_the_other_one_excludes_the_selected_item(nlp: Language) -> None:
    context = ParseContext(items=ITEMS[:2], selected=1)
    assert _refs(nlp, "show me the other one", context) == [("the other one", [2])]


def test_no_context_or_no_items_means_no_references(nlp: Language) -> None:
    assert _refs(nlp, "i'll take the brown one", None) == []
    assert _refs(nlp, "i'll take the brown one", ParseContext()) == []


def test_positions_that_do_not_exist_resolve_to_nothing(nlp: Language) -> None:
    assert _refs(nlp, "the fifth one", ParseContext(items=ITEMS)) == [("the fifth one", [])]


def test_odd_items_are_ignored_not_raised(nlp: Language) -> None:
    odd = (
        ListedItem(7, "p-7", color="Brown"),
        ListedItem(7, "dup", color="Red"),
        ListedItem(0, "zero"),
        ListedItem(-3, "neg"),
        "not an item",  # type: ignore[arg-type]
    )
    context = ParseContext(items=odd)  # type: ignore[arg-type]
    assert _refs(nlp, "the brown one", context) == [("the brown one", [7])]
    huge = ParseContext(items=tuple(ListedItem(i, f"p{i}", color="Red") for i in range(1, 5000)))
    assert _refs(nlp, "the last one", huge) == [("the last one", [20])]
