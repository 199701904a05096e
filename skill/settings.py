"""Typed settings read from AMBIENT_SHOP_* environment variables, with embedded defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from skill.channels.rates import Rate
from skill.engage.config import EngageSettings
from skill.errors import SettingsError

ENV_PREFIX = "AMBIENT_SHOP_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(ENV_PREFIX + name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{ENV_PREFIX}{name}={raw!r} is not a boolean (use 1/0, true/false)")


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(ENV_PREFIX + name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError as e:
        raise SettingsError(f"{ENV_PREFIX}{name}={raw!r} is not a number") from e


def _rate(env: Mapping[str, str], name: str, default: Rate) -> Rate:
    raw = env.get(ENV_PREFIX + name)
    if raw is None or not raw.strip():
        return default
    try:
        return Rate.parse(raw)
    except ValueError as e:
        raise SettingsError(f"{ENV_PREFIX}{name}: {e}") from e


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(ENV_PREFIX + name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError as e:
        raise SettingsError(f"{ENV_PREFIX}{name}={raw!r} is not a whole number") from e
    if value < 0:
        raise SettingsError(f"{ENV_PREFIX}{name}={raw!r} must not be negative")
    return value


def _text(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(ENV_PREFIX + name)
    return raw.strip() if raw and raw.strip() else None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the composition root needs; `from_env` is the only reader of the environment."""

    data_dir: Path = Path("var")
    # None: the bundled demo catalog, imported into data_dir on first use.
    catalog_url: str | None = None
    # None: a SQLite file in data_dir.
    state_url: str | None = None
    skill_id: str | None = None
    dev_unverified: bool = False
    skill_name: str = "Acme Home"
    nlu_model_path: Path | None = None
    progressive_response_after_s: float = 1.5
    # The developer simulator page: it plays any shopper without a signature, so it is served
    # only when asked for (`make run` does); never on a public deployment.
    simulator_enabled: bool = False
    # Signs web-chat tokens (comma-separated keys, newest first); generated into data_dir if unset.
    secret_key: str | None = field(default=None, repr=False)
    # Public endpoints (web chat, events): per shopper, and per client address.
    rate_per_shopper: Rate = Rate(30, 60)
    rate_per_address: Rate = Rate(120, 60)
    # Proxies in front that append X-Forwarded-For (0: use the peer address as it is).
    trusted_proxies: int = 0
    # Where a shopper finishes checkout on the web; the cart's secure token is appended.
    checkout_url: str = "https://acmehome.example/checkout"
    # A public deployment: secure cookies, no demo desk agent.
    production: bool = False
    # Where people answer handoffs: "embedded" (the /desk pages) or "chatwoot".
    desk: str = "embedded"
    chatwoot_url: str | None = None
    chatwoot_account_id: str | None = None
    chatwoot_inbox_id: str | None = None
    chatwoot_token: str | None = field(default=None, repr=False)
    chatwoot_webhook_secret: str | None = field(default=None, repr=False)
    # Text messages: None keeps them in the outbox table; "sns://?region=..&endpoint_url=.." sends.
    sms_url: str | None = None
    # Offer limits per role, "agent:10:10,supervisor:50:25" (max shipping waived $, max discount %).
    desk_autonomy: str | None = None
    # Commerce events, abandonment rule, loyalty tiers, surveys (skill/engage/config.py).
    engage: EngageSettings = field(default_factory=EngageSettings)
    # "demo": seeded demo orders in data_dir; "rest+https://...": the retailer's order API.
    orders_url: str = "demo"
    # Field mappings for the REST adapters: a JSON file path or the JSON text itself.
    orders_mapping: str | None = None
    catalog_mapping: str | None = None
    # Lambda's environment (read-only file system but /tmp); a deployment, not a laptop.
    on_lambda: bool = False
    # The environment as read once: REST mappings name header secrets as ${NAME}.
    environment: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = dict(os.environ if env is None else env)
        on_lambda = bool(source.get("AWS_LAMBDA_FUNCTION_NAME"))
        # Lambda's file system is read-only except /tmp.
        default_dir = "/tmp/ambient-shop" if on_lambda else "var"
        data_dir = Path(_text(source, "DATA_DIR") or default_dir)
        model = _text(source, "NLU_MODEL")
        return cls(
            data_dir=data_dir,
            catalog_url=_text(source, "CATALOG"),
            state_url=_text(source, "STATE"),
            skill_id=_text(source, "SKILL_ID"),
            dev_unverified=_flag(source, "DEV_UNVERIFIED", False),
            skill_name=_text(source, "SKILL_NAME") or "Acme Home",
            nlu_model_path=Path(model) if model else None,
            progressive_response_after_s=_float(source, "PROGRESSIVE_AFTER_S", 1.5),
            secret_key=_text(source, "SECRET_KEY"),
            simulator_enabled=_flag(source, "SIMULATOR", False),
            rate_per_shopper=_rate(source, "RATE_PER_SHOPPER", Rate(30, 60)),
            rate_per_address=_rate(source, "RATE_PER_ADDRESS", Rate(120, 60)),
            trusted_proxies=_count(source, "TRUSTED_PROXIES", 0),
            checkout_url=_text(source, "CHECKOUT_URL") or "https://acmehome.example/checkout",
            production=_flag(source, "PRODUCTION", False),
            desk=(_text(source, "DESK") or "embedded").lower(),
            chatwoot_url=_text(source, "CHATWOOT_URL"),
            chatwoot_account_id=_text(source, "CHATWOOT_ACCOUNT_ID"),
            chatwoot_inbox_id=_text(source, "CHATWOOT_INBOX_ID"),
            chatwoot_token=_text(source, "CHATWOOT_TOKEN"),
            chatwoot_webhook_secret=_text(source, "CHATWOOT_WEBHOOK_SECRET"),
            sms_url=_text(source, "SMS"),
            desk_autonomy=_text(source, "DESK_AUTONOMY"),
            engage=EngageSettings.from_env(source),
            orders_url=_text(source, "ORDERS") or "demo",
            orders_mapping=_text(source, "ORDERS_MAPPING"),
            catalog_mapping=_text(source, "REST_MAPPING"),
            on_lambda=on_lambda,
            environment=source,
        )

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def resolved_state_url(self) -> str:
        return self.state_url or f"sqlite:///{(self.data_dir / 'state.db').as_posix()}"

    @property
    def looks_deployed(self) -> bool:
        """AMBIENT_SHOP_PRODUCTION, or a setting only a deployment serving shoppers has."""
        return (
            self.production
            or self.on_lambda
            or not self.resolved_state_url.lower().startswith("sqlite:")
            or (self.catalog_url or "").lower().startswith("rest+")
        )
