"""Shopper profiles: what the shop told us and what the shopper chose, kept with the cart.

The profile is the shopper store's document (the cart lives there too); this module owns the
keys it adds: sizes, colours, preferred store, phone, birthday, consents, purchases, loyalty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from skill.engage.records import iso, parse_iso

MAX_PURCHASES = 100
PERKS: Mapping[str, tuple[str, ...]] = {
    "member": (),
    "silver": ("free standard delivery on every order",),
    "gold": ("free express delivery on every order", "early access to new arrivals"),
}
_BIRTHDAY = re.compile(r"^(?:\d{4}-)?(\d{2})-(\d{2})$")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")


class ProfileError(ValueError):
    """A profile value the shopper or retailer gave cannot be used."""


@dataclass(frozen=True, slots=True)
class Loyalty:
    tier: str
    spend: Decimal
    perks: tuple[str, ...]
    next_tier: str | None = None
    to_next: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "spend_12_months": str(self.spend),
            "perks": list(self.perks),
            "next_tier": self.next_tier,
            "to_next_tier": None if self.to_next is None else str(self.to_next),
        }


def loyalty_of(
    profile: Mapping[str, Any], *, now: datetime, tiers: tuple[tuple[str, Decimal], ...]
) -> Loyalty:
    """The tier earned by the last twelve months of purchases (returns are the shop's to net)."""
    cutoff = iso(now - timedelta(days=365))
    spend = sum(
        (
            Decimal(str(p.get("value", "0")))
            for p in purchases(profile)
            if str(p.get("at", "")) >= cutoff
        ),
        Decimal("0"),
    )
    tier, next_tier, to_next = "member", None, None
    for name, threshold in tiers:
        if spend >= threshold:
            tier = name
        else:
            next_tier, to_next = name, threshold - spend
            break
    return Loyalty(tier, spend, PERKS.get(tier, ()), next_tier, to_next)


def purchases(profile: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = profile.get("purchases")
    return [p for p in found if isinstance(p, Mapping)] if isinstance(found, list) else []


def record_purchase(
    profile: dict[str, Any],
    *,
    order_id: str,
    at: datetime,
    value: Decimal,
    currency: str,
    items: list[dict[str, Any]],
    tiers: tuple[tuple[str, Decimal], ...],
    now: datetime,
) -> None:
    """Add an order once (by id) and refresh the loyalty tier the desk queue reads."""
    history = [p for p in purchases(profile) if p.get("order_id") != order_id]
    history.append(
        {
            "order_id": order_id,
            "at": iso(at),
            "value": str(value),
            "currency": currency,
            "items": items,
        }
    )
    history.sort(key=lambda p: str(p.get("at", "")))
    profile["purchases"] = history[-MAX_PURCHASES:]
    loyalty = loyalty_of(profile, now=now, tiers=tiers)
    profile["loyalty"] = loyalty.to_dict()
    # The flat keys the desk's triage reads to put loyal shoppers first in its queue.
    profile["loyalty_tier"] = loyalty.tier
    profile["orders_count"] = len(profile["purchases"])


def last_purchase_title(profile: Mapping[str, Any]) -> str | None:
    for purchase in reversed(purchases(profile)):
        for item in purchase.get("items") or []:
            if isinstance(item, Mapping) and isinstance(item.get("title"), str) and item["title"]:
                return str(item["title"])
    return None


def size_for(profile: Mapping[str, Any], product_type: str | None = None) -> str | None:
    """The shopper's size for a product type, else their default size."""
    sizes = profile.get("sizes")
    if not isinstance(sizes, Mapping):
        return None
    for key in (product_type, "default"):
        if key and isinstance(sizes.get(key), str) and sizes[key]:
            return str(sizes[key])
    return None


def birthday_month_day(profile: Mapping[str, Any]) -> str | None:
    raw = profile.get("birthday")
    if not isinstance(raw, str):
        return None
    match = _BIRTHDAY.match(raw)
    return f"{match.group(1)}-{match.group(2)}" if match else None


def apply_changes(profile: dict[str, Any], changes: Mapping[str, Any]) -> list[str]:
    """Validate and apply preference changes; returns the keys changed."""
    changed = []
    for key, value in changes.items():
        if value is None:
            continue
        if key == "sizes":
            if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) and 0 < len(v) <= 12
                for k, v in value.items()
            ):
                raise ProfileError("sizes: give product type = size pairs, e.g. default=M")
            profile["sizes"] = {**dict(profile.get("sizes") or {}), **value}
        elif key == "colours":
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                raise ProfileError("colours: give a list of colour names")
            profile["colours"] = [c.strip().lower() for c in value if c.strip()][:10]
        elif key == "birthday":
            match = _BIRTHDAY.match(str(value))
            if not match or not (1 <= int(match.group(1)) <= 12 and 1 <= int(match.group(2)) <= 31):
                raise ProfileError("birthday: write MM-DD or YYYY-MM-DD")
            profile["birthday"] = str(value)
        elif key == "phone":
            if not _PHONE.match(str(value)):
                raise ProfileError("phone: write it in E.164 form, e.g. +15551234567")
            profile["phone"] = str(value)
        elif key == "preferred_store":
            profile["preferred_store"] = str(value)[:40]
        elif key in ("sms", "alexa_notifications"):
            if not isinstance(value, bool):
                raise ProfileError(f"{key}: yes or no")
            profile["consents"] = {**dict(profile.get("consents") or {}), key: value}
        else:
            raise ProfileError(f"unknown profile field {key!r}")
        changed.append(key)
    return changed


def is_reachable_by_sms(profile: Mapping[str, Any]) -> bool:
    consents = profile.get("consents") if isinstance(profile.get("consents"), Mapping) else {}
    return bool(profile.get("phone")) and consents.get("sms", True) is not False


def allows_alexa_notifications(profile: Mapping[str, Any]) -> bool:
    """Only an explicit yes: Alexa never speaks unprompted, and notifies only by permission."""
    consents = profile.get("consents") if isinstance(profile.get("consents"), Mapping) else {}
    return consents.get("alexa_notifications") is True


def first_seen(profile: Mapping[str, Any]) -> datetime | None:
    raw = profile.get("first_seen")
    return parse_iso(raw) if isinstance(raw, str) else None
