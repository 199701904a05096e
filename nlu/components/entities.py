"""`shop_entities`: numbers, gazetteer hits and phrase patterns -> one set of entities."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlu import lexicon
from nlu.components.extensions import Candidate, numbers_of, register_extensions
from nlu.lexicon import STOP_WORDS
from nlu.numbers import NumberMention

_PRONOUNS = frozenset("he she they i you we it him her them his their someone somebody".split())
# words that are product types as nouns but common verbs too ("i want to watch netflix")
_VERBISH_TYPES = frozenset(
    "watch tie ring top light throw runner chain console cap frame print drawers "
    "plates set stool bench grill microwave drill hammer mixer smoker".split()
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
        register_extensions()
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        words = [t.lower_ for t in doc]
        numbers = numbers_of(doc)
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
            while j > 0 and i - j < 3 and words[j - 1].isalpha() and words[j - 1] not in STOP_WORDS:
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
                    and words[j - 1] not in STOP_WORDS
                    and words[j - 1] not in _PRONOUNS
                ):
                    j -= 1
                if j < i and (j == 0 or words[j - 1] in STOP_WORDS or (j - 1) in known):
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
            Candidate(cand.start, end, cand.label, cand.value, cand.group, cand.source)
            if end != cand.end
            else cand
        )
    return out


def _is_common(word: str) -> bool:
    return word in STOP_WORDS or word in ("just", "recently", "once", "always", "also")


def _money(low: float | None, high: float | None) -> dict[str, Any]:
    return {"min": low, "max": high, "currency": "USD"}


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


@Language.factory("shop_entities")
def make_entities(nlp: Language, name: str) -> EntityResolver:
    return EntityResolver(nlp, name)
