"""Engagement settings (abandonment rule, recovery window, loyalty tiers, surveys, events)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from skill.errors import SettingsError

PREFIX = "AMBIENT_SHOP_"


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(PREFIX + name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as e:
        raise SettingsError(f"{PREFIX}{name}={raw!r} is not a number") from e
    if value < 0:
        raise SettingsError(f"{PREFIX}{name}={raw!r} must not be negative")
    return value


def _amount(env: Mapping[str, str], name: str, default: str) -> Decimal:
    raw = env.get(PREFIX + name, "").strip() or default
    try:
        value = Decimal(raw)
    except InvalidOperation as e:
        raise SettingsError(f"{PREFIX}{name}={raw!r} is not an amount") from e
    if not value.is_finite() or value < 0:
        raise SettingsError(f"{PREFIX}{name}={raw!r} must be a non-negative amount")
    return value


def parse_tiers(raw: str) -> tuple[tuple[str, Decimal], ...]:
    """`silver:250,gold:1000` -> (("silver", 250), ("gold", 1000)), lowest threshold first."""
    tiers = []
    for part in raw.split(","):
        name, sep, threshold = part.strip().partition(":")
        try:
            amount = Decimal(threshold)
        except InvalidOperation:
            amount = Decimal(-1)
        if not sep or not name.strip().isalpha() or amount <= 0:
            raise SettingsError(
                f"{PREFIX}LOYALTY_TIERS={raw!r}: write name:spend pairs, e.g. silver:250,gold:1000"
            )
        tiers.append((name.strip().lower(), amount))
    return tuple(sorted(tiers, key=lambda tier: tier[1]))


@dataclass(frozen=True, slots=True)
class EngageSettings:
    """Defaults follow the issue: checkout started, no payment info after 3 minutes."""

    # Shared with the shop that signs POST /events; generated into data_dir when unset.
    events_secret: str | None = None
    events_window_s: float = 300.0
    abandon_after_s: float = 180.0
    abandon_min_cart_value: Decimal = Decimal("50")
    # Preferred outreach channels, in order: "webchat" (checkouts on the web), "sms".
    abandon_channels: tuple[str, ...] = ("webchat", "sms")
    recovery_window_s: float = 24 * 3600.0
    loyalty_tiers: tuple[tuple[str, Decimal], ...] = (
        ("silver", Decimal("250")),
        ("gold", Decimal("1000")),
    )
    nps_interval_days: float = 90.0
    # How often `serve` runs the engagement sweep (abandonment, birthdays, NPS); 0: never.
    sweep_every_s: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> EngageSettings:
        channels = tuple(
            c.strip()
            for c in env.get(PREFIX + "ABANDON_CHANNELS", "webchat,sms").split(",")
            if c.strip()
        )
        unknown = set(channels) - {"webchat", "sms"}
        if unknown:
            raise SettingsError(
                f"{PREFIX}ABANDON_CHANNELS: unknown channel(s) {', '.join(sorted(unknown))} "
                "(known: webchat, sms)"
            )
        secret = env.get(PREFIX + "EVENTS_SECRET", "").strip() or None
        if secret is not None and len(secret) < 16:
            raise SettingsError(f"{PREFIX}EVENTS_SECRET must be at least 16 characters")
        return cls(
            events_secret=secret,
            events_window_s=_number(env, "EVENTS_WINDOW_S", 300.0),
            abandon_after_s=_number(env, "ABANDON_AFTER_S", 180.0),
            abandon_min_cart_value=_amount(env, "ABANDON_MIN_CART_VALUE", "50"),
            abandon_channels=channels,
            recovery_window_s=_number(env, "RECOVERY_WINDOW_H", 24.0) * 3600,
            loyalty_tiers=parse_tiers(
                env.get(PREFIX + "LOYALTY_TIERS", "").strip() or "silver:250,gold:1000"
            ),
            nps_interval_days=_number(env, "NPS_INTERVAL_DAYS", 90.0),
            sweep_every_s=_number(env, "ENGAGE_SWEEP_S", 30.0),
        )
