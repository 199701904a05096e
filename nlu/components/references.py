"""`shop_references`: "the brown one", "the second one", "both of them" -> listed item positions.

Runs only when the parse context lists items (`doc._.context`); without one a parse has no
REFERENCE entities. A phrase that plainly points at listed items but matches none of them ("the
brown one" when nothing listed is brown) resolves to no positions, so the conversation can ask
which item the shopper means and name the real choices.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlu import lexicon
from nlu.components.extensions import register_extensions
from nlu.contract import MAX_CONTEXT_ITEMS, ListedItem, ParseContext

_DETERMINERS = frozenset({"the", "that", "this", "those", "these"})
_HEADS = frozenset({"one", "ones"})
_CHEAP = frozenset({"cheaper", "cheapest", "inexpensive", "affordable"})
_DEAR = frozenset({"pricier", "priciest", "expensive", "dearer", "costlier"})
_DEGREE = frozenset({"more", "most", "less", "least"})
_ATTRIBUTES = frozenset({"COLOR", "MATERIAL", "PATTERN", "BRAND"})
_WHOLE_LIST: tuple[tuple[str, ...], ...] = (
    ("all", "of", "them"),
    ("all", "of", "those"),
    ("all", "of", "these"),
    ("each", "of", "them"),
    ("one", "of", "each"),
    ("every", "one"),
    ("each",),
)
_PAIR: tuple[tuple[str, ...], ...] = (
    ("both", "of", "them"),
    ("both", "of", "those"),
    ("both", "of", "these"),
    ("the", "two", "of", "them"),
    ("these", "two"),
    ("those", "two"),
    ("both",),
)


@dataclass(frozen=True, slots=True)
class Reference:
    """A phrase over characters [start, end) and the listed positions it points to."""

    start: int
    end: int
    positions: tuple[int, ...]


@dataclass
class _Phrase:
    """What a determiner phrase says about the item it means."""

    end: int
    constraints: list[Span] = field(default_factory=list)
    cheap: bool = False
    dear: bool = False
    other: bool = False
    explicit: bool = False  # "one", a price comparison or "other": surely about listed items


class ReferenceResolver:
    """Resolves referring phrases against the items the context lists."""

    def __init__(self, nlp: Language, name: str) -> None:
        register_extensions()
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        context = doc._.context
        doc._.references = []
        if not isinstance(context, ParseContext) or not context.items:
            return doc
        items = usable_items(context.items)
        if items:
            doc._.references = resolve(doc, items, context.selected)
        return doc


def usable_items(items: Sequence[object]) -> list[ListedItem]:
    """Well-formed items, one per position, at most the contract's maximum."""
    seen: set[int] = set()
    out: list[ListedItem] = []
    for item in list(items)[: MAX_CONTEXT_ITEMS * 5]:
        if not isinstance(item, ListedItem) or isinstance(item.position, bool):
            continue
        if not isinstance(item.position, int) or item.position < 1 or item.position in seen:
            continue
        seen.add(item.position)
        out.append(item)
    return sorted(out, key=lambda i: i.position)[:MAX_CONTEXT_ITEMS]


def resolve(doc: Doc, items: list[ListedItem], selected: int | None) -> list[Reference]:
    """Every referring phrase in the doc, left to right, none overlapping."""
    words = [t.lower_ for t in doc]
    ents_at = {span.start: span for span in doc.ents}
    covered: set[int] = set()
    found: list[Reference] = []

    def add(start: int, end: int, positions: Iterable[int]) -> None:
        if end <= start or any(i in covered for i in range(start, end)):
            return
        covered.update(range(start, end))
        last = doc[end - 1]
        found.append(Reference(doc[start].idx, last.idx + len(last), tuple(sorted(set(positions)))))

    everything = [i.position for i in items]
    for phrases, size in ((_PAIR, 2), (_WHOLE_LIST, None)):
        for start in range(len(words)):
            phrase = next((p for p in phrases if tuple(words[start : start + len(p)]) == p), None)
            if phrase is None:
                continue
            if size is None or len(items) == size:
                add(start, start + len(phrase), everything)
            else:
                add(start, start + len(phrase), ())  # "both" of three: which two?
    for span in doc.ents:
        if span.label_ == "ORDINAL" and isinstance(span._.value, int):
            start = (
                span.start - 1 if span.start > 0 and words[span.start - 1] == "the" else span.start
            )
            end = span.end + 1 if span.end < len(words) and words[span.end] in _HEADS else span.end
            add(start, end, _by_ordinal(everything, span._.value))
    for start, word in enumerate(words):
        if word not in _DETERMINERS or start in covered:
            continue
        phrase = _read_phrase(words, ents_at, start)
        if phrase is None:
            continue
        positions = _resolve_phrase(phrase, items, selected)
        if phrase.explicit or (positions and len(positions) < len(items)):
            add(start, phrase.end, positions)
    return sorted(found, key=lambda r: r.start)


