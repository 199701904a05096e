"""`shop_normalizer`: spoken numbers read once, and a classifier-friendly NORM for every token."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import ensure_path

from nlu.components.extensions import register_extensions
from nlu.numbers import find_numbers
from nlu.textnorm import stem


class Normalizer:
    """Reads spoken numbers and gives every token a classifier-friendly NORM.

    Numbers ("eight hundred", "4 5 7 1 2", "two fifty", "2k", "third") are read once for the
    entity rules; the NORM the intent classifier sees is stemmed, typo-corrected against the
    training vocabulary, and numbers become placeholders, so "cancelling purchase 3707955617"
    and "cancel my order 4 5 7 1 2" share their features.
    """

    def __init__(self, nlp: Language, name: str, *, typo_threshold: float) -> None:
        register_extensions()
        self.name = name
        self.typo_threshold = typo_threshold
        self.known_words: frozenset[str] = frozenset()
        self._known_list: list[str] = []

    def set_known_words(self, words: Iterable[str]) -> None:
        self.known_words = frozenset(words)
        self._known_list = sorted(w for w in self.known_words if len(w) >= 4 and w.isalpha())
        self._correct.cache_clear()

    def __call__(self, doc: Doc) -> Doc:
        words = [t.lower_ for t in doc]
        numbers = find_numbers(words)
        doc._.numbers = numbers
        for token, word in zip(doc, words, strict=True):
            token.norm_ = stem(self._correct(word)) if word.isalpha() else _shape_norm(word)
        for m in numbers:
            placeholder = _NUMBER_NORMS[m.kind]
            if m.kind == "cardinal" and len(m.digits) >= 5:
                placeholder = "<id>"
            for token in doc[m.start : m.end]:
                token.norm_ = placeholder
        return doc

    @lru_cache(maxsize=8192)  # noqa: B019  (one normaliser per pipeline, bounded cache)
    def _correct(self, word: str) -> str:
        """The training word a misspelling most likely meant ("cancfel" -> "cancel")."""
        if len(word) < 4 or word in self.known_words or not self._known_list:
            return word
        best = process.extractOne(
            word, self._known_list, scorer=fuzz.ratio, score_cutoff=self.typo_threshold
        )
        return best[0] if best is not None else word

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        data = {"known_words": sorted(self.known_words)}
        (path / "normalizer.json").write_text(json.dumps(data), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Normalizer:
        data = json.loads((ensure_path(path) / "normalizer.json").read_text(encoding="utf-8"))
        self.set_known_words(data.get("known_words", ()))
        return self


_NUMBER_NORMS = {"cardinal": "<num>", "digits": "<id>", "ordinal": "<ord>"}


def _shape_norm(word: str) -> str:
    """Identifiers and glued words ("order732201349959", "refunding$299") reduce to a norm."""
    letters = re.findall(r"[a-z]{3,}", word)
    digits = sum(c.isdigit() for c in word)
    if letters and (digits or "$" in word):
        return stem(max(letters, key=len))
    if digits:
        return "<id>" if digits >= 5 else "<num>"
    return word


@Language.factory("shop_normalizer", default_config={"typo_threshold": 84.0})
def make_normalizer(nlp: Language, name: str, typo_threshold: float) -> Normalizer:
    return Normalizer(nlp, name, typo_threshold=typo_threshold)
