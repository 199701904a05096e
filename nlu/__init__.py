"""Shopping-language parser: text in, Parse out. Importing this package loads no spaCy."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
    path: str | Path | None = None,
    *,
    vocabulary: Mapping[str, Iterable[str]] | None = None,
    probe: Callable[[str], bool] | None = None,
) -> ShoppingParser:
    """The trained parser (default: the committed nlu/model/), grounded in a catalog.

    `vocabulary` is the catalog's names (`Catalog.vocabulary()`); `probe` answers whether some
    words find products in the catalog's index. Both are evidence for the scope decision.
    """
    from nlu.parser import ShoppingParser, load_pipeline

    parser = ShoppingParser(load_pipeline(path))
    if vocabulary:
        parser.update_vocabulary(vocabulary)
    if probe is not None:
        parser.set_catalog_probe(probe)
    return parser


def __getattr__(name: str) -> object:
    if name == "ShoppingParser":
        from nlu.parser import ShoppingParser

        return ShoppingParser
    raise AttributeError(f"module 'nlu' has no attribute {name!r}")
