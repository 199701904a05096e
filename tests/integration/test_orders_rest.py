"""The REST order service against a real retailer-like order API on 127.0.0.1, faults included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from catalog_adapter.resilience import CircuitBreaker, RetryPolicy
from skill.errors import OrderNotFound, OrdersUnavailable, SettingsError
from skill.orders.registry import open_orders, orders_source
from skill.orders.rest import RestOrderService
from tests.support.catalog_http_server import API_KEY, RunningApi
from tests.support.order_http_server import OrderApi, order_mapping, serve_order_api

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01, backoff_max=0.02, retry_after_cap=0.05)
ENV = {"RETAILER_API_KEY": API_KEY}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api() -> Iterator[RunningApi]:
    with serve_order_api(OrderApi(delay=0.6)) as running:
        yield running


def open_rest(api: RunningApi, **options: Any) -> RestOrderService:
    mapping = options.pop("mapping", order_mapping())
    mapping.setdefault("timeouts", {"connect": 0.2, "read": 0.2})
    mapping.setdefault(
        "retries", {"attempts": 3, "backoff": 0.01, "backoff_max": 0.02, "retry_after_cap": 0.05}
    )
    options.setdefault("env", ENV)
    service = open_orders("rest+" + api.url, mapping=mapping, **options)
    assert isinstance(service, RestOrderService)
    return service


@pytest.fixture
def orders(api: RunningApi) -> Iterator[RestOrderService]:
    service = open_rest(api)
    yield service
    service.close()


# -- reading orders ------------------------------------------------------------------------------


def test_get_maps_the_retailers_order_into_the_core_model(orders: RestOrderService) -> None:
    order = orders.get("A-1001", shopper_id="shopper-1")
    assert order is not None
    assert (order.order_id, order.status, order.carrier) == ("A-1001", "shipped", "UPS")
    assert order.placed_on == date(2026, 11, 28)
    assert order.estimated_delivery == date(2026, 12, 4)
    assert [(ln.product_id, ln.quantity, ln.unit_price) for ln in order.lines] == [
        ("SOF-100", 1, Decimal("749.00"))
    ]


def test_get_sends_the_shopper_and_the_key(orders: RestOrderService, api: RunningApi) -> None:
    orders.get("A-1002", shopper_id="shopper-1")
    seen = api.state.calls("/orders/A-1002")[-1]
    assert seen.query == {"customer": ["shopper-1"]}
    assert seen.headers["X-Api-Key"] == API_KEY


def test_status_spellings_become_the_five_states(orders: RestOrderService) -> None:
    order = orders.get("A-1002", shopper_id="shopper-1")
    assert order is not None and order.status == "processing"  # PENDING, a known alias
    assert order.cancellable


def test_unknown_order_is_none(orders: RestOrderService) -> None:
    assert orders.get("Z-404", shopper_id="shopper-1") is None
    assert orders.get("  ", shopper_id="shopper-1") is None


def test_another_shoppers_order_is_never_shown(orders: RestOrderService) -> None:
    assert orders.get("B-2001", shopper_id="shopper-1") is None
    with pytest.raises(OrderNotFound):
        orders.cancel("B-2001", shopper_id="shopper-1")


def test_recent_orders_newest_first(orders: RestOrderService, api: RunningApi) -> None:
    recent = orders.recent(shopper_id="shopper-1", limit=2)
    assert [o.order_id for o in recent] == ["A-1002", "A-1001"]
    assert orders.recent(shopper_id="nobody") == []


def test_order_ids_with_slashes_are_escaped(orders: RestOrderService, api: RunningApi) -> None:
    assert orders.get("A/1 ?", shopper_id="shopper-1") is None
    assert api.state.seen[-1].path == "/v1/orders/A%2F1%20%3F"


def test_malformed_orders_in_a_list_are_skipped(orders: RestOrderService, api: RunningApi) -> None:
    api.state.orders["A-1001"]["state"] = "WHO_KNOWS"
    assert [o.order_id for o in orders.recent(shopper_id="shopper-1")] == ["A-1002", "A-0900"]


def test_a_malformed_single_order_is_unavailable(orders: RestOrderService, api: RunningApi) -> None:
    api.state.order_body = {"order": {"id": "A-1001", "customer": {"ref": "shopper-1"}}}
    with pytest.raises(OrdersUnavailable, match="status is missing"):
        orders.get("A-1001", shopper_id="shopper-1")


def test_shipping_options_from_the_api(orders: RestOrderService) -> None:
    options = orders.shipping_options()
    assert [(o.name, o.cost, o.days_min, o.days_max, o.free_over) for o in options] == [
        ("Ground", Decimal("6.50"), 3, 6, Decimal("80.00")),
        ("Next day", Decimal("19.00"), 1, 1, None),
    ]  # the broken third one is skipped


def test_static_shipping_options_need_no_call(api: RunningApi) -> None:
    mapping = order_mapping()
    mapping["shipping_options"] = [
        {"name": "Standard", "cost": 5, "days_min": 2, "days_max": 4, "free_over": "50.00"}
    ]
    service = open_rest(api, mapping=mapping)
    assert service.shipping_options()[0].free_over == Decimal("50.00")
    assert api.state.calls("/shipping-methods") == []


# -- acting on orders ----------------------------------------------------------------------------


def test_cancel_posts_once_and_returns_the_updated_order(
    orders: RestOrderService, api: RunningApi
) -> None:
    order = orders.cancel("A-1002", shopper_id="shopper-1")
    assert order.status == "cancelled" and order.refund_status == "being processed"
    assert len(api.state.calls("/cancellation")) == 1


def test_a_refused_cancel_is_unavailable_and_not_retried(
    orders: RestOrderService, api: RunningApi
) -> None:
    with pytest.raises(OrdersUnavailable, match="HTTP 409"):
        orders.cancel("A-1001", shopper_id="shopper-1")
    assert len(api.state.calls("/cancellation")) == 1


def test_a_failing_cancel_is_never_repeated(orders: RestOrderService, api: RunningApi) -> None:
    orders.get("A-1002", shopper_id="shopper-1")  # warm: the ownership check passes first
    api.state.fail_next = ["ok", "fail", "fail"]
    with pytest.raises(OrdersUnavailable, match="HTTP 500"):
        orders.cancel("A-1002", shopper_id="shopper-1")
    assert len(api.state.calls("/cancellation")) == 1
    assert api.state.orders["A-1002"]["state"] == "PENDING"


def test_return_sends_the_reason_in_the_body(orders: RestOrderService, api: RunningApi) -> None:
    order = orders.start_return("A-0900", shopper_id="shopper-1", reason="by voice")
    assert order.refund_status == "waiting for the parcel (by voice)"
    assert api.state.calls("/returns")[-1].body == {"reason": "by voice", "customer": "shopper-1"}


def test_without_a_cancel_endpoint_cancelling_is_unavailable(api: RunningApi) -> None:
    mapping = order_mapping()
    del mapping["cancel"]
    service = open_rest(api, mapping=mapping)
    with pytest.raises(OrdersUnavailable, match="does not offer cancelling"):
        service.cancel("A-1002", shopper_id="shopper-1")


# -- faults --------------------------------------------------------------------------------------


def test_slow_reads_time_out_and_are_retried(orders: RestOrderService, api: RunningApi) -> None:
    api.state.fail_next = ["slow"]
    assert orders.get("A-1001", shopper_id="shopper-1") is not None
    assert len(api.state.calls("/orders/A-1001")) == 2


@pytest.mark.parametrize("fault", ["fail", "unavailable", "throttle", "drop"])
def test_persistent_faults_are_unavailable_after_retries(
    orders: RestOrderService, api: RunningApi, fault: str
) -> None:
    api.state.mode = fault  # type: ignore[assignment]
    with pytest.raises(OrdersUnavailable):
        orders.recent(shopper_id="shopper-1")
    assert len(api.state.calls("/orders")) == 3


@pytest.mark.parametrize("fault", ["malformed", "html"])
def test_broken_answers_are_unavailable_and_not_retried(
    orders: RestOrderService, api: RunningApi, fault: str
) -> None:
    api.state.mode = fault  # type: ignore[assignment]
    with pytest.raises(OrdersUnavailable, match="malformed answer"):
        orders.get("A-1001", shopper_id="shopper-1")
    assert len(api.state.calls("/orders/A-1001")) == 1


def test_wrong_credentials_are_reported(api: RunningApi) -> None:
    service = open_rest(api, env={"RETAILER_API_KEY": "wrong"})
    with pytest.raises(OrdersUnavailable, match="401.*credentials"):
        service.get("A-1001", shopper_id="shopper-1")


def test_nobody_listening_is_unavailable() -> None:
    mapping = order_mapping()
    mapping["timeouts"] = {"connect": 0.2, "read": 0.2}
    mapping["retries"] = {"attempts": 1}
    service = open_orders("rest+http://127.0.0.1:9/v1", mapping=mapping, env=ENV)
    with pytest.raises(OrdersUnavailable, match="cannot connect"):
        service.recent(shopper_id="shopper-1")


def test_circuit_opens_fails_fast_then_recovers(api: RunningApi) -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=2, cooldown=10, clock=clock, error=OrdersUnavailable)
    service = open_rest(api, breaker=breaker)
    api.state.mode = "fail"
    for _ in range(2):
        with pytest.raises(OrdersUnavailable):
            service.get("A-1001", shopper_id="shopper-1")
    calls = len(api.state.seen)
    with pytest.raises(OrdersUnavailable, match="circuit open"):
        service.get("A-1001", shopper_id="shopper-1")
    assert len(api.state.seen) == calls  # failed fast, the API was left alone
    api.state.mode = "ok"
    clock.now += 11
    assert service.get("A-1001", shopper_id="shopper-1") is not None


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.pop("recent"), "'recent' is a required property"),
        (lambda m: m["order"].pop("status"), "'status' is a required property"),
        (lambda m: m.update(unknown=1), "unknown"),
        (lambda m: m["get"].update(path="/orders/{id}"), r"\{id\}, which is not known"),
        (lambda m: m["recent"].pop("items"), "'items' is a required property"),
        (lambda m: m["values"]["status"].update(X="lost"), "'lost' is not one of"),
        (lambda m: m["order"].update(status="$$bad["), "cannot read JSON path"),
        (lambda m: m["headers"].update(Auth="${NOT_SET}"), "NOT_SET"),
    ],
)
def test_mapping_mistakes_are_settings_errors(api: RunningApi, change: Any, message: str) -> None:
    mapping = order_mapping()
    change(mapping)
    with pytest.raises(SettingsError, match=message):
        open_rest(api, mapping=mapping)


def test_mapping_file_named_in_the_url(api: RunningApi, tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(order_mapping()), encoding="utf-8")
    service = open_orders(f"rest+{api.url}?mapping_file={path}&read_timeout=0.5", env=ENV)
    assert isinstance(service, RestOrderService) and service.mapping.read_timeout == 0.5
    assert service.get("A-1001", shopper_id="shopper-1") is not None
    assert "mapping_file" not in api.state.seen[-1].query


def test_missing_mapping_says_how_to_give_one(api: RunningApi) -> None:
    with pytest.raises(SettingsError, match="AMBIENT_SHOP_ORDERS_MAPPING"):
        open_orders("rest+" + api.url, env=ENV)


@pytest.mark.parametrize("url", ["rest+ftp://x", "rest+https://", "orders://x", "ftp"])
def test_bad_order_urls(url: str) -> None:
    with pytest.raises(SettingsError):
        open_orders(url, mapping=order_mapping(), env=ENV)


def test_sources_are_named_for_health_checks() -> None:
    assert orders_source("demo") == "demo.v1"
    assert orders_source("rest+https://orders.example/v1") == "rest.v1"
