"""The retailer's order API as an OrderService ("rest.v1"), wired by a declarative mapping.

`AMBIENT_SHOP_ORDERS=rest+https://orders.retailer.example/v1` names the base URL; the mapping
(`AMBIENT_SHOP_ORDERS_MAPPING`, a file path or the JSON itself; or `?mapping_file=` in the URL)
names the endpoints and where each order field sits in their JSON, as the REST catalog's does:

    {"get": {"path": "/orders/{order_id}", "params": {"customer": "{shopper_id}"},
             "item": "$.order"},
     "recent": {"path": "/customers/{shopper_id}/orders", "items": "$.orders"},
     "order": {"order_id": "$.id", "status": "$.state", "lines": "$.items"}}

The mapping is checked against mapping.schema.json (published beside this module) when the
service opens. HTTP goes through the REST catalog's client, so timeouts, retries and the circuit
breaker behave the same; every failure reaches callers as OrdersUnavailable.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, get_args
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from catalog_adapter.errors import CatalogConfigError
from catalog_adapter.resilience import CircuitBreaker, RetryPolicy
from catalog_adapter.rest import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    JsonHttpClient,
    JsonPath,
    MappingError,
    expand_env,
    parse_money,
    placeholders,
    render_body,
    render_params,
    render_url,
    split_url,
)
from skill.core.model import Order, OrderLine, OrderState, ShippingOption
from skill.errors import OrderNotFound, OrdersUnavailable, SettingsError
from skill.orders.registry import register

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

MAPPING_SCHEMA_PATH = Path(__file__).with_name("mapping.schema.json")
ORDER_STATES: Final[frozenset[str]] = frozenset(get_args(OrderState))
# Placeholders each endpoint may use.
PLACEHOLDERS: Final[Mapping[str, frozenset[str]]] = {
    "get": frozenset({"order_id", "shopper_id"}),
    "recent": frozenset({"shopper_id", "limit"}),
    "cancel": frozenset({"order_id", "shopper_id"}),
    "return": frozenset({"order_id", "shopper_id", "reason"}),
    "shipping_options": frozenset(),
}
# Spellings order systems use for the five states the conversation speaks about.
_STATUS_ALIASES: Final[Mapping[str, OrderState]] = {
    "pending": "processing",
    "placed": "processing",
    "confirmed": "processing",
    "paid": "processing",
    "new": "processing",
    "open": "processing",
    "intransit": "shipped",
    "dispatched": "shipped",
    "fulfilled": "shipped",
    "outfordelivery": "out_for_delivery",
    "complete": "delivered",
    "completed": "delivered",
    "canceled": "cancelled",
    "cancelled": "cancelled",
}


@dataclass(frozen=True, slots=True)
class OrderEndpoint:
    """One API call: where, with which parameters, and where the answer's order(s) sit."""

    name: str
    path: str
    method: str = "GET"
    params: tuple[tuple[str, str], ...] = ()
    body: Any = None
    item: JsonPath | None = None
    items: JsonPath | None = None
    fields: Mapping[str, JsonPath] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OrderMapping:
    """The parsed, validated mapping; built once when the service opens."""

    get: OrderEndpoint
    recent: OrderEndpoint
    order_fields: Mapping[str, JsonPath]
    line_fields: Mapping[str, JsonPath]
    cancel: OrderEndpoint | None = None
    start_return: OrderEndpoint | None = None
    shipping_endpoint: OrderEndpoint | None = None
    shipping_options: tuple[ShippingOption, ...] = ()
    name: str = "order API"
    headers: Mapping[str, str] = field(default_factory=dict)
    status_values: Mapping[str, OrderState] = field(default_factory=dict)
    currency: str = "USD"
    price_scale: Decimal = Decimal(1)
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker_threshold: int = 5
    breaker_cooldown: float = 30.0

    @classmethod
    def from_dict(cls, raw: Any, *, env: Mapping[str, str]) -> OrderMapping:
        """Validate against the published schema, then the checks a schema cannot say."""
        _validate(raw)
        try:
            return cls._build(raw, env)
        except CatalogConfigError as e:  # JSON paths and ${NAME}s, checked by the catalog's code
            raise SettingsError(f"order API mapping: {e}") from e

    @classmethod
    def _build(cls, raw: dict[str, Any], env: Mapping[str, str]) -> OrderMapping:
        retries = raw.get("retries", {})
        breaker = raw.get("circuit_breaker", {})
        timeouts = raw.get("timeouts", {})
        shipping = raw.get("shipping_options", [])
        static = isinstance(shipping, list)
        return cls(
            get=_endpoint("get", raw["get"]),
            recent=_endpoint("recent", raw["recent"]),
            cancel=_endpoint("cancel", raw["cancel"]) if "cancel" in raw else None,
            start_return=_endpoint("return", raw["return"]) if "return" in raw else None,
            shipping_endpoint=None if static else _endpoint("shipping_options", shipping),
            shipping_options=tuple(_static_option(o) for o in shipping) if static else (),
            order_fields={k: JsonPath.parse(v) for k, v in raw["order"].items()},
            line_fields={k: JsonPath.parse(v) for k, v in raw.get("line", {}).items()},
            name=raw.get("name", "order API"),
            headers={
                k: expand_env(v, env, f"headers.{k}") for k, v in raw.get("headers", {}).items()
            },
            status_values={_key(k): v for k, v in raw.get("values", {}).get("status", {}).items()},
            currency=raw.get("currency", "USD").upper(),
            price_scale=Decimal(str(raw.get("price_scale", 1))),
            connect_timeout=float(timeouts.get("connect", DEFAULT_CONNECT_TIMEOUT)),
            read_timeout=float(timeouts.get("read", DEFAULT_READ_TIMEOUT)),
            retry=RetryPolicy(**retries),
            breaker_threshold=int(breaker.get("threshold", 5)),
            breaker_cooldown=float(breaker.get("cooldown", 30.0)),
        )


