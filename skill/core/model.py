"""Channel-neutral values: a Turn comes in, a Reply goes out; neither knows the wire format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Event = Literal["launch", "message", "session_end"]


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
