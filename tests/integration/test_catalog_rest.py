"""The REST catalog against a real retailer-like HTTP API on 127.0.0.1, faults included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from catalog_adapter.errors import CatalogConfigError, CatalogUnavailable
from catalog_adapter.models import ProductQuery
from catalog_adapter.ports import Catalog
from catalog_adapter.registry import open_catalog
from catalog_adapter.resilience import CircuitBreaker, RetryPolicy
from catalog_adapter.rest import RestCatalog
from tests.support.catalog_http_server import (
    API_KEY,
    RetailerApi,
    RunningApi,
    retailer_mapping,
    serve_retailer_api,
)

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01, backoff_max=0.02, retry_after_cap=0.05)
ENV = {"RETAILER_API_KEY": API_KEY}


class Clock:
    """A hand-wound clock for the circuit breaker's cool-down."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api() -> Iterator[RunningApi]:
    with serve_retailer_api(RetailerApi(delay=0.6)) as running:
        yield running


def open_rest(api: RunningApi, **options: Any) -> RestCatalog:
    options.setdefault("mapping", retailer_mapping())
    options.setdefault("env", ENV)
    options.setdefault("read_timeout", 0.2)
    options.setdefault("connect_timeout", 0.2)
    options.setdefault("retry", FAST_RETRY)
    catalog = open_catalog(api.catalog_url, **options)
    assert isinstance(catalog, RestCatalog)
    return catalog


@pytest.fixture
def catalog(api: RunningApi) -> Iterator[RestCatalog]:
    opened = open_rest(api)
    yield opened
    opened.close()


# -- mapping ---------------------------------------------------------------------------------


def test_rest_catalog_satisfies_the_port(catalog: RestCatalog) -> None:
    assert isinstance(catalog, Catalog)


def test_search_maps_nested_fields_into_products(catalog: RestCatalog, api: RunningApi) -> None:
    found = catalog.search(ProductQuery(text="velvet sofa"))
    by_id = {p.id: p for p in found}
    assert set(by_id) == {"SOF-100", "SOF-300"}
    navy = by_id["SOF-100"]
    assert navy.title == "Harbor Velvet Sofa - Navy"
    assert navy.price.amount == Decimal("899.00")
    assert navy.sale_price is not None and navy.sale_price.amount == Decimal("749.00")
    assert navy.current_price.amount == Decimal("749.00")
    assert (navy.color, navy.material, navy.brand) == ("Navy Blue", "Velvet", "Acme Home")
    assert navy.product_type == "Furniture > Sofas"
    assert navy.rating == pytest.approx(4.6)
    assert navy.image_link == "https://cdn.retailer.example/SOF-100.jpg"
    # A relative link is made absolute against the API's host.
    assert navy.link.startswith("http://127.0.0.1:") and navy.link.endswith("/p/sof-100")
    assert by_id["SOF-300"].availability == "out_of_stock"
    assert by_id["SOF-300"].sale_price is None


def test_search_sends_templated_parameters_and_leaves_empty_ones_out(
    catalog: RestCatalog, api: RunningApi
) -> None:
    catalog.search(ProductQuery(text="sofa", color="navy", max_price=Decimal("800"), limit=2))
    seen = api.state.calls("/products/search")[-1]
    assert seen.query["q"] == ["navy sofa"]
    assert seen.query["max_price"] == ["800"]
    assert seen.query["limit"] == ["2"]
    assert "min_price" not in seen.query and "in_stock" not in seen.query
    assert seen.headers["X-Api-Key"] == API_KEY
    assert seen.headers["Accept"] == "application/json"


def test_shopper_limits_hold_even_when_the_api_ignores_them(
    catalog: RestCatalog, api: RunningApi
) -> None:
    # The test API ignores in_stock; the adapter must still drop the sold-out sofa.
    found = catalog.search(ProductQuery(text="sofa", in_stock_only=True, exclude_ids=("SOF-200",)))
    assert [p.id for p in found] == ["SOF-100"]
    assert api.state.calls("/products/search")[-1].query["in_stock"] == ["true"]
    limited = catalog.search(ProductQuery(text="sofa", limit=1))
    assert len(limited) == 1


def test_custom_availability_value_is_mapped(catalog: RestCatalog) -> None:
    table = catalog.get("TAB-100")
    assert table is not None
    assert table.availability == "limited_availability"


def test_get_returns_none_for_an_unknown_product(catalog: RestCatalog) -> None:
    assert catalog.get("NO-SUCH-SKU") is None
    assert catalog.breaker.state == "closed"


