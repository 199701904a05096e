"""Search vocabulary a retailer can extend: synonyms, spelling variants and colour families.

Synonyms (sofa/couch, sweater/jumper) and spellings (grey/gray, jewellery/jewelry) are the same
thing said differently; a colour family (blue: navy, cobalt ...) is a broader colour whose shades
a search may fall back on, below the colour as said.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import NamedTuple

from catalog_adapter.errors import FeedError

BUILTIN_PATH = Path(__file__).with_name("synonyms.txt")
COLOR_FAMILIES_PATH = Path(__file__).with_name("color_families.txt")
# The longest synonym phrase looked up, in tokens.
MAX_PHRASE = 4
# Spelling combinations tried for one phrase at most ("grey colour" has four).
MAX_SPELLINGS = 8

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


KINDS = ("term", "product_type", "color", "material", "pattern", "spelling", "color_family")


def parse_groups(text: str, *, source: str = "synonyms", kind: str = "term") -> list[Group]:
    """Read `term, term, ...` lines under optional `[kind]` headers; `#` starts a comment.

    Under `[color_family]` a line reads `family: shade, shade ...` (`grey, gray: charcoal` names
    two families at once); each family becomes a group whose first term is the family.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown synonym section {kind!r}")
    groups: list[Group] = []
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
        if kind == "color_family":
            groups.extend(_color_families(line, f"{source}:{number}"))
            continue
        terms = tuple(t.strip() for t in line.split(",") if t.strip())
        if len(terms) < 2:
            raise FeedError(f"{source}:{number}: a synonym group needs two or more terms: {raw!r}")
        if kind == "spelling" and any(len(tokenize(t)) != 1 for t in terms):
            raise FeedError(
                f"{source}:{number}: a spelling group lists single words; put phrases under "
                f"another section: {raw!r}"
            )
        groups.append(Group(kind, terms))
    return groups


def _color_families(line: str, where: str) -> list[Group]:
    names, colon, shades = line.partition(":")
    families = [n.strip() for n in names.split(",") if tokenize(n)]
    members = tuple(t.strip() for t in shades.split(",") if tokenize(t))
    if not colon or not families or not members:
        raise FeedError(
            f"{where}: a colour family reads `family: shade, shade ...`, e.g. "
            f"`blue: navy, cobalt`: {line!r}"
        )
    return [Group("color_family", (family, *members)) for family in families]


