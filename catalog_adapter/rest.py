"""The retailer's own product API as a catalog ("rest.v1"), wired by a declarative mapping.

A catalog URL `rest+https://api.retailer.example/v2` names the base URL; a JSON mapping (keyword
`mapping`, option `mapping_file`, `?mapping_file=` in the URL, or `AMBIENT_SHOP_REST_MAPPING`)
names the endpoints and where each field sits in their JSON:

    {"search": {"path": "/products/search", "params": {"q": "{text}", "max_price": "{max_price}"},
                "items": "$.data.results"},
     "get": {"path": "/products/{id}", "item": "$.data"},
     "fields": {"id": "$.sku", "title": "$.name", "price": "$.pricing.current.amount"}}

Every library, JSON or mapping failure reaches callers as CatalogUnavailable.
"""

from __future__ import annotations

import json
import logging
import os
import re
import string
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, get_args
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from catalog_adapter.attributes import audience, fits_audience, has_size
from catalog_adapter.errors import AmbientShopError, CatalogConfigError, CatalogUnavailable
from catalog_adapter.hours import HoursError, OpeningHours, opening_hours
from catalog_adapter.models import (
    Appearance,
    Availability,
    CatalogHealth,
    MatchKind,
    Money,
    Product,
    ProductQuery,
    SeenOnResult,
    Store,
    StoreAvailability,
)
from catalog_adapter.registry import register
from catalog_adapter.resilience import CircuitBreaker, RetryPolicy
from catalog_adapter.stores import known_timezone, one_store

if TYPE_CHECKING:
    # requests is imported on first use: opening the embedded catalog should not pay for it.
    import requests

log = logging.getLogger(__name__)

MAPPING_ENV = "AMBIENT_SHOP_REST_MAPPING"
# With the retry budget below, a dead API costs a shopper at most ~5 s of Alexa's 8 s.
DEFAULT_CONNECT_TIMEOUT = 1.0
DEFAULT_READ_TIMEOUT = 2.5
# A product API answer larger than this is a broken or hostile server, not a catalog page.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
IN_STOCK: Final = frozenset({"in_stock", "limited_availability"})
AVAILABILITIES: Final[frozenset[str]] = frozenset(get_args(Availability))
# Spellings retailers' APIs use for the Google Merchant availability values.
_AVAILABILITY_ALIASES = {
    "instock": "in_stock",
    "available": "in_stock",
    "true": "in_stock",
    "outofstock": "out_of_stock",
    "soldout": "out_of_stock",
    "unavailable": "out_of_stock",
    "false": "out_of_stock",
    "preorder": "preorder",
    "backorder": "backorder",
    "limitedavailability": "limited_availability",
    "limitedstock": "limited_availability",
    "lowstock": "limited_availability",
}
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
_URL_OPTIONS = ("mapping_file", "connect_timeout", "read_timeout")


class MappingError(ValueError):
    """One JSON item does not fit the mapping (missing field, wrong type, bad price)."""


# -- a small JSON path subset: $.a.b, $.a[0], $.a[*].b, $['odd key'] ------------------------------

_MISSING: Final = object()
_WILD: Final = object()
_STEP = re.compile(
    r"""\.(?P<key>[^.\[\]]+)      # .key or .*
      | \[(?P<index>-?\d+)\]     # [0], [-1]
      | \[(?P<star>\*)\]         # [*]
      | \[(?P<q>['"])(?P<quoted>.*?)(?P=q)\]  # ['key with . or spaces']
    """,
    re.VERBOSE,
)


Steps = tuple[str | int | object, ...]


def _parse_steps(text: Any) -> Steps:
    if not isinstance(text, str) or not text.strip():
        raise CatalogConfigError(f"JSON path must be a non-empty string, got {text!r}")
    rest = text.strip()
    if rest.startswith("$"):
        rest = rest[1:]
    elif not rest.startswith((".", "[")):
        # "data.results" is accepted as "$.data.results".
        rest = "." + rest
    steps: list[str | int | object] = []
    pos = 0
    while pos < len(rest):
        m = _STEP.match(rest, pos)
        if m is None:
            raise CatalogConfigError(f"cannot read JSON path {text!r} at {rest[pos:]!r}")
        if m["key"] is not None:
            steps.append(_WILD if m["key"] == "*" else m["key"])
        elif m["index"] is not None:
            steps.append(int(m["index"]))
        elif m["star"] is not None:
            steps.append(_WILD)
        else:
            steps.append(m["quoted"])
        pos = m.end()
    return tuple(steps)


