"""Search synonyms (sofa/couch, sweater/jumper ...): a bundled list that retailers can extend."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from catalog_adapter.errors import FeedError

BUILTIN_PATH = Path(__file__).with_name("synonyms.txt")
# The longest synonym phrase looked up, in tokens.
MAX_PHRASE = 4

_TOKEN = re.compile(r"[^\W_]+")

Phrase = tuple[str, ...]
# One query concept: the phrase as typed first, then its synonyms.
Clause = tuple[Phrase, ...]


class Group(NamedTuple):
    kind: str
    terms: tuple[str, ...]


def fold(text: str) -> str:
    """Lower-case and strip accents the way the index's unicode61 tokenizer does."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Split text into the tokens the index sees (letters and digits; punctuation separates)."""
    return _TOKEN.findall(fold(text))


@lru_cache(maxsize=8192)
def light_stem(token: str) -> str:
    """A plural-folding key so `couches` finds the `couch` group; the index does full stemming."""
    if len(token) <= 3:
        return token
    if token.endswith("ies"):
        return token[:-3] + "y"
    if token.endswith(("sses", "ches", "shes", "xes")):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


KINDS = ("term", "product_type", "color", "material", "pattern")


def parse_groups(text: str, *, source: str = "synonyms") -> list[Group]:
    """Read `term, term, ...` lines under optional `[kind]` headers; `#` starts a comment."""
    groups: list[Group] = []
    kind = "term"
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            kind = line[1:-1].strip().lower()
            if kind not in KINDS:
                raise FeedError(
                    f"{source}:{number}: unknown section [{kind}]; known: {', '.join(KINDS)}"
                )
            continue
        terms = tuple(t.strip() for t in line.split(",") if t.strip())
        if len(terms) < 2:
            raise FeedError(f"{source}:{number}: a synonym group needs two or more terms: {raw!r}")
        groups.append(Group(kind, terms))
    return groups


def read_groups(path: Path) -> list[Group]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise FeedError(f"cannot read synonyms file {path}: {e}") from e
    return parse_groups(text, source=str(path))


class Synonyms:
    """Maps a phrase to all its alternatives; a term in several groups gets their union."""

    def __init__(self, groups: Iterable[Group]) -> None:
        self.groups = tuple(groups)
        self._alternatives: dict[Phrase, set[Phrase]] = {}
        self._kinds: dict[Phrase, set[str]] = {}
        for group in self.groups:
            phrases = [tuple(tokenize(term)) for term in group.terms]
            phrases = [p for p in phrases if p]
            for phrase in phrases:
                key = self.key(phrase)
                self._alternatives.setdefault(key, set()).update(phrases)
                self._kinds.setdefault(key, set()).add(group.kind)

    def kinds(self, phrase: Phrase) -> set[str]:
        """What a phrase names (color, material ...), so ranking can check that attribute."""
        return self._kinds.get(self.key(phrase), set())

    @staticmethod
    def key(phrase: Phrase) -> Phrase:
        return tuple(light_stem(t) for t in phrase)

    @classmethod
    def builtin(cls, *, extra: Iterable[Group] = ()) -> Synonyms:
        return cls([*_builtin_groups(), *extra])

    def alternatives(self, phrase: Phrase) -> tuple[Phrase, ...]:
        """The phrase itself first, then its synonyms (sorted, so queries are repeatable)."""
        found = self._alternatives.get(self.key(phrase), set())
        return (phrase, *sorted(p for p in found if self.key(p) != self.key(phrase)))

    def expand(self, tokens: Sequence[str]) -> list[Clause]:
        """Group tokens into clauses, longest synonym phrase first; unknown words stand alone."""
        clauses: list[Clause] = []
        i = 0
        while i < len(tokens):
            for size in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
                phrase = tuple(tokens[i : i + size])
                if size == 1 or self.key(phrase) in self._alternatives:
                    clauses.append(self.alternatives(phrase))
                    i += size
                    break
        return clauses

    def related(self, text: str) -> set[Phrase]:
        """Every phrase equivalent to the text (itself included), as plural-folded keys."""
        phrase = tuple(tokenize(text))
        return {self.key(p) for p in self.alternatives(phrase)} if phrase else set()


@lru_cache(maxsize=1)
def _builtin_groups() -> tuple[Group, ...]:
    return tuple(read_groups(BUILTIN_PATH))
