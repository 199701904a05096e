"""Feed value parsing and search synonyms: the pure functions behind import and search."""

from __future__ import annotations

import pytest

from catalog_adapter.errors import FeedError
from catalog_adapter.feeds.report import RowProblem
from catalog_adapter.feeds.values import gtin_ok, parse_effective_dates, parse_price
from catalog_adapter.sqlite import path_from_url
from catalog_adapter.sqlite.schema import audience_words
from catalog_adapter.sqlite.vocabulary import singular
from catalog_adapter.synonyms import Group, Synonyms, light_stem, parse_groups, tokenize


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12.99 USD", 1299),
        ("12.99", 1299),
        ("USD 5", 500),
        ("$7.5", 750),
        ("1,299.00 USD", 129900),
        ("0 usd", 0),
    ],
)
def test_prices_parse_to_cents(text: str, cents: int) -> None:
    assert parse_price(text, currency="USD") == cents


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12,99 EUR", "decimal comma"),
        ("free", "not a price"),
        ("12.99 EUR", "in EUR"),
        ("-3.00 USD", "not a price"),
        ("12.999 USD", "not a price"),
    ],
)
def test_bad_prices_say_why(text: str, reason: str) -> None:
    with pytest.raises(RowProblem, match=reason):
        parse_price(text, currency="USD")


def test_effective_dates() -> None:
    start, end = parse_effective_dates("2024-11-01T00:00-0800/2024-11-30T23:59-0800")
    assert start is not None and end is not None and end > start
    assert parse_effective_dates("2024-11-01T00:00Z/")[1] is None
    with pytest.raises(RowProblem, match="ends before it starts"):
        parse_effective_dates("2024-12-01T00:00Z/2024-11-01T00:00Z")
    with pytest.raises(RowProblem, match="start/end"):
        parse_effective_dates("2024-12-01")


def test_gtin_check_digit() -> None:
    assert gtin_ok("4006381333931")
    assert not gtin_ok("4006381333932")
    assert not gtin_ok("12345")
    assert not gtin_ok("40063813339AB")


def test_synonyms_expand_longest_phrase_first() -> None:
    synonyms = Synonyms(
        [
            Group("product_type", ("sofa", "couch")),
            Group("term", ("coffee table", "cocktail table")),
        ]
    )
    clauses = synonyms.expand(tokenize("Red couches by the coffee table"))
    assert clauses[0] == (("red",),)
    assert clauses[1][0] == ("couches",) and ("sofa",) in clauses[1]
    assert clauses[-1] == (("coffee", "table"), ("cocktail", "table"))
    assert synonyms.kinds(("couch",)) == {"product_type"}


def test_synonym_file_errors_name_the_line() -> None:
    with pytest.raises(FeedError, match="syn:2: a synonym group needs two"):
        parse_groups("sofa, couch\nlonely\n", source="syn")
    with pytest.raises(FeedError, match="unknown section"):
        parse_groups("[shape]\nround, circular\n", source="syn")


def test_builtin_synonyms_load() -> None:
    synonyms = Synonyms.builtin()
    assert ("jumper",) in synonyms.alternatives(("sweater",))
    assert "color" in synonyms.kinds(("grey",))


def test_token_helpers() -> None:
    assert tokenize("Bouclé T-Shirt, 2XL") == ["boucle", "t", "shirt", "2xl"]
    assert light_stem("couches") == "couch" and light_stem("dress") == "dress"
    assert singular("Sweaters") == "sweater" and singular("pants") == "pants"
    assert singular("Scarves") == "scarf"
    assert "women" in audience_words("female", "adult")


def test_sqlite_urls() -> None:
    assert str(path_from_url("sqlite:///var/catalog.db")) == "var/catalog.db"
    assert str(path_from_url("sqlite:////tmp/catalog.db")) == "/tmp/catalog.db"
    with pytest.raises(Exception, match="names no file"):
        path_from_url("sqlite:///")
