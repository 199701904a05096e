"""The Parse contract shared by the parser, the conversation core and every channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

INTENTS: tuple[str, ...] = (
    # shopping
    "find_product",
    "find_seen_on",
    "refine_search",
    "select_item",
    "product_info",
    "check_availability",
    "add_to_cart",
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
)


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
