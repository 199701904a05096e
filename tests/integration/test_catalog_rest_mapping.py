"""The REST adapter's pieces without a server: JSON paths, prices, retry delays, the breaker."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from catalog_adapter.errors import CatalogConfigError, CatalogUnavailable
from catalog_adapter.resilience import CircuitBreaker, RetryPolicy
from catalog_adapter.rest import JsonPath, MappingError, parse_money, split_url

DOC = {
    "data": {
        "results": [
            {"sku": "A", "tags": ["x", "y"], "odd.key": 1},
            {"sku": "B", "tags": [], "price": None},
        ]
    }
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.data.results[0].sku", ["A"]),
        ("data.results[1].sku", ["B"]),
        ("$.data.results[-1].sku", ["B"]),
        ("$.data.results[*].sku", ["A", "B"]),
        ("$.data.results.*.sku", ["A", "B"]),
        ("$.data.results[*].tags[*]", ["x", "y"]),
        ("$.data.results[0]['odd.key']", [1]),
        ("$.data.results[5].sku", []),
        ("$.data.nothing.deeper", []),
        ("$.data.results[1].price", []),
        ("$.data.results[0].sku.more", []),
    ],
)
def test_json_path_subset(path: str, expected: list[Any]) -> None:
    assert JsonPath.parse(path).find(DOC) == expected


def test_json_path_alternatives_take_the_first_that_matches() -> None:
    path = JsonPath.parse(["$.data.results[1].price", "$.data.results[1].sku"])
    assert path.first(DOC) == "B"


@pytest.mark.parametrize("bad", ["", "$.a[", "$.a[x]", "$..a", 5])
def test_unreadable_json_paths(bad: Any) -> None:
    with pytest.raises(CatalogConfigError):
        JsonPath.parse(bad)


@pytest.mark.parametrize(
    ("value", "amount", "currency"),
    [
        (12.5, "12.50", "USD"),
        (40, "40.00", "USD"),
        ("799", "799.00", "USD"),
        ("$1,299.00", "1299.00", "USD"),
        ("12.99 EUR", "12.99", "EUR"),
        ("GBP 8.50", "8.50", "GBP"),
    ],
)
def test_prices(value: Any, amount: str, currency: str) -> None:
    money = parse_money(value, currency="USD")
    assert (money.amount, money.currency) == (Decimal(amount), currency)


def test_prices_in_cents() -> None:
    assert parse_money(129900, currency="USD", scale=Decimal(100)).amount == Decimal("1299.00")


@pytest.mark.parametrize(
    "value", ["free", "12,99 EUR", "-3", "USD 5 EUR", "", True, None, {"amount": 1}, [1], "1e999"]
)
def test_prices_refused(value: Any) -> None:
    with pytest.raises(MappingError):
        parse_money(value, currency="USD")


def test_retry_delays_grow_and_honour_retry_after_within_the_cap() -> None:
    policy = RetryPolicy(backoff=0.1, backoff_max=0.3, jitter=0, retry_after_cap=2)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == pytest.approx([0.1, 0.2, 0.3, 0.3])
    assert policy.delay(1, retry_after=1.5) == 1.5
    assert policy.delay(1, retry_after=30) == 2
    jittered = RetryPolicy(backoff=1, jitter=0.5)
    assert all(0.5 <= jittered.delay(1) <= 1 for _ in range(50))


def test_breaker_admits_one_trial_when_half_open() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=lambda: now[0])
    for _ in range(2):
        breaker.before_call()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_success()
    for _ in range(3):
        breaker.before_call()
        breaker.record_failure()
    assert breaker.state == "open"
    now[0] = 10
    breaker.before_call()  # the trial
    with pytest.raises(CatalogUnavailable, match="circuit open"):
        breaker.before_call()  # a second caller while the trial runs
    breaker.record_success()
    assert breaker.state == "closed"


@pytest.mark.parametrize(
    ("url", "base", "options"),
    [
        ("rest+https://api.example/v2", "https://api.example/v2", {}),
        ("rest+http://127.0.0.1:8080/", "http://127.0.0.1:8080/", {}),
        (
            "rest+https://api.example/v2?mapping_file=/etc/m.json&locale=en",
            "https://api.example/v2?locale=en",
            {"mapping_file": "/etc/m.json"},
        ),
    ],
)
def test_split_url(url: str, base: str, options: dict[str, str]) -> None:
    assert split_url(url) == (base, options)


def test_the_published_schema_is_valid_and_matches_the_adapter() -> None:
    from jsonschema import Draft202012Validator

    from catalog_adapter.rest import mapping as rest_mapping
    from tests.support.catalog_http_server import retailer_mapping

    schema = rest_mapping.mapping_schema()
    Draft202012Validator.check_schema(schema)
    assert list(Draft202012Validator(schema).iter_errors(retailer_mapping())) == []
    names = {
        "productFields": rest_mapping.PRODUCT_FIELDS,
        "storeFields": rest_mapping.STORE_FIELDS,
        "storeInfoFields": rest_mapping.STORE_INFO_FIELDS,
        "appearanceFields": rest_mapping.APPEARANCE_FIELDS,
    }
    for definition, fields in names.items():
        assert schema["$defs"][definition]["propertyNames"]["enum"] == list(fields), definition


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["search"].update(items=""), "'search.items'"),
        (lambda m: m.update(timeouts={"read": "slow"}), "'timeouts.read'"),
        (lambda m: m.update(circuit_breaker={"threshold": 0}), "at least 1"),
        (lambda m: m.update(stores={"path": "/locations"}), "'stores' needs 'items'"),
        (lambda m: m.update(headers=["X-Api-Key"]), "'headers'"),
        (lambda m: m["fields"].update(price=7), "'fields.price'"),
    ],
)
def test_schema_mistakes_name_their_place(change: Any, message: str) -> None:
    from catalog_adapter.rest.mapping import RestMapping
    from tests.support.catalog_http_server import retailer_mapping

    mapping = retailer_mapping()
    change(mapping)
    with pytest.raises(CatalogConfigError, match=message):
        RestMapping.from_dict(mapping, env={"RETAILER_API_KEY": "k"})