def test_product_ids_with_slashes_are_escaped_in_paths(
    catalog: RestCatalog, api: RunningApi
) -> None:
    assert catalog.get("A/B ?") is None
    assert api.state.calls()[-1].path == "/v2/products/A%2FB%20%3F"


def test_availability_per_store(catalog: RestCatalog, api: RunningApi) -> None:
    stores = catalog.availability("SOF-100")
    assert [(s.store_code, s.quantity, s.availability) for s in stores] == [
        ("BK01", 3, "in_stock"),
        ("SF02", 0, "out_of_stock"),
    ]
    assert stores[0].pickup_sla == "same day" and stores[0].product_id == "SOF-100"
    only = catalog.availability("SOF-100", store="BK01")
    assert [s.store_name for s in only] == ["Brooklyn"]
    assert api.state.calls("/stores")[-1].query["store"] == ["BK01"]


def test_availability_derived_from_a_quantity_given_as_text(catalog: RestCatalog) -> None:
    (brooklyn,) = catalog.availability("KNT-100")
    assert brooklyn.quantity == 7
    assert brooklyn.availability == "in_stock"


def test_availability_of_an_unknown_product_is_empty(catalog: RestCatalog) -> None:
    assert catalog.availability("NO-SUCH-SKU") == []


def test_seen_on_exact_match(catalog: RestCatalog) -> None:
    found = catalog.seen_on(person="Harry Styles", media="Tiny Desk", product_type="cardigan")
    assert found.appearance is not None and found.appearance.match == "exact"
    assert found.exact is not None and found.exact.id == "KNT-100"
    assert found.similar == ()


def test_seen_on_lookalike_is_never_presented_as_exact(catalog: RestCatalog) -> None:
    found = catalog.seen_on(person="Carmen", media="The Bear")
    assert found.appearance is not None and found.appearance.match == "similar"
    assert found.exact is None
    # The linked look-alike is sold out, so in-stock sofas stand in for it.
    assert found.similar and all(p.availability == "in_stock" for p in found.similar)
    assert all(p.id != "SOF-300" for p in found.similar)


def test_unrecognised_match_value_counts_as_similar(catalog: RestCatalog, api: RunningApi) -> None:
    api.state.looks = [{"person": "Ann Lee", "show": "Late Show", "sku": "SOF-100", "kind": "??"}]
    (appearance,) = catalog.appearances(person="Ann Lee")
    assert appearance.match == "similar"
    found = catalog.seen_on(person="Ann Lee")
    assert found.exact is None
    assert [p.id for p in found.similar][:1] == ["SOF-100"]


def test_seen_on_without_a_person_or_show_asks_nothing(
    catalog: RestCatalog, api: RunningApi
) -> None:
    found = catalog.seen_on(product_type="sofa")
    assert (found.appearance, found.exact, found.similar) == (None, None, ())
    assert api.state.calls("/looks") == []


def test_vocabulary_from_facets(catalog: RestCatalog) -> None:
    names = catalog.vocabulary()
    assert names["brands"] == ["Acme Home", "Fable Knit", "Fenwick"]
    assert "Navy Blue" in names["colors"]


def test_vocabulary_outage_keeps_the_last_good_names(api: RunningApi) -> None:
    catalog = open_rest(api)
    catalog.vocabulary_ttl = 0.0
    first = catalog.vocabulary()
    api.state.mode = "fail"
    assert catalog.vocabulary() == first
    fresh = open_rest(api)
    assert fresh.vocabulary() == {}


def test_post_search_with_a_typed_json_body(api: RunningApi) -> None:
    mapping = retailer_mapping()
    mapping["search"] = {
        "method": "POST",
        "path": "/search",
        "json": {"q": "{text}", "max_price": "{max_price}", "brand": "{brand}", "limit": "{limit}"},
        "items": "data.results[*]",
    }
    catalog = open_rest(api, mapping=mapping)
    found = catalog.search(ProductQuery(text="cream", max_price=Decimal("90.5")))
    assert [p.id for p in found] == ["KNT-200"]
    body = api.state.calls("/search")[-1].body
    assert body == {"q": "cream", "max_price": 90.5, "limit": 10}


def test_query_parameters_in_the_catalog_url_go_with_every_call(api: RunningApi) -> None:
    catalog = open_catalog(
        api.catalog_url + "?locale=en-US&read_timeout=0.2",
        mapping=retailer_mapping(),
        env=ENV,
        retry=FAST_RETRY,
    )
    assert isinstance(catalog, RestCatalog)
    catalog.search(ProductQuery(text="sofa"))
    seen = api.state.calls("/products/search")[-1]
    assert seen.query["locale"] == ["en-US"]
    assert "read_timeout" not in seen.query
    assert catalog.mapping.read_timeout == pytest.approx(0.2)


