"""The engagement services wired from settings and the state back end."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from skill.core.ports import HandoffDesk, Outbox, ShopperStore
from skill.engage.abandonment import AbandonmentWatcher, Notifier, OutboxNotifier
from skill.engage.config import EngageSettings
from skill.engage.conversations import ConversationTracker
from skill.engage.intake import EventIntake, erasure_key
from skill.engage.profiles import (
    ProfileError,
    apply_changes,
    birthday_month_day,
    is_reachable_by_sms,
    loyalty_of,
)
from skill.engage.records import Clock, EngageRecords, Record, SystemClock, iso
from skill.engage.surveys import Surveys

log = logging.getLogger(__name__)


class ShopperEraser(Protocol):
    def erase(self, shopper_id: str, *, conversation_ids: list[str]) -> dict[str, int]: ...


def events_secret(data_dir: Path, configured: str | None) -> bytes:
    """The configured shared secret, else one generated once and kept beside the state."""
    if configured:
        return configured.encode()
    path = data_dir / "events.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip().encode()


@dataclass
class Engage:
    """Everything `skill/engage` offers the web app, the CLI and the conversation."""

    settings: EngageSettings
    records: EngageRecords
    shoppers: ShopperStore
    outbox: Outbox
    desk: HandoffDesk
    eraser: ShopperEraser
    clock: Clock
    secret: bytes
    intake: EventIntake
    watcher: AbandonmentWatcher
    surveys: Surveys
    tracker: ConversationTracker

    def sweep(self) -> dict[str, Any]:
        """Everything on a schedule: abandonment outreach, birthday rewards, NPS questions."""
        outreach = self.watcher.sweep()
        return {
            "outreach": [o.cart_id for o in outreach],
            "birthday_rewards": self.birthday_rewards(),
            "nps_asked": self.schedule_nps(),
        }

    # Desk hooks (skill.desk.service.Hooks): handle time and CSAT for the CX numbers.
    def desk_ticket_claimed(self, ticket: Mapping[str, Any]) -> None:
        self._ensure_ticket(ticket)
        self.tracker.ticket_claimed(str(ticket["ticket_id"]), agent=str(ticket.get("owner") or ""))

    def desk_ticket_closed(self, ticket: Mapping[str, Any]) -> None:
        self._ensure_ticket(ticket)
        self.tracker.ticket_resolved(
            str(ticket["ticket_id"]), outcome=str(ticket.get("status") or "resolved")
        )

    def desk_csat(self, ticket: Mapping[str, Any], score: int) -> None:
        self.surveys.record_answer(
            "csat",
            score,
            shopper_id=str(ticket.get("shopper_id", "")),
            channel=str(ticket.get("channel", "")),
            conversation_id=str(ticket.get("conversation_id", "")),
            ticket_id=str(ticket["ticket_id"]),
        )

    def _ensure_ticket(self, ticket: Mapping[str, Any]) -> None:
        """Tickets the conversation did not open (desk tasks) are counted from their first hook."""
        self.tracker.ticket_opened(
            str(ticket["ticket_id"]),
            conversation_id=str(ticket.get("conversation_id", "")),
            shopper_id=str(ticket.get("shopper_id", "")),
            channel=str(ticket.get("channel", "")),
        )

    def maybe_sweep(self) -> dict[str, Any] | None:
        """Sweep unless another process already swept in this interval (a stored claim)."""
        every = self.settings.sweep_every_s
        if every <= 0:
            return None
        now = self.clock.now()
        slot = int(now.timestamp() // every)
        if not self.records.insert(Record("sweep", str(slot), "", iso(now), {})):
            return None
        return self.sweep()

    def update_profile(self, shopper_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        if self.intake.is_erased(shopper_id):
            raise ProfileError(
                f"shopper {shopper_id!r} was erased; a new profile needs the shopper's own request"
            )
        profile = self.shoppers.load(shopper_id)
        profile.setdefault("first_seen", iso(self.clock.now()))
        apply_changes(profile, changes)
        self.shoppers.save(shopper_id, profile)
        month_day = birthday_month_day(profile)
        if month_day:
            self.records.upsert(
                Record("birthday", shopper_id, shopper_id, month_day, {"month_day": month_day})
            )
        return profile

    def profile_view(self, shopper_id: str) -> dict[str, Any]:
        profile = self.shoppers.load(shopper_id)
        loyalty = loyalty_of(profile, now=self.clock.now(), tiers=self.settings.loyalty_tiers)
        return {**profile, "loyalty": loyalty.to_dict()}

    def birthday_rewards(self) -> list[str]:
        today = self.clock.now()
        month_day = today.strftime("%m-%d")
        sent = []
        for entry in self.records.query("birthday"):
            if entry.doc.get("month_day") != month_day:
                continue
            reward = Record(
                "birthday_reward",
                f"{entry.record_id}:{today.year}",
                entry.record_id,
                iso(today),
                {"code": "BDAY-" + secrets.token_hex(3).upper(), "percent_off": 15},
            )
            if not self.records.insert(reward):
                continue
            profile = self.shoppers.load(entry.record_id)
            channel = "sms" if is_reachable_by_sms(profile) else "webchat"
            self.outbox.send(
                shopper_id=entry.record_id,
                channel=channel,
                text=f"Happy birthday! Here is 15% off anything this week with code "
                f"{reward.doc['code']}.",
            )
            sent.append(entry.record_id)
        return sent

    def schedule_nps(self) -> list[str]:
        """NPS goes to shoppers who ordered in the last 30 days, at most once per interval."""
        since = iso(self.clock.now() - timedelta(days=30))
        shoppers: dict[str, str] = {}
        for order in self.records.query("order", since=since):
            if self.intake.is_erased(order.shopper_id):
                continue
            profile = self.shoppers.load(order.shopper_id)
            shoppers[order.shopper_id] = "sms" if is_reachable_by_sms(profile) else "webchat"
        return self.surveys.schedule_nps(
            shoppers=sorted(shoppers.items()), interval_days=self.settings.nps_interval_days
        )

    def export(self, shopper_id: str, *, conversations: Any) -> dict[str, Any]:
        """Everything held about the shopper, for a data-protection access request."""
        records: dict[str, list[dict[str, Any]]] = {}
        for kind in (
            "event",
            "cart",
            "order",
            "conversation",
            "ticket",
            "outreach",
            "survey",
            "feedback",
            "birthday",
            "birthday_reward",
        ):
            found = self.records.query(kind, shopper_id=shopper_id)
            if found:
                records[kind] = [{"id": r.record_id, "at": r.at, **r.doc} for r in found]
        tickets = getattr(self.desk, "tickets", None)
        messages = getattr(self.outbox, "messages", None)
        live = getattr(self.outbox, "live", None)
        desk_store = getattr(self.desk, "store", None)
        own_tickets = (
            [t for t in tickets(limit=10_000) if t.get("shopper_id") == shopper_id]
            if tickets
            else []
        )
        return {
            "shopper_id": shopper_id,
            "erased": self.intake.is_erased(shopper_id),
            "profile": self.shoppers.load(shopper_id),
            "records": records,
            "conversation_state": {
                cid: conversations.load(cid) for cid in self.tracker.conversation_ids(shopper_id)
            },
            "tickets": [
                {**t, "messages": desk_store.read(f"ticket:{t['ticket_id']}")} if desk_store else t
                for t in own_tickets
            ],
            "messages": messages(shopper_id=shopper_id, limit=10_000) if messages else [],
            "web_chat_messages": live(shopper_id) if live else [],
        }

    def erase(self, shopper_id: str) -> dict[str, int]:
        """Remove the shopper from every store; returns what was removed, by store and kind."""
        conversation_ids = self.tracker.conversation_ids(shopper_id)
        removed = {
            f"state:{table}": count
            for table, count in self.eraser.erase(
                shopper_id, conversation_ids=conversation_ids
            ).items()
        }
        removed.update(
            {f"engage:{kind}": n for kind, n in self.records.erase_shopper(shopper_id).items()}
        )
        self.records.upsert(
            Record(
                "erasure", erasure_key(shopper_id), "", iso(self.clock.now()), {"removed": removed}
            )
        )
        log.info("erased a shopper: %s", removed)
        return removed


def build_engage(
    settings: EngageSettings,
    *,
    data_dir: Path,
    records: EngageRecords,
    eraser: ShopperEraser,
    shoppers: ShopperStore,
    outbox: Outbox,
    desk: HandoffDesk,
    skill_name: str,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
) -> Engage:
    clock = clock or SystemClock()
    intake = EventIntake(records=records, shoppers=shoppers, clock=clock, settings=settings)
    return Engage(
        settings=settings,
        records=records,
        shoppers=shoppers,
        outbox=outbox,
        desk=desk,
        eraser=eraser,
        clock=clock,
        secret=events_secret(data_dir, settings.events_secret),
        intake=intake,
        watcher=AbandonmentWatcher(
            records=records,
            shoppers=shoppers,
            outbox=outbox,
            desk=desk,
            notifier=notifier or OutboxNotifier(outbox),
            clock=clock,
            settings=settings,
            skill_name=skill_name,
            is_erased=intake.is_erased,
        ),
        surveys=Surveys(records=records, outbox=outbox, clock=clock, shop_name=skill_name),
        tracker=ConversationTracker(records=records, clock=clock),
    )


def engage_for_state(
    settings: Any,
    state: Any,
    *,
    desk: HandoffDesk,
    outbox: Outbox | None = None,
    clock: Clock | None = None,
) -> Engage:
    """Engagement services over an opened state back end (`skill.store.registry.open_state`)."""
    return build_engage(
        settings.engage,
        data_dir=settings.data_dir,
        records=state.engage_records,
        eraser=state.eraser,
        shoppers=state.shoppers,
        outbox=outbox or state.outbox,
        desk=desk,
        skill_name=settings.skill_name,
        clock=clock,
    )
