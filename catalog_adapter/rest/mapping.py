"""The mapping file: which endpoints a retailer's API has and where each field sits in its JSON.
Read and validated once, when the catalog opens; every mistake is a CatalogConfigError naming
its place."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from catalog_adapter.errors import CatalogConfigError
from catalog_adapter.models import (
    Availability,
    MatchKind,
)
from catalog_adapter.resilience import RetryPolicy
from catalog_adapter.rest.http import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT
from catalog_adapter.rest.jsonpath import JsonPath
from catalog_adapter.rest.templates import placeholders
from catalog_adapter.rest.values import AVAILABILITIES, value_key

MAPPING_ENV = "AMBIENT_SHOP_REST_MAPPING"

# Query placeholders a search template may use.
SEARCH_PLACEHOLDERS = frozenset(
    """
    text keywords product_type color material pattern size brand audience min_price max_price
    in_stock_only store limit
    """.split()
)
PRODUCT_FIELDS = tuple(
    """
    id title price currency sale_price availability description link image_link brand gtin
    color size material pattern product_type gender age_group item_group_id rating
    """.split()
)
TEXT_FIELDS = tuple(
    """
    description link image_link brand gtin color size material pattern product_type gender
    age_group item_group_id
    """.split()
)
STORE_FIELDS = tuple(
    """
    store_code store_name product_id quantity availability price currency pickup_method
    pickup_sla
    """.split()
)
STORE_INFO_FIELDS = tuple(
    """
    store_code name address city neighborhood phone timezone hours
    """.split()
)
APPEARANCE_FIELDS = tuple(
    """
    person media product_id match episode product_type source_link
    """.split()
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One API call: where, with which parameters, and where its result sits in the answer."""

    name: str
    path: str
    method: str = "GET"
    params: tuple[tuple[str, str], ...] = ()
    body: Any = None
    items: JsonPath | None = None
    item: JsonPath | None = None
    fields: Mapping[str, JsonPath] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RestMapping:
    """The parsed, validated mapping; built once when the catalog opens."""

    search: Endpoint
    get: Endpoint
    availability: Endpoint | None = None
    appearances: Endpoint | None = None
    vocabulary: Endpoint | None = None
    stores: Endpoint | None = None
    variants: Endpoint | None = None
    name: str = "retailer API"
    headers: Mapping[str, str] = field(default_factory=dict)
    currency: str = "USD"
    price_scale: Decimal = Decimal(1)
    default_availability: Availability = "in_stock"
    availability_values: Mapping[str, Availability] = field(default_factory=dict)
    match_values: Mapping[str, MatchKind] = field(default_factory=dict)
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker_threshold: int = 5
    breaker_cooldown: float = 30.0
    # Answers never mutate anything, so POST search endpoints are safe to repeat unless told.
    post_is_idempotent: bool = True

    @classmethod
    def from_dict(cls, raw: Any, *, env: Mapping[str, str] | None = None) -> RestMapping:
        """Validate a mapping document; every mistake is a CatalogConfigError naming its place."""
        if not isinstance(raw, dict):
            raise CatalogConfigError("REST mapping must be a JSON object")
        env = os.environ if env is None else env
        for required in ("search", "get"):
            if required not in raw:
                raise CatalogConfigError(f"REST mapping needs a {required!r} endpoint")
        product_fields = _fields(raw.get("fields"), PRODUCT_FIELDS, "fields")
        search = _endpoint(
            "search", raw["search"], PRODUCT_FIELDS, product_fields, SEARCH_PLACEHOLDERS
        )
        if search.items is None:
            raise CatalogConfigError("REST mapping 'search' needs 'items' (JSON path to the list)")
        get = _endpoint("get", raw["get"], PRODUCT_FIELDS, product_fields, frozenset({"id"}))
        for endpoint in (search, get):
            missing = [f for f in ("id", "title", "price") if f not in endpoint.fields]
            if missing:
                raise CatalogConfigError(
                    f"REST mapping {endpoint.name!r} has no JSON path for {', '.join(missing)}"
                )
        availability = appearances = vocabulary = None
        if raw.get("availability") is not None:
            availability = _endpoint(
                "availability",
                raw["availability"],
                STORE_FIELDS,
                {},
                frozenset({"id", "store"}),
            )
            if availability.items is None or "store_code" not in availability.fields:
                raise CatalogConfigError(
                    "REST mapping 'availability' needs 'items' and a 'store_code' field"
                )
        if raw.get("appearances") is not None:
            appearances = _endpoint(
                "appearances",
                raw["appearances"],
                APPEARANCE_FIELDS,
                {},
                frozenset({"person", "media", "product_type"}),
            )
            missing = [f for f in ("person", "media", "product_id") if f not in appearances.fields]
            if appearances.items is None or missing:
                raise CatalogConfigError(
                    "REST mapping 'appearances' needs 'items' and fields person, media, product_id"
                )
        if raw.get("vocabulary") is not None:
            vocabulary = _endpoint("vocabulary", raw["vocabulary"], None, {}, frozenset())
        stores = variants = None
        if raw.get("stores") is not None:
            stores = _endpoint("stores", raw["stores"], STORE_INFO_FIELDS, {}, frozenset())
            if stores.items is None or "store_code" not in stores.fields:
                raise CatalogConfigError(
                    "REST mapping 'stores' needs 'items' and a 'store_code' field"
                )
        if raw.get("variants") is not None:
            variants = _endpoint(
                "variants",
                raw["variants"],
                PRODUCT_FIELDS,
                product_fields,
                frozenset({"id", "item_group_id"}),
            )
            if variants.items is None:
                raise CatalogConfigError("REST mapping 'variants' needs 'items'")
        values = _object(raw.get("values", {}), "values")
        timeouts = _object(raw.get("timeouts", {}), "timeouts")
        retries = _object(raw.get("retries", {}), "retries")
        breaker = _object(raw.get("circuit_breaker", {}), "circuit_breaker")
        try:
            retry = RetryPolicy(**{k: _number(v, f"retries.{k}") for k, v in retries.items()})
        except TypeError as e:
            raise CatalogConfigError(f"REST mapping 'retries': {e}") from e
        unknown = set(breaker) - {"threshold", "cooldown"}
        if unknown:
            raise CatalogConfigError(f"REST mapping 'circuit_breaker' has unknown {unknown}")
        return cls(
            search=search,
            get=get,
            availability=availability,
            appearances=appearances,
            vocabulary=vocabulary,
            stores=stores,
            variants=variants,
            name=str(raw.get("name") or "retailer API"),
            headers={
                str(k): expand_env(str(v), env, f"headers.{k}")
                for k, v in _object(raw.get("headers", {}), "headers").items()
            },
            currency=_currency(raw.get("currency", "USD")),
            price_scale=_positive_decimal(raw.get("price_scale", 1), "price_scale"),
            default_availability=_known_availability(
                raw.get("default_availability", "in_stock"), "default_availability"
            ),
            availability_values={
                value_key(k): _known_availability(v, f"values.availability.{k}")
                for k, v in _object(values.get("availability", {}), "values.availability").items()
            },
            match_values={
                value_key(k): _known_match(v, f"values.match.{k}")
                for k, v in _object(values.get("match", {}), "values.match").items()
            },
            connect_timeout=_number(
                timeouts.get("connect", DEFAULT_CONNECT_TIMEOUT), "timeouts.connect"
            ),
            read_timeout=_number(timeouts.get("read", DEFAULT_READ_TIMEOUT), "timeouts.read"),
            retry=retry,
            breaker_threshold=int(
                _number(breaker.get("threshold", 5), "circuit_breaker.threshold")
            ),
            breaker_cooldown=_number(breaker.get("cooldown", 30.0), "circuit_breaker.cooldown"),
            post_is_idempotent=bool(raw.get("post_is_idempotent", True)),
        )


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CatalogConfigError(f"REST mapping {where!r} must be a JSON object")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise CatalogConfigError(f"REST mapping {where!r} must be a non-negative number")
    return float(value)


