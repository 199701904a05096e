"""Engagement records (commerce events, outreach, surveys, feedback, conversation outcomes).

One small port, `EngageRecords`, with a SQLite and a DynamoDB adapter: every service in
`skill/engage` keeps its state here, so nothing lives only in one process's memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol


def iso(moment: datetime) -> str:
    """A fixed-width UTC timestamp, so stored times sort as text."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Record:
    """One stored fact: `kind` names the collection, `at` orders it in time."""

    kind: str
    record_id: str
    shopper_id: str
    at: str
    doc: Mapping[str, Any] = field(default_factory=dict)


class EngageRecords(Protocol):
    def insert(self, record: Record) -> bool:
        """Store `record` unless its (kind, record_id) exists; True when this call stored it."""
        ...

    def upsert(self, record: Record) -> None: ...

    def get(self, kind: str, record_id: str) -> Record | None: ...

    def query(
        self,
        kind: str,
        *,
        since: str | None = None,
        until: str | None = None,
        shopper_id: str | None = None,
    ) -> list[Record]:
        """Records of one kind, oldest first; `since` inclusive, `until` exclusive."""
        ...

    def erase_shopper(self, shopper_id: str) -> dict[str, int]:
        """Delete every record about the shopper; counts by kind."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
