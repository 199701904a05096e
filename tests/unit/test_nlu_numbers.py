"""Spoken numbers and word stems, the normaliser's two pure parts."""

from __future__ import annotations

import pytest

from nlu.numbers import find_numbers
from nlu.textnorm import stem


def _read(text: str) -> list[tuple[float, str, str]]:
    words = text.split()
    return [(m.value, m.kind, m.digits) for m in find_numbers(words)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("under eight hundred dollars", [(800.0, "cardinal", "")]),
        ("two hundred and fifty five", [(255.0, "cardinal", "")]),
        ("two fifty", [(250.0, "cardinal", "")]),
        ("a thousand bucks", [(1000.0, "cardinal", "")]),
        ("2k", [(2000.0, "cardinal", "")]),
        ("1.5 k", [(1500.0, "cardinal", "")]),
        ("twenty five thousand", [(25000.0, "cardinal", "")]),
        ("$800", [(800.0, "cardinal", "800")]),
        ("1,200.50", [(1200.5, "cardinal", "")]),
    ],
)
def test_spoken_amounts(text: str, expected: list[tuple[float, str, str]]) -> None:
    assert _read(text) == expected


def test_digits_read_one_at_a_time_are_an_identifier() -> None:
    assert _read("my order 4 5 7 1 2") == [(45712.0, "digits", "45712")]
    assert _read("order four five seven one two") == [(45712.0, "digits", "45712")]
    assert _read("one oh five") == [(105.0, "digits", "105")]


def test_ordinals_and_pronoun_one() -> None:
    assert _read("the second one") == [(2.0, "ordinal", ""), (1.0, "cardinal", "")]
    assert _read("the 3rd") == [(3.0, "ordinal", "")]
    assert _read("the last") == [(-1.0, "ordinal", "")]


def test_text_without_numbers() -> None:
    assert _read("show me a blue sofa") == []


@pytest.mark.parametrize(
    "forms",
    [
        ("cancel", "cancelling", "canceling", "cancelled", "cancellation", "cancelation"),
        ("order", "orders", "ordered", "ordering"),
        ("ship", "shipping", "shipped"),
        ("refund", "refunds", "refunded"),
        ("change", "changing", "changed", "changes"),
    ],
)
def test_stems_join_word_forms(forms: tuple[str, ...]) -> None:
    assert len({stem(f) for f in forms}) == 1


def test_stems_keep_different_words_apart() -> None:
    assert stem("order") != stem("cancel")
    assert stem("yes") != stem("no")
