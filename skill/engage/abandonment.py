"""Cart-abandonment help: a checkout stalls, the shopper is offered help once, a person follows.

The rule (settings): checkout started, no payment info after `abandon_after_s`, cart value at
or above `abandon_min_cart_value`. Outreach is claimed with a conditional insert keyed by the
cart, so however many processes sweep at once, each cart gets exactly one nudge and one desk task.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Protocol

from skill.core.model import HandoffRequest
from skill.core.ports import HandoffDesk, Outbox, ShopperStore
from skill.engage.config import EngageSettings
from skill.engage.profiles import allows_alexa_notifications, is_reachable_by_sms
from skill.engage.records import Clock, EngageRecords, Record, iso, parse_iso

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=2)
# A claim not completed by then is taken over by the next sweep (its process died mid-way).
STALE_CLAIM = timedelta(minutes=5)
DESK_REASON = "cart abandonment"


class Notifier(Protocol):
    """Alexa Proactive Events: a notification the shopper reads when they choose to."""

    def notify(self, *, shopper_id: str, title: str, text: str) -> str: ...


class OutboxNotifier:
    """Records the Proactive Events notification in the outbox (shown in the simulator)."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def notify(self, *, shopper_id: str, title: str, text: str) -> str:
        return self._outbox.send(
            shopper_id=shopper_id, channel="alexa_notification", text=f"{title}: {text}"
        )


@dataclass(frozen=True, slots=True)
class Outreach:
    cart_id: str
    shopper_id: str
    channels: tuple[str, ...]
    ticket_id: str


def _money(value: Any) -> str:
    return f"${Decimal(str(value)):,.2f}"


class AbandonmentWatcher:
    def __init__(
        self,
        *,
        records: EngageRecords,
        shoppers: ShopperStore,
        outbox: Outbox,
        desk: HandoffDesk,
        notifier: Notifier,
        clock: Clock,
        settings: EngageSettings,
        skill_name: str,
        is_erased: Any,
    ) -> None:
        self._records = records
        self._shoppers = shoppers
        self._outbox = outbox
        self._desk = desk
        self._notifier = notifier
        self._clock = clock
        self._settings = settings
        self._skill_name = skill_name
        self._is_erased = is_erased

    def stalled_carts(self) -> list[Record]:
        now = self._clock.now()
        quiet = timedelta(seconds=self._settings.abandon_after_s)
        stalled = []
        for cart in self._records.query("cart", since=iso(now - LOOKBACK)):
            doc = cart.doc
            if doc.get("status") != "checkout" or doc.get("erased_shopper"):
                continue
            started = doc.get("checkout_started_at")
            if not isinstance(started, str) or parse_iso(started) + quiet > now:
                continue
            if Decimal(str(doc.get("value", "0"))) < self._settings.abandon_min_cart_value:
                continue
            stalled.append(cart)
        return stalled

    def sweep(self) -> list[Outreach]:
        """Reach out about every stalled cart not yet claimed; safe to run anywhere, any time."""
        now = self._clock.now()
        made = []
        for cart in self.stalled_carts():
            claim = Record(
                "outreach",
                cart.record_id,
                cart.shopper_id,
                iso(now),
                {"status": "claimed", "claimed_at": iso(now), "value": cart.doc.get("value")},
            )
            if not self._records.insert(claim):
                existing = self._records.get("outreach", cart.record_id)
                if existing is None or not self._stale(existing):
                    continue
                claim = existing
            if self._is_erased(cart.shopper_id):
                continue
            made.append(self._reach_out(cart, claim))
        return made

    def _stale(self, outreach: Record) -> bool:
        if outreach.doc.get("status") != "claimed":
            return False
        return parse_iso(str(outreach.doc.get("claimed_at"))) + STALE_CLAIM <= self._clock.now()

    def _reach_out(self, cart: Record, claim: Record) -> Outreach:
        shopper_id = cart.shopper_id
        profile = self._shoppers.load(shopper_id)
        doc = dict(claim.doc)
        value = _money(cart.doc.get("value", "0"))
        text = (
            f"Hi, it's {self._skill_name}. Your checkout for {value} is still open. "
            "Can we help with anything: sizes, delivery, or payment? Reply here and a person "
            "from our team will pick it up."
        )
        channels: list[str] = list(doc.get("channels") or [])
        if not channels:
            for channel in self._settings.abandon_channels:
                if channel == "webchat" and cart.doc.get("channel") == "web":
                    self._outbox.send(shopper_id=shopper_id, channel="webchat", text=text)
                    channels.append("webchat")
                    break
                if channel == "sms" and is_reachable_by_sms(profile):
                    self._outbox.send(shopper_id=shopper_id, channel="sms", text=text)
                    channels.append("sms")
                    break
            if allows_alexa_notifications(profile):
                self._notifier.notify(
                    shopper_id=shopper_id,
                    title=f"Your {self._skill_name} basket",
                    text=f"Your checkout for {value} is still open; ask us if you need help.",
                )
                channels.append("alexa_notification")
            doc["channels"] = channels
            self._records.upsert(Record("outreach", claim.record_id, shopper_id, claim.at, doc))
        ticket_id = str(doc.get("ticket_id") or "")
        if not ticket_id:
            ticket_id = self._desk.open_ticket(
                HandoffRequest(
                    conversation_id=f"cart-{cart.record_id}",
                    shopper_id=shopper_id,
                    channel=channels[0] if channels else "none",
                    reason=DESK_REASON,
                    transcript=({"shopper": "", "assistant": text},) if channels else (),
                    context={
                        # The desk's own cart shape, so its queue shows value and priority.
                        "cart_lines": [
                            {
                                "product_id": item.get("product_id"),
                                "title": item.get("title"),
                                "quantity": item.get("quantity", 1),
                                "price": item.get("unit_price", "0"),
                            }
                            for item in cart.doc.get("items") or []
                        ],
                        "proactive": True,
                        "cart_id": cart.record_id,
                        "cart": dict(cart.doc),
                        "outreach_channels": channels,
                        "loyalty": profile.get("loyalty"),
                    },
                )
            )
        doc.update(status="sent", ticket_id=ticket_id, sent_at=iso(self._clock.now()))
        self._records.upsert(Record("outreach", claim.record_id, shopper_id, claim.at, doc))
        log.info("abandonment outreach for cart %s via %s", cart.record_id, channels or "desk only")
        return Outreach(cart.record_id, shopper_id, tuple(channels), ticket_id)
