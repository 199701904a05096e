"""spaCy components of the shopping pipeline; `nlu/config.cfg` wires them together."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from spacy.attrs import IDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.ml.extract_ngrams import extract_ngrams
from spacy.ml.models.textcat import NEG_VALUE, resize_and_set_ref
from spacy.strings import hash_string
from spacy.tokens import Doc, Span
from spacy.util import ensure_path, registry
from thinc.api import (
    Logistic,
    Model,
    SparseLinear_v2,
    chain,
    resizable,
    softmax_activation,
    with_cpu,
)
from thinc.layers.resizable import resize_linear_weighted
from thinc.types import Floats2d

from nlu import lexicon
from nlu.contract import INTENTS
from nlu.numbers import NumberMention, find_numbers
from nlu.textnorm import stem

for _name, _default in (
    ("numbers", None),
    ("gazetteer", None),
    ("asks", None),
    ("intent", None),
    ("confidence", 0.0),
    ("alternatives", None),
):
    Doc.set_extension(_name, default=_default, force=True)
Span.set_extension("value", default=None, force=True)

_STOP = frozenset(
    "a an the my your his her their our its this that these those some any of to in on at for "
    "from with by and or but is are was were be been it i me we you he she they him them what "
    "which who where when how do does did can could would should will please just also so "
    "one ones".split()
)
_PRONOUNS = frozenset("he she they i you we it him her them his their someone somebody".split())
# words that are product types as nouns but common verbs too ("i want to watch netflix")
_VERBISH_TYPES = frozenset(
    "watch tie ring top light throw runner chain console cap frame print drawers "
    "plates set stool bench".split()
)
_VERB_CONTEXT = frozenset(
    "to i you we they can will and please lets let n't not 'll 'd could would should "
    "did do does".split()
)
_ENTITY_NORMS = {
    "PRODUCT_TYPE": "<product>",
    "COLOR": "<color>",
    "MATERIAL": "<material>",
    "PATTERN": "<pattern>",
    "BRAND": "<brand>",
    "PERSON": "<person>",
    "MEDIA": "<media>",
    "PRICE": "<price>",
    "ORDER_ID": "<id>",
    "QUANTITY": "<num>",
    "ORDINAL": "<ord>",
    "SIZE": "<size>",
}
_GAZETTEER_RANK = {
    "PERSON": 0,
    "MEDIA": 1,
    "BRAND": 2,
    "STORE": 3,
    "PRODUCT_TYPE": 4,
    "MATERIAL": 5,
    "PATTERN": 6,
    "COLOR": 7,
    "SIZE": 8,
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible entity over tokens [start, end); lower `group` wins overlaps."""

    start: int
    end: int
    label: str
    value: Any
    group: int


def _numbers(doc: Doc) -> list[NumberMention]:
    numbers = doc._.numbers
    if numbers is None:
        numbers = find_numbers([t.lower_ for t in doc])
        doc._.numbers = numbers
    return numbers


class Normalizer:
    """Reads spoken numbers and gives every token a classifier-friendly NORM.

    Numbers ("eight hundred", "4 5 7 1 2", "two fifty", "2k", "third") are read once for the
    entity rules; the NORM the intent classifier sees is stemmed, typo-corrected against the
    training vocabulary, and numbers become placeholders, so "cancelling purchase 3707955617"
    and "cancel my order 4 5 7 1 2" share their features.
    """

    def __init__(self, nlp: Language, name: str, *, typo_threshold: float) -> None:
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


