"""A retailer-like order API on 127.0.0.1 for the REST order service tests, with switchable faults.

Its JSON differs from the project's own names (id, state, customer.ref, items[].sku ...), so the
tests prove the declarative mapping. Faults (slow, fail, throttle, malformed, drop ...) and the
API key check are the catalog test server's, reused through its handler.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.catalog_http_server import (
    RetailerApi,
    RetailerApiHandler,
    RunningApi,
    serve_retailer_api,
)


def _order(
    order_id: str,
    customer: str,
    state: str,
    placed: str,
    items: list[tuple[str, str, int, str]],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": order_id,
        "customer": {"ref": customer},
        "state": state,
        "created_at": placed,
        "items": [
            {"sku": sku, "name": name, "qty": qty, "price": {"amount": price}}
            for sku, name, qty, price in items
        ],
        **extra,
    }


def sample_orders() -> dict[str, dict[str, Any]]:
    """Two shoppers' orders, in the retailer's own JSON shape."""
    orders = [
        _order(
            "A-1001",
            "shopper-1",
            "IN_TRANSIT",
            "2026-11-28T09:30:00Z",
            [("SOF-100", "Harbor Velvet Sofa", 1, "749.00")],
            shipment={"carrier": "UPS", "eta": "2026-12-04"},
        ),
        _order(
            "A-1002",
            "shopper-1",
            "PENDING",
            "2026-12-01T18:00:00Z",
            [("PIL-1", "Cove Linen Pillow", 2, "34.00"), ("THR-2", "Wool Throw", 1, "59")],
            shipment={"eta": "2026-12-08"},
        ),
        _order(
            "A-0900",
            "shopper-1",
            "DELIVERED",
            "2026-11-10",
            [("TBL-3", "Linden Oak Side Table", 1, "149.00")],
            shipment={"carrier": "USPS"},
        ),
        _order(
            "B-2001",
            "shopper-2",
            "PENDING",
            "2026-12-02",
            [("LMP-9", "Brass Floor Lamp", 1, "189.00")],
        ),
    ]
    return {o["id"]: o for o in orders}


def order_mapping() -> dict[str, Any]:
    """The declarative mapping a retailer would write for this API."""
    return {
        "name": "Test Order API",
        "headers": {"X-Api-Key": "${RETAILER_API_KEY}"},
        "get": {
            "path": "/orders/{order_id}",
            "params": {"customer": "{shopper_id}"},
            "item": "$.order",
        },
        "recent": {
            "path": "/customers/{shopper_id}/orders",
            "params": {"limit": "{limit}"},
            "items": "$.orders",
        },
        "cancel": {"path": "/orders/{order_id}/cancellation", "method": "POST", "item": "$.order"},
        "return": {
            "path": "/orders/{order_id}/returns",
            "method": "POST",
            "json": {"reason": "{reason}", "customer": "{shopper_id}"},
            "item": "$.order",
        },
        "order": {
            "order_id": "$.id",
            "shopper_id": "$.customer.ref",
            "status": "$.state",
            "placed_on": "$.created_at",
            "lines": "$.items",
            "carrier": "$.shipment.carrier",
            "estimated_delivery": "$.shipment.eta",
            "refund_status": "$.refund.state",
        },
        "line": {
            "product_id": "$.sku",
            "title": "$.name",
            "quantity": "$.qty",
            "unit_price": "$.price.amount",
        },
        "values": {"status": {"IN_TRANSIT": "shipped"}},
        "shipping_options": {
            "path": "/shipping-methods",
            "items": "$.methods",
            "fields": {
                "name": "$.label",
                "cost": "$.fee",
                "days_min": "$.days.min",
                "days_max": "$.days.max",
                "free_over": "$.free_from",
            },
        },
    }


@dataclass
class OrderApi(RetailerApi):
    """The order API's state; faults are queued and switched as on the catalog server."""

    orders: dict[str, dict[str, Any]] = field(default_factory=sample_orders)
    # Replaces the answer of GET /orders/{id} when set (for shape and ownership errors).
    order_body: Any = None


class OrderApiHandler(RetailerApiHandler):
    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> None:
        state = self.server.state
        assert isinstance(state, OrderApi)
        if not path.startswith("/v1/"):
            return self._send(404, {"error": "no such API version"})
        parts = path[len("/v1/") :].split("/")
        one = {k: v[0] for k, v in query.items()}
        if parts == ["shipping-methods"]:
            methods = [
                {"label": "Ground", "fee": "6.50", "days": {"min": 3, "max": 6}, "free_from": 80},
                {"label": "Next day", "fee": 19, "days": {"min": 1, "max": 1}},
                {"label": "Broken", "fee": "free?"},
            ]
            return self._send(200, {"methods": methods})
        if len(parts) == 3 and parts[0] == "customers" and parts[2] == "orders":
            mine = [o for o in state.orders.values() if o["customer"]["ref"] == parts[1]]
            mine.sort(key=lambda o: o["created_at"], reverse=True)  # newest first, as APIs do
            return self._send(200, {"orders": mine[: int(one.get("limit", "10"))]})
        if parts[0] != "orders" or len(parts) < 2 or parts[1] not in state.orders:
            return self._send(404, {"error": "no such order"})
        order = state.orders[parts[1]]
        if len(parts) == 2 and method == "GET":
            if state.order_body is not None:
                return self._send(200, state.order_body)
            return self._send(200, {"order": order})
        if parts[2:] == ["cancellation"] and method == "POST":
            if order["state"] != "PENDING":
                return self._send(409, {"error": "order already shipped"})
            order["state"] = "CANCELED"
            order["refund"] = {"state": "being processed"}
            return self._send(200, {"order": order})
        if parts[2:] == ["returns"] and method == "POST":
            order["refund"] = {"state": f"waiting for the parcel ({(body or {}).get('reason')})"}
            return self._send(200, {"order": order})
        return self._send(404, {"error": "no such endpoint"})


@contextmanager
def serve_order_api(state: OrderApi | None = None) -> Iterator[RunningApi]:
    """Run the order API on a free port for the duration of the block; its base is /v1."""
    with serve_retailer_api(state or OrderApi(), handler=OrderApiHandler) as running:
        yield RunningApi(url=running.url.removesuffix("/v2") + "/v1", state=running.state)
