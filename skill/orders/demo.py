"""An embedded order store seeded with demo orders, so order flows work with no retailer system.

For local work and demos only: a deployment answering shoppers from it tells them about orders
they never placed, so start-up warns when a production setting uses it (skill/bootstrap.py).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from skill.core.model import Order, OrderLine, ShippingOption
from skill.errors import OrderNotFound
from skill.store.sqlite import SqliteDatabase

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    shopper_id TEXT NOT NULL, order_id TEXT NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (shopper_id, order_id))
"""

SHIPPING_OPTIONS: tuple[ShippingOption, ...] = (
    ShippingOption("Standard shipping", Decimal("5.99"), 3, 5, free_over=Decimal("75")),
    ShippingOption("Express shipping", Decimal("14.99"), 1, 2),
    ShippingOption("Free store pickup", Decimal("0"), 1, 1),
)


def _demo_orders(shopper_id: str, today: date) -> list[Order]:
    """Every new shopper gets the same small history: one order in each interesting state."""
    return [
        Order(
            "45712",
            shopper_id,
            "shipped",
            today - timedelta(days=2),
            (OrderLine("demo-line-1", "Harbor Wool Crewneck Sweater", 1, Decimal("89")),),
            carrier="UPS",
            estimated_delivery=today + timedelta(days=2),
        ),
        Order(
            "45713",
            shopper_id,
            "processing",
            today,
            (OrderLine("demo-line-2", "Linden Oak Side Table", 1, Decimal("149")),),
            estimated_delivery=today + timedelta(days=6),
        ),
        Order(
            "45714",
            shopper_id,
            "delivered",
            today - timedelta(days=12),
            (OrderLine("demo-line-3", "Cove Linen Throw Pillow", 2, Decimal("34")),),
            carrier="USPS",
            estimated_delivery=today - timedelta(days=8),
        ),
    ]


def _to_json(order: Order) -> str:
    return json.dumps(
        {
            "order_id": order.order_id,
            "status": order.status,
            "placed_on": order.placed_on.isoformat(),
            "lines": [
                [line.product_id, line.title, line.quantity, str(line.unit_price)]
                for line in order.lines
            ],
            "carrier": order.carrier,
            "estimated_delivery": order.estimated_delivery.isoformat()
            if order.estimated_delivery
            else None,
            "refund_status": order.refund_status,
        }
    )


def _from_json(shopper_id: str, raw: str) -> Order:
    data: dict[str, Any] = json.loads(raw)
    return Order(
        order_id=data["order_id"],
        shopper_id=shopper_id,
        status=data["status"],
        placed_on=date.fromisoformat(data["placed_on"]),
        lines=tuple(OrderLine(str(p), str(t), int(q), Decimal(u)) for p, t, q, u in data["lines"]),
        carrier=data.get("carrier", ""),
        estimated_delivery=date.fromisoformat(data["estimated_delivery"])
        if data.get("estimated_delivery")
        else None,
        refund_status=data.get("refund_status", ""),
    )


class DemoOrderService:
    """Every shopper starts with the same three orders; cancels and returns are remembered."""

    def __init__(
        self, db: SqliteDatabase, *, today: date | None = None, owns_db: bool = False
    ) -> None:
        self._db = db
        self._today = today
        self._owns_db = owns_db
        with db.cursor() as cur:
            cur.execute(_SCHEMA)

    def close(self) -> None:
        if self._owns_db:
            self._db.close()

    def _ensure_seeded(self, shopper_id: str) -> None:
        # Read first: the write (and its lock) happens once per shopper, not on every look-up.
        with self._db.reading() as cur:
            seen = cur.execute(
                "SELECT 1 FROM orders WHERE shopper_id = ? LIMIT 1", (shopper_id,)
            ).fetchone()
        if seen is not None:
            return
        with self._db.cursor() as cur:
            for order in _demo_orders(shopper_id, self._today or date.today()):
                cur.execute(
                    "INSERT OR IGNORE INTO orders VALUES (?, ?, ?)",
                    (shopper_id, order.order_id, _to_json(order)),
                )

    def get(self, order_id: str, *, shopper_id: str) -> Order | None:
        self._ensure_seeded(shopper_id)
        with self._db.reading() as cur:
            row = cur.execute(
                "SELECT payload FROM orders WHERE shopper_id = ? AND order_id = ?",
                (shopper_id, order_id.strip().upper()),
            ).fetchone()
        return _from_json(shopper_id, row[0]) if row else None

    def recent(self, *, shopper_id: str, limit: int = 3) -> list[Order]:
        self._ensure_seeded(shopper_id)
        with self._db.reading() as cur:
            rows = cur.execute(
                "SELECT payload FROM orders WHERE shopper_id = ?", (shopper_id,)
            ).fetchall()
        orders = [_from_json(shopper_id, r[0]) for r in rows]
        orders.sort(key=lambda o: o.placed_on, reverse=True)
        return orders[:limit]

    def _update(self, order_id: str, shopper_id: str, **changes: Any) -> Order:
        order = self.get(order_id, shopper_id=shopper_id)
        if order is None:
            raise OrderNotFound(f"order {order_id} not found")
        updated = replace(order, **changes)
        with self._db.cursor() as cur:
            cur.execute(
                "UPDATE orders SET payload = ? WHERE shopper_id = ? AND order_id = ?",
                (_to_json(updated), shopper_id, order.order_id),
            )
        return updated

    def cancel(self, order_id: str, *, shopper_id: str) -> Order:
        return self._update(
            order_id, shopper_id, status="cancelled", refund_status="being processed"
        )

    def start_return(self, order_id: str, *, shopper_id: str, reason: str) -> Order:
        return self._update(order_id, shopper_id, refund_status="waiting for the parcel")

    def shipping_options(self) -> list[ShippingOption]:
        return list(SHIPPING_OPTIONS)
