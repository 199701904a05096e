"""The small ports the conversation core needs; adapters live outside `skill/core`.

Each port says everything its adapters do that anyone calls, so a new adapter is written against
this file alone. The values they trade in live in `skill.core.model`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from nlu.contract import Parse, ParseContext
from skill.core.model import HandoffRequest, Order, OutboundMessage, ShippingOption, Ticket


class Parser(Protocol):
    def parse(self, text: str, context: ParseContext | None = None) -> Parse: ...


class OrderService(Protocol):
    """The retailer's orders: read, cancel, return; raises OrderNotFound / OrdersUnavailable."""

    def get(self, order_id: str, *, shopper_id: str) -> Order | None: ...

    def recent(self, *, shopper_id: str, limit: int = 3) -> list[Order]: ...

    def cancel(self, order_id: str, *, shopper_id: str) -> Order: ...

    def start_return(self, order_id: str, *, shopper_id: str, reason: str) -> Order: ...

    def shipping_options(self) -> list[ShippingOption]: ...

    def close(self) -> None: ...


class HandoffDesk(Protocol):
    """Where conversations go to people: the core opens tickets, desks and tools list them."""

    def open_ticket(self, request: HandoffRequest) -> str:
        """Store the ticket durably (one open ticket per conversation); returns its id."""
        ...

    def relay(self, conversation_id: str, text: str) -> str | None:
        """Pass the shopper's words to the person holding the conversation.

        Returns the ticket's state ("waiting", "assigned", "transferred") while a person holds
        or is about to hold it, and None once it is closed: then the assistant answers again.
        """
        ...

    def tickets(self, *, status: str | None = None, limit: int = 100) -> list[Ticket]:
        """Newest first; `status` filters by state ("waiting", "assigned", "resolved", ...)."""
        ...


class Outbox(Protocol):
    """Messages to a shopper's phone or inbox; the core sends, the simulator shows them."""

    def send(self, *, shopper_id: str, channel: str, text: str, link: str = "") -> str: ...

    def messages(self, *, shopper_id: str | None = None, limit: int = 50) -> list[OutboundMessage]:
        """Newest first; `shopper_id` keeps one shopper's messages."""
        ...


class ShopperStore(Protocol):
    """Long-lived facts about a shopper (cart, preferences, phone); the dialogue lives elsewhere."""

    def load(self, shopper_id: str) -> dict[str, Any]: ...

    def save(self, shopper_id: str, profile: Mapping[str, Any]) -> None: ...


class ConversationStore(Protocol):
    """Dialogue state for channels that, unlike Alexa, do not echo it back on every request."""

    def load(self, conversation_id: str) -> dict[str, Any] | None: ...

    def save(self, conversation_id: str, state: Mapping[str, Any]) -> None: ...


class HitCounter(Protocol):
    """Hits per key, shared by every process that serves the shop (rate limits at the edges)."""

    def hit(self, key: str, *, expires_at: float) -> int:
        """Count one hit on `key`; the count so far, this hit included. Forgotten after expiry."""
        ...
