"""Scope grounded in a retailer's catalog and in the conversation, with the trained parser.

The catalog is a small hardware store, a department the demo catalog does not have; it is
built from a feed file and wired the way the application wires it (skill.bootstrap).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

import pytest

import nlu
from catalog_adapter.feeds import import_feeds
from catalog_adapter.sqlite import SqliteCatalog, open_sqlite_catalog
from nlu.contract import INTENTS, ListedItem, Parse, ParseContext
from skill.bootstrap import catalog_probe

HARDWARE = (
    ("HW-1", "Brushless Cordless Drill 20V", "Tools > Power Tools > Drills", "Gridmark", "159"),
    ("HW-2", "Wood Screws Assorted Box of 500", "Hardware > Fasteners > Screws", "Gridmark", "12"),
    ("HW-3", "Torx Bit Set 32 Piece", "Tools > Hand Tools > Bits", "Kestrelworks", "24"),
    ("HW-4", "Digital Alarm Clock", "Home > Clocks", "Kestrelworks", "19"),
    ("HW-5", "Fiberglass Step Ladder 6 ft", "Tools > Ladders", "Gridmark", "89"),
)


@pytest.fixture(scope="module")
def hardware(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteCatalog]:
    work = tmp_path_factory.mktemp("hardware")
    feed = work / "products.tsv"
    with feed.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(("id", "title", "product_type", "brand", "price", "availability"))
        for pid, title, kind, brand, price in HARDWARE:
            writer.writerow((pid, title, kind, brand, f"{price}.00 USD", "in_stock"))
    import_feeds(work / "shop.db", products=feed)
    catalog = open_sqlite_catalog(f"sqlite:///{work / 'shop.db'}")
    yield catalog
    catalog.close()


@pytest.fixture(scope="module")
def grounded(hardware: SqliteCatalog) -> nlu.ShoppingParser:
    return nlu.load(vocabulary=hardware.vocabulary(), probe=catalog_probe(hardware))


@pytest.fixture(scope="module")
def plain() -> nlu.ShoppingParser:
    return nlu.load()


@pytest.mark.parametrize(
    "text",
    [
        "cordless drill",
        "wood screws",
        "torx bits",
        "do you have a step ladder",
    ],
)
def test_what_the_hardware_store_sells_is_a_product_search(
    grounded: nlu.ShoppingParser, text: str
) -> None:
    assert grounded.parse(text).intent == "find_product"


@pytest.mark.parametrize("text", ["gridmark", "anything from kestrelworks"])
def test_the_stores_brands_are_shopping_talk(grounded: nlu.ShoppingParser, text: str) -> None:
    """A brand alone is a search or a narrowing of one ("only gridmark"), never refused."""
    assert grounded.parse(text).intent in ("find_product", "refine_search")


@pytest.mark.parametrize(
    "text",
    ["set an alarm for seven tomorrow", "what's the weather like today", "play some jazz music"],
)
def test_what_no_shop_does_stays_out_of_scope_even_when_words_match(
    grounded: nlu.ShoppingParser, text: str
) -> None:
    assert grounded.parse(text).intent == "out_of_scope"


def test_the_probe_is_asked_only_about_content_words(hardware: SqliteCatalog) -> None:
    probe = catalog_probe(hardware)
    assert probe("torx bits")
    assert probe("cordless drill")
    assert not probe("torx sofa"), "every word must be found in one product"
    assert not probe("weather")


def test_a_failing_probe_costs_evidence_not_the_answer() -> None:
    def broken(words: str) -> bool:
        raise RuntimeError("catalog down")

    parser = nlu.load(probe=broken)
    parse = parser.parse("torx bits")
    assert parse.intent in INTENTS


def _brown(parse: Parse) -> list[list[int]]:
    return [e.value for e in parse.entities if e.label == "REFERENCE"]


def test_the_brown_one_resolves_with_a_listed_brown_item(plain: nlu.ShoppingParser) -> None:
    context = ParseContext(
        items=(
            ListedItem(1, "a", "Cable Knit Sweater", "sweater", "Cream", price=80.0),
            ListedItem(2, "b", "Cable Knit Sweater", "sweater", "Chocolate Brown", price=80.0),
        ),
        last_intent="find_product",
    )
    parse = plain.parse("i'll take the brown one", context)
    assert _brown(parse) == [[2]]
    assert parse.intent in ("select_item", "add_to_cart")


def test_the_brown_one_without_a_brown_item_points_at_nothing(plain: nlu.ShoppingParser) -> None:
    context = ParseContext(items=(ListedItem(1, "a", "Sweater", "sweater", "Cream"),))
    parse = plain.parse("i'll take the brown one", context)
    assert _brown(parse) == [[]]
    assert parse.intent != "out_of_scope"


def test_without_context_the_parser_reads_plain_text(plain: nlu.ShoppingParser) -> None:
    parse = plain.parse("i'll take the brown one")
    assert not _brown(parse)


def test_follow_ups_stay_in_scope_with_items_on_the_table(plain: nlu.ShoppingParser) -> None:
    context = ParseContext(
        items=(ListedItem(1, "a", "Oak Desk", "desk", "Brown", price=300.0),),
        last_intent="find_product",
    )
    for text in ("make that two", "what else do you have", "one more of each"):
        assert plain.parse(text, context).intent != "out_of_scope", text


def test_a_routed_bare_query_is_a_product_search(plain: nlu.ShoppingParser) -> None:
    routed = ParseContext(routing="find")
    for text in ("sweaters", "cordless drill", "a rug for the hallway"):
        assert plain.parse(text, routed).intent == "find_product", text
    # broad carriers ("can you {query}") route anything: evidence, not proof
    assert plain.parse("set an alarm for seven", routed).intent == "out_of_scope"


@pytest.mark.parametrize(
    "context",
    [
        ParseContext(items=tuple(ListedItem(i, f"p{i}", color="Red") for i in range(1, 3000))),
        ParseContext(items=(ListedItem(9, "gone"),), selected=42, pending="??", routing=None),
        ParseContext.from_dict({"items": [{"position": "x"}, None, 7], "selected": True}),
        "not a context",
    ],
)
def test_bad_contexts_still_give_a_valid_parse(plain: nlu.ShoppingParser, context: object) -> None:
    for text in ("the brown one", "the fifth one", "both of them", "the cheaper of the two"):
        parse = plain.parse(text, context)  # type: ignore[arg-type]
        assert parse.intent in INTENTS
        for entity in parse.entities:
            assert text[entity.start : entity.end] == entity.text
