"""The mapping file: which endpoints a retailer's API has and where each field sits in its JSON.
Read and validated once, when the catalog opens; every mistake is a CatalogConfigError naming
its place."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
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
from catalog_adapter.rest.values import value_key

MAPPING_ENV = "AMBIENT_SHOP_REST_MAPPING"
SCHEMA_FILE = Path(__file__).with_name("mapping.schema.json")

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
    def from_dict(cls, raw: Any, *, env: Mapping[str, str]) -> RestMapping:
        """Validate a mapping document; every mistake is a CatalogConfigError naming its place."""
        check_mapping(raw)
        product_fields = _fields(raw.get("fields"))
        search = _endpoint("search", raw["search"], product_fields, SEARCH_PLACEHOLDERS)
        get = _endpoint("get", raw["get"], product_fields, frozenset({"id"}))
        for endpoint in (search, get):
            missing = [f for f in ("id", "title", "price") if f not in endpoint.fields]
            if missing:
                raise CatalogConfigError(
                    f"REST mapping {endpoint.name!r} has no JSON path for {', '.join(missing)}"
                )
        optional: dict[str, Endpoint | None] = {}
        for name, inherited, known in (
            ("availability", {}, frozenset({"id", "store"})),
            ("appearances", {}, frozenset({"person", "media", "product_type"})),
            ("vocabulary", {}, frozenset()),
            ("stores", {}, frozenset()),
            ("variants", product_fields, frozenset({"id", "item_group_id"})),
        ):
            spec = raw.get(name)
            optional[name] = None if spec is None else _endpoint(name, spec, inherited, known)
        needed = {
            "availability": ("store_code",),
            "appearances": ("person", "media", "product_id"),
            "stores": ("store_code",),
        }
        for name, required in needed.items():
            endpoint = optional[name]
            missing = [f for f in required if endpoint and f not in endpoint.fields]
            if missing:
                raise CatalogConfigError(
                    f"REST mapping {name!r} has no JSON path for {', '.join(missing)}"
                )
        values = raw.get("values", {})
        timeouts = raw.get("timeouts", {})
        breaker = raw.get("circuit_breaker", {})
        return cls(
            search=search,
            get=get,
            **optional,  # type: ignore[arg-type]
            name=str(raw.get("name") or "retailer API"),
            headers={
                str(k): expand_env(str(v), env, f"headers.{k}")
                for k, v in raw.get("headers", {}).items()
            },
            currency=raw.get("currency", "USD").upper(),
            price_scale=Decimal(str(raw.get("price_scale", 1)).strip()),
            default_availability=raw.get("default_availability", "in_stock"),
            availability_values={
                value_key(k): v for k, v in values.get("availability", {}).items()
            },
            match_values={value_key(k): v for k, v in values.get("match", {}).items()},
            connect_timeout=float(timeouts.get("connect", DEFAULT_CONNECT_TIMEOUT)),
            read_timeout=float(timeouts.get("read", DEFAULT_READ_TIMEOUT)),
            retry=RetryPolicy(**raw.get("retries", {})),
            breaker_threshold=int(breaker.get("threshold", 5)),
            breaker_cooldown=float(breaker.get("cooldown", 30.0)),
            post_is_idempotent=bool(raw.get("post_is_idempotent", True)),
        )


def _positive_decimal(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as e:
        raise CatalogConfigError(f"REST mapping {where!r} must be a number") from e
    if not number.is_finite() or number <= 0:
        raise CatalogConfigError(f"REST mapping {where!r} must be above zero")
    return number


def expand_env(value: str, env: Mapping[str, str], where: str) -> str:
    """`${NAME}` in a header comes from the environment, so secrets stay out of mapping files."""

    def lookup(m: re.Match[str]) -> str:
        name = m[1]
        if name not in env:
            raise CatalogConfigError(f"REST mapping {where!r} needs environment variable {name}")
        return env[name]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lookup, value)


def _fields(raw: Mapping[str, Any] | None) -> dict[str, JsonPath]:
    return {name: JsonPath.parse(path) for name, path in (raw or {}).items()}


def _endpoint(
    name: str,
    raw: str | Mapping[str, Any],
    inherited: Mapping[str, JsonPath],
    known_placeholders: frozenset[str],
) -> Endpoint:
    """One endpoint of a mapping the schema has checked: placeholders and JSON paths here."""
    spec: Mapping[str, Any] = {"path": raw} if isinstance(raw, str) else raw
    path = spec["path"]
    method = str(spec.get("method", "GET")).upper()
    params = spec.get("params", {})
    body = spec.get("json")
    if body is not None and method != "POST":
        raise CatalogConfigError(f"REST mapping {name!r}: a 'json' body needs method POST")
    for used in (*placeholders(path), *placeholders(params), *placeholders(body)):
        if used not in known_placeholders:
            known = ", ".join(sorted(known_placeholders)) or "none"
            raise CatalogConfigError(
                f"REST mapping {name!r} uses {{{used}}}, which is not known here (known: {known})"
            )
    return Endpoint(
        name=name,
        path=path,
        method=method,
        params=tuple((str(k), str(v)) for k, v in params.items()),
        body=body,
        items=JsonPath.parse(spec["items"]) if spec.get("items") else None,
        item=JsonPath.parse(spec["item"]) if spec.get("item") else None,
        fields={**inherited, **_fields(spec.get("fields"))},
    )


def mapping_schema() -> dict[str, Any]:
    """The published JSON Schema of a mapping file (mapping.schema.json beside this module)."""
    return _schema()


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_schema())


def check_mapping(raw: Any) -> None:
    """Raise a CatalogConfigError naming the first place a mapping breaks its JSON Schema."""
    if not isinstance(raw, dict):
        raise CatalogConfigError("REST mapping must be a JSON object")
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(raw))
    if error is None:
        return
    where = ".".join(str(step) for step in error.absolute_path)
    if error.validator == "required":
        missing = next(r for r in error.validator_value if r not in error.instance)
        if not where:
            raise CatalogConfigError(f"REST mapping needs a {missing!r} endpoint")
        raise CatalogConfigError(f"REST mapping {where!r} needs {missing!r}")
    custom = error.schema.get("message") if isinstance(error.schema, dict) else None
    text = custom.format(instance=error.instance) if custom else error.message
    raise CatalogConfigError(
        f"REST mapping {where!r}: {text}" if where else f"REST mapping: {text}"
    )


def load_mapping(
    *,
    mapping: Mapping[str, Any] | None = None,
    mapping_file: str | Path | None = None,
    mapping_source: str | None = None,
    env: Mapping[str, str] = MappingProxyType({}),
) -> RestMapping:
    """The mapping from a dict, else a JSON file, else `mapping_source` (the setting
    AMBIENT_SHOP_REST_MAPPING: a path or JSON text); `${NAME}` in headers is looked up in env."""
    if mapping is not None:
        return RestMapping.from_dict(dict(mapping), env=env)
    source = str(mapping_file) if mapping_file else (mapping_source or "").strip()
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