def _walk(doc: Any, steps: Steps) -> list[Any]:
    current = [doc]
    for step in steps:
        following: list[Any] = []
        for node in current:
            if step is _WILD:
                if isinstance(node, list):
                    following.extend(node)
                elif isinstance(node, dict):
                    following.extend(node.values())
            elif isinstance(step, int):
                if isinstance(node, list) and -len(node) <= step < len(node):
                    following.append(node[step])
            elif isinstance(node, dict) and step in node:
                following.append(node[step])
        current = following
    return current


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A compiled path, or a list of them tried in order ("was" price, else the current one)."""

    text: str
    alternatives: tuple[Steps, ...]

    @classmethod
    def parse(cls, text: str | list[str]) -> JsonPath:
        options = text if isinstance(text, list) else [text]
        if not options:
            raise CatalogConfigError("a list of JSON paths must not be empty")
        return cls(
            text=" | ".join(str(o) for o in options),
            alternatives=tuple(_parse_steps(o) for o in options),
        )

    def find(self, doc: Any) -> list[Any]:
        """Every match of the first alternative that matches a value other than null."""
        for steps in self.alternatives:
            found = [v for v in _walk(doc, steps) if v is not None]
            if found:
                return found
        return []

    def first(self, doc: Any) -> Any:
        found = self.find(doc)
        return found[0] if found else _MISSING

    @property
    def many(self) -> bool:
        """Whether the path can match several values (it has a wildcard)."""
        return any(step is _WILD for steps in self.alternatives for step in steps)


# -- the mapping ---------------------------------------------------------------------------------


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
                str(k): _expand_env(str(v), env, f"headers.{k}")
                for k, v in _object(raw.get("headers", {}), "headers").items()
            },
            currency=_currency(raw.get("currency", "USD")),
            price_scale=_positive_decimal(raw.get("price_scale", 1), "price_scale"),
            default_availability=_known_availability(
                raw.get("default_availability", "in_stock"), "default_availability"
            ),
            availability_values={
                _value_key(k): _known_availability(v, f"values.availability.{k}")
                for k, v in _object(values.get("availability", {}), "values.availability").items()
            },
            match_values={
                _value_key(k): _known_match(v, f"values.match.{k}")
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


def _value_key(value: Any) -> str:
    return re.sub(r"[\s_\-]+", "", str(value)).casefold()


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


def _expand_env(value: str, env: Mapping[str, str], where: str) -> str:
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


def _placeholders(template: Any) -> Iterator[str]:
    if isinstance(template, str):
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as e:
            raise CatalogConfigError(f"REST mapping template {template!r}: {e}") from e
        for _, name, _, _ in parsed:
            if name is not None:
                yield name
    elif isinstance(template, dict):
        for value in template.values():
            yield from _placeholders(value)
    elif isinstance(template, list):
        for value in template:
            yield from _placeholders(value)


def _endpoint(
    name: str,
    raw: Any,
    allowed: tuple[str, ...] | None,
    inherited: Mapping[str, JsonPath],
    placeholders: frozenset[str],
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
    for used in (*_placeholders(path), *_placeholders(params), *_placeholders(body)):
        if used not in placeholders:
            known = ", ".join(sorted(placeholders)) or "none"
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


# -- values --------------------------------------------------------------------------------------


def _text(value: Any, name: str) -> str:
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, dict):
        raise MappingError(f"{name} should be text, got {type(value).__name__}")
    if isinstance(value, list):
        # A list of names ("colors": ["navy", "white"]) reads as one phrase.
        return ", ".join(_text(v, name) for v in value if v is not None)
    return str(value).strip()


_PRICE = re.compile(
    r"^\s*(?P<pre>[A-Z]{3})?\s*(?P<sym>[$€£])?\s*(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)\s*"
    r"(?P<post>[A-Z]{3})?\s*$"
)


def parse_money(
    value: Any, *, currency: str, scale: Decimal = Decimal(1), name: str = "price"
) -> Money:
    """A price from a number, "12.50", "$1,299.00" or "12.50 USD"; ambiguous text is refused."""
    if isinstance(value, dict):
        raise MappingError(f"{name} should be a number, got an object (map its amount field)")
    if isinstance(value, bool) or value is None or value is _MISSING:
        raise MappingError(f"{name} is missing")
    if isinstance(value, int | float):
        amount = Decimal(str(value))
    elif isinstance(value, str):
        m = _PRICE.match(value.upper())
        if m is None or (
            m["num"].count(",") and not re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", m["num"])
        ):
            raise MappingError(f"{name} {value[:40]!r} is not a price")
        if m["pre"] and m["post"]:
            raise MappingError(f"{name} {value[:40]!r} names two currencies")
        currency = m["pre"] or m["post"] or currency
        amount = Decimal(m["num"].replace(",", ""))
    else:
        raise MappingError(f"{name} should be a number, got {type(value).__name__}")
    if not amount.is_finite() or amount < 0:
        raise MappingError(f"{name} {value!r} is not a price")
    return Money(amount=(amount / scale).quantize(Decimal("0.01")), currency=currency)


def _availability(value: Any, mapping: RestMapping) -> Availability:
    if value is _MISSING or value is None or value == "":
        return mapping.default_availability
    if isinstance(value, dict | list):
        raise MappingError(f"availability should be text, got {type(value).__name__}")
    key = _value_key(value).rsplit("/", 1)[-1]  # schema.org URLs: http://schema.org/InStock
    if key in mapping.availability_values:
        return mapping.availability_values[key]
    raw_key = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    if raw_key in AVAILABILITIES:
        return raw_key  # type: ignore[return-value]
    if key in _AVAILABILITY_ALIASES:
        return _AVAILABILITY_ALIASES[key]  # type: ignore[return-value]
    raise MappingError(
        f"availability {str(value)[:40]!r} is unknown; map it under values.availability"
    )


def _match(value: Any, mapping: RestMapping) -> MatchKind:
    # Anything not plainly "exact" is similar: a look-alike must never be sold as the real one.
    if value is True:
        return "exact"
    key = _value_key(value) if isinstance(value, str) else ""
    if key in mapping.match_values:
        return mapping.match_values[key]
    return "exact" if key == "exact" else "similar"


# -- the catalog ---------------------------------------------------------------------------------


class RestCatalog:
    """A Catalog over HTTP: timeouts, retries on idempotent calls, a circuit breaker."""

    def __init__(
        self,
        base_url: str,
        *,
        mapping: RestMapping,
        session: requests.Session | None = None,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        vocabulary_ttl: float = 300.0,
    ) -> None:
        parts = urlsplit(base_url)
        # Query parameters in the catalog URL (an API key, a locale) go with every call.
        self._base_params = parse_qsl(parts.query, keep_blank_values=True)
        self.base_url = urlunsplit(parts._replace(query="", fragment="")).rstrip("/")
        self.mapping = mapping
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
            ),
            session=session,
            sleep=sleep,
            clock=clock,
            max_response_bytes=max_response_bytes,
        )
        self.breaker = self.http.breaker
        self._clock = clock
        self.vocabulary_ttl = vocabulary_ttl
        self._vocabulary: tuple[float, dict[str, list[str]]] | None = None
        self._stores: tuple[float, list[Store]] | None = None
        self._lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        return self.http.session

    @session.setter
    def session(self, session: requests.Session) -> None:
        self.http.session = session

    # -- the port -----------------------------------------------------------------------------

    def search(self, query: ProductQuery) -> list[Product]:
        endpoint = self.mapping.search
        doc = self._call(endpoint, _search_values(query))
        products = self._products(endpoint, doc)
        excluded = set(query.exclude_ids)
        kept = [p for p in products if p.id not in excluded and _within(p, query)]
        return kept[: max(query.limit, 0)]

    def get(self, product_id: str) -> Product | None:
        if not product_id.strip():
            return None
        endpoint = self.mapping.get
        doc = self._call(endpoint, {"id": product_id}, missing_is_none=True)
        if doc is None:
            return None
        node = endpoint.item.first(doc) if endpoint.item else doc
        if node is _MISSING or node is None:
            return None
        try:
            return self._product(endpoint, node)
        except MappingError as e:
            raise CatalogUnavailable(
                f"{self.mapping.name} returned product {product_id!r} in an unexpected shape: {e}"
            ) from e

    def availability(self, product_id: str, *, store: str | None = None) -> list[StoreAvailability]:
        endpoint = self.mapping.availability
        if endpoint is None:
            return []
        doc = self._call(endpoint, {"id": product_id, "store": store}, missing_is_none=True)
        if doc is None:
            return []
        found: list[StoreAvailability] = []
        for node in self._items(endpoint, doc):
            try:
                found.append(self._store(endpoint, node, product_id))
            except MappingError as e:
                log.warning("%s availability: skipping a store entry: %s", self.mapping.name, e)
        if store:
            wanted = store.casefold()
            found = [
                s
                for s in found
                if wanted in (s.store_code.casefold(), s.store_name.casefold())
                or (len(wanted) > 2 and wanted in s.store_name.casefold())
            ]
        return found

    def appearances(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
    ) -> list[Appearance]:
        endpoint = self.mapping.appearances
        if endpoint is None:
            return []
        values = {"person": person, "media": media, "product_type": product_type}
        doc = self._call(endpoint, values)
        found: list[Appearance] = []
        for node in self._items(endpoint, doc):
            try:
                found.append(self._appearance(endpoint, node))
            except MappingError as e:
                log.warning("%s appearances: skipping an entry: %s", self.mapping.name, e)
        return found

    def seen_on(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
        limit: int = 3,
    ) -> SeenOnResult:
        if not (person or media):
            return SeenOnResult(appearance=None, exact=None)
        limit = max(1, min(limit, 20))
        found = self.appearances(person=person, media=media, product_type=product_type)
        if not found:
            return SeenOnResult(appearance=None, exact=None)
        chosen = found[0]
        look = [
            a
            for a in found
            if (a.person, a.media, a.episode, a.product_type)
            == (chosen.person, chosen.media, chosen.episode, chosen.product_type)
        ]
        for appearance in look:
            if appearance.match != "exact":
                continue
            exact = self.get(appearance.product_id)
            if exact is None:
                continue
            similar: list[Product] = []
            if exact.availability not in IN_STOCK:
                similar = self._alternatives(exact, (), limit)
            return SeenOnResult(appearance=appearance, exact=exact, similar=tuple(similar))
        linked = [
            p
            for a in look
            if a.match == "similar"
            for p in (self.get(a.product_id),)
            if p is not None
        ]
        similar = [p for p in linked if p.availability in IN_STOCK][:limit]
        anchor = linked[0] if linked else None
        if len(similar) < limit and anchor is not None:
            similar += self._alternatives(anchor, [p.id for p in similar], limit - len(similar))
        return SeenOnResult(appearance=chosen, exact=None, similar=tuple(similar[:limit]))

    def vocabulary(self) -> dict[str, list[str]]:
        """Names for the parser's gazetteers; an outage serves the last good list, else none."""
        endpoint = self.mapping.vocabulary
        if endpoint is None:
            return {}
        with self._lock:
            cached = self._vocabulary
        if cached is not None and self._clock() - cached[0] < self.vocabulary_ttl:
            return {k: list(v) for k, v in cached[1].items()}
        try:
            doc = self._call(endpoint, {})
        except CatalogUnavailable as e:
            # The parser still works without gazetteers; a start-up must not hinge on them.
            log.warning("%s vocabulary unavailable, parsing without it: %s", self.mapping.name, e)
            return {k: list(v) for k, v in cached[1].items()} if cached else {}
        names: dict[str, list[str]] = {}
        for kind, path in endpoint.fields.items():
            values = path.find(doc) if path.many else _flatten(path.first(doc))
            names[kind] = sorted(
                {str(v).strip() for v in values if isinstance(v, str | int)} - {""}
            )
        with self._lock:
            self._vocabulary = (self._clock(), names)
        return {k: list(v) for k, v in names.items()}

    def variants(self, product_id: str) -> list[Product]:
        """The product first, then the rest of its group from the `variants` endpoint."""
        product = self.get(product_id)
        if product is None:
            return []
        endpoint = self.mapping.variants
        if endpoint is None or not product.item_group_id:
            return [product]
        values = {"id": product_id, "item_group_id": product.item_group_id}
        doc = self._call(endpoint, values, missing_is_none=True)
        if doc is None:
            return [product]
        others = [
            p
            for p in self._products(endpoint, doc)
            if p.id != product.id and p.item_group_id in ("", product.item_group_id)
        ]
        return [product, *dict((p.id, p) for p in others).values()]

    def stores(self) -> list[Store]:
        """The retailer's stores from the `stores` endpoint (cached like the vocabulary)."""
        endpoint = self.mapping.stores
        if endpoint is None:
            return []
        with self._lock:
            cached = self._stores
        if cached is not None and self._clock() - cached[0] < self.vocabulary_ttl:
            return list(cached[1])
        try:
            doc = self._call(endpoint, {})
        except CatalogUnavailable:
            if cached is not None:
                return list(cached[1])
            raise
        found: list[Store] = []
        for node in self._items(endpoint, doc):
            try:
                found.append(self._store_info(endpoint, node))
            except MappingError as e:
                log.warning("%s stores: skipping a store: %s", self.mapping.name, e)
        with self._lock:
            self._stores = (self._clock(), found)
        return list(found)

    def store(self, spoken: str) -> Store | None:
        return one_store(self.stores(), spoken)

    def health(self) -> CatalogHealth:
        """No call is made: a health probe must not add load to the retailer's API."""
        state = self.breaker.state
        if state == "open":
            return CatalogHealth(
                ok=False, detail=f"{self.mapping.name} is failing (circuit open); calls paused"
            )
        detail = f"{self.mapping.name} at {self.base_url}"
        if state == "half_open":
            detail += " (recovering: the next call is a trial)"
        return CatalogHealth(ok=True, detail=detail)

    def close(self) -> None:
        self.http.close()

    # -- mapping items ------------------------------------------------------------------------

    def _items(self, endpoint: Endpoint, doc: Any) -> list[Any]:
        assert endpoint.items is not None
        if endpoint.items.many:
            return endpoint.items.find(doc)
        found = endpoint.items.first(doc)
        if found is _MISSING or found is None:
            # An empty result is often sent as a missing or null list.
            return []
        if not isinstance(found, list):
            # The server answered, but not with what the mapping promised: count it as a failure.
            self.breaker.record_failure()
            raise CatalogUnavailable(
                f"{self.mapping.name} {endpoint.name}: {endpoint.items.text} is a "
                f"{type(found).__name__}, not a list"
            )
        return found

    def _products(self, endpoint: Endpoint, doc: Any) -> list[Product]:
        nodes = self._items(endpoint, doc)
        products: list[Product] = []
        errors: list[str] = []
        for position, node in enumerate(nodes):
            try:
                products.append(self._product(endpoint, node))
            except MappingError as e:
                errors.append(f"item {position}: {e}")
        if errors:
            log.warning(
                "%s %s: skipped %d malformed item(s): %s",
                self.mapping.name,
                endpoint.name,
                len(errors),
                "; ".join(errors[:5]),
            )
            if not products:
                # Every item broken is a broken API, not an empty result.
                raise CatalogUnavailable(
                    f"{self.mapping.name} {endpoint.name}: no item fits the mapping ({errors[0]})"
                )
        return products

    def _product(self, endpoint: Endpoint, node: Any) -> Product:
        if not isinstance(node, dict):
            raise MappingError(f"a product should be an object, got {type(node).__name__}")
        raw = {name: path.first(node) for name, path in endpoint.fields.items()}
        product_id = _text(raw.get("id", _MISSING), "id")
        if not product_id:
            raise MappingError(f"id is missing ({endpoint.fields['id'].text})")
        title = _text(raw.get("title", _MISSING), "title")
        if not title:
            raise MappingError(f"product {product_id!r}: title is missing")
        currency = _text(raw.get("currency", _MISSING), "currency") or self.mapping.currency
        try:
            price = parse_money(
                raw.get("price", _MISSING), currency=currency, scale=self.mapping.price_scale
            )
            sale_raw = raw.get("sale_price", _MISSING)
            sale = (
                None
                if sale_raw in (_MISSING, None, "")
                else parse_money(
                    sale_raw,
                    currency=currency,
                    scale=self.mapping.price_scale,
                    name="sale_price",
                )
            )
            availability = _availability(raw.get("availability", _MISSING), self.mapping)
            rating = _rating(raw.get("rating", _MISSING))
            texts = {name: _text(raw.get(name, _MISSING), name) for name in TEXT_FIELDS}
        except MappingError as e:
            raise MappingError(f"product {product_id!r}: {e}") from e
        if sale is not None and (sale.currency != price.currency or sale.amount >= price.amount):
            sale = None  # not a real reduction; the shopper hears the regular price
        for name in ("link", "image_link"):
            if texts[name].startswith("/"):
                texts[name] = urljoin(self.base_url + "/", texts[name])
        return Product(
            id=product_id,
            title=title,
            price=price,
            sale_price=sale,
            availability=availability,
            rating=rating,
            **texts,
        )

    def _store(self, endpoint: Endpoint, node: Any, product_id: str) -> StoreAvailability:
        if not isinstance(node, dict):
            raise MappingError(f"a store entry should be an object, got {type(node).__name__}")
        raw = {name: path.first(node) for name, path in endpoint.fields.items()}
        code = _text(raw.get("store_code", _MISSING), "store_code")
        if not code:
            raise MappingError("store_code is missing")
        quantity_raw = raw.get("quantity", _MISSING)
        if quantity_raw in (_MISSING, None, ""):
            quantity = 0
        elif isinstance(quantity_raw, bool) or not isinstance(quantity_raw, int | float | str):
            raise MappingError(f"store {code!r}: quantity should be a number")
        else:
            try:
                quantity = max(int(Decimal(str(quantity_raw).strip())), 0)
            except (InvalidOperation, ValueError) as e:
                raise MappingError(
                    f"store {code!r}: quantity {quantity_raw!r} is not a number"
                ) from e
        if "availability" in raw and raw["availability"] not in (_MISSING, None, ""):
            availability = _availability(raw["availability"], self.mapping)
        else:
            availability = "in_stock" if quantity > 0 else "out_of_stock"
        currency = _text(raw.get("currency", _MISSING), "currency") or self.mapping.currency
        price_raw = raw.get("price", _MISSING)
        price = (
            None
            if price_raw in (_MISSING, None, "")
            else parse_money(price_raw, currency=currency, scale=self.mapping.price_scale)
        )
        return StoreAvailability(
            store_code=code,
            store_name=_text(raw.get("store_name", _MISSING), "store_name") or code,
            product_id=_text(raw.get("product_id", _MISSING), "product_id") or product_id,
            quantity=quantity,
            availability=availability,
            price=price,
            pickup_method=_text(raw.get("pickup_method", _MISSING), "pickup_method"),
            pickup_sla=_text(raw.get("pickup_sla", _MISSING), "pickup_sla"),
        )

    def _store_info(self, endpoint: Endpoint, node: Any) -> Store:
        if not isinstance(node, dict):
            raise MappingError(f"a store should be an object, got {type(node).__name__}")
        raw = {name: path.first(node) for name, path in endpoint.fields.items()}
        values = {name: _text(raw.get(name, _MISSING), name) for name in STORE_INFO_FIELDS[:-1]}
        code = values["store_code"]
        if not code:
            raise MappingError("store_code is missing")
        zone = values["timezone"]
        if zone and not known_timezone(zone):
            log.warning("%s store %r: unknown timezone %r", self.mapping.name, code, zone)
            zone = ""
        try:
            hours = opening_hours(raw.get("hours", _MISSING))
        except HoursError as e:
            log.warning("%s store %r: hours left out: %s", self.mapping.name, code, e)
            hours = OpeningHours()
        return Store(
            code=code,
            name=values["name"] or code,
            address=values["address"],
            city=values["city"],
            neighborhood=values["neighborhood"],
            phone=values["phone"],
            timezone=zone,
            hours=hours,
        )

    def _appearance(self, endpoint: Endpoint, node: Any) -> Appearance:
        if not isinstance(node, dict):
            raise MappingError(f"an appearance should be an object, got {type(node).__name__}")
        raw = {name: path.first(node) for name, path in endpoint.fields.items()}
        values = {name: _text(raw.get(name, _MISSING), name) for name in APPEARANCE_FIELDS}
        if not values["product_id"]:
            raise MappingError("product_id is missing")
        if not (values["person"] or values["media"]):
            raise MappingError(f"appearance of {values['product_id']!r} names no person or media")
        return Appearance(
            person=values["person"],
            media=values["media"],
            product_id=values["product_id"],
            match=_match(raw.get("match", _MISSING), self.mapping),
            episode=values["episode"],
            product_type=values["product_type"],
            source_link=values["source_link"],
        )

    def _alternatives(self, product: Product, exclude: Any, limit: int) -> list[Product]:
        leaf = product.product_type.rsplit(">", 1)[-1].strip()
        query = ProductQuery(
            text=leaf or product.title.split(" - ")[0],
            product_type=leaf or None,
            in_stock_only=True,
            exclude_ids=(product.id, *exclude),
            limit=limit,
        )
        return self.search(query)

    # -- HTTP ---------------------------------------------------------------------------------

    def _url(self, endpoint: Endpoint, values: Mapping[str, Any]) -> str:
        return render_url(self.base_url, endpoint.path, values)

    def _call(
        self,
        endpoint: Endpoint,
        values: Mapping[str, Any],
        *,
        missing_is_none: bool = False,
    ) -> Any:
        """One logical call: retried while it may be, judged once by the circuit breaker."""
        return self.http.call(
            endpoint.name,
            lambda: (
                endpoint.method,
                self._url(endpoint, values),
                self._base_params + _render_params(endpoint.params, values),
                _render_body(endpoint.body, values) if endpoint.body is not None else None,
            ),
            idempotent=endpoint.method == "GET" or self.mapping.post_is_idempotent,
            missing_is_none=missing_is_none,
        )


