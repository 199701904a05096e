"""Why a ticket exists, how the shopper feels, and how soon a person should pick it up."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

# The reasons a conversation reaches a person, most urgent first.
REASONS = (
    "complaint",
    "repeated misunderstanding",
    "catalog outage",
    "cart abandonment",
    "policy",
    "asked",
)
_REASON_WEIGHT = {
    "complaint": 40,
    "repeated misunderstanding": 25,
    "catalog outage": 20,
    # Proactive help at a stalled checkout: a sale is waiting on it.
    "cart abandonment": 20,
    "policy": 15,
    "asked": 10,
}
_NEGATIVE = {
    "angry", "annoyed", "awful", "bad", "broken", "damaged", "disappointed", "frustrated",
    "furious", "horrible", "late", "never", "ridiculous", "terrible", "unacceptable", "upset",
    "useless", "wrong", "worst", "hate", "refund", "complaint", "still", "missing",
}  # fmt: skip
_POSITIVE = {"great", "love", "thanks", "thank", "perfect", "awesome", "happy", "lovely", "nice"}
_WORD = re.compile(r"[a-z']+")
HIGH_CART_VALUE = Decimal("300")
LOYAL_TIERS = {"gold", "platinum", "vip"}
LOYAL_ORDER_COUNT = 5


def reason_code(reason: str) -> str:
    """Fold the free-text reasons policies give into the desk's small set."""
    text = (reason or "").lower()
    for code in REASONS:
        if code in text:
            return code
    if "outage" in text or "unavailable" in text:
        return "catalog outage"
    if any(word in text for word in ("account", "payment", "policy", "error")):
        return "policy"
    return "asked"


def sentiment(shopper_lines: Iterable[str]) -> str:
    """'negative', 'neutral' or 'positive' from the shopper's own words (a small lexicon)."""
    score = 0
    for line in shopper_lines:
        words = _WORD.findall(line.lower())
        score -= sum(1 for w in words if w in _NEGATIVE)
        score += sum(1 for w in words if w in _POSITIVE)
        score -= line.count("!") // 2
    if score <= -1:
        return "negative"
    if score >= 2:
        return "positive"
    return "neutral"


def cart_value(cart: Mapping[str, Any]) -> Decimal:
    """The cart's value from the items the handoff listed (each with a price and quantity)."""
    total = Decimal("0")
    for line in cart.get("lines", []) if isinstance(cart.get("lines"), list) else []:
        if not isinstance(line, Mapping):
            continue
        try:
            total += Decimal(str(line.get("price", "0"))) * int(line.get("quantity", 1))
        except (InvalidOperation, ValueError, TypeError):
            continue
    return total


def is_loyal(profile: Mapping[str, Any]) -> bool:
    tier = str(profile.get("loyalty_tier") or profile.get("tier") or "").lower()
    orders = profile.get("orders_count", 0)
    return tier in LOYAL_TIERS or (isinstance(orders, int) and orders >= LOYAL_ORDER_COUNT)


def priority(*, reason: str, mood: str, cart: Decimal, loyal: bool) -> int:
    """Complaints, unhappy shoppers, high cart value and loyal shoppers first (higher is sooner)."""
    score = _REASON_WEIGHT.get(reason, 10)
    if mood == "negative":
        score += 15
    if cart >= HIGH_CART_VALUE:
        score += 20
    elif cart > 0:
        score += 5
    if loyal:
        score += 15
    return score