def _positive_decimal(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as e:
        raise CatalogConfigError(f"REST mapping {where!r} must be a number") from e
    if not number.is_finite() or number <= 0:
        raise CatalogConfigError(f"REST mapping {where!r} must be above zero")
    return number


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value):
        raise CatalogConfigError(f"REST mapping 'currency' must be a 3-letter code, got {value!r}")
    return value.upper()


def _known_availability(value: Any, where: str) -> Availability:
    if value not in AVAILABILITIES:
        raise CatalogConfigError(
            f"REST mapping {where!r}: {value!r} is not one of {', '.join(sorted(AVAILABILITIES))}"
        )
    return value  # type: ignore[no-any-return]


def _known_match(value: Any, where: str) -> MatchKind:
    if value not in ("exact", "similar"):
        raise CatalogConfigError(f"REST mapping {where!r}: {value!r} is not exact or similar")
    return value  # type: ignore[no-any-return]


def expand_env(value: str, env: Mapping[str, str], where: str) -> str:
    """`${NAME}` in a header comes from the environment, so secrets stay out of mapping files."""

    def lookup(m: re.Match[str]) -> str:
        name = m[1]
        if name not in env:
            raise CatalogConfigError(f"REST mapping {where!r} needs environment variable {name}")
        return env[name]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lookup, value)