def _by_ordinal(positions: list[int], value: int) -> list[int]:
    """1-based from the top; -1 the last, -2 the one before it."""
    if value < 0:
        return [positions[value]] if -value <= len(positions) else []
    return [value] if value in positions else []


def _read_phrase(words: list[str], ents_at: dict[int, Span], start: int) -> _Phrase | None:
    """The referring phrase a determiner opens ("the navy velvet one"), or None."""
    phrase = _Phrase(end=start + 1)
    j = start + 1
    n = len(words)
    while j < n and j - start <= 6:
        span = ents_at.get(j)
        if span is not None and span.label_ in _ATTRIBUTES:
            phrase.constraints.append(span)
            j = span.end
            continue
        if span is not None and span.label_ == "PRODUCT_TYPE":
            phrase.constraints.append(span)
            phrase.end = span.end
            return phrase
        word = words[j]
        if word in _HEADS:
            phrase.end = j + 1
            phrase.explicit = phrase.explicit or len(phrase.constraints) > 0
            return phrase if phrase.explicit else None
        if word in _CHEAP or word in _DEAR:
            degree = words[j - 1] if j - 1 > start else ""
            cheap = word in _CHEAP or (word == "expensive" and degree in ("less", "least"))
            phrase.cheap, phrase.dear = cheap, not cheap
            phrase.explicit = True
            j += 1
            phrase.end = j
            for tail in (("of", "the", "two"), ("of", "them"), ("of", "the", "three")):
                if tuple(words[j : j + len(tail)]) == tail:
                    phrase.end = j + len(tail)
                    return phrase
            continue
        if word == "other":
            phrase.other = phrase.explicit = True
            j += 1
            continue
        if word in _DEGREE:
            j += 1
            continue
        break
    return phrase if phrase.cheap or phrase.dear else None


def _resolve_phrase(phrase: _Phrase, items: list[ListedItem], selected: int | None) -> list[int]:
    candidates = list(items)
    if phrase.other and selected is not None:
        candidates = [i for i in candidates if i.position != selected]
    for span in phrase.constraints:
        scored = [(_match(item, span.label_, str(span._.value)), item) for item in candidates]
        best = max((score for score, _ in scored), default=0)
        candidates = [item for score, item in scored if score == best and best > 0]
    if phrase.cheap or phrase.dear:
        priced = [i for i in candidates if i.price is not None]
        if not priced:
            return []
        pick = min if phrase.cheap else max
        return [pick(priced, key=lambda i: i.price or 0.0).position]
    return [i.position for i in candidates]


def _match(item: ListedItem, label: str, value: str) -> int:
    """2: the item says the very word; 1: the same family (navy ~ blue); 0: no."""
    said = value.lower()
    if label == "BRAND":
        return 2 if said and (said in item.brand.lower() or said in item.title.lower()) else 0
    field_text = {
        "COLOR": item.color,
        "MATERIAL": item.material,
        "PATTERN": "",
        "PRODUCT_TYPE": item.product_type,
    }[label].lower()
    words = set(f"{field_text} {item.title.lower()}".replace("-", " ").split())
    forms = {said, lexicon.plural(said)}
    if forms & words or any(f in field_text for f in forms if " " in f):
        return 2
    family = _FAMILIES.get(label, {})
    if said in family and family[said] in {family.get(w) for w in words}:
        return 1
    return 0


def _families() -> dict[str, dict[str, str]]:
    """Every built-in word -> its family's name, per label ("navy" -> "blue", "couch" -> "sofa")."""
    out: dict[str, dict[str, str]] = {}
    for label, table in (
        ("COLOR", lexicon.COLORS),
        ("MATERIAL", lexicon.MATERIALS),
        ("PRODUCT_TYPE", lexicon.PRODUCT_TYPES),
        ("PATTERN", lexicon.PATTERNS),
    ):
        forms = out.setdefault(label, {})
        for canonical, synonyms in table.items():
            for form in (canonical, *synonyms):
                forms.setdefault(form, canonical)
                forms.setdefault(lexicon.plural(form), canonical)
    return out


_FAMILIES = _families()


@Language.factory("shop_references")
def make_references(nlp: Language, name: str) -> ReferenceResolver:
    return ReferenceResolver(nlp, name)
