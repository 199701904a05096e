"""How spoken attribute values match a catalog: colour families, head nouns, spellings, seen-on.

The parser's entity values reach `ProductQuery` and `seen_on` unchanged ("blue", "ankle boots",
"chair"), while feeds say "Navy", "Chelsea Boots" and "Armchairs". These tests use the bundled
demo catalog and a small feed built to pin the ranking down.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from catalog_adapter.demo import demo_catalog_url
from catalog_adapter.errors import FeedError
from catalog_adapter.feeds import import_feeds
from catalog_adapter.models import Product, ProductQuery
from catalog_adapter.sqlite import SqliteCatalog, open_sqlite_catalog
from catalog_adapter.synonyms import Group, Synonyms, parse_groups, tokenize

BLUES = {"blue", "navy", "cobalt", "indigo", "denim", "chambray", "teal", "sky", "light"}

# id, title, product_type, color, material, price
SHOP = (
    ("CH-1", "Classic Chair - Black", "Furniture > Chairs", "Black", "Oak", "120"),
    ("CH-2", "Windsor Dining Chair - Black", "Furniture > Dining Chairs", "Black", "Oak", "140"),
    ("CH-3", "Velvet Armchair - Blue", "Furniture > Armchairs", "Blue", "Velvet", "420"),
    ("CH-4", "Wingback Armchair - Navy", "Furniture > Armchairs", "Navy", "Linen", "460"),
    ("SO-1", "Harbor Velvet Sofa - Cobalt", "Furniture > Sofas", "Cobalt", "Velvet", "990"),
    ("SO-2", "Harbor Velvet Sofa - Blue", "Furniture > Sofas", "Blue", "Velvet", "990"),
    ("SO-3", "Harbor Velvet Sofa - Navy", "Furniture > Sofas", "Navy", "Velvet", "990"),
    ("SO-4", "Harbor Velvet Sofa - Emerald", "Furniture > Sofas", "Emerald", "Velvet", "990"),
    ("SO-5", "Harbor Velvet Sofa - Peacock", "Furniture > Sofas", "Peacock", "Velvet", "990"),
    ("BO-1", "Leather Chelsea Boots - Black", "Apparel > Shoes > Boots", "Black", "Leather", "180"),
    ("BO-2", "Suede Ankle Boots - Tan", "Apparel > Shoes > Ankle Boots", "Tan", "Suede", "160"),
    ("BO-3", "Lace-Up Work Boots - Brown", "Apparel > Shoes", "Brown", "Leather", "210"),
    ("BO-4", "Leather Court Sneakers - White", "Apparel > Shoes", "White", "Leather", "110"),
    ("JW-1", "Walnut Jewelry Box - Brown", "Home > Jewelry Boxes", "Brown", "Walnut", "60"),
    ("SW-1", "Merino Jumper - Grey", "Apparel > Knitwear", "Grey", "Merino wool", "90"),
    ("HO-1", "Pullover Hoodie - Grey", "Apparel > Activewear", "Grey", "Cotton", "70"),
)
APPEARANCES = (
    ("Tan France", "Makeover Hour", "S1", "CH-3", "exact", "armchair"),
    ("Tan France", "Makeover Hour", "S2", "BO-1", "similar", "chelsea boots"),
)


def _write_tsv(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteCatalog]:
    catalog = open_sqlite_catalog(demo_catalog_url(tmp_path_factory.mktemp("matching-demo")))
    yield catalog
    catalog.close()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteCatalog]:
    work = tmp_path_factory.mktemp("matching-shop")
    products = _write_tsv(
        work / "products.tsv",
        ("id", "title", "product_type", "color", "material", "price", "availability"),
        [(*row[:5], f"{row[5]}.00 USD", "in_stock") for row in SHOP],
    )
    appearances = _write_tsv(
        work / "seen.tsv",
        ("person", "media", "episode", "product_id", "match", "product_type"),
        list(APPEARANCES),
    )
    # A retailer's own colour family, in its own synonyms file.
    synonyms = work / "ours.txt"
    synonyms.write_text("[color_family]\nteal: peacock, petrol\n", encoding="utf-8")
    import_feeds(work / "shop.db", products=products, appearances=appearances, synonyms=synonyms)
    catalog = open_sqlite_catalog(f"sqlite:///{work / 'shop.db'}")
    yield catalog
    catalog.close()


def _ids(products: list[Product]) -> list[str]:
    return [p.id for p in products]


def _colour_words(product: Product) -> set[str]:
    return set(tokenize(product.color))


# -- colour families -----------------------------------------------------------------------------


def test_blue_velvet_sofa_finds_navy_with_blue_itself_first(demo: SqliteCatalog) -> None:
    found = demo.search(ProductQuery(product_type="sofa", color="blue", material="velvet"))
    assert len(found) >= 2
    assert all("Sofas" in p.product_type and p.material == "Velvet" for p in found)
    assert all(_colour_words(p) & BLUES for p in found)
    assert "blue" in _colour_words(found[0])
    assert any(p.color == "Navy" for p in found)
    exact = [i for i, p in enumerate(found) if "blue" in _colour_words(p)]
    shades = [i for i, p in enumerate(found) if "blue" not in _colour_words(p)]
    assert max(exact) < min(shades)


def test_exact_colour_ranks_above_its_shades(shop: SqliteCatalog) -> None:
    found = shop.search(ProductQuery(product_type="sofa", color="blue", material="velvet"))
    assert found[0].id == "SO-2"
    assert set(_ids(found[1:])) == {"SO-1", "SO-3"}


def test_a_shade_never_widens_to_its_family(shop: SqliteCatalog, demo: SqliteCatalog) -> None:
    assert _ids(shop.search(ProductQuery(product_type="sofa", color="navy"))) == ["SO-3"]
    navy = demo.search(ProductQuery(product_type="sofa", color="navy", limit=30))
    assert navy and all(p.color == "Navy" for p in navy)


def test_red_finds_burgundy_and_rust_when_nothing_is_red(demo: SqliteCatalog) -> None:
    found = demo.search(ProductQuery(product_type="sweater", color="red", limit=20))
    assert found and all("Sweaters" in p.product_type for p in found)
    assert {p.color for p in found} <= {"Burgundy", "Rust"}
    assert {p.color for p in found} == {"Burgundy", "Rust"}


def test_grey_and_gray_are_one_colour(demo: SqliteCatalog) -> None:
    grey = demo.search(ProductQuery(product_type="sofa", color="grey", limit=20))
    gray = demo.search(ProductQuery(product_type="sofa", color="gray", limit=20))
    assert grey and _ids(grey) == _ids(gray)
    assert all("gray" in _colour_words(p) for p in grey[:4])


def test_a_retailers_own_colour_family_travels_with_the_catalog(shop: SqliteCatalog) -> None:
    found = shop.search(ProductQuery(product_type="sofa", color="teal"))
    assert _ids(found) == ["SO-5"]
    assert "teal" in [c.lower() for c in shop.vocabulary()["colors"]]


def test_spoken_blue_velvet_sofa_puts_the_blue_one_first(demo: SqliteCatalog) -> None:
    found = demo.search(ProductQuery(text="blue velvet sofa", limit=5))
    assert found[0].color == "Blue" and "Velvet" in found[0].title
    assert any(p.color == "Navy" and "Velvet" in p.title for p in found[:3])


def test_big_catalog_path_keeps_exact_colour_first(
    demo: SqliteCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    import catalog_adapter.sqlite.ranking as index

    # Rank tiers by attribute scores, as a catalog above the bm25() threshold does.
    monkeypatch.setattr(index, "BM25_MAX_PRODUCTS", 0)
    catalog = open_sqlite_catalog(f"sqlite:///{demo.path}")
    try:
        found = catalog.search(ProductQuery(product_type="sofa", color="blue", material="velvet"))
        assert found[0].color == "Blue"
        assert any(p.color == "Navy" for p in found)
    finally:
        catalog.close()


# -- product types -------------------------------------------------------------------------------


def test_chair_matches_armchairs_by_head_noun_closest_first(shop: SqliteCatalog) -> None:
    found = _ids(shop.search(ProductQuery(product_type="chair")))
    assert found[:2] == ["CH-1", "CH-2"]
    assert set(found[2:]) == {"CH-3", "CH-4"}


def test_plural_and_modified_types_fall_back_on_the_head_noun(shop: SqliteCatalog) -> None:
    assert _ids(shop.search(ProductQuery(product_type="chairs")))[:2] == ["CH-1", "CH-2"]
    dining = _ids(shop.search(ProductQuery(product_type="dining chairs")))
    assert dining[0] == "CH-2" and set(dining) == {"CH-1", "CH-2", "CH-3", "CH-4"}


def test_ankle_boots_in_leather_find_boots_the_feed_names_otherwise(shop: SqliteCatalog) -> None:
    found = shop.search(ProductQuery(product_type="ankle boots", material="leather"))
    assert set(_ids(found)) == {"BO-1", "BO-3"}
    anything = _ids(shop.search(ProductQuery(product_type="ankle boots")))
    assert anything[0] == "BO-2" and set(anything) == {"BO-1", "BO-2", "BO-3"}


def test_demo_ankle_boots(demo: SqliteCatalog) -> None:
    leather = demo.search(ProductQuery(product_type="ankle boots", material="leather"))
    assert leather and all("Ankle Boots" in p.title and p.material == "Leather" for p in leather)
    found = demo.search(ProductQuery(product_type="ankle boots", limit=20))
    titles = [p.title for p in found]
    assert "Ankle Boots" in titles[0]
    assert any("Chelsea Boots" in t for t in titles)
    assert all("Boots" in t for t in titles)


def test_synonyms_and_spellings_keep_working(shop: SqliteCatalog, demo: SqliteCatalog) -> None:
    couch = demo.search(ProductQuery(product_type="couch", limit=20))
    assert couch and all("Sofas" in p.product_type for p in couch)
    for word in ("jumper", "jumpers"):
        sweaters = demo.search(ProductQuery(product_type=word, limit=20))
        assert sweaters and all("Sweaters" in p.product_type for p in sweaters), word
    assert _ids(shop.search(ProductQuery(product_type="jewellery box"))) == ["JW-1"]
    assert _ids(shop.search(ProductQuery(text="grey jumper")))[0] == "SW-1"
    assert _ids(shop.search(ProductQuery(product_type="jumper", color="gray"))) == ["SW-1"]


def test_a_one_word_synonym_in_a_title_does_not_make_the_type(shop: SqliteCatalog) -> None:
    # "pullover" is a sweater word, but in a title it may describe a hoodie.
    assert _ids(shop.search(ProductQuery(product_type="sweater"))) == ["SW-1"]


# -- seen on -------------------------------------------------------------------------------------


def test_seen_on_chair_finds_the_armchair(demo: SqliteCatalog) -> None:
    found = demo.seen_on(media="Queer Eye", product_type="chair")
    assert found.appearance is not None and found.appearance.product_type == "armchair"
    assert found.exact is not None and found.exact.id == "AH-CH-1003"
    crown = demo.seen_on(media="the crown", product_type="chair")
    assert crown.exact is None and crown.similar
    assert all("Armchair" in p.title for p in crown.similar)


def test_seen_on_type_tolerance_in_a_retailers_feed(shop: SqliteCatalog) -> None:
    chair = shop.seen_on(person="tan france", media="makeover hour", product_type="chairs")
    assert chair.exact is not None and chair.exact.id == "CH-3"
    boots = shop.seen_on(person="Tan France", media="Makeover Hour", product_type="ankle boots")
    assert boots.appearance is not None and boots.appearance.product_id == "BO-1"
    listed = shop.appearances(media="makeover hour", product_type="chair")
    assert [a.product_id for a in listed] == ["CH-3"]


def test_seen_on_names_stay_fuzzy(demo: SqliteCatalog) -> None:
    found = demo.seen_on(
        person="harry stiles", media="npr tiny desk concert", product_type="jumper"
    )
    assert found.exact is not None and found.exact.id == "AH-SW-1001"
    assert demo.seen_on(media="queer eye", product_type="sofa").appearance is None


# -- the demo's affordable sofas -----------------------------------------------------------------


def test_demo_has_a_blue_velvet_sofa_under_800(demo: SqliteCatalog) -> None:
    found = demo.search(
        ProductQuery(
            product_type="sofa",
            color="blue",
            material="velvet",
            max_price=Decimal("800"),
            in_stock_only=True,
        )
    )
    assert found
    for product in found:
        assert product.current_price.amount <= Decimal("800")
        assert any(s.quantity > 0 for s in demo.availability(product.id))
    affordable = demo.search(ProductQuery(product_type="sofa", max_price=Decimal("800")))
    assert len(affordable) >= 3


# -- the vocabulary files ------------------------------------------------------------------------


def test_colour_family_lines_parse_and_bad_ones_name_the_line() -> None:
    groups = parse_groups("[color_family]\ngrey, gray: charcoal, slate\n", source="ours")
    assert groups == [
        Group("color_family", ("grey", "charcoal", "slate")),
        Group("color_family", ("gray", "charcoal", "slate")),
    ]
    with pytest.raises(FeedError, match="ours:2: a colour family reads"):
        parse_groups("[color_family]\nblue navy cobalt\n", source="ours")
    with pytest.raises(FeedError, match="ours:1: a colour family reads"):
        parse_groups("blue:\n", source="ours", kind="color_family")
    with pytest.raises(FeedError, match="ours:2: a spelling group lists single words"):
        parse_groups("[spelling]\nt shirt, tee shirt\n", source="ours")


def test_families_are_one_way_and_spellings_fold_inside_phrases() -> None:
    synonyms = Synonyms.builtin()
    assert ("navy",) in synonyms.shades(("blue",))
    assert ("burgundy",) in synonyms.shades(("red",))
    assert ("charcoal",) in synonyms.shades(("gray",))
    assert synonyms.shades(("gray",)) == synonyms.shades(("grey",))
    assert synonyms.shades(("navy",)) == ()
    assert ("gray", "rug") in synonyms.alternatives(("grey", "rug"))
    assert synonyms.key(("colours",)) == synonyms.key(("color",))
    assert ("scarf",) in synonyms.alternatives(("scarves",))
