"""Builds the desk from settings and the state back end: the port the core uses, the outbox, SMS."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from skill.core.ports import HandoffDesk
from skill.desk.outbox import ShopperOutbox, SmsSender, SnsSms
from skill.desk.service import DEFAULT_AUTONOMY, ROLES, Autonomy, Desk, Role
from skill.errors import SettingsError
from skill.settings import Settings

log = logging.getLogger(__name__)
DESK_ADAPTERS = ("embedded", "chatwoot")


@dataclass
class DeskWiring:
    desk: Desk
    port: HandoffDesk
    outbox: ShopperOutbox
    chatwoot: Any = None


def parse_autonomy(spec: str | None) -> dict[Role, Autonomy]:
    """'agent:15:10,supervisor:50:25' -> limits per role; unspecified roles keep the defaults."""
    limits = dict(DEFAULT_AUTONOMY)
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        try:
            role, shipping, percent = (p.strip() for p in part.split(":"))
            autonomy = Autonomy(Decimal(shipping), int(percent))
        except (ValueError, InvalidOperation) as e:
            raise SettingsError(
                f"AMBIENT_SHOP_DESK_AUTONOMY part {part!r} is not role:max_shipping:max_percent"
            ) from e
        if role not in ROLES:
            raise SettingsError(f"AMBIENT_SHOP_DESK_AUTONOMY: unknown role {role!r}")
        limits[role] = autonomy  # type: ignore[index]
    return limits


def build_sms(settings: Settings) -> SmsSender | None:
    """`sns://?region=us-east-1&endpoint_url=...&sender_id=ACME`; None keeps texts in the outbox."""
    if not settings.sms_url:
        return None
    parts = urlsplit(settings.sms_url)
    if parts.scheme != "sns":
        raise SettingsError(f"AMBIENT_SHOP_SMS must be an sns:// URL, not {settings.sms_url!r}")
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(options) - {"region", "endpoint_url", "sender_id"}
    if unknown:
        raise SettingsError(f"unknown AMBIENT_SHOP_SMS options: {', '.join(sorted(unknown))}")
    try:
        import boto3
    except ImportError as e:
        raise SettingsError("SMS through SNS needs boto3: pip install 'ambient-shop[aws]'") from e
    client = boto3.client(
        "sns",
        region_name=options.get("region", "us-east-1"),
        endpoint_url=options.get("endpoint_url"),
    )
    return SnsSms(client, sender_id=options.get("sender_id", ""))


def build_desk(settings: Settings, state: Any) -> DeskWiring:
    if settings.desk not in DESK_ADAPTERS:
        raise SettingsError(
            f"AMBIENT_SHOP_DESK={settings.desk!r}: choose one of {', '.join(DESK_ADAPTERS)}"
        )
    outbox = ShopperOutbox(
        table=state.outbox,
        store=state.desk_store,
        shoppers=state.shoppers,
        sms=build_sms(settings),
    )
    desk = Desk(
        state.desk_store,
        delivery=outbox,
        shoppers=state.shoppers,
        orders=state.orders,
        skill_name=settings.skill_name,
        autonomy=parse_autonomy(settings.desk_autonomy),
    )
    if settings.desk == "chatwoot":
        from skill.desk.chatwoot import ChatwootDesk

        chatwoot = ChatwootDesk.from_settings(settings, store=state.desk_store, delivery=outbox)
        return DeskWiring(desk=desk, port=chatwoot, outbox=outbox, chatwoot=chatwoot)
    return DeskWiring(desk=desk, port=desk, outbox=outbox)
