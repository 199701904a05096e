"""Shopping-language parser: text in, Parse out. Importing this package loads no spaCy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from nlu.contract import (
    ENTITY_LABELS,
    INTENTS,
    Alternative,
    Entity,
    ListedItem,
    Parse,
    ParseContext,
)

if TYPE_CHECKING:
    from nlu.parser import ShoppingParser

__all__ = [
    "ENTITY_LABELS",
    "INTENTS",
    "Alternative",
    "Entity",
    "ListedItem",
    "Parse",
    "ParseContext",
    "ShoppingParser",
    "load",
]


def load(
    path: str | Path | None = None, *, vocabulary: Mapping[str, Iterable[str]] | None = None
) -> ShoppingParser:
    """The trained parser (default: the committed nlu/model/), with catalog names added."""
    from nlu.parser import ShoppingParser, load_pipeline

    parser = ShoppingParser(load_pipeline(path))
    if vocabulary:
        parser.update_vocabulary(vocabulary)
    return parser


def __getattr__(name: str) -> object:
    if name == "ShoppingParser":
        from nlu.parser import ShoppingParser

        return ShoppingParser
    raise AttributeError(f"module 'nlu' has no attribute {name!r}")
