"""The embedded SQLite catalog over the bundled demo feeds: search, filters, stock and seen-on."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from catalog_adapter.demo import APPEARANCES, DEMO_DIR, PRODUCTS, demo_catalog_url
from catalog_adapter.models import ProductQuery
from catalog_adapter.ports import Catalog
from catalog_adapter.sqlite import SqliteCatalog, open_sqlite_catalog


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_catalog_url(tmp_path_factory.mktemp("sqlite-demo"))


@pytest.fixture(scope="module")
def catalog(demo_url: str) -> Iterator[SqliteCatalog]:
    opened = open_sqlite_catalog(demo_url)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def baseline(demo_url: str) -> Iterator[SqliteCatalog]:
    opened = open_sqlite_catalog(demo_url, ranking="bm25")
    yield opened
    opened.close()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_bundled_feeds_cover_the_demo_story() -> None:
    products = _rows(PRODUCTS)
    assert len(products) >= 300
    types = {p["product_type"].split(" > ")[0] for p in products}
    assert {"Apparel & Accessories", "Furniture"} <= types
    assert all(p["price"].endswith(" USD") for p in products)
    stores = {r["store_code"] for r in _rows(DEMO_DIR / "inventory.tsv")}
    assert len(stores) >= 3
    matches = {r["match"] for r in _rows(APPEARANCES)}
    assert matches == {"exact", "similar"}


def test_generator_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from catalog_adapter.demo import generate

    monkeypatch.setattr(generate, "OUT_DIR", tmp_path)
    generate.main()
    for name in ("products.tsv", "inventory.tsv", "appearances.tsv", "stores.tsv"):
        assert (tmp_path / name).read_bytes() == (DEMO_DIR / name).read_bytes(), name


def test_products_judged_queries_refer_to_are_still_there() -> None:
    judged = Path(__file__).resolve().parents[1] / "data" / "demo_qrels.jsonl"
    ids = {p["id"] for p in _rows(PRODUCTS)}
    for line in judged.read_text(encoding="utf-8").splitlines():
        if line.strip():
            missing = set(json.loads(line)["judgments"]) - ids
            assert not missing, line[:40]


def test_demo_sells_affordable_sofas_in_its_stores() -> None:
    stocked = {r["id"] for r in _rows(DEMO_DIR / "inventory.tsv") if int(r["quantity"]) > 0}
    sofas = [
        p
        for p in _rows(PRODUCTS)
        if p["product_type"] == "Furniture > Sofas"
        and Decimal(p["price"].split()[0]) < 800
        and p["id"] in stocked
    ]
    assert len(sofas) >= 3
    assert any(p["material"] == "Velvet" and p["color"] in ("Blue", "Navy") for p in sofas)


def test_catalog_implements_the_port(catalog: SqliteCatalog) -> None:
    assert isinstance(catalog, Catalog)


def test_demo_url_is_reused_when_feeds_are_unchanged(demo_url: str, tmp_path: Path) -> None:
    cache = Path(demo_url.removeprefix("sqlite:///")).parent
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("demo-catalog-*.db")}
    assert demo_catalog_url(cache) == demo_url
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("demo-catalog-*.db")}
    assert before == after


def test_harry_styles_tiny_desk_sweater_is_the_exact_product(catalog: SqliteCatalog) -> None:
    found = catalog.seen_on(
        person="harry stiles", media="npr tiny desk concert", product_type="sweater"
    )
    assert found.exact is not None
    assert "Patchwork" in found.exact.title
    assert found.exact.price.amount == Decimal("148.00")
    assert found.appearance is not None and found.appearance.match == "exact"
    assert found.appearance.person == "Harry Styles"


def test_seen_on_similar_only_never_claims_exact(catalog: SqliteCatalog) -> None:
    found = catalog.seen_on(media="friends", product_type="couch", limit=3)
    assert found.exact is None
    assert found.appearance is not None and found.appearance.match == "similar"
    assert len(found.similar) == 3
    assert all(p.availability in ("in_stock", "limited_availability") for p in found.similar)
    assert "Burnt Orange" in found.similar[0].title


def test_seen_on_unknown_person_finds_nothing(catalog: SqliteCatalog) -> None:
    found = catalog.seen_on(person="Somebody Nobody", product_type="sweater")
    assert found.appearance is None and found.exact is None and found.similar == ()


def test_appearances_filter_by_person_and_type(catalog: SqliteCatalog) -> None:
    harry = catalog.appearances(person="Harry Styles")
    assert {a.media for a in harry} == {"NPR Tiny Desk", "The Late Late Show"}
    trousers = catalog.appearances(person="harry styles", product_type="trousers")
    assert trousers and all(a.media == "The Late Late Show" for a in trousers)


def test_synonyms_find_sofas_for_couch(catalog: SqliteCatalog, baseline: SqliteCatalog) -> None:
    found = catalog.search(ProductQuery(text="couch", limit=5))
    assert found and all("Sofas" in p.product_type for p in found)
    assert baseline.search(ProductQuery(text="couch", limit=5)) == []


def test_structured_filters(catalog: SqliteCatalog) -> None:
    found = catalog.search(
        ProductQuery(product_type="sweater", color="cream", max_price=Decimal("150"), limit=20)
    )
    assert found
    creams = {"cream", "ivory", "off", "white", "ecru", "oatmeal", "multicolor"}
    for product in found:
        assert "Sweaters" in product.product_type or "Sweater" in product.title
        assert creams & set(product.color.lower().replace("/", " ").split())
        assert product.current_price.amount <= Decimal("150")
    assert "Sweaters" in found[0].product_type


def test_in_stock_only_and_store_filter(catalog: SqliteCatalog) -> None:
    in_stock = catalog.search(ProductQuery(text="sweater", in_stock_only=True, limit=50))
    assert in_stock and all(
        p.availability in ("in_stock", "limited_availability") for p in in_stock
    )
    downtown = catalog.search(ProductQuery(text="sweater", store="downtown", limit=50))
    assert downtown
    for product in downtown:
        stock = catalog.availability(product.id, store="Acme Home Downtown")
        assert stock and stock[0].quantity > 0


def test_blended_ranking_prefers_full_matches_in_stock(catalog: SqliteCatalog) -> None:
    found = catalog.search(ProductQuery(text="cream boucle accent chair", limit=3))
    assert found[0].color == "Cream" and "Boucle" in found[0].title


def test_availability_per_store(catalog: SqliteCatalog) -> None:
    everywhere = catalog.availability("AH-SW-1001")
    assert len(everywhere) >= 2
    downtown = catalog.availability("AH-SW-1001", store="downtown")
    assert [s.store_name for s in downtown] == ["Acme Home Downtown"]
    assert downtown[0].quantity > 0
    assert catalog.availability("AH-SW-1001", store="Atlantis") == []
    assert catalog.availability("NO-SUCH-ID") == []


def test_vocabulary_feeds_the_parser(catalog: SqliteCatalog) -> None:
    vocabulary = catalog.vocabulary()
    assert set(vocabulary) >= {
        "brands",
        "product_types",
        "people",
        "media",
        "colors",
        "materials",
        "patterns",
        "stores",
    }
    assert "Harry Styles" in vocabulary["people"]
    assert "NPR Tiny Desk" in vocabulary["media"]
    assert {"sweater", "sofa", "couch"} <= set(vocabulary["product_types"])
    assert "Fable Knit" in vocabulary["brands"]
    assert "Acme Home Downtown" in vocabulary["stores"]
    folded = [c.lower() for c in vocabulary["colors"]]
    assert len(folded) == len(set(folded))


def test_get_and_missing_product(catalog: SqliteCatalog) -> None:
    product = catalog.get("AH-SW-1001")
    assert product is not None and product.brand == "Fable Knit"
    assert catalog.get("missing") is None


def test_large_catalog_ranking_path_finds_the_same_kind_of_things(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import catalog_adapter.sqlite.ranking as index

    # Pretend the demo is huge, so tiers are ranked without FTS5's bm25().
    monkeypatch.setattr(index, "BM25_MAX_PRODUCTS", 0)
    catalog = open_sqlite_catalog(demo_url)
    try:
        found = catalog.search(ProductQuery(text="patchwork cardigan", limit=3))
        assert found[0].id == "AH-SW-1001"
        sofas = catalog.search(ProductQuery(text="velvet couch", limit=3))
        assert len(sofas) == 3
        assert all("Sofas" in p.product_type and "Velvet" in p.title for p in sofas)
    finally:
        catalog.close()
