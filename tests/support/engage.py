"""Helpers for engagement tests: a settable clock, commerce event bodies, signed posting."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from skill.engage.events import sign


class FakeClock:
    """A clock the test moves by hand; shared safely between threads."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def cart_event(
    event_id: str,
    kind: str,
    *,
    at: datetime,
    shopper: str,
    cart: str,
    value: str = "250.00",
    channel: str = "web",
) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": kind,
        "occurred_at": iso_z(at),
        "shopper_id": shopper,
        "channel": channel,
        "cart": {
            "id": cart,
            "currency": "USD",
            "value": value,
            "items": [
                {"product_id": "SOFA-1", "title": "Velvet sofa", "quantity": 1, "unit_price": value}
            ],
        },
    }


def order_event(
    event_id: str,
    *,
    at: datetime,
    shopper: str,
    order: str,
    cart: str = "",
    value: str = "257.00",
    kind: str = "order_placed",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": event_id,
        "type": kind,
        "occurred_at": iso_z(at),
        "shopper_id": shopper,
        "order": {
            "id": order,
            "currency": "USD",
            "value": value,
            "items": [{"product_id": "SOFA-1", "title": "Velvet sofa", "quantity": 1}],
        },
    }
    if cart:
        body["order"]["cart_id"] = cart
    return body


def signed(secret: bytes, payload: Any, *, at: datetime) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **sign(secret, body, int(at.timestamp()))}
    return body, headers
