"""Orders as their own setting: demo by default, the retailer's API when configured, said aloud."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from skill.bootstrap import build
from skill.core.model import Turn
from skill.core.state import DialogueState
from skill.errors import SettingsError
from skill.settings import Settings
from skill.web import create_app
from tests.support.catalog_http_server import API_KEY, RunningApi
from tests.support.order_http_server import OrderApi, order_mapping, serve_order_api


@pytest.fixture
def order_api() -> Iterator[RunningApi]:
    with serve_order_api(OrderApi()) as running:
        yield running


def rest_settings(settings: Settings, api: RunningApi, **changes: Any) -> Settings:
    mapping = order_mapping()
    mapping["retries"] = {"attempts": 1}
    mapping["timeouts"] = {"connect": 0.5, "read": 1.0}
    return settings.with_overrides(
        orders_url="rest+" + api.url,
        orders_mapping=json.dumps(mapping),
        environment={"RETAILER_API_KEY": API_KEY},
        **changes,
    )


def test_orders_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).orders_url == "demo"
    settings = Settings.from_env(
        {
            "AMBIENT_SHOP_ORDERS": "rest+https://orders.example/v1",
            "AMBIENT_SHOP_ORDERS_MAPPING": "/etc/ambient-shop/orders.json",
            "AMBIENT_SHOP_REST_MAPPING": "/etc/ambient-shop/catalog.json",
            "ORDERS_TOKEN": "t0ken-value",
        }
    )
    assert settings.orders_url == "rest+https://orders.example/v1"
    assert settings.orders_mapping == "/etc/ambient-shop/orders.json"
    assert settings.catalog_mapping == "/etc/ambient-shop/catalog.json"
    assert settings.environment["ORDERS_TOKEN"] == "t0ken-value"
    assert "t0ken-value" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "production"),
    [
        ({}, False),
        ({"AWS_LAMBDA_FUNCTION_NAME": "shop"}, True),
        ({"AMBIENT_SHOP_STATE": "dynamodb://?region=eu-west-1"}, True),
        ({"AMBIENT_SHOP_CATALOG": "rest+https://api.example/v2"}, True),
        # The simulator is off unless asked for, so its absence says nothing.
        ({"AMBIENT_SHOP_SIMULATOR": "0"}, False),
        ({"AMBIENT_SHOP_PRODUCTION": "1"}, True),
    ],
)
def test_what_counts_as_a_deployment(env: dict[str, str], production: bool) -> None:
    assert Settings.from_env(env).looks_deployed is production


def test_demo_orders_in_production_warn_at_start_up(
    settings: Settings, demo_catalog: Any, nlp: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="skill.bootstrap")
    local = build(settings.with_overrides(dev_unverified=True), catalog=demo_catalog, parser=nlp)
    local.close()
    assert not [r for r in caplog.records if "DEMO order service" in r.getMessage()]
    deployed = build(
        settings.with_overrides(production=True, dev_unverified=True),
        catalog=demo_catalog,
        parser=nlp,
    )
    deployed.close()
    assert [r for r in caplog.records if "DEMO order service" in r.getMessage()]


def test_healthz_names_the_live_order_source(
    settings: Settings, demo_catalog: Any, nlp: Any, order_api: RunningApi
) -> None:
    for configured, expected in (
        (settings, "demo.v1"),
        (rest_settings(settings, order_api), "rest.v1"),
    ):
        wired = build(
            configured.with_overrides(dev_unverified=True), catalog=demo_catalog, parser=nlp
        )
        try:
            health = create_app(application=wired).test_client().get("/healthz").get_json()
        finally:
            wired.close()
        assert health["orders"] == expected


def test_a_shopper_hears_their_order_from_the_retailers_api(
    settings: Settings, demo_catalog: Any, nlp: Any, order_api: RunningApi
) -> None:
    wired = build(
        rest_settings(settings, order_api, dev_unverified=True), catalog=demo_catalog, parser=nlp
    )
    turn = Turn(
        channel="test", shopper_id="shopper-1", conversation_id="c1", text="where is my order"
    )
    try:
        reply, _, parse = wired.conversation.handle(turn, DialogueState())
        assert parse.intent == "order_status"
        assert "A-1002" in reply.text and "being prepared" in reply.text
        order_api.state.mode = "fail"
        reply, _, _ = wired.conversation.handle(turn, DialogueState())
        assert "can't reach our order system" in reply.text
    finally:
        wired.close()


def test_a_bad_order_setting_stops_start_up(
    settings: Settings, demo_catalog: Any, nlp: Any
) -> None:
    with pytest.raises(SettingsError, match="unknown orders URL scheme"):
        build(settings.with_overrides(orders_url="ftp://x"), catalog=demo_catalog, parser=nlp)
    with pytest.raises(SettingsError, match="AMBIENT_SHOP_ORDERS_MAPPING is not valid JSON"):
        build(
            settings.with_overrides(orders_url="rest+https://o.example/v1", orders_mapping="{oops"),
            catalog=demo_catalog,
            parser=nlp,
        )
