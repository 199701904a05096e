"""Values as retailers' APIs send them: text, money, availability, match kinds, ratings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, get_args

from catalog_adapter.models import (
    Availability,
    MatchKind,
    Money,
)
from catalog_adapter.rest.jsonpath import MISSING

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


class MappingError(ValueError):
    """One JSON item does not fit the mapping (missing field, wrong type, bad price)."""


def text_of(value: Any, name: str) -> str:
    if value is MISSING or value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, dict):
        raise MappingError(f"{name} should be text, got {type(value).__name__}")
    if isinstance(value, list):
        # A list of names ("colors": ["navy", "white"]) reads as one phrase.
        return ", ".join(text_of(v, name) for v in value if v is not None)
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
    if isinstance(value, bool) or value is None or value is MISSING:
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


def value_key(value: Any) -> str:
    """How a retailer's value is looked up in the mapping's `values` tables."""
    return re.sub(r"[\s_\-]+", "", str(value)).casefold()


def availability_of(
    value: Any, *, default: Availability, known: Mapping[str, Availability]
) -> Availability:
    """An API's stock value as a Merchant availability: the mapping's own values first."""
    if value is MISSING or value is None or value == "":
        return default
    if isinstance(value, dict | list):
        raise MappingError(f"availability should be text, got {type(value).__name__}")
    key = value_key(value).rsplit("/", 1)[-1]  # schema.org URLs: http://schema.org/InStock
    if key in known:
        return known[key]
    raw_key = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    if raw_key in AVAILABILITIES:
        return raw_key  # type: ignore[return-value]
    if key in _AVAILABILITY_ALIASES:
        return _AVAILABILITY_ALIASES[key]  # type: ignore[return-value]
    raise MappingError(
        f"availability {str(value)[:40]!r} is unknown; map it under values.availability"
    )


def match_of(value: Any, *, known: Mapping[str, MatchKind]) -> MatchKind:
    # Anything not plainly "exact" is similar: a look-alike must never be sold as the real one.
    if value is True:
        return "exact"
    key = value_key(value) if isinstance(value, str) else ""
    if key in known:
        return known[key]
    return "exact" if key == "exact" else "similar"


def rating_of(value: Any) -> float | None:
    if value in (MISSING, None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise MappingError("rating should be a number")
    try:
        return float(value)
    except ValueError as e:
        raise MappingError(f"rating {value!r} is not a number") from e


def flatten(value: Any) -> list[Any]:
    if value is MISSING or value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
