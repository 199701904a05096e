"""A retailer-like product API on 127.0.0.1 for the REST catalog tests, with switchable faults.

The JSON deliberately differs from the project's own field names (sku, name, pricing.current...),
so the tests prove the declarative mapping rather than a shape that happens to match.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

Mode = Literal[
    "ok",  # answer normally
    "slow",  # wait `delay` seconds before answering (beyond a client's read timeout)
    "fail",  # HTTP 500
    "unavailable",  # HTTP 503 with Retry-After: `retry_after`
    "throttle",  # HTTP 429 with Retry-After: `retry_after`
    "malformed",  # HTTP 200 with truncated JSON
    "html",  # HTTP 200 with an HTML error page
    "wrong_shape",  # HTTP 200 with JSON where a list should be an object
    "drop",  # close the connection without answering
]

API_KEY = "test-key-123"


def _product(
    sku: str,
    name: str,
    price: str,
    *,
    was: str | None = None,
    status: str = "IN_STOCK",
    brand: str = "Acme Home",
    colour: str = "",
    material: str = "",
    category: str = "",
    summary: str = "",
    rating: float | None = None,
    group: str | None = None,
    sizes: list[str] | None = None,
    gender: str | None = None,
) -> dict[str, Any]:
    pricing: dict[str, Any] = {"current": {"amount": price, "currency": "USD"}}
    if was is not None:
        pricing["was"] = {"amount": was, "currency": "USD"}
    attributes: dict[str, Any] = {"colour": colour, "material": material}
    if sizes is not None:
        attributes["sizes"] = sizes
    if gender is not None:
        attributes["gender"] = gender
    product = {
        "sku": sku,
        "name": name,
        "summary": summary or name,
        "url": f"/p/{sku.lower()}",
        "media": {"images": [{"src": f"https://cdn.retailer.example/{sku}.jpg"}]},
        "pricing": pricing,
        "stock": {"status": status},
        "brand": {"name": brand},
        "attributes": attributes,
        "category": {"path": category},
        "reviews": {"average": rating},
    }
    if group is not None:
        product["style"] = {"id": group}
    return product


def sample_products() -> list[dict[str, Any]]:
    """A small furniture and knitwear range, in the retailer's own JSON shape."""
    return [
        _product(
            "SOF-100",
            "Harbor Velvet Sofa - Navy",
            "749.00",
            was="899.00",
            colour="Navy Blue",
            material="Velvet",
            category="Furniture > Sofas",
            summary="A deep three-seat sofa in soft navy velvet.",
            rating=4.6,
            group="HARBOR",
        ),
        _product(
            "SOF-200",
            "Linden Linen Sofa - Oat",
            "1199.00",
            colour="Oat",
            material="Linen",
            category="Furniture > Sofas",
            rating=4.2,
        ),
        _product(
            "SOF-300",
            "Harbor Velvet Sofa - Emerald",
            "799.00",
            status="OUT_OF_STOCK",
            colour="Emerald",
            material="Velvet",
            category="Furniture > Sofas",
            group="HARBOR",
        ),
        _product(
            "TAB-100",
            "Fenwick Oak Dining Table",
            "1450.00",
            status="LOW_STOCK",
            brand="Fenwick",
            colour="Natural Oak",
            material="Oak",
            category="Furniture > Tables > Dining Tables",
        ),
        _product(
            "KNT-100",
            "Fable Knit Cable Cardigan - Cream",
            "98.00",
            brand="Fable Knit",
            colour="Cream",
            material="Wool",
            category="Apparel > Sweaters",
            summary="A chunky cable-knit cardigan in cream wool.",
            sizes=["S", "M", "L"],
            gender="female",
        ),
        _product(
            "KNT-200",
            "Fable Knit Crew Jumper - Cream",
            "84.00",
            brand="Fable Knit",
            colour="Cream",
            material="Wool",
            category="Apparel > Sweaters",
            sizes=["XS", "S", "M", "L", "XL"],
            gender="male",
        ),
    ]


def sample_stores() -> dict[str, list[dict[str, Any]]]:
    return {
        "SOF-100": [
            {
                "code": "BK01",
                "name": "Brooklyn",
                "qty": 3,
                "status": "IN_STOCK",
                "pickup": {"method": "buy", "sla": "same day"},
            },
            {"code": "SF02", "name": "San Francisco", "qty": 0, "status": "OUT_OF_STOCK"},
        ],
        "KNT-100": [{"code": "BK01", "name": "Brooklyn", "qty": "7"}],
    }


def sample_locations() -> list[dict[str, Any]]:
    """Stores as a retailer's location API lists them: hours as text or as Google periods."""
    weekday = [
        {"openDay": day, "openTime": {"hours": 10}, "closeDay": day, "closeTime": {"hours": 20}}
        for day in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY")
    ]
    return [
        {
            "id": "BK01",
            "title": "Brooklyn",
            "address": {"lines": ["120 Atlantic Avenue"], "locality": "New York"},
            "area": "Brooklyn Heights",
            "tel": "+1 718-555-0101",
            "tz": "America/New_York",
            "regularHours": {"periods": weekday},
        },
        {
            "id": "SF02",
            "title": "San Francisco",
            "address": {"lines": ["88 Valencia Street"], "locality": "San Francisco"},
            "area": "Mission",
            "tel": "+1 415-555-0102",
            "tz": "America/Los_Angeles",
            "regularHours": "Mo-Fr 09:00-18:00; Sa 10:00-16:00; Su off",
        },
    ]


