"""Feed values: prices, sale dates, GTINs, availability and match kinds as Merchant Center
writes them, each with a clear reason when a value cannot be read."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from catalog_adapter.feeds.report import RowProblem

# Google Merchant Center's limits; longer text is truncated with a warning, not rejected.
MAX_ID = 50
MAX_TITLE = 150
MAX_DESCRIPTION = 5000
MAX_FIELD = 2000

AVAILABILITY = {
    "in_stock": "in_stock",
    "instock": "in_stock",
    "in stock": "in_stock",
    "available": "in_stock",
    "out_of_stock": "out_of_stock",
    "outofstock": "out_of_stock",
    "out of stock": "out_of_stock",
    "sold out": "out_of_stock",
    "preorder": "preorder",
    "pre-order": "preorder",
    "pre_order": "preorder",
    "backorder": "backorder",
    "back order": "backorder",
    "available for order": "backorder",
    "limited_availability": "limited_availability",
    "limited availability": "limited_availability",
    "limited": "limited_availability",
    "on_display_to_order": "backorder",
}
MATCH_KINDS = {
    "exact": "exact",
    "exact match": "exact",
    "same": "exact",
    "similar": "similar",
    "similar match": "similar",
    "look-alike": "similar",
    "lookalike": "similar",
    "look alike": "similar",
    "alternative": "similar",
}
PICKUP_METHODS = ("buy", "reserve", "ship to store", "not supported")

_PRICE = re.compile(
    r"^\s*(?:(?P<cur1>[A-Za-z]{3})\s+)?\$?(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
    r"\s*(?P<cur2>[A-Za-z]{3})?\s*$"
)
_DECIMAL_COMMA = re.compile(r"^\s*\d+,\d{1,2}\b")


def parse_price(text: str, *, currency: str, what: str = "price") -> int:
    """`"12.99 USD"` -> 1299 cents; a clear reason for "12,99 EUR", "free" or another currency."""
    raw = text.strip()
    m = _PRICE.match(raw)
    if m is None:
        if _DECIMAL_COMMA.match(raw):
            raise RowProblem(
                f"{what} {raw!r} uses a decimal comma; write it like '12.99 {currency}'"
            )
        raise RowProblem(f"{what} {raw!r} is not a price; expected e.g. '12.99 {currency}'")
    found = (m.group("cur1") or m.group("cur2") or currency).upper()
    if found != currency:
        raise RowProblem(f"{what} {raw!r} is in {found}; this catalog is in {currency}")
    try:
        amount = Decimal(m.group("amount").replace(",", ""))
    except InvalidOperation as e:
        raise RowProblem(f"{what} {raw!r} is not a number") from e
    return int((amount * 100).to_integral_value())


def _parse_when(text: str) -> int:
    value = text.strip()
    # Google writes offsets as +0100; older Pythons' fromisoformat wants +01:00.
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value)
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    return int(moment.timestamp())


def parse_effective_dates(text: str) -> tuple[int | None, int | None]:
    """`2024-11-01T00:00-0800/2024-11-30T23:59-0800` -> epoch seconds (start, end)."""
    start, sep, end = text.strip().partition("/")
    if not sep:
        raise RowProblem(
            f"sale_price_effective_date {text!r} must be 'start/end' in ISO 8601, "
            "e.g. 2024-11-01T00:00-0800/2024-11-30T23:59-0800"
        )
    try:
        begin = _parse_when(start) if start.strip() else None
        finish = _parse_when(end) if end.strip() else None
    except ValueError as e:
        raise RowProblem(f"sale_price_effective_date {text!r} is not ISO 8601: {e}") from e
    if begin is not None and finish is not None and finish <= begin:
        raise RowProblem(f"sale_price_effective_date {text!r} ends before it starts")
    return begin, finish


def gtin_ok(gtin: str) -> bool:
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return False
    digits = [int(d) for d in gtin]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def availability_value(value: str) -> str:
    key = value.strip().lower().replace("-", "_") if value.strip() else ""
    found = AVAILABILITY.get(key) or AVAILABILITY.get(key.replace("_", " "))
    if found is None:
        raise RowProblem(
            f"availability {value!r} is not one of in_stock, out_of_stock, preorder, "
            "backorder, limited_availability"
        )
    return found
