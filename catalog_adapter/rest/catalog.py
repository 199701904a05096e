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

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from catalog_adapter.attributes import audience, fits_audience, has_size
from catalog_adapter.errors import CatalogConfigError, CatalogUnavailable
from catalog_adapter.hours import HoursError, OpeningHours, opening_hours
from catalog_adapter.models import (
    Appearance,
    CatalogHealth,
    Product,
    ProductQuery,
    SeenOnResult,
    Store,
    StoreAvailability,
)
from catalog_adapter.registry import register
from catalog_adapter.resilience import CircuitBreaker, RetryPolicy
from catalog_adapter.rest.http import DEFAULT_MAX_RESPONSE_BYTES, JsonHttpClient
from catalog_adapter.rest.jsonpath import MISSING
from catalog_adapter.rest.mapping import (
    APPEARANCE_FIELDS,
    STORE_INFO_FIELDS,
    TEXT_FIELDS,
    Endpoint,
    RestMapping,
    load_mapping,
)
from catalog_adapter.rest.templates import render_body, render_params, render_url, search_values
from catalog_adapter.rest.values import (
    IN_STOCK,
    MappingError,
    availability_of,
    flatten,
    match_of,
    parse_money,
    rating_of,
    text_of,
)
from catalog_adapter.stores import known_timezone, one_store

if TYPE_CHECKING:
    # requests is imported on first use: opening the embedded catalog should not pay for it.
    import requests

log = logging.getLogger(__name__)

_URL_OPTIONS = ("mapping_file", "connect_timeout", "read_timeout")


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
            session=session,
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
            sleep=sleep,
            clock=clock,
            max_response_bytes=max_response_bytes,
        )
        self._clock = clock
        self.vocabulary_ttl = vocabulary_ttl
        self._vocabulary: tuple[float, dict[str, list[str]]] | None = None
        self._stores: tuple[float, list[Store]] | None = None
        self._lock = threading.Lock()

    # -- the port -----------------------------------------------------------------------------

    def search(self, query: ProductQuery) -> list[Product]:
        endpoint = self.mapping.search
        doc = self._call(endpoint, search_values(query))
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
        if node is MISSING or node is None:
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
            values = path.find(doc) if path.many else flatten(path.first(doc))
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

    @property
    def session(self) -> requests.Session:
        return self.http.session

    @session.setter
    def session(self, session: requests.Session) -> None:
        self.http.session = session

    @property
    def breaker(self) -> CircuitBreaker:
        return self.http.breaker

    def close(self) -> None:
        self.http.close()

    # -- mapping items ------------------------------------------------------------------------

    def _items(self, endpoint: Endpoint, doc: Any) -> list[Any]:
        assert endpoint.items is not None
        if endpoint.items.many:
            return endpoint.items.find(doc)
        found = endpoint.items.first(doc)
        if found is MISSING or found is None:
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
        product_id = text_of(raw.get("id", MISSING), "id")
        if not product_id:
            raise MappingError(f"id is missing ({endpoint.fields['id'].text})")
        title = text_of(raw.get("title", MISSING), "title")
        if not title:
            raise MappingError(f"product {product_id!r}: title is missing")
        currency = text_of(raw.get("currency", MISSING), "currency") or self.mapping.currency
        try:
            price = parse_money(
                raw.get("price", MISSING), currency=currency, scale=self.mapping.price_scale
            )
            sale_raw = raw.get("sale_price", MISSING)
            sale = (
                None
                if sale_raw in (MISSING, None, "")
                else parse_money(
                    sale_raw,
                    currency=currency,
                    scale=self.mapping.price_scale,
                    name="sale_price",
                )
            )
            availability = availability_of(
                raw.get("availability", MISSING),
                default=self.mapping.default_availability,
                known=self.mapping.availability_values,
            )
            rating = rating_of(raw.get("rating", MISSING))
            texts = {name: text_of(raw.get(name, MISSING), name) for name in TEXT_FIELDS}
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
        code = text_of(raw.get("store_code", MISSING), "store_code")
        if not code:
            raise MappingError("store_code is missing")
        quantity_raw = raw.get("quantity", MISSING)
        if quantity_raw in (MISSING, None, ""):
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
        if "availability" in raw and raw["availability"] not in (MISSING, None, ""):
            availability = availability_of(
                raw["availability"],
                default=self.mapping.default_availability,
                known=self.mapping.availability_values,
            )
        else:
            availability = "in_stock" if quantity > 0 else "out_of_stock"
        currency = text_of(raw.get("currency", MISSING), "currency") or self.mapping.currency
        price_raw = raw.get("price", MISSING)
        price = (
            None
            if price_raw in (MISSING, None, "")
            else parse_money(price_raw, currency=currency, scale=self.mapping.price_scale)
        )
        return StoreAvailability(
            store_code=code,
            store_name=text_of(raw.get("store_name", MISSING), "store_name") or code,
            product_id=text_of(raw.get("product_id", MISSING), "product_id") or product_id,
            quantity=quantity,
            availability=availability,
            price=price,
            pickup_method=text_of(raw.get("pickup_method", MISSING), "pickup_method"),
            pickup_sla=text_of(raw.get("pickup_sla", MISSING), "pickup_sla"),
        )

    def _store_info(self, endpoint: Endpoint, node: Any) -> Store:
        if not isinstance(node, dict):
            raise MappingError(f"a store should be an object, got {type(node).__name__}")
        raw = {name: path.first(node) for name, path in endpoint.fields.items()}
        values = {name: text_of(raw.get(name, MISSING), name) for name in STORE_INFO_FIELDS[:-1]}
        code = values["store_code"]
        if not code:
            raise MappingError("store_code is missing")
        zone = values["timezone"]
        if zone and not known_timezone(zone):
            log.warning("%s store %r: unknown timezone %r", self.mapping.name, code, zone)
            zone = ""
        try:
            hours = opening_hours(raw.get("hours", MISSING))
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
        values = {name: text_of(raw.get(name, MISSING), name) for name in APPEARANCE_FIELDS}
        if not values["product_id"]:
            raise MappingError("product_id is missing")
        if not (values["person"] or values["media"]):
            raise MappingError(f"appearance of {values['product_id']!r} names no person or media")
        return Appearance(
            person=values["person"],
            media=values["media"],
            product_id=values["product_id"],
            match=match_of(raw.get("match", MISSING), known=self.mapping.match_values),
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
        """One call of an endpoint: the request built from its templates, sent by the client."""
        return self.http.call(
            endpoint.name,
            lambda: (
                endpoint.method,
                self._url(endpoint, values),
                self._base_params + render_params(endpoint.params, values),
                render_body(endpoint.body, values) if endpoint.body is not None else None,
            ),
            idempotent=endpoint.method == "GET" or self.mapping.post_is_idempotent,
            missing_is_none=missing_is_none,
        )


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
    mapping_source: str | None = None,
    env: Mapping[str, str] | None = None,
) -> RestCatalog:
    """Open a retailer's product API; keyword options win over the mapping's own settings.

    `mapping_source` is the AMBIENT_SHOP_REST_MAPPING setting (a path or JSON text), used when
    neither `mapping` nor a mapping file is given; `env` fills `${NAME}` in the mapping's headers.
    """
    base, url_options = split_url(url)
    loaded = load_mapping(
        mapping=mapping,
        mapping_file=mapping_file or url_options.get("mapping_file"),
        mapping_source=mapping_source,
        env=env or {},
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