def _fields(raw: Any, allowed: tuple[str, ...] | None, where: str) -> dict[str, JsonPath]:
    if raw is None:
        return {}
    fields = _object(raw, where)
    if allowed is not None:
        unknown = sorted(set(fields) - set(allowed))
        if unknown:
            raise CatalogConfigError(
                f"REST mapping {where!r} has unknown field(s) {', '.join(unknown)} "
                f"(known: {', '.join(allowed)})"
            )
    return {name: JsonPath.parse(path) for name, path in fields.items()}  # type: ignore[arg-type]


def _endpoint(
    name: str,
    raw: Any,
    allowed: tuple[str, ...] | None,
    inherited: Mapping[str, JsonPath],
    known_placeholders: frozenset[str],
) -> Endpoint:
    if isinstance(raw, str):
        raw = {"path": raw}
    spec = _object(raw, name)
    path = spec.get("path")
    if not isinstance(path, str) or not path:
        raise CatalogConfigError(f"REST mapping {name!r} needs a 'path'")
    method = str(spec.get("method", "GET")).upper()
    if method not in ("GET", "POST"):
        raise CatalogConfigError(f"REST mapping {name!r}: method must be GET or POST")
    params = _object(spec.get("params", {}), f"{name}.params")
    body = spec.get("json")
    if body is not None and method != "POST":
        raise CatalogConfigError(f"REST mapping {name!r}: a 'json' body needs method POST")
    for used in (*placeholders(path), *placeholders(params), *placeholders(body)):
        if used not in known_placeholders:
            known = ", ".join(sorted(known_placeholders)) or "none"
            raise CatalogConfigError(
                f"REST mapping {name!r} uses {{{used}}}, which is not known here (known: {known})"
            )
    fields = {**inherited, **_fields(spec.get("fields"), allowed, f"{name}.fields")}
    return Endpoint(
        name=name,
        path=path,
        method=method,
        params=tuple((str(k), str(v)) for k, v in params.items()),
        body=body,
        items=JsonPath.parse(spec["items"]) if spec.get("items") else None,
        item=JsonPath.parse(spec["item"]) if spec.get("item") else None,
        fields=fields,
    )


def load_mapping(
    *,
    mapping: Mapping[str, Any] | None = None,
    mapping_file: str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> RestMapping:
    """The mapping from a dict, else a JSON file, else the environment (a path or JSON text)."""
    env = os.environ if env is None else env
    if mapping is not None:
        return RestMapping.from_dict(dict(mapping), env=env)
    source = str(mapping_file) if mapping_file else env.get(MAPPING_ENV, "").strip()
    if not source:
        raise CatalogConfigError(
            f"a rest+http(s) catalog needs a field mapping: pass mapping_file=PATH, "
            f"add ?mapping_file=PATH to the URL, or set {MAPPING_ENV}"
        )
    if source.lstrip().startswith("{"):
        text, where = source, MAPPING_ENV
    else:
        try:
            text, where = Path(source).read_text(encoding="utf-8"), source
        except (OSError, UnicodeDecodeError) as e:
            raise CatalogConfigError(f"cannot read REST mapping file {source}: {e}") from e
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise CatalogConfigError(f"REST mapping {where} is not valid JSON: {e}") from e
    return RestMapping.from_dict(raw, env=env)
