"""Where the desk keeps tickets, message streams, agents, sessions and the audit log.

Implementations: skill.store.desk_sqlite (embedded) and skill.store.desk_dynamodb.
Nothing lives only in one process's memory: every worker reads and writes through a `DeskStore`,
and tickets change only by compare-and-set on their version, so concurrent workers never both win.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

RECORD_KINDS = ("agent", "session", "audit", "link", "throttle")


class DeskStore(Protocol):
    def insert_ticket(self, ticket: Mapping[str, Any]) -> None: ...

    def get_ticket(self, ticket_id: str) -> dict[str, Any] | None: ...

    def list_tickets(self) -> list[dict[str, Any]]: ...

    def replace_ticket(self, ticket: Mapping[str, Any], *, expected_version: int) -> bool:
        """Write `ticket` (with version + 1) only if the stored version is still `expected`."""
        ...

    def append(self, stream: str, entry: Mapping[str, Any]) -> int:
        """Append to a message stream; returns the entry's 1-based sequence number."""
        ...

    def read(self, stream: str, *, after: int = 0) -> list[dict[str, Any]]: ...

    def put_record(
        self, kind: str, key: str, value: Mapping[str, Any], *, ttl_s: int | None = None
    ) -> None: ...

    def add_record(self, kind: str, key: str, value: Mapping[str, Any]) -> bool:
        """Create a record only if the key is free (agents are never silently overwritten)."""
        ...

    def get_record(self, kind: str, key: str) -> dict[str, Any] | None: ...

    def delete_record(self, kind: str, key: str) -> None: ...

    def list_records(self, kind: str) -> list[dict[str, Any]]: ...