def test_mapping_file_named_in_the_url_or_by_the_setting(api: RunningApi, tmp_path: Path) -> None:
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(retailer_mapping()), encoding="utf-8")
    by_url = open_catalog(f"{api.catalog_url}?mapping_file={path}", env=ENV)
    assert by_url.get("SOF-200") is not None
    by_env = open_catalog(api.catalog_url, mapping_source=str(path), env=ENV)
    assert by_env.get("SOF-200") is not None
    inline = json.dumps(retailer_mapping())
    by_text = open_catalog(api.catalog_url, mapping_source=inline, env=ENV)
    assert by_text.get("SOF-200") is not None


def test_injected_session_is_used_and_left_open(api: RunningApi) -> None:
    session = requests.Session()
    session.headers["X-Trace"] = "t-1"
    catalog = open_rest(api, session=session)
    catalog.get("SOF-100")
    assert api.state.calls()[-1].headers["X-Trace"] == "t-1"
    catalog.close()
    assert session.get(api.url + "/facets", headers={"X-Api-Key": API_KEY}).ok
    session.close()


# -- faults ----------------------------------------------------------------------------------


def test_slow_answers_time_out_and_are_retried(catalog: RestCatalog, api: RunningApi) -> None:
    api.state.mode = "slow"
    with pytest.raises(CatalogUnavailable, match="timed out") as raised:
        catalog.search(ProductQuery(text="sofa"))
    assert isinstance(raised.value.__cause__, requests.Timeout)
    assert len(api.state.calls("/products/search")) == FAST_RETRY.attempts


def test_server_errors_then_recovery(catalog: RestCatalog, api: RunningApi) -> None:
    api.state.fail_next = ["fail", "unavailable"]
    found = catalog.search(ProductQuery(text="oak table"))
    assert [p.id for p in found] == ["TAB-100"]
    assert len(api.state.calls("/products/search")) == 3
    assert catalog.breaker.state == "closed"


def test_persistent_500_is_unavailable_with_the_http_error_as_cause(
    catalog: RestCatalog, api: RunningApi
) -> None:
    api.state.mode = "fail"
    with pytest.raises(CatalogUnavailable, match="HTTP 500 after 3 tries") as raised:
        catalog.get("SOF-100")
    assert isinstance(raised.value.__cause__, requests.HTTPError)


def test_retry_after_is_honoured_within_the_cap(api: RunningApi) -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=3, backoff=0.01, retry_after_cap=2.5, budget=10)
    catalog = open_rest(api, retry=policy, sleep=waits.append)
    api.state.fail_next = ["throttle", "throttle"]
    api.state.retry_after = "2"
    assert catalog.get("SOF-100") is not None
    assert waits == [2.0, 2.0]
    api.state.fail_next = ["throttle"]
    api.state.retry_after = "120"
    waits.clear()
    assert catalog.get("SOF-100") is not None
    assert waits == [2.5]


def test_retries_stop_at_the_time_budget(api: RunningApi) -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=5, retry_after_cap=5, budget=4)
    catalog = open_rest(api, retry=policy, sleep=waits.append)
    api.state.mode = "throttle"
    api.state.retry_after = "5"
    with pytest.raises(CatalogUnavailable, match="HTTP 429"):
        catalog.get("SOF-100")
    # A 5 s wait would overrun the 4 s budget: no second try at all.
    assert waits == []
    assert len(api.state.calls()) == 1


def test_malformed_json_is_unavailable_and_not_retried(
    catalog: RestCatalog, api: RunningApi
) -> None:
    api.state.mode = "malformed"
    with pytest.raises(CatalogUnavailable, match="not valid JSON") as raised:
        catalog.search(ProductQuery(text="sofa"))
    assert raised.value.__cause__ is not None
    assert len(api.state.calls()) == 1


def test_html_error_page_is_unavailable(catalog: RestCatalog, api: RunningApi) -> None:
    api.state.mode = "html"
    with pytest.raises(CatalogUnavailable, match="malformed answer"):
        catalog.get("SOF-100")


def test_wrong_shape_is_unavailable(catalog: RestCatalog, api: RunningApi) -> None:
    api.state.mode = "wrong_shape"
    with pytest.raises(CatalogUnavailable, match=r"\$\.data\.results is a dict, not a list"):
        catalog.search(ProductQuery(text="sofa"))


