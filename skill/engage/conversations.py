"""Conversation outcomes for the CX numbers: who resolved each conversation, and how fast."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skill.engage.records import Clock, EngageRecords, Record, iso, parse_iso

# Tasks the assistant completes on its own; a CES question follows them.
SELF_SERVICE_INTENTS = frozenset(
    {"order_status", "cancel_order", "return_refund", "shipping_info", "store_info", "checkout"}
)
MAX_INTENTS_KEPT = 50


class ConversationTracker:
    """One record per conversation and one per desk ticket, updated as things happen."""

    def __init__(self, *, records: EngageRecords, clock: Clock) -> None:
        self._records = records
        self._clock = clock

    def turn(
        self,
        *,
        conversation_id: str,
        shopper_id: str,
        channel: str,
        intent: str,
        ticket_id: str | None,
        task_done: bool,
    ) -> dict[str, Any]:
        now = iso(self._clock.now())
        found = self._records.get("conversation", conversation_id)
        doc: dict[str, Any] = (
            dict(found.doc) if found else {"channel": channel, "started_at": now, "turns": 0}
        )
        doc["turns"] = int(doc.get("turns", 0)) + 1
        doc["last_at"] = now
        doc["intents"] = [*list(doc.get("intents", [])), intent][-MAX_INTENTS_KEPT:]
        if task_done:
            doc["self_service"] = [*list(doc.get("self_service", [])), intent]
        if ticket_id and not doc.get("ticket_id"):
            doc["ticket_id"] = ticket_id
            doc["handed_off_at"] = now
            self.ticket_opened(
                ticket_id, conversation_id=conversation_id, shopper_id=shopper_id, channel=channel
            )
        at = found.at if found else now
        self._records.upsert(Record("conversation", conversation_id, shopper_id, at, doc))
        return doc

    def mark(self, conversation_id: str, **changes: Any) -> None:
        found = self._records.get("conversation", conversation_id)
        if found is not None:
            doc = {**found.doc, **changes}
            self._records.upsert(
                Record("conversation", conversation_id, found.shopper_id, found.at, doc)
            )

    def conversation_ids(self, shopper_id: str) -> list[str]:
        return [r.record_id for r in self._records.query("conversation", shopper_id=shopper_id)]

    # Desk hooks: the desk calls these as a ticket moves through its states.
    def ticket_opened(
        self, ticket_id: str, *, conversation_id: str, shopper_id: str, channel: str
    ) -> None:
        now = iso(self._clock.now())
        self._records.insert(
            Record(
                "ticket",
                ticket_id,
                shopper_id,
                now,
                {"conversation_id": conversation_id, "channel": channel, "opened_at": now},
            )
        )

    def ticket_claimed(self, ticket_id: str, *, agent: str = "") -> None:
        self._update_ticket(ticket_id, claimed_at=iso(self._clock.now()), agent=agent)

    def ticket_resolved(self, ticket_id: str, *, outcome: str = "resolved") -> Record | None:
        """Close the ticket's clock; `outcome` is "resolved" or "handed_back"."""
        return self._update_ticket(ticket_id, resolved_at=iso(self._clock.now()), outcome=outcome)

    def _update_ticket(self, ticket_id: str, **changes: Any) -> Record | None:
        found = self._records.get("ticket", ticket_id)
        if found is None:
            return None
        doc = dict(found.doc)
        for key, value in changes.items():
            if key == "claimed_at" and doc.get("claimed_at"):
                continue  # a transfer keeps the first claim: handle time runs from there
            doc[key] = value
        record = Record("ticket", ticket_id, found.shopper_id, found.at, doc)
        self._records.upsert(record)
        return record


def handle_seconds(ticket: Record) -> float | None:
    """From the first claim (else opening) to resolution."""
    resolved = ticket.doc.get("resolved_at")
    start = ticket.doc.get("claimed_at") or ticket.doc.get("opened_at")
    if not isinstance(resolved, str) or not isinstance(start, str):
        return None
    return (parse_iso(resolved) - parse_iso(start)).total_seconds()


def started(record: Record) -> datetime:
    return parse_iso(record.at)
