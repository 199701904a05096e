"""Receiving commerce events: stored once by id, then applied to carts, profiles and recovery."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from skill.core.ports import ShopperStore
from skill.engage.config import EngageSettings
from skill.engage.events import CommerceEvent
from skill.engage.profiles import record_purchase
from skill.engage.records import Clock, EngageRecords, Record, iso, parse_iso
from skill.errors import AmbientShopError

log = logging.getLogger(__name__)


class EventAlreadyReceived(AmbientShopError):
    """The event id was stored before (a replay or a retry); nothing is applied twice (409)."""

    def __init__(self, event_id: str, *, same_content: bool) -> None:
        detail = "" if same_content else " with different content"
        super().__init__(f"event {event_id!r} was already received{detail}; nothing changed")
        self.event_id = event_id
        self.same_content = same_content


@dataclass(frozen=True, slots=True)
class Receipt:
    event_id: str
    notes: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    recovered_cart: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def fingerprint(raw: Any) -> str:
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def erasure_key(shopper_id: str) -> str:
    """Erasures are remembered by a digest, so the tombstone does not keep the id itself."""
    return hashlib.sha256(("ambient-shop-erasure:" + shopper_id).encode()).hexdigest()


class EventIntake:
    def __init__(
        self,
        *,
        records: EngageRecords,
        shoppers: ShopperStore,
        clock: Clock,
        settings: EngageSettings,
    ) -> None:
        self._records = records
        self._shoppers = shoppers
        self._clock = clock
        self._settings = settings

    def is_erased(self, shopper_id: str) -> bool:
        return self._records.get("erasure", erasure_key(shopper_id)) is not None

    def receive(self, event: CommerceEvent) -> Receipt:
        now = self._clock.now()
        erased = self.is_erased(event.shopper_id)
        profile = {} if erased else self._shoppers.load(event.shopper_id)
        flags: list[str] = []
        notes: list[str] = []
        if erased:
            flags.append("erased_shopper")
            notes.append(
                f"shopper {event.shopper_id!r} asked to be erased; the event is kept and "
                "reported, and no profile is recreated"
            )
        elif not profile:
            flags.append("unknown_shopper")
            notes.append(f"shopper {event.shopper_id!r} was not known here; a profile was started")
        cart = self._records.get("cart", event.cart_id) if event.cart_id else None
        if event.type in ("payment_info_entered", "order_placed") and event.cart_id and not cart:
            flags.append("unknown_cart")
            notes.append(f"cart {event.cart_id!r} was not seen before; the event is kept")
        if event.type in ("order_shipped", "return_started") and not self._order_known(event):
            flags.append("unknown_order")
            notes.append(f"order {event.order_id!r} was not seen before; the event is kept")

        stored = Record(
            kind="event",
            record_id=event.event_id,
            shopper_id=event.shopper_id,
            at=iso(event.occurred_at),
            doc={
                "type": event.type,
                "channel": event.channel,
                "cart_id": event.cart_id,
                "order_id": event.order_id,
                "value": None if event.value is None else str(event.value),
                "currency": event.currency,
                "received_at": iso(now),
                "flags": flags,
                "fingerprint": fingerprint(event.raw),
                "raw": dict(event.raw),
            },
        )
        if not self._records.insert(stored):
            existing = self._records.get("event", event.event_id)
            same = existing is not None and existing.doc.get("fingerprint") == stored.doc.get(
                "fingerprint"
            )
            raise EventAlreadyReceived(event.event_id, same_content=same)

        if event.cart_id:
            self._update_cart(event, cart, erased=erased)
        recovered = None
        if event.type == "order_placed":
            recovered = self._track_recovery(event)
            self._index_order(event)
        if not erased:
            self._update_profile(event, profile, now=now, new=not profile)
        return Receipt(event.event_id, tuple(notes), tuple(flags), recovered)

    def _order_known(self, event: CommerceEvent) -> bool:
        return self._records.get("order", event.order_id) is not None

    def _index_order(self, event: CommerceEvent) -> None:
        self._records.upsert(
            Record(
                "order",
                event.order_id,
                event.shopper_id,
                iso(event.occurred_at),
                {"cart_id": event.cart_id, "value": str(event.value), "currency": event.currency},
            )
        )

    def _update_cart(self, event: CommerceEvent, cart: Record | None, *, erased: bool) -> None:
        doc: dict[str, Any] = dict(cart.doc) if cart else {"status": "open"}
        if cart and str(doc.get("last_event_at", "")) > iso(event.occurred_at):
            # An older event arriving late must not undo what a newer one said.
            if event.type not in ("payment_info_entered", "order_placed"):
                return
        if event.value is not None:
            doc["value"] = str(event.value)
            doc["currency"] = event.currency
        if event.lines:
            doc["items"] = [
                {
                    "product_id": line.product_id,
                    "title": line.title,
                    "quantity": line.quantity,
                    "unit_price": str(line.unit_price),
                }
                for line in event.lines
            ]
        doc["channel"] = event.channel
        doc["erased_shopper"] = erased
        at = iso(event.occurred_at)
        if event.type == "checkout_started" and doc.get("status") not in ("paying", "ordered"):
            doc["status"] = "checkout"
            doc["checkout_started_at"] = at
        elif event.type == "payment_info_entered" and doc.get("status") != "ordered":
            doc["status"] = "paying"
        elif event.type == "order_placed":
            doc["status"] = "ordered"
            doc["order_id"] = event.order_id
            doc["ordered_at"] = at
        doc["last_event_at"] = max(at, str(doc.get("last_event_at", "")))
        first_at = cart.at if cart else at
        self._records.upsert(Record("cart", event.cart_id, event.shopper_id, first_at, doc))

    def _track_recovery(self, event: CommerceEvent) -> str | None:
        """An order after outreach, within the window, recovers that outreach's cart."""
        window = timedelta(seconds=self._settings.recovery_window_s)
        candidates = []
        if event.cart_id:
            found = self._records.get("outreach", event.cart_id)
            if found is not None:
                candidates.append(found)
        if not candidates:
            candidates = self._records.query("outreach", shopper_id=event.shopper_id)
        for outreach in reversed(candidates):
            doc = dict(outreach.doc)
            if doc.get("recovered") or doc.get("status") != "sent":
                continue
            sent_at = parse_iso(outreach.at)
            if not sent_at <= event.occurred_at <= sent_at + window:
                continue
            doc.update(
                recovered=True,
                recovered_at=iso(event.occurred_at),
                order_id=event.order_id,
                recovered_value=str(event.value or Decimal("0")),
            )
            self._records.upsert(
                Record("outreach", outreach.record_id, outreach.shopper_id, outreach.at, doc)
            )
            return outreach.record_id
        return None

    def _update_profile(
        self, event: CommerceEvent, profile: dict[str, Any], *, now: Any, new: bool
    ) -> None:
        if new:
            profile["first_seen"] = iso(event.occurred_at)
            profile["source"] = "commerce events"
        if event.type != "order_placed" and not new:
            return
        if event.type == "order_placed":
            record_purchase(
                profile,
                order_id=event.order_id,
                at=event.occurred_at,
                value=event.value or Decimal("0"),
                currency=event.currency,
                items=[
                    {"product_id": line.product_id, "title": line.title, "quantity": line.quantity}
                    for line in event.lines
                ],
                tiers=self._settings.loyalty_tiers,
                now=now,
            )
        self._shoppers.save(event.shopper_id, profile)
