"""Commerce events from the retailer's shop: validation and the HMAC signature they carry.

A request is signed like this (the secret is shared with the shop):

    X-Ambient-Timestamp: 1764792000            (Unix seconds)
    X-Ambient-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

and refused unless the signature matches and the timestamp is within the window.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from skill.engage.records import parse_iso
from skill.errors import AmbientShopError

EVENT_TYPES = (
    "cart_updated",
    "checkout_started",
    "payment_info_entered",
    "order_placed",
    "order_shipped",
    "return_started",
)
CART_EVENTS = frozenset({"cart_updated", "checkout_started", "payment_info_entered"})
ORDER_EVENTS = frozenset({"order_placed", "order_shipped", "return_started"})

TIMESTAMP_HEADER = "X-Ambient-Timestamp"
SIGNATURE_HEADER = "X-Ambient-Signature"
SIGNATURE_VERSION = "v1"

_ID = re.compile(r"^[A-Za-z0-9._:@+-]{1,128}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_ITEMS = 200


class EventRejected(AmbientShopError):
    """A malformed event; `field` names the offending field for the 400 answer."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


class SignatureRejected(AmbientShopError):
    """Unsigned, wrongly signed or out-of-window request (401)."""


def sign(secret: bytes, body: bytes, timestamp: int) -> dict[str, str]:
    """Headers a shop sends with `body`; used by the docs' examples, the CLI and tests."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: f"{SIGNATURE_VERSION}={mac}"}


def verify_signature(
    secret: bytes,
    *,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: float,
    window_s: float,
) -> None:
    if not timestamp or not signature:
        raise SignatureRejected(
            f"unsigned request: send {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers"
        )
    try:
        sent_at = int(timestamp.strip())
    except ValueError:
        raise SignatureRejected(f"{TIMESTAMP_HEADER} must be Unix seconds") from None
    if abs(now - sent_at) > window_s:
        raise SignatureRejected(
            f"{TIMESTAMP_HEADER} is outside the accepted window of {int(window_s)} s"
        )
    expected = sign(secret, body, sent_at)[SIGNATURE_HEADER]
    # Several comma-separated signatures let a shop rotate its secret without downtime.
    offered = [part.strip() for part in signature.split(",")]
    if not any(hmac.compare_digest(candidate, expected) for candidate in offered):
        raise SignatureRejected("signature does not match the body and timestamp")


@dataclass(frozen=True, slots=True)
class CartLine:
    product_id: str
    title: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class CommerceEvent:
    """One validated event; `raw` is what the shop sent, kept as received."""

    event_id: str
    type: str
    occurred_at: datetime
    shopper_id: str
    channel: str
    cart_id: str = ""
    order_id: str = ""
    value: Decimal | None = None
    currency: str = "USD"
    lines: tuple[CartLine, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)


def _text(payload: Mapping[str, Any], name: str, where: str, *, required: bool) -> str:
    value = payload.get(name)
    label = f"{where}{name}"
    if value is None or value == "":
        if required:
            raise EventRejected(label, "is required")
        return ""
    if not isinstance(value, str) or not _ID.match(value):
        raise EventRejected(label, "must be 1-128 letters, digits or ._:@+-")
    return value


def _money(value: Any, label: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise EventRejected(label, "must be an amount such as 250.00")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise EventRejected(label, "must be an amount such as 250.00") from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("10000000"):
        raise EventRejected(label, "must be an amount between 0 and 10,000,000")
    return amount.quantize(Decimal("0.01"))


def _lines(items: Any, where: str) -> tuple[CartLine, ...]:
    if items is None:
        return ()
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise EventRejected(f"{where}items", f"must be a list of at most {MAX_ITEMS} items")
    lines = []
    for index, item in enumerate(items):
        label = f"{where}items[{index}]."
        if not isinstance(item, Mapping):
            raise EventRejected(f"{where}items[{index}]", "must be an object")
        quantity = item.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 999:
            raise EventRejected(label + "quantity", "must be a whole number from 1 to 999")
        title = item.get("title", "")
        if not isinstance(title, str) or len(title) > 300:
            raise EventRejected(label + "title", "must be text of at most 300 characters")
        lines.append(
            CartLine(
                product_id=_text(item, "product_id", label, required=True),
                title=title,
                quantity=quantity,
                unit_price=_money(item.get("unit_price", 0), label + "unit_price"),
            )
        )
    return tuple(lines)


def parse_event(payload: Any) -> CommerceEvent:
    """Validate an event body; raises EventRejected naming the first bad field."""
    if not isinstance(payload, Mapping):
        raise EventRejected("body", "must be a JSON object")
    event_id = _text(payload, "id", "", required=True)
    kind = payload.get("type")
    if kind not in EVENT_TYPES:
        raise EventRejected("type", f"must be one of {', '.join(EVENT_TYPES)}")
    occurred = payload.get("occurred_at")
    if not isinstance(occurred, str):
        raise EventRejected("occurred_at", "is required, as an ISO 8601 time with a zone")
    try:
        occurred_at = parse_iso(occurred)
    except ValueError:
        raise EventRejected("occurred_at", "must be an ISO 8601 time with a zone") from None
    shopper_id = _text(payload, "shopper_id", "", required=True)
    channel = payload.get("channel", "web")
    if not isinstance(channel, str) or not re.match(r"^[a-z_]{1,20}$", channel):
        raise EventRejected("channel", "must be a short lower-case name such as web or app")

    cart = payload.get("cart")
    order = payload.get("order")
    if kind in CART_EVENTS:
        if not isinstance(cart, Mapping):
            raise EventRejected("cart", f"is required for {kind}, as an object")
        section, where = cart, "cart."
    else:
        if not isinstance(order, Mapping):
            raise EventRejected("order", f"is required for {kind}, as an object")
        section, where = order, "order."
    currency = section.get("currency", "USD")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise EventRejected(where + "currency", "must be an ISO 4217 code such as USD")
    value_given = section.get("value")
    if kind in ("checkout_started", "order_placed") and value_given is None:
        raise EventRejected(where + "value", f"is required for {kind}")
    return CommerceEvent(
        event_id=event_id,
        type=kind,
        occurred_at=occurred_at,
        shopper_id=shopper_id,
        channel=channel,
        cart_id=_text(
            section, "id" if kind in CART_EVENTS else "cart_id", where, required=kind in CART_EVENTS
        ),
        order_id=_text(section, "id", where, required=True) if kind in ORDER_EVENTS else "",
        value=None if value_given is None else _money(value_given, where + "value"),
        currency=currency,
        lines=_lines(section.get("items"), where),
        raw=dict(payload),
    )
