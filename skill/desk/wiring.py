"""What the composition root needs to wire the desk: the parts it returns and the offer limits."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from skill.core.ports import HandoffDesk
from skill.desk.outbox import ShopperOutbox
from skill.desk.service import DEFAULT_AUTONOMY, ROLES, Autonomy, Desk, Role
from skill.errors import SettingsError

DESK_ADAPTERS = ("embedded", "chatwoot")


@dataclass
class DeskWiring:
    """The embedded desk, the port the core talks to (itself or Chatwoot), and the outbox."""

    desk: Desk
    port: HandoffDesk
    outbox: ShopperOutbox
    chatwoot: Any = None


def parse_autonomy(spec: str | None) -> dict[Role, Autonomy]:
    """'agent:10:10,supervisor:50:25' -> limits per role; unnamed roles keep the defaults."""
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
        if role not in ROLES or not autonomy.max_shipping_waiver.is_finite():
            raise SettingsError(f"AMBIENT_SHOP_DESK_AUTONOMY: bad part {part!r}")
        limits[role] = autonomy  # type: ignore[index]
    return limits