def test_dropped_connection_is_unavailable_after_retries(
    catalog: RestCatalog, api: RunningApi
) -> None:
    api.state.mode = "drop"
    with pytest.raises(CatalogUnavailable) as raised:
        catalog.search(ProductQuery(text="sofa"))
    assert isinstance(raised.value.__cause__, requests.ConnectionError)
    assert len(api.state.calls()) == 3


def test_nobody_listening_is_unavailable() -> None:
    with serve_retailer_api() as gone:
        url = gone.catalog_url
    catalog = open_catalog(
        url, mapping=retailer_mapping(), env=ENV, retry=FAST_RETRY, connect_timeout=0.2
    )
    with pytest.raises(CatalogUnavailable, match="cannot connect") as raised:
        catalog.get("SOF-100")
    assert isinstance(raised.value.__cause__, requests.ConnectionError)


def test_wrong_credentials_are_reported_without_retries_or_tripping(api: RunningApi) -> None:
    catalog = open_rest(api, env={"RETAILER_API_KEY": "wrong"})
    for _ in range(6):
        with pytest.raises(CatalogUnavailable, match="HTTP 401 .*credentials"):
            catalog.search(ProductQuery(text="sofa"))
    assert len(api.state.calls()) == 6
    assert catalog.breaker.state == "closed"


def test_items_with_missing_fields_or_wrong_types_are_skipped(
    catalog: RestCatalog, api: RunningApi, caplog: pytest.LogCaptureFixture
) -> None:
    good = api.state.products[0]
    api.state.search_body = {
        "data": {
            "results": [
                {"sku": "X-1", "name": "No price"},
                {"sku": "X-2", "name": "Text price", "pricing": {"current": {"amount": "free"}}},
                {"sku": "X-3", "name": "Euro", "pricing": {"current": {"amount": "12,99 EUR"}}},
                {"sku": "X-4", "name": {"en": "Object"}, "pricing": {"current": {"amount": 5}}},
                {"name": "No id", "pricing": {"current": {"amount": 5}}},
                {
                    "sku": "X-6",
                    "name": "Odd stock",
                    "pricing": {"current": {"amount": 5}},
                    "stock": {"status": "MAYBE"},
                },
                "not an object",
                good,
            ]
        }
    }
    found = catalog.search(ProductQuery(text="anything"))
    assert [p.id for p in found] == [good["sku"]]
    assert "skipped 7 malformed item(s)" in caplog.text
    assert catalog.breaker.state == "closed"


def test_every_item_broken_is_unavailable(catalog: RestCatalog, api: RunningApi) -> None:
    api.state.search_body = {"data": {"results": [{"sku": "X-1"}, {"sku": 7, "name": "n"}]}}
    with pytest.raises(CatalogUnavailable, match="no item fits the mapping"):
        catalog.search(ProductQuery(text="sofa"))


def test_numbers_where_text_is_expected_are_accepted(catalog: RestCatalog, api: RunningApi) -> None:
    api.state.search_body = {
        "data": {
            "results": [{"sku": 1234, "name": "Stool", "pricing": {"current": {"amount": 40}}}]
        }
    }
    (stool,) = catalog.search(ProductQuery(text="stool"))
    assert stool.id == "1234" and stool.price.amount == Decimal("40.00")


def test_malformed_single_product_is_unavailable(catalog: RestCatalog, api: RunningApi) -> None:
    api.state.products.append({"sku": "BAD-1", "name": "Bad", "pricing": {"current": "lots"}})
    with pytest.raises(CatalogUnavailable, match="BAD-1.*price"):
        catalog.get("BAD-1")


def test_empty_result_list_variants(catalog: RestCatalog, api: RunningApi) -> None:
    for body in ({"data": {"results": []}}, {"data": {"results": None}}, {"data": {}}):
        api.state.search_body = body
        assert catalog.search(ProductQuery(text="sofa")) == []


# -- circuit breaker -------------------------------------------------------------------------


def test_circuit_opens_fails_fast_then_recovers_after_cooldown(api: RunningApi) -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=2, cooldown=30, clock=clock, name="Test Retailer API")
    catalog = open_rest(api, breaker=breaker, retry=RetryPolicy(attempts=1))
    api.state.mode = "fail"
    for _ in range(2):
        with pytest.raises(CatalogUnavailable, match="HTTP 500"):
            catalog.get("SOF-100")
    assert breaker.state == "open"
    before = len(api.state.calls())
    with pytest.raises(CatalogUnavailable, match="circuit open"):
        catalog.search(ProductQuery(text="sofa"))
    assert len(api.state.calls()) == before  # failed fast, the server was spared

    clock.now += 31
    assert breaker.state == "half_open"
    with pytest.raises(CatalogUnavailable, match="HTTP 500"):
        catalog.get("SOF-100")  # the trial call fails: open again for a whole cool-down
    assert breaker.state == "open"

    clock.now += 31
    api.state.mode = "ok"
    assert catalog.get("SOF-100") is not None
    assert breaker.state == "closed"
    assert catalog.search(ProductQuery(text="sofa"))


