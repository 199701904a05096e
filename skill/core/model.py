"""The core's values: a Turn comes in, a Reply goes out, and the orders, tickets and messages
the ports trade in; none of them knows a wire format or a store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, TypedDict

Event = Literal["launch", "message", "session_end"]
OrderState = Literal["processing", "shipped", "out_for_delivery", "delivered", "cancelled"]


@dataclass(frozen=True, slots=True)
class Device:
    """What the shopper's device can show; voice-only by default."""

    has_screen: bool = False
    supports_apl: bool = False


@dataclass(frozen=True, slots=True)
class Turn:
    """One thing the shopper said or did, as the core needs it."""

    channel: str
    shopper_id: str
    conversation_id: str
    text: str | None = None
    # A structured intent the channel already knows (Alexa built-ins like AMAZON.StopIntent).
    intent: str | None = None
    slots: Mapping[str, str] = field(default_factory=dict)
    event: Event = "message"
    locale: str = "en-US"
    device: Device = field(default_factory=Device)
    # How the channel routed the words (nlu.contract.ROUTING_HINTS): an Alexa "show me {query}"
    # carrier says "find"; evidence for understanding, never an order.
    routing: str | None = None


@dataclass(frozen=True, slots=True)
class ReplyItem:
    product_id: str
    title: str
    price: Decimal
    currency: str = "USD"
    image_url: str = ""
    link: str = ""
    subtitle: str = ""


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    text: str
    image_url: str = ""


@dataclass(frozen=True, slots=True)
class HandoffNotice:
    """Tells the channel the conversation now belongs to a person, and which ticket holds it."""

    ticket_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the core answers; each channel renders it (SSML, chat bubbles, SMS)."""

    text: str
    reprompt: str | None = None
    items: tuple[ReplyItem, ...] = ()
    card: Card | None = None
    suggestions: tuple[str, ...] = ()
    handoff: HandoffNotice | None = None
    end_session: bool = False


# -- after purchase ------------------------------------------------------------------------------


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


# -- people and messages -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HandoffRequest:
    """Everything a person needs so the shopper never repeats themselves."""

    conversation_id: str
    shopper_id: str
    channel: str
    reason: str
    transcript: tuple[Mapping[str, str], ...]
    context: Mapping[str, Any] = field(default_factory=dict)


class OutboundMessage(TypedDict):
    """A message the outbox holds, as the simulator and desk show it (JSON as it stands)."""

    message_id: str
    shopper_id: str
    channel: str
    body: str
    link: str
    created_at: str


class Ticket(TypedDict, total=False):
    """A handoff as a desk lists it: the request's fields plus its id, status and time."""

    ticket_id: str
    conversation_id: str
    shopper_id: str
    channel: str
    reason: str
    status: str
    created_at: str
    transcript: list[dict[str, str]]
    context: dict[str, Any]
