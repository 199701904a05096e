"""What the components share: the Doc and Span attributes they write, and entity candidates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Span

from nlu.numbers import NumberMention, find_numbers

_DOC_ATTRIBUTES: tuple[tuple[str, Any], ...] = (
    ("numbers", None),
    ("gazetteer", None),
    ("asks", None),
    ("intent", None),
    ("confidence", 0.0),
    ("alternatives", None),
    # the ParseContext of this turn (nlu.contract), set by the parser before the pipeline runs
    ("context", None),
    # signal -> strength, what the scope decision weighed (for explanations and evaluation)
    ("scope", None),
    # references to listed items: nlu.components.references.Reference, by the parser's context
    ("references", None),
)


def register_extensions() -> None:
    """Declares the custom attributes every factory relies on; safe to call more than once."""
    for name, default in _DOC_ATTRIBUTES:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
    if not Span.has_extension("value"):
        Span.set_extension("value", default=None)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible entity over tokens [start, end); lower `group` wins overlaps."""

    start: int
    end: int
    label: str
    value: Any
    group: int
    # "lexicon" for the built-in retail words, "catalog" for the retailer's own names
    source: str = "lexicon"


def numbers_of(doc: Doc) -> list[NumberMention]:
    """Numbers read once per doc (the normaliser has usually read them already)."""
    numbers = doc._.numbers
    if numbers is None:
        numbers = find_numbers([t.lower_ for t in doc])
        doc._.numbers = numbers
    return numbers
