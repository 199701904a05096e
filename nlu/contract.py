"""The Parse contract shared by the parser, the conversation core and every channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The shop's own job: requests about products. Claimed on weaker evidence than the rest (their
# words are rare outside a shop), and the only intents whose secondary questions are read.
SHOPPING_INTENTS: tuple[str, ...] = (
    "find_product",
    "find_seen_on",
    "refine_search",
    "select_item",
    "product_info",
    "check_availability",
    "add_to_cart",
    "compare",
    "store_info",
)
# The basket and handing over to checkout (voice never takes payment: a secure link).
CART_INTENTS: tuple[str, ...] = ("view_cart", "remove_from_cart", "checkout", "send_link")

INTENTS: tuple[str, ...] = (
    *SHOPPING_INTENTS,
    *CART_INTENTS,
    # after purchase
    "order_status",
    "cancel_order",
    "return_refund",
    "shipping_info",
    # people and relationship
    "talk_to_agent",
    "complaint",
    "feedback",
    "account_help",
    # conversation
    "greeting",
    "help",
    "yes",
    "no",
    "stop",
    "thanks",
    "repeat",
    "out_of_scope",
)

ENTITY_LABELS: tuple[str, ...] = (
    "PRODUCT_TYPE",
    "COLOR",
    "MATERIAL",
    "PATTERN",
    "SIZE",
    "BRAND",
    "PERSON",
    "MEDIA",
    "PRICE",
    "QUANTITY",
    "ORDINAL",
    "STORE",
    "ORDER_ID",
    # value: the 1-based positions, in ParseContext.items, of the listed items a phrase points
    # to ("the brown one" -> [2], "both" -> [1, 2]); only produced when a context lists items.
    "REFERENCE",
)

# What a channel may say about how it routed the words (an Alexa carrier phrase such as
# "show me {query}" means "find"); evidence for the parser, never an order.
ROUTING_HINTS: tuple[str, ...] = ("find",)
MAX_CONTEXT_ITEMS = 20


@dataclass(frozen=True, slots=True)
class Entity:
    """One labelled span; `value` is the normalised form the catalog understands."""

    label: str
    text: str
    start: int
    end: int
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": self.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entity:
        return cls(
            label=str(data["label"]),
            text=str(data["text"]),
            start=int(data["start"]),
            end=int(data["end"]),
            value=data.get("value"),
        )


@dataclass(frozen=True, slots=True)
class ListedItem:
    """One item the shopper can refer to: what was just listed, shown or selected."""

    position: int
    product_id: str
    title: str = ""
    product_type: str = ""
    color: str = ""
    brand: str = ""
    material: str = ""
    price: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "product_id": self.product_id,
            "title": self.title,
            "product_type": self.product_type,
            "color": self.color,
            "brand": self.brand,
            "material": self.material,
            "price": self.price,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ListedItem | None:
        """None for anything that is not a well-formed item (contexts arrive from outside)."""
        if not isinstance(data, dict):
            return None
        position = data.get("position")
        product_id = data.get("product_id")
        if not isinstance(position, int) or isinstance(position, bool) or position < 1:
            return None
        if not isinstance(product_id, str) or not product_id:
            return None
        price = data.get("price")
        return cls(
            position=position,
            product_id=product_id[:200],
            title=_text(data.get("title")),
            product_type=_text(data.get("product_type")),
            color=_text(data.get("color")),
            brand=_text(data.get("brand")),
            material=_text(data.get("material")),
            price=float(price)
            if isinstance(price, int | float) and not isinstance(price, bool)
            else None,
        )


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What the shopper can refer to in this turn; without it the parser reads plain text."""

    # The items just listed, in the order the shopper heard or saw them (positions from 1).
    items: tuple[ListedItem, ...] = ()
    # The position in `items` of the selected item, when it is one of them.
    selected: int | None = None
    last_intent: str | None = None
    # The question the assistant just asked, e.g. "confirm_cancel", "which_item", "sms_consent".
    pending: str | None = None
    # The channel's routing hint, one of ROUTING_HINTS.
    routing: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [i.to_dict() for i in self.items],
            "selected": self.selected,
            "last_intent": self.last_intent,
            "pending": self.pending,
            "routing": self.routing,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ParseContext:
        """Builds a context from untrusted JSON; malformed parts are dropped, never raised."""
        if not isinstance(data, dict):
            return cls()
        raw_items = data.get("items")
        items = tuple(
            item
            for item in (
                ListedItem.from_dict(i)
                for i in (raw_items if isinstance(raw_items, list) else [])[:MAX_CONTEXT_ITEMS]
            )
            if item is not None
        )
        selected = data.get("selected")
        routing = data.get("routing")
        return cls(
            items=items,
            selected=selected
            if isinstance(selected, int) and not isinstance(selected, bool)
            else None,
            last_intent=_text(data.get("last_intent")) or None,
            pending=_text(data.get("pending")) or None,
            routing=routing if routing in ROUTING_HINTS else None,
        )


def _text(value: Any) -> str:
    return value[:200] if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class Alternative:
    intent: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Parse:
    """What `nlu` returns for one utterance (see docs and DESIGN.md)."""

    text: str
    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()
    asks: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = field(default_factory=tuple)

    def first(self, label: str) -> Entity | None:
        """The first entity with this label, the one a single-slot question needs."""
        return next((e for e in self.entities if e.label == label), None)

    def all(self, label: str) -> list[Entity]:
        return [e for e in self.entities if e.label == label]

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "entities": [e.to_dict() for e in self.entities],
            "asks": list(self.asks),
            "alternatives": [
                {"intent": a.intent, "confidence": round(a.confidence, 4)}
                for a in self.alternatives
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Parse:
        return cls(
            text=str(data.get("text", "")),
            intent=str(data["intent"]),
            confidence=float(data.get("confidence", 0.0)),
            entities=tuple(Entity.from_dict(e) for e in data.get("entities", [])),
            asks=tuple(str(a) for a in data.get("asks", [])),
            alternatives=tuple(
                Alternative(str(a["intent"]), float(a["confidence"]))
                for a in data.get("alternatives", [])
            ),
        )