# -- HTTP ----------------------------------------------------------------------------------------

# What one call sends: method, URL, query parameters, JSON body (None: no body).
Request = tuple[str, str, list[tuple[str, str]], Any]


class JsonHttpClient:
    """JSON over HTTP for a retailer's API: timeouts, retries on idempotent calls, a circuit
    breaker and a size cap. Shared by every REST adapter (catalog, orders), so they fail alike.

    Every failure reaches callers as `unavailable` (CatalogUnavailable unless told otherwise).
    """

    def __init__(
        self,
        *,
        name: str,
        headers: Mapping[str, str] | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        unavailable: type[AmbientShopError] = CatalogUnavailable,
    ) -> None:
        self.name = name
        self.headers = dict(headers or {})
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker(name=name, error=unavailable)
        self._own_session = session is None
        if session is None:
            import requests

            session = requests.Session()
        self.session = session
        self._sleep = sleep
        self._clock = clock
        self.max_response_bytes = max_response_bytes
        self.unavailable = unavailable

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def call(
        self,
        what: str,
        build: Callable[[], Request],
        *,
        idempotent: bool,
        missing_is_none: bool = False,
    ) -> Any:
        """One logical call named `what`: retried while it may be, judged once by the breaker.

        `build` makes the request; a KeyError or ValueError from it is our template's fault, not
        the server's, so it is reported without touching the breaker's count.
        """
        self.breaker.before_call()
        try:
            return self._attempts(
                what, build, idempotent=idempotent, missing_is_none=missing_is_none
            )
        except self.unavailable:
            raise
        except Exception as e:
            # Nothing foreseen: still an outage to callers, and the breaker's trial slot is freed.
            log.exception("%s %s: unexpected error", self.name, what)
            self.breaker.record_failure()
            raise self.unavailable(
                f"{self.name} {what}: unexpected error ({e.__class__.__name__})"
            ) from e

    def _attempts(
        self, what: str, build: Callable[[], Request], *, idempotent: bool, missing_is_none: bool
    ) -> Any:
        import requests

        try:
            method, url, params, body = build()
        except (KeyError, ValueError) as e:
            self.breaker.record_success()  # our template, not their server
            raise self.unavailable(f"{self.name} {what}: cannot build the request: {e}") from e
        where = f"{method} {urlsplit(url)._replace(query='').geturl()}"
        policy = self.retry
        started = self._clock()
        failures = 0
        while True:
            retry_after: float | None = None
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    headers={"Accept": "application/json", **self.headers},
                    timeout=(self.connect_timeout, self.read_timeout),
                    stream=True,
                )
            except requests.Timeout as e:
                error: Exception = e
                problem = f"timed out ({e.__class__.__name__})"
                retryable = idempotent
            except requests.ConnectionError as e:
                error, problem, retryable = e, f"cannot connect ({_reason(e)})", idempotent
            except requests.RequestException as e:
                error, problem, retryable = e, f"request failed ({_reason(e)})", False
            else:
                with response:
                    status = response.status_code
                    if status == 404 and missing_is_none:
                        self.breaker.record_success()
                        return None
                    if status in RETRY_STATUSES:
                        retry_after = _retry_after(response.headers.get("Retry-After"))
                        error = requests.HTTPError(f"HTTP {status}", response=response)
                        problem, retryable = f"answered HTTP {status}", idempotent
                    elif status >= 400:
                        # The server is alive and refuses this request: not an outage.
                        self.breaker.record_success()
                        hint = " (check the credentials in headers)" if status in (401, 403) else ""
                        raise self.unavailable(
                            f"{self.name} {what}: {where} answered HTTP {status}" + hint
                        )
                    else:
                        try:
                            doc = self._read_json(response)
                        except (requests.RequestException, ValueError, MappingError) as e:
                            error, problem, retryable = e, _body_problem(e), False
                        else:
                            self.breaker.record_success()
                            return doc
            failures += 1
            delay = policy.delay(failures, retry_after=retry_after)
            spent = self._clock() - started
            # A new try starts only if it could time out and still end within the budget.
            worst_try = self.connect_timeout + self.read_timeout
            fits = spent + delay + worst_try <= policy.budget
            if retryable and failures < policy.attempts and fits:
                log.info(
                    "%s %s: %s %s; try %d in %.2f s",
                    self.name,
                    what,
                    where,
                    problem,
                    failures + 1,
                    delay,
                )
                self._sleep(delay)
                continue
            self.breaker.record_failure()
            tries = f" after {failures} tries" if failures > 1 else ""
            raise self.unavailable(f"{self.name} {what}: {where} {problem}{tries}") from error

    def _read_json(self, response: requests.Response) -> Any:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_response_bytes:
            raise MappingError(f"answer of {int(declared):,} bytes is too large")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise MappingError(f"answer larger than {self.max_response_bytes:,} bytes")
            chunks.append(chunk)
        raw = b"".join(chunks)
        if not raw.strip():
            raise MappingError("answer is empty, not JSON")
        try:
            return json.loads(raw.decode(response.encoding or "utf-8"))
        except (UnicodeDecodeError, LookupError) as e:
            raise MappingError(f"answer is not valid text: {e}") from e
        except json.JSONDecodeError as e:
            raise MappingError(f"answer is not valid JSON ({e.msg} at {e.pos})") from e


