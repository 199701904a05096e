"""Dialogue state: small, versioned, and rebuilt safely from whatever a channel echoes back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

STATE_VERSION = 1
MAX_RESULTS_KEPT = 10
MAX_TRANSCRIPT_TURNS = 12
_MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class DialogueState:
    """What the conversation remembers between turns; never trusted blindly (see `from_dict`)."""

    version: int = STATE_VERSION
    results: tuple[str, ...] = ()
    # The structured search that produced `results`, so "cheaper" or "in red" can refine it.
    query: Mapping[str, Any] = field(default_factory=dict)
    selected: str | None = None
    # An action awaiting yes/no, e.g. {"action": "cancel_order", "order_id": "45712"}.
    pending: Mapping[str, Any] = field(default_factory=dict)
    misunderstandings: int = 0
    last_text: str = ""
    last_reprompt: str = ""
    transcript: tuple[Mapping[str, str], ...] = ()
    handed_off: str | None = None
    # The intent of the previous turn, part of what the parser may use to read a follow-up.
    last_intent: str | None = None
    # The size the shopper chose for the selected item ("do you have it in a medium").
    size: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["results"] = list(self.results)
        data["transcript"] = [dict(t) for t in self.transcript]
        data["query"] = dict(self.query)
        data["pending"] = dict(self.pending)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> DialogueState:
        """Rebuild from echoed attributes; anything tampered with, foreign or stale is dropped."""
        if not isinstance(data, Mapping) or data.get("version") != STATE_VERSION:
            return cls()
        return cls(
            results=_str_tuple(data.get("results"))[:MAX_RESULTS_KEPT],
            query=_plain_mapping(data.get("query")),
            selected=_short_str(data.get("selected")),
            pending=_plain_mapping(data.get("pending")),
            misunderstandings=_small_int(data.get("misunderstandings")),
            last_text=_short_str(data.get("last_text"), limit=8000) or "",
            last_reprompt=_short_str(data.get("last_reprompt")) or "",
            transcript=_transcript(data.get("transcript")),
            handed_off=_short_str(data.get("handed_off")),
            last_intent=_short_str(data.get("last_intent"), limit=40),
            size=_short_str(data.get("size"), limit=20),
        )

    def remember(self, *, shopper: str, assistant: str) -> DialogueState:
        """Append one exchange to the bounded transcript a person will read at handoff."""
        entry = {"shopper": shopper[:_MAX_TEXT], "assistant": assistant[:_MAX_TEXT]}
        return replace(self, transcript=(*self.transcript, entry)[-MAX_TRANSCRIPT_TURNS:])


def _short_str(value: Any, *, limit: int = _MAX_TEXT) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _small_int(value: Any) -> int:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    return value if is_int and 0 <= value < 100 else 0


def _str_tuple(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(v[:200] for v in value if isinstance(v, str) and v)


def _plain_mapping(value: Any) -> dict[str, Any]:
    """Keep only JSON scalars and short string lists: state must never smuggle objects in."""
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, Any] = {}
    for key, item in list(value.items())[:20]:
        if not isinstance(key, str):
            continue
        if item is None or isinstance(item, bool | int | float):
            out[key] = item
        elif isinstance(item, str):
            out[key] = item[:_MAX_TEXT]
        elif isinstance(item, list):
            out[key] = [v[:200] for v in item[:20] if isinstance(v, str)]
    return out


def _transcript(value: Any) -> tuple[Mapping[str, str], ...]:
    if not isinstance(value, list):
        return ()
    turns = []
    for entry in value[-MAX_TRANSCRIPT_TURNS:]:
        if isinstance(entry, Mapping):
            turns.append(
                {
                    "shopper": str(entry.get("shopper", ""))[:_MAX_TEXT],
                    "assistant": str(entry.get("assistant", ""))[:_MAX_TEXT],
                }
            )
    return tuple(turns)
