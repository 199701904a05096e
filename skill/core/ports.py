"""The small ports the conversation core needs; adapters live outside `skill/core`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol

from nlu.contract import Parse, ParseContext

OrderState = Literal["processing", "shipped", "out_for_delivery", "delivered", "cancelled"]


class Parser(Protocol):
    def parse(self, text: str, context: ParseContext | None = None) -> Parse: ...


@dataclass(frozen=True, slots=True)
class OrderLine:
    product_id: str
    title: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    shopper_id: str
    status: OrderState
    placed_on: date
    lines: tuple[OrderLine, ...]
    carrier: str = ""
    estimated_delivery: date | None = None
    refund_status: str = ""

    @property
    def cancellable(self) -> bool:
        return self.status == "processing"

    @property
    def returnable(self) -> bool:
        return self.status == "delivered"


@dataclass(frozen=True, slots=True)
class ShippingOption:
    name: str
    cost: Decimal
    days_min: int
    days_max: int
    free_over: Decimal | None = None


class OrderService(Protocol):
    def get(self, order_id: str, *, shopper_id: str) -> Order | None: ...

    def recent(self, *, shopper_id: str, limit: int = 3) -> list[Order]: ...

    def cancel(self, order_id: str, *, shopper_id: str) -> Order: ...

    def start_return(self, order_id: str, *, shopper_id: str, reason: str) -> Order: ...

    def shipping_options(self) -> list[ShippingOption]: ...


@dataclass(frozen=True, slots=True)
class HandoffRequest:
    """Everything a person needs so the shopper never repeats themselves."""

    conversation_id: str
    shopper_id: str
    channel: str
    reason: str
    transcript: tuple[Mapping[str, str], ...]
    context: Mapping[str, Any] = field(default_factory=dict)


class HandoffDesk(Protocol):
    def open_ticket(self, request: HandoffRequest) -> str:
        """Store the ticket durably (idempotent per conversation); returns its id."""
        ...

    def relay(self, conversation_id: str, text: str) -> str | None:
        """Pass the shopper's words to the person holding the conversation.

        Returns the ticket's state ("waiting", "assigned", "transferred") while a person holds
        or is about to hold it, and None once it is closed: then the assistant answers again.
        """
        ...


class Outbox(Protocol):
    def send(self, *, shopper_id: str, channel: str, text: str, link: str = "") -> str: ...


class ShopperStore(Protocol):
    """Long-lived facts about a shopper (cart, preferences, phone); the dialogue lives elsewhere."""

    def load(self, shopper_id: str) -> dict[str, Any]: ...

    def save(self, shopper_id: str, profile: Mapping[str, Any]) -> None: ...


class ConversationStore(Protocol):
    """Dialogue state for channels that, unlike Alexa, do not echo it back on every request."""

    def load(self, conversation_id: str) -> dict[str, Any] | None: ...

    def save(self, conversation_id: str, state: Mapping[str, Any]) -> None: ...