def sample_looks() -> list[dict[str, Any]]:
    return [
        {
            "person": "Harry Styles",
            "show": "NPR Tiny Desk",
            "garment": "cardigan",
            "sku": "KNT-100",
            "kind": "EXACT_MATCH",
            "source": "https://press.example/tiny-desk",
        },
        {
            "person": "Carmen Berzatto",
            "show": "The Bear",
            "garment": "sofa",
            "sku": "SOF-300",
            "kind": "LOOKALIKE",
        },
    ]


def retailer_mapping() -> dict[str, Any]:
    """The declarative mapping a retailer would write for this API."""
    return {
        "name": "Test Retailer API",
        "headers": {"X-Api-Key": "${RETAILER_API_KEY}"},
        "search": {
            "path": "/products/search",
            "params": {
                "q": "{keywords}",
                "min_price": "{min_price}",
                "max_price": "{max_price}",
                "in_stock": "{in_stock_only}",
                "limit": "{limit}",
            },
            "items": "$.data.results",
        },
        "get": {"path": "/products/{id}", "item": "$.data"},
        "fields": {
            "id": "$.sku",
            "title": "$.name",
            "description": "$.summary",
            "link": "$.url",
            "image_link": "$.media.images[0].src",
            # The regular price is "was" during a sale, else the current one.
            "price": ["$.pricing.was.amount", "$.pricing.current.amount"],
            "sale_price": "$.pricing.current.amount",
            "currency": "$.pricing.current.currency",
            "availability": "$.stock.status",
            "brand": "$.brand.name",
            "color": "$.attributes.colour",
            "material": "$.attributes.material",
            "product_type": "$.category.path",
            "rating": "$.reviews.average",
            "item_group_id": "$.style.id",
            "size": "$.attributes.sizes",
            "gender": "$.attributes.gender",
        },
        "variants": {
            "path": "/products/search",
            "params": {"style": "{item_group_id}"},
            "items": "$.data.results",
        },
        "stores": {
            "path": "/locations",
            "items": "$.locations",
            "fields": {
                "store_code": "$.id",
                "name": "$.title",
                "address": "$.address.lines[0]",
                "city": "$.address.locality",
                "neighborhood": "$.area",
                "phone": "$.tel",
                "timezone": "$.tz",
                "hours": "$.regularHours",
            },
        },
        "availability": {
            "path": "/products/{id}/stores",
            "params": {"store": "{store}"},
            "items": "$.stores",
            "fields": {
                "store_code": "$.code",
                "store_name": "$.name",
                "quantity": "$.qty",
                "availability": "$.status",
                "pickup_method": "$.pickup.method",
                "pickup_sla": "$.pickup.sla",
            },
        },
        "appearances": {
            "path": "/looks",
            "params": {"person": "{person}", "show": "{media}", "garment": "{product_type}"},
            "items": "$.looks",
            "fields": {
                "person": "$.person",
                "media": "$.show",
                "product_type": "$.garment",
                "product_id": "$.sku",
                "match": "$.kind",
                "source_link": "$.source",
            },
        },
        "vocabulary": {
            "path": "/facets",
            "fields": {"brands": "$.brands[*]", "colors": "$.colors[*].name"},
        },
        "values": {
            "availability": {"LOW_STOCK": "limited_availability"},
            "match": {"EXACT_MATCH": "exact", "LOOKALIKE": "similar"},
        },
    }


@dataclass(frozen=True, slots=True)
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class RetailerApi:
    """The server's mutable state; tests flip `mode` or queue faults with `fail_next`."""

    products: list[dict[str, Any]] = field(default_factory=sample_products)
    stores: dict[str, list[dict[str, Any]]] = field(default_factory=sample_stores)
    looks: list[dict[str, Any]] = field(default_factory=sample_looks)
    locations: list[dict[str, Any]] = field(default_factory=sample_locations)
    api_key: str | None = API_KEY
    mode: Mode = "ok"
    # Faults for the next N requests only, then back to `mode`; e.g. ["fail", "fail"].
    fail_next: list[Mode] = field(default_factory=list)
    delay: float = 1.0
    retry_after: str = "0"
    # Replaces the whole answer body of search when set (for type and shape errors).
    search_body: Any = None
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def next_mode(self) -> Mode:
        with self.lock:
            return self.fail_next.pop(0) if self.fail_next else self.mode

    def calls(self, path_suffix: str = "") -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.path.endswith(path_suffix)]


@dataclass(frozen=True, slots=True)
class RunningApi:
    url: str  # http://127.0.0.1:PORT/v2
    state: RetailerApi

    @property
    def catalog_url(self) -> str:
        return "rest+" + self.url