class Gazetteer:
    """Exact and fuzzy look-up of catalog names; vocabulary can be extended while running."""

    def __init__(self, nlp: Language, name: str, *, fuzzy_threshold: float) -> None:
        self.nlp = nlp
        self.name = name
        self.fuzzy_threshold = fuzzy_threshold
        self.vocabulary: dict[str, list[str]] = {}
        self.known_words: frozenset[str] = frozenset()
        self._rebuild()

    def _rebuild(self) -> None:
        tables = lexicon.default_entries()
        sizes = {form: value for form, value in lexicon.LETTER_SIZES.items()}
        tables["SIZE"] = sizes
        for label, table in lexicon.vocabulary_entries(self.vocabulary).items():
            tables.setdefault(label, {}).update(table)
        self.values: dict[tuple[str, str], str] = {}
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for label, table in tables.items():
            patterns = []
            for form, value in table.items():
                doc = self.nlp.make_doc(form)
                self.values[(label, " ".join(t.lower_ for t in doc))] = value
                patterns.append(doc)
            if patterns:
                self.matcher.add(label, patterns)
        # fuzzy matching covers names a speech recogniser garbles ("harry stiles")
        self.fuzzy_names: dict[str, tuple[str, str]] = {}
        self.name_words: dict[str, set[str]] = {}
        for label in ("PERSON", "MEDIA", "BRAND", "STORE"):
            for form, value in tables.get(label, {}).items():
                if label == "MEDIA" and form in _PLATFORM_FORMS:
                    continue
                self.fuzzy_names[form] = (label, value)
                for word in form.split():
                    self.name_words.setdefault(word, set()).add(form)
        self._word_list = [w for w in self.name_words if len(w) >= 4]

    def update(self, vocabulary: Mapping[str, Iterable[str]]) -> None:
        for key, names in vocabulary.items():
            if key not in lexicon.VOCABULARY_KEYS or isinstance(names, str):
                continue
            merged = dict.fromkeys([*self.vocabulary.get(key, []), *map(str, names)])
            self.vocabulary[key] = list(merged)
        self._rebuild()

    def __call__(self, doc: Doc) -> Doc:
        found: list[Candidate] = []
        for match_id, start, end in self.matcher(doc):
            label = self.nlp.vocab.strings[match_id]
            key = " ".join(t.lower_ for t in doc[start:end])
            value = self.values.get((label, key))
            if value is None:
                continue
            group = 1 if label in ("PERSON", "MEDIA", "BRAND", "STORE") else 2
            found.append(Candidate(start, end, label, value, group))
        found.extend(self._fuzzy(doc, found))
        doc._.gazetteer = found
        return doc

    def _fuzzy(self, doc: Doc, exact: list[Candidate]) -> list[Candidate]:
        if not self.fuzzy_names:
            return []
        covered = {i for c in exact if c.group == 1 for i in range(c.start, c.end)}
        options: list[set[str]] = []
        for token in doc:
            word = token.lower_
            names = set(self.name_words.get(word, ()))
            if (
                not names
                and token.is_alpha
                and len(word) >= 4
                and word not in self.known_words
                and word not in _STOP
            ):
                best = process.extractOne(word, self._word_list, scorer=fuzz.ratio, score_cutoff=75)
                if best is not None:
                    names = set(self.name_words[best[0]])
            options.append(names)
        results: list[Candidate] = []
        n = len(doc)
        for start in range(n):
            if not options[start] or start in covered or doc[start].lower_ in _STOP:
                continue
            shared = set(options[start])
            for end in range(start + 1, min(start + 6, n) + 1):
                if end > start + 1:
                    if not options[end - 1] or (end - 1) in covered:
                        break
                    shared &= options[end - 1]
                    if not shared:
                        break
                if doc[end - 1].lower_ in _STOP:
                    continue
                text = doc[start:end].text.lower()
                if end - start == 1 and len(text) < 5:
                    continue
                best = process.extractOne(
                    text, list(shared), scorer=fuzz.ratio, score_cutoff=self.fuzzy_threshold
                )
                if best is not None and best[1] < 100:
                    label, value = self.fuzzy_names[best[0]]
                    results.append(Candidate(start, end, label, value, 1))
        return results

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        data = {"vocabulary": self.vocabulary, "known_words": sorted(self.known_words)}
        (path / "gazetteer.json").write_text(json.dumps(data), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Gazetteer:
        data = json.loads((ensure_path(path) / "gazetteer.json").read_text(encoding="utf-8"))
        self.vocabulary = {k: list(v) for k, v in data.get("vocabulary", {}).items()}
        self.known_words = frozenset(data.get("known_words", ()))
        self._rebuild()
        return self


_PLATFORM_FORMS = frozenset(f for forms in lexicon.PLATFORMS.values() for f in forms)


@Language.factory("shop_gazetteer", default_config={"fuzzy_threshold": 85.0})
def make_gazetteer(nlp: Language, name: str, fuzzy_threshold: float) -> Gazetteer:
    return Gazetteer(nlp, name, fuzzy_threshold=fuzzy_threshold)


# ---------------------------------------------------------------- entity resolution

_CURRENCY = frozenset({"dollars", "dollar", "bucks", "buck", "usd", "$", "dollas"})
_MAX_WORDS = (
    ("less", "than"),
    ("no", "more", "than"),
    ("not", "more", "than"),
    ("up", "to"),
    ("at", "most"),
    ("cheaper", "than"),
    ("lower", "than"),
    ("no", "more", "then"),
    ("less", "then"),
    ("under",),
    ("below",),
    ("max",),
    ("maximum",),
    ("within",),
    ("underneath",),
    ("budget",),
    ("budget", "of"),
    ("budget", "is"),
    ("tops",),
    ("spend",),
    ("afford",),
    ("beneath",),
)
_MIN_WORDS = (
    ("more", "than"),
    ("at", "least"),
    ("starting", "at"),
    ("over",),
    ("above",),
    ("min",),
    ("minimum",),
    ("greater", "than"),
    ("higher", "than"),
    ("upwards", "of"),
)
_ABOUT_WORDS = (("around",), ("about",), ("roughly",), ("approximately",), ("like",))
_MAX_AFTER = (
    ("or", "less"),
    ("or", "under"),
    ("and", "under"),
    ("max",),
    ("tops",),
    ("or", "below"),
    ("at", "most"),
    ("or", "cheaper"),
)
_MIN_AFTER = (
    ("or", "more"),
    ("and", "up"),
    ("plus",),
    ("and", "above"),
    ("or", "above"),
    ("at", "least"),
)
_NON_MONEY_UNITS = frozenset(
    "inch inches in ft feet foot cm mm meter meters metres pounds lb lbs kg kilos percent % "
    "thread threads watts people seats seater seaters minutes minute hours hour days day "
    "weeks week months month years year items item miles gb tb pieces piece pairs pack "
    "times am pm o'clock oclock degrees".split()
)
_QUANTITY_VERBS = frozenset(
    "add buy get order take want need grab purchase put reserve include ship send".split()
)
_QTY_SKIP = frozenset({"me", "just", "'ll", "like", "to", "it"})
_QUANTITY_AFTER = frozenset(
    "of more units unit items item pieces piece pairs pair sets set packs pack boxes".split()
)
_ORDER_WORDS = frozenset(
    "order orders purchase number no # id package parcel shipment tracking invoice "
    "reference ref confirmation delivery".split()
)
_ORDINAL_NOUNS = frozenset(
    "one ones item option result choice thing product pick listing suggestion".split()
)
_NUMBERED = frozenset("number option item result choice no #".split())
_NOT_ID = re.compile(r"^\d+(st|nd|rd|th|k)$")
_ALNUM_ID = re.compile(r"^(?=(?:.*\d){3})[a-z0-9][a-z0-9-]{4,}$")
_MEDIA_KINDS = frozenset(lexicon.MEDIA_KINDS)
_WORE = frozenset("wore wears wearing worn rocked rocking sported sporting donned had".split())
_MEDIA_STOP = frozenset(
    "and how but where what when which that last yesterday today recently , . ? ! "
    "so because or can could would is".split()
)


def _follows(words: list[str], end: int, phrases: Iterable[tuple[str, ...]]) -> int:
    """Length of the first phrase that starts at `end`, or 0."""
    for phrase in phrases:
        if tuple(words[end : end + len(phrase)]) == phrase:
            return len(phrase)
    return 0


def _precedes(words: list[str], start: int, phrases: Iterable[tuple[str, ...]]) -> int:
    """Length of the longest phrase that ends just before `start` (skipping "$"), or 0."""
    best = 0
    for phrase in phrases:
        k = len(phrase)
        if start - k >= 0 and tuple(words[start - k : start]) == phrase:
            best = max(best, k)
    return best


class EntityResolver:
    """Turns numbers, gazetteer hits and phrase patterns into one non-overlapping entity set."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        words = [t.lower_ for t in doc]
        numbers = _numbers(doc)
        gazetteer: list[Candidate] = list(doc._.gazetteer or ())
        types_at = {c.start for c in gazetteer if c.label == "PRODUCT_TYPE"}
        attrs_at = {
            c.start
            for c in gazetteer
            if c.label in ("PRODUCT_TYPE", "COLOR", "MATERIAL", "PATTERN", "BRAND", "SIZE")
        }
        candidates: list[Candidate] = []
        used: set[int] = set()
        candidates.extend(self._order_ids(doc, words, numbers, used))
        candidates.extend(self._prices(words, numbers, used))
        candidates.extend(self._numeric_sizes(words, numbers, used))
        candidates.extend(self._ordinals(words, numbers, used, types_at))
        candidates.extend(self._quantities(words, numbers, used, attrs_at))
        candidates.extend(self._filter_gazetteer(words, _extend_media(words, gazetteer), types_at))
        candidates.extend(self._stores(doc, words, gazetteer))
        candidates.extend(self._seen_on(doc, words, gazetteer))
        chosen: list[Candidate] = []
        taken: set[int] = set()
        ordered = sorted(
            candidates,
            key=lambda c: (c.group, -(c.end - c.start), _GAZETTEER_RANK.get(c.label, 9)),
        )
        for cand in ordered:
            span_tokens = set(range(cand.start, cand.end))
            if span_tokens & taken:
                continue
            taken |= span_tokens
            chosen.append(cand)
        chosen.sort(key=lambda c: c.start)
        spans = []
        for cand in chosen:
            span = Span(doc, cand.start, cand.end, label=cand.label)
            span._.value = cand.value
            spans.append(span)
            # the classifier sees the kind of thing, not which one: new brands need no retraining
            placeholder = _ENTITY_NORMS.get(cand.label)
            if placeholder is not None:
                for token in span:
                    token.norm_ = placeholder
        doc.ents = spans
        return doc

    # -- numbers

    def _order_ids(
        self, doc: Doc, words: list[str], numbers: list[NumberMention], used: set[int]
    ) -> list[Candidate]:
        found = []
        for m in numbers:
            near_order = any(w in _ORDER_WORDS for w in words[max(0, m.start - 4) : m.start])
            money = (
                (m.end < len(words) and words[m.end] in _CURRENCY)
                or (m.start > 0 and words[m.start - 1] == "$")
                or _precedes(words, m.start, _MAX_WORDS + _MIN_WORDS) > 0
            )
            if money:
                continue
            if m.kind == "digits" and (len(m.digits) >= 4 or near_order):
                found.append(Candidate(m.start, m.end, "ORDER_ID", m.digits, 0))
            elif (
                m.kind == "cardinal"
                and m.digits
                and (len(m.digits) >= 5 or (len(m.digits) >= 3 and near_order))
            ):
                found.append(Candidate(m.start, m.end, "ORDER_ID", m.digits, 0))
            else:
                continue
            used.update(range(m.start, m.end))
        number_tokens = {i for m in numbers for i in range(m.start, m.end)}
        for i, word in enumerate(words):
            if i in number_tokens or i in used:
                continue
            if _ALNUM_ID.match(word) and not word.isdigit() and not _NOT_ID.match(word):
                if re.match(r"^\d+x\d+$", word):
                    continue
                found.append(Candidate(i, i + 1, "ORDER_ID", doc[i].text.upper(), 0))
                used.add(i)
        return found

    def _prices(
        self, words: list[str], numbers: list[NumberMention], used: set[int]
    ) -> list[Candidate]:
        found = []
        cardinals = [m for m in numbers if m.kind == "cardinal" and m.start not in used]
        skip: set[int] = set()
        for idx, m in enumerate(cardinals):
            if idx in skip:
                continue
            start, end = m.start, m.end
            dollar_before = start > 0 and words[start - 1] == "$"
            if dollar_before:
                start -= 1
            currency_after = end < len(words) and words[end] in _CURRENCY
            # ranges: "between 200 and 400", "from 200 to 400 dollars", "200 - 400"
            if idx + 1 < len(cardinals):
                nxt = cardinals[idx + 1]
                gap = words[end : nxt.start]
                if currency_after:
                    gap = gap[1:]
                if gap and gap[-1] == "$":
                    gap = gap[:-1]
                if gap in (["and"], ["to"], ["-"], ["through"]):
                    lead = _precedes(words, start, (("between",), ("from",), ("range",)))
                    nxt_end = nxt.end
                    if nxt_end < len(words) and words[nxt_end] in _CURRENCY:
                        nxt_end += 1
                    has_currency = (
                        currency_after
                        or dollar_before
                        or nxt_end > nxt.end
                        or words[nxt.start - 1] == "$"
                    )
                    if lead or has_currency:
                        low, high = sorted((m.value, nxt.value))
                        found.append(
                            Candidate(start - lead, nxt_end, "PRICE", _money(low, high), 0)
                        )
                        used.update(range(start - lead, nxt_end))
                        skip.add(idx + 1)
                        continue
            if currency_after:
                end += 1
            has_currency = currency_after or dollar_before
            unit_after = end < len(words) and words[end] in _NON_MONEY_UNITS
            lead_max = _precedes(words, start, _MAX_WORDS)
            lead_min = _precedes(words, start, _MIN_WORDS)
            lead_about = _precedes(words, start, _ABOUT_WORDS)
            tail_max = _follows(words, end, _MAX_AFTER)
            tail_min = _follows(words, end, _MIN_AFTER)
            plausible = has_currency or (not unit_after and m.value >= 5 and m.value % 1 == 0)
            if not plausible:
                continue
            if lead_max or tail_max:
                value = _money(None, m.value)
            elif lead_min or tail_min:
                value = _money(m.value, None)
            elif lead_about and has_currency:
                value = _money(round(m.value * 0.8, 2), round(m.value * 1.2, 2))
            elif has_currency:
                value = _money(None, m.value)
            else:
                continue
            begin = start - max(lead_max, lead_min, lead_about if has_currency else 0)
            finish = end + max(tail_max, tail_min)
            found.append(Candidate(begin, finish, "PRICE", value, 0))
            used.update(range(begin, finish))
        return found

    def _numeric_sizes(
        self, words: list[str], numbers: list[NumberMention], used: set[int]
    ) -> list[Candidate]:
        found = []
        n = len(words)
        cardinals = [m for m in numbers if m.kind == "cardinal" and m.start not in used]
        for idx, m in enumerate(cardinals):
            if m.start in used or not (0 < m.value <= 60):
                continue
            label_value = _fmt(m.value)
            start, end = m.start, m.end
            if idx + 1 < len(cardinals):
                nxt = cardinals[idx + 1]
                if words[m.end : nxt.start] in (["by"], ["x"]) and 20 <= m.value <= 60:
                    found.append(
                        Candidate(start, nxt.end, "SIZE", f"{label_value}x{_fmt(nxt.value)}", 0)
                    )
                    used.update(range(start, nxt.end))
                    continue
            if start > 0 and words[start - 1] == "size":
                found.append(Candidate(start - 1, end, "SIZE", label_value, 0))
            elif end < n and words[end] in ("waist", "inseam", "regular", "slim"):
                found.append(Candidate(start, end + 1, "SIZE", label_value, 0))
            elif start > 0 and words[start - 1] == "waist":
                found.append(Candidate(start - 1, end, "SIZE", label_value, 0))
            elif start > 1 and words[start - 1] in ("a", "an") and words[start - 2] == "in":
                found.append(Candidate(start - 1, end, "SIZE", label_value, 0))
            else:
                continue
            used.update(range(found[-1].start, found[-1].end))
        for i, word in enumerate(words):
            dims = re.match(r"^(\d{2})x(\d{2})$", word)
            if dims and i not in used:
                found.append(Candidate(i, i + 1, "SIZE", word, 0))
                used.add(i)
        return found

    def _ordinals(
        self,
        words: list[str],
        numbers: list[NumberMention],
        used: set[int],
        types_at: set[int],
    ) -> list[Candidate]:
        found = []
        n = len(words)
        for m in numbers:
            if m.start in used:
                continue
            before = words[m.start - 1] if m.start > 0 else ""
            after = words[m.end] if m.end < n else ""
            if m.kind == "ordinal":
                word = words[m.start]
                if word in ("second",) and before in ("a", "one", "per", "sec", "split"):
                    continue
                if word == "first" and (after in ("of", "time", "thing") or before == "at"):
                    continue
                if word in ("last", "penultimate"):
                    ends_phrase = after in ("", ",", ".", "?", "!", "and", "please") or (
                        after in _ORDINAL_NOUNS or m.end in types_at
                    )
                    if before not in ("the", "that", "to") or not ends_phrase:
                        continue
                    if words[m.start - 2 : m.start] == ["to", "the"] and m.start >= 2:
                        continue
                if after == "hand":
                    continue
                value = int(m.value)
                start = m.start
                if m.start >= 2 and words[m.start - 2 : m.start] in (
                    ["second", "to"],
                    ["next", "to"],
                ):
                    if word == "last":
                        found.append(Candidate(m.start - 2, m.end, "ORDINAL", -2, 0))
                        used.update(range(m.start - 2, m.end))
                    continue
                found.append(Candidate(start, m.end, "ORDINAL", value, 0))
                used.update(range(start, m.end))
            elif m.kind == "cardinal" and before in _NUMBERED and 1 <= m.value <= 50:
                if (
                    before in ("number", "no", "#")
                    and m.start >= 2
                    and words[m.start - 2]
                    in ("order", "phone", "tracking", "account", "invoice", "my")
                ):
                    continue
                found.append(Candidate(m.start - 1, m.end, "ORDINAL", int(m.value), 0))
                used.update(range(m.start - 1, m.end))
        return found

    def _quantities(
        self,
        words: list[str],
        numbers: list[NumberMention],
        used: set[int],
        attrs_at: set[int],
    ) -> list[Candidate]:
        found = []
        n = len(words)
        for m in numbers:
            if m.kind != "cardinal" or m.start in used or not (1 <= m.value <= 100):
                continue
            if m.value % 1:
                continue
            after = words[m.end] if m.end < n else ""
            prev = [w for w in words[max(0, m.start - 3) : m.start] if w not in _QTY_SKIP]
            verb_before = bool(prev) and prev[-1] in _QUANTITY_VERBS
            if words[m.start] == "one" and not verb_before:
                continue
            make_it = words[max(0, m.start - 2) : m.start] == ["make", "it"] or words[
                max(0, m.start - 3) : m.start
            ] == ["change", "it", "to"]
            qty_word = m.start > 0 and words[m.start - 1] in ("quantity", "qty")
            cart_after = after == "to" and "cart" in words[m.end : m.end + 4]
            if (
                verb_before
                or make_it
                or qty_word
                or cart_after
                or after in _QUANTITY_AFTER
                or m.end in attrs_at
            ):
                found.append(Candidate(m.start, m.end, "QUANTITY", int(m.value), 0))
                used.update(range(m.start, m.end))
        return found

    # -- words

    def _filter_gazetteer(
        self, words: list[str], gazetteer: list[Candidate], types_at: set[int]
    ) -> list[Candidate]:
        kept = []
        n = len(words)
        for cand in gazetteer:
            first = words[cand.start]
            before = words[cand.start - 1] if cand.start > 0 else ""
            after = words[cand.end] if cand.end < n else ""
            if cand.label == "PRODUCT_TYPE" and cand.end - cand.start == 1:
                if first in _VERBISH_TYPES and (cand.start == 0 or before in _VERB_CONTEXT):
                    continue
            if cand.label == "SIZE":
                value = str(cand.value)
                ambiguous = value in (
                    "full",
                    "queen",
                    "king",
                    "twin",
                    "tall",
                    "plus",
                    "petite",
                    "one size",
                    "twin xl",
                    "S",
                    "L",
                    "M",
                )
                if first in ("small", "medium", "large", "med"):
                    ambiguous = False
                sized = (
                    after in ("size", "sized") or before in ("size", "in") or (cand.end in types_at)
                )
                if ambiguous and not sized:
                    continue
                start, end = cand.start, cand.end
                if before == "size":
                    start -= 1
                elif after in ("size", "sized"):
                    end += 1
                kept.append(Candidate(start, end, "SIZE", cand.value, 2))
                continue
            kept.append(cand)
        return kept

    def _stores(self, doc: Doc, words: list[str], gazetteer: list[Candidate]) -> list[Candidate]:
        found = []
        known = {c.start: c for c in gazetteer if c.label == "STORE"}
        for i, word in enumerate(words):
            if word not in lexicon.STORE_NOUNS or i == 0:
                continue
            j = i
            while j > 0 and i - j < 3 and words[j - 1].isalpha() and words[j - 1] not in _STOP:
                if words[j - 1] in (
                    "nearest",
                    "closest",
                    "local",
                    "nearby",
                    "physical",
                    "online",
                    "retail",
                    "other",
                    "same",
                    "this",
                    "whole",
                ):
                    break
                j -= 1
            if j == i:
                continue
            if j - 1 >= 0 and words[j - 1] not in (
                "the",
                "your",
                "at",
                "in",
                "from",
                "to",
                "near",
                "our",
                "my",
            ):
                continue
            vocab = known.get(j)
            value = (
                vocab.value if vocab is not None else " ".join(w.capitalize() for w in words[j:i])
            )
            found.append(Candidate(j, i + 1, "STORE", value, 1))
        return found

    def _seen_on(self, doc: Doc, words: list[str], gazetteer: list[Candidate]) -> list[Candidate]:
        """Names nobody told us about, read from "... <person> wore on <show> ..." phrasing."""
        has_person = any(c.label == "PERSON" for c in gazetteer)
        named_media = [c for c in gazetteer if c.label == "MEDIA"]
        found: list[Candidate] = []
        n = len(words)
        for i, word in enumerate(words):
            if word not in _WORE:
                continue
            if word == "had" and (i + 1 >= n or words[i + 1] != "on"):
                continue
            verb_end = i + 2 if word == "had" else i + 1
            if i > 0 and words[i - 1] in ("was", "is", "were", "been"):
                i -= 1
            if not has_person:
                j = i
                known = {k for c in gazetteer if c.label != "PERSON" for k in range(c.start, c.end)}
                while (
                    j > 0
                    and i - j < 3
                    and words[j - 1].isalpha()
                    and (j - 1) not in known
                    and words[j - 1] not in _STOP
                    and words[j - 1] not in _PRONOUNS
                ):
                    j -= 1
                if j < i and (j == 0 or words[j - 1] in _STOP or (j - 1) in known):
                    names = words[j:i]
                    if not any(_is_common(w) for w in names[-1:]):
                        found.append(
                            Candidate(j, i, "PERSON", " ".join(w.capitalize() for w in names), 3)
                        )
            k = verb_end
            while k < n and words[k] in ("it", "that", "this", "them", "those"):
                k += 1
            if k < n and words[k] in ("on", "in", "at", "during", "to", "for"):
                start = k + 1
                while start < n and words[start] in (
                    "his",
                    "her",
                    "their",
                    "the",
                    "a",
                    "an",
                    "that",
                    "this",
                    "its",
                ):
                    start += 1
                end = start
                while end < n and end - start < 6 and words[end] not in _MEDIA_STOP:
                    end += 1
                if end == start or any(c.start >= start and c.end <= end for c in named_media):
                    continue
                phrase = words[start:end]
                if phrase[-1] in _MEDIA_KINDS and len(phrase) > 1:
                    value = " ".join(
                        w.upper() if len(w) <= 3 and w not in ("the", "and") else w.capitalize()
                        for w in phrase[:-1]
                    )
                elif phrase[-1] in _MEDIA_KINDS:
                    value = phrase[-1]
                elif len(phrase) <= 4:
                    value = " ".join(w.capitalize() for w in phrase)
                else:
                    continue
                found.append(Candidate(start, end, "MEDIA", value, 3))
        return found


def _extend_media(words: list[str], gazetteer: list[Candidate]) -> list[Candidate]:
    """ "npr tiny desk concert": the span covers the kind word that names the appearance."""
    out = []
    for cand in gazetteer:
        end = cand.end
        if cand.label == "MEDIA" and cand.group == 1:
            while end < len(words) and end - cand.end < 2 and words[end] in _MEDIA_KINDS:
                end += 1
        out.append(
            Candidate(cand.start, end, cand.label, cand.value, cand.group)
            if end != cand.end
            else cand
        )
    return out


def _is_common(word: str) -> bool:
    return word in _STOP or word in ("just", "recently", "once", "always", "also")


def _money(low: float | None, high: float | None) -> dict[str, Any]:
    return {"min": low, "max": high, "currency": "USD"}


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


@Language.factory("shop_entities")
def make_entities(nlp: Language, name: str) -> EntityResolver:
    return EntityResolver(nlp, name)


# ---------------------------------------------------------------- intent classifier model


@registry.architectures("ambient_shop.TextCatBOW.v1")
def build_bow_on_attr(
    exclusive_classes: bool,
    ngram_size: int,
    no_output_layer: bool,
    attr: str = "NORM",
    length: int = 65536,
    nO: int | None = None,
) -> Model[list[Doc], Floats2d]:
    """spaCy's TextCatBOW.v3, reading a chosen token attribute (NORM) instead of ORTH."""
    length = 2 ** (length - 1).bit_length()
    fill_defaults = {"b": 0, "W": 0}
    sparse_linear = SparseLinear_v2(nO=nO, length=length)
    with Model.define_operators({">>": chain}):
        output_layer = None
        if not no_output_layer:
            fill_defaults["b"] = NEG_VALUE
            output_layer = softmax_activation() if exclusive_classes else Logistic()
        resizable_layer = resizable(
            sparse_linear,
            resize_layer=partial(resize_linear_weighted, fill_defaults=fill_defaults),
        )
        model = extract_ngrams(ngram_size, attr=IDS[attr.upper()]) >> resizable_layer
        model = with_cpu(model, model.ops)
        if output_layer:
            model = model >> with_cpu(output_layer, output_layer.ops)
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", sparse_linear)
    model.attrs["multi_label"] = not exclusive_classes
    model.attrs["resize_output"] = partial(resize_and_set_ref, resizable_layer=resizable_layer)
    return model


@registry.architectures("ambient_shop.TextCatBOW.v2")
def build_bow_with_subwords(
    exclusive_classes: bool,
    ngram_size: int,
    no_output_layer: bool,
    attr: str = "NORM",
    length: int = 65536,
    char_ngrams: list[int] | None = None,
    char_weight: float = 0.5,
    skip_bigrams: bool = False,
    nO: int | None = None,
) -> Model[list[Doc], Floats2d]:
    """TextCatBOW.v1 plus character n-grams of each NORM and skip-bigrams, in one linear layer.

    Character n-grams let a word the training data never had ("reimbursal") share weight with
    its relatives; skip-bigrams tie "cancel … order" together across a filler word.
    """
    length = 2 ** (length - 1).bit_length()
    fill_defaults = {"b": 0, "W": 0}
    sparse_linear = SparseLinear_v2(nO=nO, length=length)
    extractor = Model(
        "extract_shop_features",
        _extract_features_forward,
        attrs={
            "ngram_size": ngram_size,
            "attr": IDS[attr.upper()],
            "char_ngrams": tuple(char_ngrams or ()),
            "char_weight": float(char_weight),
            "skip_bigrams": bool(skip_bigrams),
        },
    )
    with Model.define_operators({">>": chain}):
        output_layer = None
        if not no_output_layer:
            fill_defaults["b"] = NEG_VALUE
            output_layer = softmax_activation() if exclusive_classes else Logistic()
        resizable_layer = resizable(
            sparse_linear,
            resize_layer=partial(resize_linear_weighted, fill_defaults=fill_defaults),
        )
        model = extractor >> resizable_layer
        model = with_cpu(model, model.ops)
        if output_layer:
            model = model >> with_cpu(output_layer, output_layer.ops)
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", sparse_linear)
    model.attrs["multi_label"] = not exclusive_classes
    model.attrs["resize_output"] = partial(resize_and_set_ref, resizable_layer=resizable_layer)
    return model


_SKIP_MIX = 0x9E3779B97F4A7C15  # odd multiplier: wraps in uint64, spreads the first word's bits
_SKIP_SALT = 0x5BD1E995


@lru_cache(maxsize=65536)
def _char_keys(word: str, sizes: tuple[int, ...]) -> tuple[int, ...]:
    """Hashed character n-grams of one word, with word boundaries ("<can", "ncel>")."""
    if not word.isalpha() or len(word) < 3:
        return ()
    padded = f"<{word}>"
    return tuple(
        hash_string(f"\x01{padded[i : i + n]}") for n in sizes for i in range(len(padded) - n + 1)
    )


def _extract_features_forward(model: Model, docs: list[Doc], is_train: bool) -> Any:
    ops = model.ops
    xp = ops.xp
    attr = model.attrs["attr"]
    sizes = tuple(model.attrs["char_ngrams"])  # a list after a round trip through disk
    char_weight = model.attrs["char_weight"]
    batch_keys = []
    batch_vals = []
    for doc in docs:
        unigrams = ops.asarray(doc.to_array([attr]))
        ngrams = [unigrams]
        for n in range(2, model.attrs["ngram_size"] + 1):
            ngrams.append(ops.ngrams(n, unigrams))
        if model.attrs["skip_bigrams"] and len(unigrams) > 2:
            # (w1, w3) pairs, hashed apart from the adjacent bigrams
            first = unigrams[:-2].astype("uint64")
            third = unigrams[2:].astype("uint64")
            ngrams.append(first * xp.uint64(_SKIP_MIX) ^ (third + xp.uint64(_SKIP_SALT)))
        keys = xp.concatenate(ngrams)
        keys, vals = xp.unique(keys, return_counts=True)
        vals = vals.astype("f")
        if sizes:
            chars: list[int] = []
            for token in doc:
                chars.extend(_char_keys(token.norm_, sizes))
            if chars:
                ckeys, cvals = xp.unique(xp.asarray(chars, dtype="uint64"), return_counts=True)
                keys = xp.concatenate([keys, ckeys])
                vals = xp.concatenate([vals, cvals.astype("f") * char_weight])
        batch_keys.append(keys)
        batch_vals.append(vals)
    lengths = ops.asarray([arr.shape[0] for arr in batch_keys], dtype="int32")
    keys = xp.concatenate(batch_keys) if batch_keys else xp.zeros((0,), dtype="uint64")
    vals = ops.asarray(xp.concatenate(batch_vals) if batch_vals else xp.zeros((0,)), dtype="f")

    def backprop(dY: Any) -> list[Any]:
        return []

    return (keys, vals, lengths), backprop


# ---------------------------------------------------------------- intent decision


class IntentDecider:
    """Picks the intent from textcat scores; weak evidence means out of scope, not a guess."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        threshold: float,
        alternatives: int,
        thresholds: Mapping[str, float] | None = None,
    ) -> None:
        self.name = name
        self.threshold = threshold
        self.alternatives = alternatives
        self.thresholds = dict(thresholds or {})

    def __call__(self, doc: Doc) -> Doc:
        ranked = sorted(doc.cats.items(), key=lambda kv: kv[1], reverse=True)
        short = _short_form(doc)
        if short is not None:
            # one-word turns carry too few features for the classifier; they are fixed phrases
            doc._.intent, doc._.confidence = short, 1.0
            doc._.alternatives = []
            return doc
        if not ranked:
            doc._.intent, doc._.confidence, doc._.alternatives = "out_of_scope", 1.0, []
            return doc
        intent, score = ranked[0]
        if intent != "out_of_scope" and score < self.thresholds.get(intent, self.threshold):
            intent, score = "out_of_scope", max(doc.cats.get("out_of_scope", 0.0), 1.0 - score)
        doc._.intent = intent
        doc._.confidence = float(score)
        doc._.alternatives = [
            (label, float(value)) for label, value in ranked if label != intent and value >= 0.01
        ][: self.alternatives]
        return doc


_SHORT_FORMS: dict[str, str] = {
    **dict.fromkeys(
        "yes yeah yep yup yea ya sure ok okay alright correct right affirmative absolutely "
        "definitely certainly indeed exactly confirm confirmed".split(),
        "yes",
    ),
    **dict.fromkeys(
        [
            "of course",
            "all right",
            "sure thing",
            "yes please",
            "go ahead",
            "sounds good",
            "that's right",
            "uh huh",
            "you bet",
        ],
        "yes",
    ),
    **dict.fromkeys("no nope nah negative never incorrect wrong".split(), "no"),
    **dict.fromkeys(
        [
            "no thanks",
            "no thank you",
            "not really",
            "not now",
            "no way",
            "not at all",
            "i'm good",
            "not yet",
        ],
        "no",
    ),
    **dict.fromkeys("stop cancel quit exit end enough bye goodbye nevermind shush".split(), "stop"),
    **dict.fromkeys(
        [
            "never mind",
            "forget it",
            "that's all",
            "i'm done",
            "bye bye",
            "good bye",
            "see you",
            "see you later",
            "stop it",
            "cancel that",
            "shut up",
            "be quiet",
            "that's it",
        ],
        "stop",
    ),
    **dict.fromkeys("help menu options".split(), "help"),
    **dict.fromkeys(
        ["help me", "what can you do", "what can i say", "i need help", "what can i ask"], "help"
    ),
    **dict.fromkeys("thanks thank thx cheers ty".split(), "thanks"),
    **dict.fromkeys(
        [
            "thank you",
            "thanks a lot",
            "many thanks",
            "thank you so much",
            "much appreciated",
            "appreciate it",
        ],
        "thanks",
    ),
    **dict.fromkeys("repeat pardon again".split(), "repeat"),
    **dict.fromkeys(
        [
            "say that again",
            "say again",
            "come again",
            "repeat that",
            "one more time",
            "what did you say",
            "say it again",
        ],
        "repeat",
    ),
    **dict.fromkeys("hi hello hey hiya howdy greetings yo morning evening".split(), "greeting"),
    **dict.fromkeys(
        ["good morning", "good afternoon", "good evening", "hi there", "hello there", "hey there"],
        "greeting",
    ),
    **dict.fromkeys(
        [
            "agent",
            "representative",
            "operator",
            "human",
            "real person",
            "customer service",
            "a person",
            "live agent",
        ],
        "talk_to_agent",
    ),
    **dict.fromkeys(["cheaper", "something cheaper", "less expensive"], "refine_search"),
}
_SHORT_TRIM = frozenset({"alexa", "please", "um", "uh", "oh", "well", "so", "hmm", "just"})


def _short_form(doc: Doc) -> str | None:
    """The intent of a fixed short turn ("yes", "no thanks", "bye"), or None."""
    words = [t.lower_ for t in doc if not t.is_punct]
    while words and words[0] in _SHORT_TRIM:
        words.pop(0)
    while words and words[-1] in _SHORT_TRIM:
        words.pop()
    if not words or len(words) > 4:
        return None
    phrase = " ".join(words).replace(" '", "'").replace(" n't", "n't")
    return _SHORT_FORMS.get(phrase)


@Language.factory(
    "shop_intent", default_config={"threshold": 0.5, "alternatives": 3, "thresholds": {}}
)
def make_intent(
    nlp: Language, name: str, threshold: float, alternatives: int, thresholds: dict[str, float]
) -> IntentDecider:
    unknown = sorted(set(thresholds) - set(INTENTS))
    if unknown:
        raise ValueError(f"shop_intent thresholds name unknown intents: {', '.join(unknown)}")
    return IntentDecider(
        nlp, name, threshold=threshold, alternatives=alternatives, thresholds=thresholds
    )


# ---------------------------------------------------------------- secondary questions

_ASKS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        (
            "price",
            r"\bhow much\b(?! (?:stock|time|longer|of))|\bcosts?\b|\bcosting\b"
            r"|\bprices?\b(?! range)|\bpricing\b|\bhow expensive\b|\bcould i afford\b",
        ),
        (
            "availability",
            r"\bin stock\b|\bavailable\b|\bavailability\b|\bsold out\b"
            r"|\bout of stock\b|\bstock\b|\bdo you (?:have|carry)\b|\bcarry it\b"
            r"|\bpick (?:it |them |this |that )?up\b|\bpickup\b|\bin store\b",
        ),
        (
            "material",
            r"\bmade (?:of|from|out of)\b|\bwhat (?:material|fabric)\b|\bfabric\b"
            r"|\bmaterials?\b",
        ),
        (
            "sizes",
            r"\bwhat sizes?\b|\bwhich sizes?\b|\bsizes\b|\bsize options\b|\bsizing\b"
            r"|\bcome in (?:a |my )?size\b|\bsize (?:chart|guide)\b",
        ),
        (
            "colors",
            r"\bwhat colou?rs?\b|\bwhich colou?rs?\b|\bcolou?rs\b|\bcolou?r options\b"
            r"|\bother colou?r\b|\bdifferent colou?r\b",
        ),
        (
            "rating",
            r"\bratings?\b|\brated\b|\breviews?\b|\bstars\b|\bany good\b"
            r"|\bwhat do (?:people|customers) (?:say|think)\b|\bis it good\b",
        ),
        (
            "dimensions",
            r"\bhow (?:big|wide|tall|deep|high|large|heavy|small)\b"
            r"|\bhow long (?:is|are)\b|\bdimensions?\b|\bmeasurements?\b"
            r"|\bwill it fit\b|\bweigh\b|\bweight\b",
        ),
        (
            "shipping",
            r"\bshipping\b|\bship (?:it|to|them|this|that)\b|\bshipped\b"
            r"|\bdelivery (?:cost|fee|charge|options?)s?\b|\bfree delivery\b"
            r"|\bdeliver (?:it|to)\b",
        ),
        (
            "delivery_time",
            r"\bhow (?:long|soon|quickly|fast)\b.{0,40}\b(?:arrive|ship|deliver"
            r"|get (?:here|it|them)|take|come)\b|\bwhen (?:will|would|could|can|"
            r"does|do) (?:it|i|they|this|that|you)\b.{0,30}\b(?:arrive|get it|get "
            r"them|come|be delivered|deliver|ship)\b|\bdelivery (?:time|date)\b"
            r"|\barrive by\b|\bget it by\b|\bhave it by\b",
        ),
        (
            "return_policy",
            r"\breturn (?:it|policy|them|this|that|policies)\b|\breturns?\b"
            r"|\bexchange (?:it|them|this|that)\b|\brefund",
        ),
    )
)
_ASK_INTENTS = frozenset(
    {
        "find_product",
        "find_seen_on",
        "refine_search",
        "select_item",
        "product_info",
        "check_availability",
        "add_to_cart",
    }
)


def find_asks(text: str) -> list[str]:
    """Secondary questions inside one request, in the order they were asked."""
    hits: list[tuple[int, str]] = []
    for name, pattern in _ASKS:
        match = pattern.search(text)
        if match:
            hits.append((match.start(), name))
    if any(name == "delivery_time" for _, name in hits):
        hits = [h for h in hits if h[1] != "shipping" or "shipping" in text]
    return [name for _, name in sorted(hits)]


@Language.factory("shop_asks")
def make_asks(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    """Finds "... and how much would it cost" style follow-up questions."""

    def asks(doc: Doc) -> Doc:
        intent = doc._.intent
        doc._.asks = find_asks(doc.text.lower()) if intent in _ASK_INTENTS else []
        return doc

    return asks