def test_timeouts_count_towards_the_circuit(api: RunningApi) -> None:
    breaker = CircuitBreaker(threshold=1, cooldown=60)
    catalog = open_rest(api, breaker=breaker, retry=RetryPolicy(attempts=1))
    api.state.mode = "slow"
    with pytest.raises(CatalogUnavailable, match="timed out"):
        catalog.get("SOF-100")
    with pytest.raises(CatalogUnavailable, match="circuit open"):
        catalog.get("SOF-100")


# -- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.pop("search"), "needs a 'search' endpoint"),
        (lambda m: m["fields"].pop("price"), "no JSON path for price"),
        (lambda m: m["search"]["params"].update(x="{colour}"), r"uses \{colour\}"),
        (lambda m: m["fields"].update(weight="$.w"), "unknown field"),
        (lambda m: m["fields"].update(title="$.name[x"), "cannot read JSON path"),
        (lambda m: m["headers"].update(Auth="Bearer ${MISSING_TOKEN}"), "MISSING_TOKEN"),
        (lambda m: m["values"]["availability"].update(X="sold"), "is not one of"),
        (lambda m: m["search"].update(method="DELETE"), "GET or POST"),
        (lambda m: m.update(retries={"attempts": 0}), "at least 1"),
        (lambda m: m.update(currency="dollars"), "3-letter code"),
    ],
)
def test_mapping_mistakes_are_config_errors(api: RunningApi, change: Any, message: str) -> None:
    mapping = retailer_mapping()
    change(mapping)
    with pytest.raises(CatalogConfigError, match=message):
        open_rest(api, mapping=mapping)


def test_missing_mapping_says_how_to_give_one(api: RunningApi) -> None:
    with pytest.raises(CatalogConfigError, match="AMBIENT_SHOP_REST_MAPPING"):
        open_catalog(api.catalog_url, env={})


def test_unreadable_mapping_file(api: RunningApi, tmp_path: Path) -> None:
    broken = tmp_path / "m.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogConfigError, match="not valid JSON"):
        open_catalog(api.catalog_url, mapping_file=broken, env={})
    with pytest.raises(CatalogConfigError, match="cannot read"):
        open_catalog(api.catalog_url, mapping_file=tmp_path / "absent.json", env={})


@pytest.mark.parametrize("url", ["rest+https://", "rest+https:///v2", "rest+ftp://host/x"])
def test_bad_catalog_urls(url: str) -> None:
    with pytest.raises(CatalogConfigError):
        open_catalog(url, mapping=retailer_mapping(), env=ENV)


def test_an_unforeseen_error_is_unavailable_and_frees_the_trial_slot(api: RunningApi) -> None:
    class BrokenSession(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            raise RuntimeError("a bug below us")

    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown=5, clock=clock)
    catalog = open_rest(api, session=BrokenSession(), breaker=breaker)
    with pytest.raises(CatalogUnavailable, match="unexpected error") as raised:
        catalog.get("SOF-100")
    assert isinstance(raised.value.__cause__, RuntimeError)
    clock.now += 6
    with pytest.raises(CatalogUnavailable, match="unexpected error"):
        catalog.get("SOF-100")  # the half-open trial
    clock.now += 6
    catalog.session = requests.Session()
    assert catalog.get("SOF-100") is not None  # a later trial was let in
    assert catalog.get("") is None


def test_no_try_starts_that_could_overrun_the_budget(api: RunningApi) -> None:
    # Two tries of 0.2 s connect + 0.2 s read cannot fit in 0.5 s: a slow API is tried once,
    # so a shopper is never kept past Alexa's deadline by retries.
    tight = RetryPolicy(
        attempts=3, backoff=0.01, backoff_max=0.02, retry_after_cap=0.05, budget=0.5
    )
    catalog = open_rest(api, retry=tight)
    api.state.mode = "slow"
    with pytest.raises(CatalogUnavailable, match="timed out"):
        catalog.search(ProductQuery(text="sofa"))
    assert len(api.state.calls("/products/search")) == 1
    catalog.close()


def test_default_timeouts_fit_alexas_deadline() -> None:
    from catalog_adapter.rest import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT

    assert DEFAULT_CONNECT_TIMEOUT + DEFAULT_READ_TIMEOUT <= RetryPolicy().budget < 8.0