def _dig(node: Any, *keys: str) -> Any:
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _matches(product: Any, words: list[str]) -> bool:
    if not isinstance(product, dict):
        return True  # broken entries are sent as they are, for the client to cope with
    fields = (
        ("name",),
        ("summary",),
        ("category", "path"),
        ("attributes", "colour"),
        ("attributes", "material"),
        ("brand", "name"),
    )
    haystack = " ".join(str(v) for f in fields if (v := _dig(product, *f))).casefold()
    # A crude stand-in for a real search engine: singular and plural both match.
    return all(w.rstrip("s") in haystack for w in words)


def _price(product: Any) -> float:
    try:
        return float(_dig(product, "pricing", "current", "amount"))
    except (TypeError, ValueError):
        return 0.0


class RetailerApiHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows failures, not access logs."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        with state.lock:
            state.seen.append(Seen(method, parts.path, query, dict(self.headers.items()), body))
        mode = state.next_mode()
        if mode == "slow":
            # An event, not sleep(), so stopping the server does not wait for this handler.
            if state.stopping.wait(state.delay):
                return
        elif mode == "fail":
            return self._send(500, {"error": "internal error"})
        elif mode in ("unavailable", "throttle"):
            status = 503 if mode == "unavailable" else 429
            return self._send(status, {"error": "busy"}, {"Retry-After": state.retry_after})
        elif mode == "malformed":
            return self._raw(200, b'{"data": {"results": [{"sku": "SOF-1', "application/json")
        elif mode == "html":
            return self._raw(200, b"<html><body>Service Error</body></html>", "text/html")
        elif mode == "wrong_shape":
            return self._send(200, {"data": {"results": {"sku": "SOF-100"}}, "data2": []})
        elif mode == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if state.api_key is not None and self.headers.get("X-Api-Key") != state.api_key:
            return self._send(401, {"error": "missing or wrong X-Api-Key"})
        self._route(method, unquote(parts.path), query, body)

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> None:
        state = self.server.state
        if not path.startswith("/v2/"):
            return self._send(404, {"error": "no such API version"})
        path = path[len("/v2") :]
        one = {k: v[0] for k, v in query.items()}
        if path == "/products/search" and method == "GET":
            return self._search(one)
        if path == "/search" and method == "POST":
            return self._search({k: str(v) for k, v in (body or {}).items() if v is not None})
        if path.startswith("/products/") and path.endswith("/stores"):
            sku = path[len("/products/") : -len("/stores")]
            stores = state.stores.get(sku)
            if stores is None:
                return self._send(404, {"error": f"no product {sku}"})
            if "store" in one:
                stores = [s for s in stores if s["code"] == one["store"]]
            return self._send(200, {"stores": stores})
        if path.startswith("/products/"):
            sku = path[len("/products/") :]
            for product in state.products:
                if isinstance(product, dict) and product.get("sku") == sku:
                    return self._send(200, {"data": product})
            return self._send(404, {"error": f"no product {sku}"})
        if path == "/locations":
            return self._send(200, {"locations": state.locations})
        if path == "/looks":
            looks = [
                look
                for look in state.looks
                if all(
                    one[param].casefold() in str(look.get(param, "")).casefold()
                    for param in ("person", "show", "garment")
                    if param in one
                )
            ]
            return self._send(200, {"looks": looks})
        if path == "/facets":
            brands = sorted({b for p in state.products if (b := _dig(p, "brand", "name"))})
            colours = sorted({c for p in state.products if (c := _dig(p, "attributes", "colour"))})
            return self._send(200, {"brands": brands, "colors": [{"name": c} for c in colours]})
        return self._send(404, {"error": "no such endpoint"})

    def _search(self, params: dict[str, str]) -> None:
        state = self.server.state
        if state.search_body is not None:
            return self._send(200, state.search_body)
        words = params.get("q", "").casefold().split()
        found = [p for p in state.products if _matches(p, words)]
        if "style" in params:
            found = [p for p in found if _dig(p, "style", "id") == params["style"]]
        if "max_price" in params:
            found = [p for p in found if _price(p) <= float(params["max_price"])]
        if "min_price" in params:
            found = [p for p in found if _price(p) >= float(params["min_price"])]
        limit = int(params.get("limit", "20"))
        self._send(200, {"data": {"results": found[:limit], "total": len(found)}})

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(body).encode(), "application/json", headers)

    def _raw(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its read timeout); nothing left to tell it


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: RetailerApi, handler: type[RetailerApiHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.state = state


@contextmanager
def serve_retailer_api(
    state: RetailerApi | None = None, *, handler: type[RetailerApiHandler] | None = None
) -> Iterator[RunningApi]:
    """Run the API on a free port for the duration of the block.

    Another retailer API (orders) reuses the faults by passing its own `handler` subclass.
    """
    state = state or RetailerApi()
    server = _Server(state, handler or RetailerApiHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield RunningApi(url=f"http://{host}:{port}/v2", state=state)
    finally:
        state.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