@cache
def mapping_schema() -> dict[str, Any]:
    """The published JSON Schema of an order mapping."""
    schema: dict[str, Any] = json.loads(MAPPING_SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _validate(raw: Any) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(mapping_schema())
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SettingsError(f"order API mapping {where}: {first.message}{more}")


def _endpoint(name: str, raw: Any) -> OrderEndpoint:
    spec: dict[str, Any] = {"path": raw} if isinstance(raw, str) else raw
    method = str(spec.get("method", "GET")).upper()
    body = spec.get("json")
    if body is not None and method == "GET":
        raise SettingsError(f"order API mapping {name}: a 'json' body needs POST, PUT or PATCH")
    allowed = PLACEHOLDERS[name]
    try:
        used = [*placeholders(spec["path"]), *placeholders(spec.get("params", {}))]
        used += list(placeholders(body))
    except CatalogConfigError as e:
        raise SettingsError(f"order API mapping {name}: {e}") from e
    for placeholder in used:
        if placeholder not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise SettingsError(
                f"order API mapping {name} uses {{{placeholder}}}, which is not known here "
                f"(known: {known})"
            )
    return OrderEndpoint(
        name=name,
        path=spec["path"],
        method=method,
        params=tuple((str(k), str(v)) for k, v in spec.get("params", {}).items()),
        body=body,
        item=JsonPath.parse(spec["item"]) if "item" in spec else None,
        items=JsonPath.parse(spec["items"]) if "items" in spec else None,
        fields={k: JsonPath.parse(v) for k, v in spec.get("fields", {}).items()},
    )


def _static_option(raw: Mapping[str, Any]) -> ShippingOption:
    try:
        return _shipping_option(raw, currency="USD", scale=Decimal(1))
    except MappingError as e:
        raise SettingsError(f"order API mapping shipping_options: {e}") from e


def _shipping_option(raw: Mapping[str, Any], *, currency: str, scale: Decimal) -> ShippingOption:
    name = str(raw.get("name") or "").strip()
    if not name:
        raise MappingError("a shipping option has no name")
    free_over = raw.get("free_over")
    days_min = _count(raw.get("days_min", 0), "days_min")
    return ShippingOption(
        name=name,
        cost=parse_money(raw.get("cost"), currency=currency, scale=scale, name="cost").amount,
        days_min=days_min,
        days_max=max(_count(raw.get("days_max", days_min), "days_max"), days_min),
        free_over=None
        if free_over in (None, "")
        else parse_money(free_over, currency=currency, scale=scale, name="free_over").amount,
    )


def load_mapping(
    *,
    mapping: Mapping[str, Any] | None = None,
    mapping_file: str | Path | None = None,
    env: Mapping[str, str],
) -> OrderMapping:
    """The mapping from a dict, else a JSON file."""
    if mapping is not None:
        return OrderMapping.from_dict(dict(mapping), env=env)
    if not mapping_file:
        raise SettingsError(
            "a rest+http(s) order API needs a field mapping: set AMBIENT_SHOP_ORDERS_MAPPING "
            "(a file path or the JSON itself) or add ?mapping_file=PATH to AMBIENT_SHOP_ORDERS"
        )
    try:
        text = Path(mapping_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SettingsError(f"cannot read order API mapping {mapping_file}: {e}") from e
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise SettingsError(f"order API mapping {mapping_file} is not valid JSON: {e}") from e
    return OrderMapping.from_dict(raw, env=env)


# -- values --------------------------------------------------------------------------------------


def _first(path: JsonPath, node: Any) -> Any:
    """The first value a path finds, or None."""
    found = path.find(node)
    return found[0] if found else None


def _key(value: Any) -> str:
    return re.sub(r"[\s_\-]+", "", str(value)).casefold()


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        raise MappingError(f"{name} should be text, got {type(value).__name__}")
    return str(value).strip()


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise MappingError(f"{name} should be a whole number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as e:
        raise MappingError(f"{name} {value!r} is not a number") from e
    if not number.is_finite() or number < 0 or number != number.to_integral_value():
        raise MappingError(f"{name} {value!r} is not a whole number")
    return int(number)


def _date(value: Any, name: str) -> date | None:
    """An ISO date or date-time ("2026-12-01", "2026-12-01T10:00:00Z"); the calendar day."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise MappingError(f"{name} should be an ISO date, got {type(value).__name__}")
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError as e:
        raise MappingError(f"{name} {value[:40]!r} is not an ISO date") from e


# -- the service ---------------------------------------------------------------------------------


class RestOrderService:
    """An OrderService over HTTP; only the shopper's own orders are ever returned."""

    def __init__(
        self,
        base_url: str,
        *,
        mapping: OrderMapping,
        session: requests.Session | None = None,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], None] = time.sleep,
        today: Callable[[], date] = date.today,
    ) -> None:
        parts = urlsplit(base_url)
        # Query parameters in the URL (an API key, a store id) go with every call.
        self._base_params = parse_qsl(parts.query, keep_blank_values=True)
        self.base_url = urlunsplit(parts._replace(query="", fragment="")).rstrip("/")
        self.mapping = mapping
        self._today = today
        self.http = JsonHttpClient(
            name=mapping.name,
            headers=mapping.headers,
            connect_timeout=mapping.connect_timeout,
            read_timeout=mapping.read_timeout,
            retry=mapping.retry,
            breaker=breaker
            or CircuitBreaker(
                threshold=mapping.breaker_threshold,
                cooldown=mapping.breaker_cooldown,
                name=mapping.name,
                error=OrdersUnavailable,
            ),
            session=session,
            sleep=sleep,
            unavailable=OrdersUnavailable,
        )

    # -- the port -----------------------------------------------------------------------------

    def get(self, order_id: str, *, shopper_id: str) -> Order | None:
        order_id = order_id.strip()
        if not order_id:
            return None
        endpoint = self.mapping.get
        doc = self._call(endpoint, {"order_id": order_id, "shopper_id": shopper_id}, missing=True)
        return None if doc is None else self._one(endpoint, doc, shopper_id, missing_is_none=True)

    def recent(self, *, shopper_id: str, limit: int = 3) -> list[Order]:
        endpoint = self.mapping.recent
        limit = max(limit, 1)
        doc = self._call(endpoint, {"shopper_id": shopper_id, "limit": limit}, missing=True)
        if doc is None:
            return []
        orders: list[Order] = []
        for node in self._items(endpoint, doc):
            try:
                order = self._order(node, shopper_id)
            except MappingError as e:
                log.warning("%s recent: skipping an order: %s", self.mapping.name, e)
                continue
            if order is not None:
                orders.append(order)
        orders.sort(key=lambda o: o.placed_on, reverse=True)
        return orders[:limit]

    def cancel(self, order_id: str, *, shopper_id: str) -> Order:
        return self._act(self.mapping.cancel, "cancelling", order_id, shopper_id, {})

    def start_return(self, order_id: str, *, shopper_id: str, reason: str) -> Order:
        return self._act(
            self.mapping.start_return, "returns", order_id, shopper_id, {"reason": reason}
        )

    def shipping_options(self) -> list[ShippingOption]:
        endpoint = self.mapping.shipping_endpoint
        if endpoint is None:
            return list(self.mapping.shipping_options)
        options: list[ShippingOption] = []
        for node in self._items(endpoint, self._call(endpoint, {})):
            raw = {name: _first(path, node) for name, path in endpoint.fields.items()}
            try:
                options.append(
                    _shipping_option(
                        raw, currency=self.mapping.currency, scale=self.mapping.price_scale
                    )
                )
            except MappingError as e:
                log.warning("%s shipping options: skipping one: %s", self.mapping.name, e)
        return options

    def close(self) -> None:
        self.http.close()

    # -- calls --------------------------------------------------------------------------------

    def _act(
        self,
        endpoint: OrderEndpoint | None,
        what: str,
        order_id: str,
        shopper_id: str,
        extra: Mapping[str, Any],
    ) -> Order:
        if endpoint is None:
            raise OrdersUnavailable(f"{self.mapping.name} does not offer {what} through its API")
        # Never act on an order the shopper does not own, whatever the API would allow.
        if self.get(order_id, shopper_id=shopper_id) is None:
            raise OrderNotFound(f"order {order_id} not found")
        values = {"order_id": order_id.strip(), "shopper_id": shopper_id, **extra}
        doc = self._call(endpoint, values, missing=True)
        if doc is None:
            raise OrderNotFound(f"order {order_id} not found")
        order = self._one(endpoint, doc, shopper_id, missing_is_none=False)
        if order is None:
            raise OrderNotFound(f"order {order_id} not found")
        return order

    def _call(
        self, endpoint: OrderEndpoint, values: Mapping[str, Any], *, missing: bool = False
    ) -> Any:
        return self.http.call(
            endpoint.name,
            lambda: (
                endpoint.method,
                render_url(self.base_url, endpoint.path, values),
                self._base_params + render_params(endpoint.params, values),
                render_body(endpoint.body, values) if endpoint.body is not None else None,
            ),
            # Cancelling twice or opening two returns is not harmless: only reads are repeated.
            idempotent=endpoint.method == "GET",
            missing_is_none=missing,
        )

    def _items(self, endpoint: OrderEndpoint, doc: Any) -> list[Any]:
        assert endpoint.items is not None
        if endpoint.items.many:
            return endpoint.items.find(doc)
        found = _first(endpoint.items, doc)
        if found is None:
            return []
        if not isinstance(found, list):
            self.http.breaker.record_failure()
            raise OrdersUnavailable(
                f"{self.mapping.name} {endpoint.name}: {endpoint.items.text} is a "
                f"{type(found).__name__}, not a list"
            )
        return found

    def _one(
        self, endpoint: OrderEndpoint, doc: Any, shopper_id: str, *, missing_is_none: bool
    ) -> Order | None:
        node = _first(endpoint.item, doc) if endpoint.item else doc
        if node is None:
            if missing_is_none:
                return None
            raise OrdersUnavailable(f"{self.mapping.name} {endpoint.name}: answer has no order")
        try:
            return self._order(node, shopper_id)
        except MappingError as e:
            raise OrdersUnavailable(
                f"{self.mapping.name} {endpoint.name} returned an order in an unexpected shape: {e}"
            ) from e

    # -- mapping items ------------------------------------------------------------------------

    def _order(self, node: Any, shopper_id: str) -> Order | None:
        """The order in `node`; None when it belongs to another shopper."""
        if not isinstance(node, dict):
            raise MappingError(f"an order should be an object, got {type(node).__name__}")
        fields = self.mapping.order_fields
        raw = {name: _first(path, node) for name, path in fields.items()}
        order_id = _text(raw.get("order_id"), "order_id")
        if not order_id:
            raise MappingError(f"order_id is missing ({fields['order_id'].text})")
        owner = _text(raw.get("shopper_id"), "shopper_id")
        if "shopper_id" in fields and owner != shopper_id:
            log.warning("%s: order %s is another shopper's; not shown", self.mapping.name, order_id)
            return None
        try:
            lines_raw = raw.get("lines") or []
            if not isinstance(lines_raw, list):
                raise MappingError("lines should be a list")
            return Order(
                order_id=order_id,
                shopper_id=shopper_id,
                status=self._status(raw.get("status")),
                placed_on=_date(raw.get("placed_on"), "placed_on") or self._today(),
                lines=tuple(self._line(line) for line in lines_raw),
                carrier=_text(raw.get("carrier"), "carrier"),
                estimated_delivery=_date(raw.get("estimated_delivery"), "estimated_delivery"),
                refund_status=_text(raw.get("refund_status"), "refund_status"),
            )
        except MappingError as e:
            raise MappingError(f"order {order_id!r}: {e}") from e

    def _status(self, value: Any) -> OrderState:
        text = _text(value, "status")
        if not text:
            raise MappingError("status is missing")
        key = _key(text)
        if key in self.mapping.status_values:
            return self.mapping.status_values[key]
        plain = text.lower().replace(" ", "_").replace("-", "_")
        if plain in ORDER_STATES:
            return plain  # type: ignore[return-value]
        if key in _STATUS_ALIASES:
            return _STATUS_ALIASES[key]
        raise MappingError(f"status {text[:40]!r} is unknown; map it under values.status")

    def _line(self, node: Any) -> OrderLine:
        if not isinstance(node, dict):
            raise MappingError(f"an order line should be an object, got {type(node).__name__}")
        raw = {name: _first(path, node) for name, path in self.mapping.line_fields.items()}
        price = raw.get("unit_price")
        quantity = raw.get("quantity")
        return OrderLine(
            product_id=_text(raw.get("product_id"), "product_id"),
            title=_text(raw.get("title"), "title") or "an item",
            quantity=1 if quantity in (None, "") else _count(quantity, "quantity"),
            unit_price=Decimal(0)
            if price in (None, "")
            else parse_money(
                price,
                currency=self.mapping.currency,
                scale=self.mapping.price_scale,
                name="unit_price",
            ).amount,
        )


@register("rest.v1", schemes=("rest+http", "rest+https"))
def open_rest_orders(
    url: str,
    *,
    env: Mapping[str, str] | None = None,
    mapping: Mapping[str, Any] | None = None,
    mapping_file: str | Path | None = None,
    session: requests.Session | None = None,
    breaker: CircuitBreaker | None = None,
    sleep: Callable[[float], None] = time.sleep,
    **_ignored: Any,
) -> RestOrderService:
    """Open a retailer's order API; timeouts in the URL win over the mapping's own."""
    try:
        base, url_options = split_url(url)
    except CatalogConfigError as e:
        raise SettingsError(
            f"order API URL {url!r} should look like rest+https://orders.retailer.example/v1"
        ) from e
    loaded = load_mapping(
        mapping=mapping,
        mapping_file=mapping_file or url_options.get("mapping_file"),
        env=env or {},
    )
    overrides: dict[str, float] = {}
    for name in ("connect_timeout", "read_timeout"):
        if name in url_options:
            try:
                overrides[name] = float(url_options[name])
            except ValueError as e:
                raise SettingsError(f"{name} {url_options[name]!r} is not seconds") from e
    if overrides:
        loaded = replace(loaded, **overrides)  # type: ignore[arg-type]
    return RestOrderService(base, mapping=loaded, session=session, breaker=breaker, sleep=sleep)