def _reason(error: Exception) -> str:
    text = str(error)
    # urllib3 nests the reason deep inside a long message with the whole URL.
    m = re.search(
        r"(?:Errno -?\d+\] )?([A-Z][^()'\]]*?(?:refused|reset|resolve|name)[^()'\]]*)", text
    )
    return (m[1] if m else error.__class__.__name__).strip()


def _body_problem(error: Exception) -> str:
    if isinstance(error, MappingError):
        return f"sent a malformed answer: {error}"
    return f"broke off the answer ({error.__class__.__name__})"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _rating(value: Any) -> float | None:
    if value in (_MISSING, None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise MappingError("rating should be a number")
    try:
        return float(value)
    except ValueError as e:
        raise MappingError(f"rating {value!r} is not a number") from e


def _flatten(value: Any) -> list[Any]:
    if value is _MISSING or value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _within(product: Product, query: ProductQuery) -> bool:
    """The limits a shopper set hold even when the API ignores a parameter."""
    price = product.current_price.amount
    if query.min_price is not None and price < query.min_price:
        return False
    if query.max_price is not None and price > query.max_price:
        return False
    if query.in_stock_only and product.availability not in IN_STOCK:
        return False
    # A size or audience the product states must fit; one it leaves out is not held against it.
    if query.size and product.size and not has_size(product.size, query.size):
        return False
    who = audience(query.audience) if query.audience else None
    return who is None or fits_audience(who, product.gender, product.age_group)


def _search_values(query: ProductQuery) -> dict[str, Any]:
    attributes = [
        query.color,
        query.material,
        query.pattern,
        query.brand,
        query.product_type,
    ]
    # For APIs with one free-text parameter: the attributes the text does not already say.
    extra = [a for a in attributes if a and a.casefold() not in query.text.casefold()]
    keywords = " ".join([*extra, query.text.strip()])
    return {
        "text": query.text.strip() or None,
        "keywords": keywords.strip() or None,
        "product_type": query.product_type,
        "color": query.color,
        "material": query.material,
        "pattern": query.pattern,
        "size": query.size,
        "brand": query.brand,
        "audience": query.audience,
        "min_price": query.min_price,
        "max_price": query.max_price,
        "in_stock_only": query.in_stock_only or None,
        "store": query.store,
        # Ask for a few more than needed: exclusions and price limits are re-checked here.
        "limit": max(query.limit, 1) + len(query.exclude_ids),
    }


def render_url(base_url: str, path: str, values: Mapping[str, Any]) -> str:
    """The base URL plus a path template filled with URL-escaped values; full URLs stand alone."""
    path = path.format_map({k: quote(_param_text(v), safe="") for k, v in values.items()})
    if re.match(r"^https?://", path):
        return path
    return base_url + "/" + path.lstrip("/")


def _param_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _absent(value: Any) -> bool:
    return value is None or value == "" or value is False


def _render_params(
    params: tuple[tuple[str, str], ...], values: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """Fill templates; a parameter whose placeholders are all empty is left out entirely."""
    rendered: list[tuple[str, str]] = []
    for name, template in params:
        used = list(_placeholders(template))
        if used and all(_absent(values.get(u)) for u in used):
            continue
        rendered.append((name, template.format_map({u: _param_text(values.get(u)) for u in used})))
    return rendered


def _render_body(template: Any, values: Mapping[str, Any]) -> Any:
    """A JSON body: a string that is just "{name}" keeps the value's type; empty keys drop out."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            rendered = _render_body(value, values)
            if rendered is not _MISSING:
                out[key] = rendered
        return out
    if isinstance(template, list):
        return [r for r in (_render_body(v, values) for v in template) if r is not _MISSING]
    if isinstance(template, str):
        used = list(_placeholders(template))
        if not used:
            return template
        if all(_absent(values.get(u)) for u in used):
            return _MISSING
        whole = re.fullmatch(r"\{(\w+)\}", template)
        if whole:
            value = values.get(whole[1])
            if isinstance(value, Decimal):
                return float(value)
            return value
        return template.format_map({u: _param_text(values.get(u)) for u in used})
    return template


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """`rest+https://host/v2?mapping_file=m.json` -> ("https://host/v2", {"mapping_file": ...})."""
    scheme, sep, rest = url.partition("://")
    inner = scheme.lower().removeprefix("rest+")
    if not sep or inner not in ("http", "https") or not rest.strip("/"):
        raise CatalogConfigError(
            f"catalog URL {url!r} should look like rest+https://api.retailer.example/v2"
        )
    parts = urlsplit(f"{inner}://{rest}")
    if not parts.hostname:
        raise CatalogConfigError(f"catalog URL {url!r} names no host")
    options: dict[str, str] = {}
    kept: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in _URL_OPTIONS:
            options[key] = value
        else:
            kept.append((key, value))
    base = urlunsplit(parts._replace(query=urlencode(kept), fragment=""))
    return base, options


@register("rest.v1", schemes=("rest+http", "rest+https"))
def open_rest_catalog(
    url: str,
    *,
    mapping: Mapping[str, Any] | None = None,
    mapping_file: str | Path | None = None,
    session: requests.Session | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    retry: RetryPolicy | None = None,
    breaker: CircuitBreaker | None = None,
    sleep: Callable[[float], None] = time.sleep,
    env: Mapping[str, str] | None = None,
) -> RestCatalog:
    """Open a retailer's product API; keyword options win over the mapping's own settings."""
    base, url_options = split_url(url)
    loaded = load_mapping(
        mapping=mapping, mapping_file=mapping_file or url_options.get("mapping_file"), env=env
    )
    overrides: dict[str, Any] = {}
    for name, value in (
        (
            "connect_timeout",
            connect_timeout if connect_timeout is not None else url_options.get("connect_timeout"),
        ),
        (
            "read_timeout",
            read_timeout if read_timeout is not None else url_options.get("read_timeout"),
        ),
    ):
        if value is not None:
            try:
                overrides[name] = float(value)
            except ValueError as e:
                raise CatalogConfigError(f"{name} {value!r} is not a number of seconds") from e
    if retry is not None:
        overrides["retry"] = retry
    if overrides:
        loaded = replace(loaded, **overrides)
    return RestCatalog(base, mapping=loaded, session=session, breaker=breaker, sleep=sleep)
