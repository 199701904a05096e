"""Stores with hours, variants, sizes and audiences: the embedded index and the REST adapter."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalog_adapter.demo import demo_catalog_url
from catalog_adapter.feeds import import_feeds
from catalog_adapter.models import ProductQuery
from catalog_adapter.ports import Catalog
from catalog_adapter.registry import open_catalog
from catalog_adapter.rest import RestCatalog
from catalog_adapter.sqlite import SqliteCatalog, open_sqlite_catalog
from tests.support.catalog_http_server import (
    API_KEY,
    RetailerApi,
    RunningApi,
    retailer_mapping,
    serve_retailer_api,
)

# Thursday 3 December 2026, 18:00 UTC: 10:00 in Seattle.
SEATTLE_OPENING = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteCatalog]:
    opened = open_sqlite_catalog(demo_catalog_url(tmp_path_factory.mktemp("stores-demo")))
    yield opened
    opened.close()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


PRODUCTS = (
    "id\ttitle\tavailability\tprice\tsize\tgender\tage_group\titem_group_id\tcolor\n"
    "TEE-W-NVY\tCrew Tee - Navy\tin stock\t20 USD\tXS, S, M, L, XL\tfemale\tadult\tTEE-W\tNavy\n"
    "TEE-W-RED\tCrew Tee - Red\tin stock\t20 USD\tXS, S, M\tfemale\tadult\tTEE-W\tRed\n"
    "TEE-M-NVY\tCrew Tee - Navy\tin stock\t22 USD\tS, M, L, XL, XXL\tmale\tadult\tTEE-M\tNavy\n"
    "TEE-U-GRY\tCrew Tee - Grey\tin stock\t18 USD\tOne Size\tunisex\t\t\tGrey\n"
    "TEE-K-BLU\tCrew Tee - Blue\tin stock\t12 USD\t4, 6, 8, 10\tunisex\tkids\t\tBlue\n"
    "SHOE-9\tRunner Shoe\tin stock\t80 USD\t8, 8.5, 9.5, 10\t\t\t\tWhite\n"
)


@pytest.fixture
def small(tmp_path: Path) -> Iterator[SqliteCatalog]:
    db = tmp_path / "small.db"
    import_feeds(db, products=write(tmp_path / "p.tsv", PRODUCTS))
    opened = open_sqlite_catalog(f"sqlite:///{db}")
    yield opened
    opened.close()


# -- the embedded index ---------------------------------------------------------------------------


def test_demo_stores_have_phones_zones_and_hours(catalog: SqliteCatalog) -> None:
    stores = catalog.stores()
    assert [s.code for s in stores] == ["SEA-DT", "SEA-CH", "SEA-BL", "BEL-SQ"]
    for store in stores:
        assert store.phone.startswith("+1 ")
        assert store.timezone == "America/Los_Angeles"
        assert store.hours.known
    downtown = stores[0]
    assert downtown.is_open(SEATTLE_OPENING) is True
    assert downtown.is_open(datetime(2026, 12, 4, 5, 0, tzinfo=UTC)) is False
    assert downtown.spoken_summary(SEATTLE_OPENING) == "Acme Home Downtown is open now until 8 pm."


@pytest.mark.parametrize(
    ("spoken", "code"),
    [
        ("SEA-BL", "SEA-BL"),
        ("Acme Home Ballard", "SEA-BL"),
        ("ballard", "SEA-BL"),
        ("the Balard store", "SEA-BL"),
        ("capitol hil", "SEA-CH"),
        ("downtown", "SEA-DT"),
        ("Bellevue", "BEL-SQ"),
    ],
)
def test_a_spoken_store_name_finds_its_store(
    catalog: SqliteCatalog, spoken: str, code: str
) -> None:
    found = catalog.store(spoken)
    assert found is not None and found.code == code


@pytest.mark.parametrize("spoken", ["Seattle", "Portland", "", "the store"])
def test_no_store_or_several_equally_is_none(catalog: SqliteCatalog, spoken: str) -> None:
    assert catalog.store(spoken) is None


def test_variants_share_the_item_group_the_product_first(small: SqliteCatalog) -> None:
    assert [p.id for p in small.variants("TEE-W-RED")] == ["TEE-W-RED", "TEE-W-NVY"]
    assert [p.id for p in small.variants("TEE-U-GRY")] == ["TEE-U-GRY"]
    assert small.variants("NOPE") == []


def test_variants_in_the_demo_are_the_colourways(catalog: SqliteCatalog) -> None:
    jeans = catalog.search(ProductQuery(text="slim straight jeans", limit=1))[0]
    variants = catalog.variants(jeans.id)
    assert variants[0] == jeans
    assert len(variants) > 1
    assert {v.item_group_id for v in variants} == {jeans.item_group_id}
    assert len({v.color for v in variants}) == len(variants)


def test_sizes_come_from_the_size_list(small: SqliteCatalog) -> None:
    tee = small.get("TEE-W-NVY")
    assert tee is not None and tee.sizes == ("XS", "S", "M", "L", "XL")
    assert tee.age_group == "adult"


@pytest.mark.parametrize(
    ("size", "ids"),
    [
        ("large", {"TEE-W-NVY", "TEE-M-NVY"}),
        ("XXL", {"TEE-M-NVY"}),
        ("one size", {"TEE-U-GRY"}),
        ("a 6", {"TEE-K-BLU"}),
        ("nine and a half", {"SHOE-9"}),
        ("a nine", set()),
    ],
)
def test_size_matches_inside_size_lists(small: SqliteCatalog, size: str, ids: set[str]) -> None:
    found = small.search(ProductQuery(text="", size=size, limit=20))
    assert {p.id for p in found} == ids
    worded = small.search(ProductQuery(text="tee shoe", size=size, limit=20))
    assert {p.id for p in worded} <= ids


@pytest.mark.parametrize(
    ("spoken", "ids"),
    [
        ("men", {"TEE-M-NVY", "TEE-U-GRY"}),
        ("women's", {"TEE-W-NVY", "TEE-W-RED", "TEE-U-GRY"}),
        ("kids", {"TEE-K-BLU"}),
        ("unisex", {"TEE-U-GRY"}),
    ],
)
def test_audience_matches_gender_and_age_group(
    small: SqliteCatalog, spoken: str, ids: set[str]
) -> None:
    found = small.search(ProductQuery(text="tee", audience=spoken, limit=20))
    assert {p.id for p in found} == ids


def test_audience_and_size_narrow_the_demo(catalog: SqliteCatalog) -> None:
    found = catalog.search(ProductQuery(text="cardigan", audience="men", size="large", limit=10))
    assert found
    for product in found:
        assert product.gender in ("male", "unisex")
        assert "L" in product.sizes


def test_stores_file_columns_and_their_checks(tmp_path: Path) -> None:
    stores = write(
        tmp_path / "stores.tsv",
        "store_code\tname\tneighborhood\tphone\ttimezone\thours\n"
        "A1\tAlpha\tOld Town\t+1 555-0100\tEurope/Berlin\tMo-Fr 09:00-18:00\n"
        "B2\tBeta\tHarbour\t\tMars/Olympus\tevery day\n",
    )
    db = tmp_path / "c.db"
    report = import_feeds(db, products=write(tmp_path / "p.tsv", PRODUCTS), stores=stores)
    reasons = " ".join(str(e) for e in report.errors)
    assert report.stores == 2 and report.rejected == 0 and report.warnings == 2
    assert "Mars/Olympus" in reasons and "every day" in reasons
    with open_sqlite_catalog(f"sqlite:///{db}") as opened:
        alpha, beta = opened.stores()
        assert (alpha.phone, alpha.timezone, alpha.hours.text) == (
            "+1 555-0100",
            "Europe/Berlin",
            "Mo-Fr 09:00-18:00",
        )
        # 09:30 in Berlin is 08:30 UTC in winter.
        assert alpha.is_open(datetime(2026, 12, 3, 8, 30, tzinfo=UTC)) is True
        assert (beta.timezone, beta.hours.known, beta.is_open(SEATTLE_OPENING)) == ("", False, None)


def test_an_older_stores_file_still_imports(tmp_path: Path) -> None:
    stores = write(
        tmp_path / "stores.tsv",
        "store_code\tname\taddress\tcity\tneighborhood\n"
        "A1\tAlpha\t1 Main St\tSpringfield\tOld Town\n",
    )
    db = tmp_path / "c.db"
    report = import_feeds(db, products=write(tmp_path / "p.tsv", PRODUCTS), stores=stores)
    assert report.stores == 1 and report.warnings == 0
    with open_sqlite_catalog(f"sqlite:///{db}") as opened:
        (alpha,) = opened.stores()
        assert (alpha.name, alpha.city, alpha.phone, alpha.hours.known) == (
            "Alpha",
            "Springfield",
            "",
            False,
        )
        assert opened.store("old town") == alpha


def test_a_catalog_built_before_store_hours_opens_and_carries_its_stores(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    products = write(tmp_path / "p.tsv", PRODUCTS)
    stores = write(tmp_path / "s.tsv", "store_code\tname\tneighborhood\nA1\tAlpha\tOld Town\n")
    import_feeds(db, products=products, stores=stores)
    # Rewrite the stores table as catalogs of the first format had it.
    con = sqlite3.connect(db)
    con.executescript(
        "ALTER TABLE stores RENAME TO new_stores;"
        "CREATE TABLE stores (store_code TEXT PRIMARY KEY, name TEXT NOT NULL, "
        "address TEXT NOT NULL DEFAULT '', city TEXT NOT NULL DEFAULT '', "
        "neighborhood TEXT NOT NULL DEFAULT '');"
        "INSERT INTO stores SELECT store_code, name, address, city, neighborhood FROM new_stores;"
        "DROP TABLE new_stores;"
    )
    con.close()
    with open_sqlite_catalog(f"sqlite:///{db}") as opened:
        assert [(s.code, s.neighborhood, s.hours.known) for s in opened.stores()] == [
            ("A1", "Old Town", False)
        ]
    report = import_feeds(db, products=products)  # no stores file: the old ones carry over
    assert report.stores == 1
    with open_sqlite_catalog(f"sqlite:///{db}") as opened:
        assert opened.store("Alpha") is not None


# -- the REST adapter -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api() -> Iterator[RunningApi]:
    with serve_retailer_api(RetailerApi()) as running:
        yield running


@pytest.fixture
def rest(api: RunningApi) -> Iterator[RestCatalog]:
    opened = open_catalog(
        api.catalog_url, mapping=retailer_mapping(), env={"RETAILER_API_KEY": API_KEY}
    )
    assert isinstance(opened, RestCatalog)
    yield opened
    opened.close()


def test_rest_adapter_satisfies_the_extended_port(rest: RestCatalog) -> None:
    assert isinstance(rest, Catalog)


def test_rest_stores_from_the_locations_endpoint(rest: RestCatalog, api: RunningApi) -> None:
    brooklyn, sf = rest.stores()
    assert (brooklyn.code, brooklyn.city, brooklyn.neighborhood, brooklyn.phone) == (
        "BK01",
        "New York",
        "Brooklyn Heights",
        "+1 718-555-0101",
    )
    # Google Business Profile periods: Monday to Saturday 10 to 8, New York time.
    assert brooklyn.is_open(datetime(2026, 12, 3, 15, 0, tzinfo=UTC)) is True
    assert brooklyn.is_open(datetime(2026, 12, 6, 15, 0, tzinfo=UTC)) is False
    assert sf.hours.text == "Mo-Fr 09:00-18:00; Sa 10:00-16:00; Su off"
    assert rest.store("mision") == sf
    assert rest.store("Brooklyn") == brooklyn
    calls = len(api.state.calls("/locations"))
    rest.stores()
    assert len(api.state.calls("/locations")) == calls  # cached


def test_rest_store_with_broken_hours_keeps_the_store(api: RunningApi) -> None:
    state = RetailerApi(locations=[{"id": "X1", "title": "X", "regularHours": [{"a": 1}]}])
    with serve_retailer_api(state) as other:
        opened = open_catalog(
            other.catalog_url, mapping=retailer_mapping(), env={"RETAILER_API_KEY": API_KEY}
        )
        (store,) = opened.stores()
        assert (store.code, store.hours.known) == ("X1", False)


def test_rest_variants_through_the_group_search(rest: RestCatalog) -> None:
    assert [p.id for p in rest.variants("SOF-300")] == ["SOF-300", "SOF-100"]
    assert [p.id for p in rest.variants("KNT-100")] == ["KNT-100"]  # no group
    assert rest.variants("NOPE") == []


def test_rest_without_stores_or_variants_endpoints(api: RunningApi) -> None:
    mapping = retailer_mapping()
    del mapping["stores"], mapping["variants"]
    opened = open_catalog(api.catalog_url, mapping=mapping, env={"RETAILER_API_KEY": API_KEY})
    assert opened.stores() == [] and opened.store("Brooklyn") is None
    assert [p.id for p in opened.variants("SOF-300")] == ["SOF-300"]


def test_rest_size_and_audience_hold_on_results(rest: RestCatalog) -> None:
    knit = rest.search(ProductQuery(text="cream", size="extra large", limit=10))
    assert [p.id for p in knit] == ["KNT-200"]
    assert knit[0].sizes == ("XS", "S", "M", "L", "XL")
    women = rest.search(ProductQuery(text="cream", audience="women", limit=10))
    assert [p.id for p in women] == ["KNT-100"]