def read_groups(path: Path, *, kind: str = "term") -> list[Group]:
    """Groups from a file; `kind` is the section lines belong to before any `[section]` header."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise FeedError(f"cannot read synonyms file {path}: {e}") from e
    return parse_groups(text, source=str(path), kind=kind)


class Synonyms:
    """Maps a phrase to all its alternatives; a term in several groups gets their union."""

    def __init__(self, groups: Iterable[Group]) -> None:
        self.groups = tuple(groups)
        # Spelling variants fold onto one token, so every lookup treats them as the same word.
        self._canonical: dict[str, str] = {}
        self._spellings: dict[str, list[str]] = {}
        for group in self.groups:
            if group.kind == "spelling":
                self._add_spelling(group.terms)
        self._alternatives: dict[Phrase, set[Phrase]] = {}
        self._kinds: dict[Phrase, set[str]] = {}
        self._shades: dict[Phrase, set[Phrase]] = {}
        self._colors: dict[Phrase, set[Phrase]] = {}
        for group in self.groups:
            if group.kind == "spelling":
                continue
            phrases = [tuple(tokenize(term)) for term in group.terms]
            phrases = [p for p in phrases if p]
            if group.kind == "color_family":
                if len(phrases) > 1:
                    family = self.key(phrases[0])
                    self._shades.setdefault(family, set()).update(phrases[1:])
                    # Only the family is surely a colour; shades like walnut or linen are also
                    # materials, and ranking checks a named colour against the colour attribute.
                    self._kinds.setdefault(family, set()).add("color")
                continue
            for phrase in phrases:
                key = self.key(phrase)
                self._alternatives.setdefault(key, set()).update(phrases)
                self._kinds.setdefault(key, set()).add(group.kind)
                if group.kind == "color":
                    self._colors.setdefault(key, set()).update(phrases)

    def _add_spelling(self, terms: Sequence[str]) -> None:
        tokens = [t[0] for t in (tokenize(term) for term in terms) if len(t) == 1]
        if len(tokens) < 2:
            return
        stems = [light_stem(t) for t in tokens]
        # A word already known as a variant keeps its first spelling as the canonical one.
        canonical = next((self._canonical[s] for s in stems if s in self._canonical), stems[0])
        variants = self._spellings.setdefault(canonical, [])
        for token, stem in zip(tokens, stems, strict=True):
            self._canonical[stem] = canonical
            if token not in variants:
                variants.append(token)

    def kinds(self, phrase: Phrase) -> set[str]:
        """What a phrase names (color, material ...), so ranking can check that attribute."""
        return self._kinds.get(self.key(phrase), set())

    def key(self, phrase: Phrase) -> Phrase:
        """Plural- and spelling-folded form: `colours` and `color` share one key."""
        canonical = self._canonical
        stems = (light_stem(t) for t in phrase)
        return tuple(canonical.get(s, s) for s in stems)

    @classmethod
    def builtin(cls, *, extra: Iterable[Group] = ()) -> Synonyms:
        return cls([*_builtin_groups(), *extra])

    def spellings(self, phrase: Phrase) -> tuple[Phrase, ...]:
        """The phrase with every spelling variant of its words ("grey rug" -> "gray rug")."""
        options: list[Sequence[str]] = []
        for token in phrase:
            stem = light_stem(token)
            variants = self._spellings.get(self._canonical.get(stem, ""), ())
            options.append([token, *(v for v in variants if light_stem(v) != stem)])
        if all(len(o) == 1 for o in options):
            return (phrase,)
        out: list[Phrase] = [phrase]
        for combination in product(*options):
            if combination not in out:
                out.append(combination)
            if len(out) >= MAX_SPELLINGS:
                break
        return tuple(out)

    def alternatives(self, phrase: Phrase) -> tuple[Phrase, ...]:
        """The phrase and its spellings first, then its synonyms (sorted, so queries repeat)."""
        key = self.key(phrase)
        found = self._alternatives.get(key, set())
        out = list(self.spellings(phrase))
        for synonym in sorted(p for p in found if self.key(p) != key):
            out.extend(s for s in self.spellings(synonym) if s not in out)
        return tuple(out)

    def shades(self, phrase: Phrase) -> tuple[Phrase, ...]:
        """Colours in the families a colour names ("blue" -> navy, cobalt ...), not its synonyms.

        Empty for a colour that names no family, so "navy" never falls back on other blues.
        """
        same = self._color_words(phrase)
        members: set[Phrase] = set()
        for alternative in same:
            members.update(self._shades.get(self.key(alternative), ()))
        seen = {self.key(p) for p in same}
        out: list[Phrase] = []
        for member in sorted(members):
            for variant in self._color_words(member):
                if self.key(variant) not in seen:
                    seen.add(self.key(variant))
                    out.append(variant)
        return tuple(out)

    def _color_words(self, phrase: Phrase) -> list[Phrase]:
        """A colour, its spellings and its colour synonyms (not "jeans" for the colour denim)."""
        key = self.key(phrase)
        out = list(self.spellings(phrase))
        for synonym in sorted(p for p in self._colors.get(key, ()) if self.key(p) != key):
            out.extend(s for s in self.spellings(synonym) if s not in out)
        return out

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
    return (
        *read_groups(BUILTIN_PATH),
        *read_groups(COLOR_FAMILIES_PATH, kind="color_family"),
    )
