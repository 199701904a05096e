"""ShoppingParser: the trained pipeline behind a small, never-raising API."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from itertools import islice
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from nlu.components.gazetteer import Gazetteer
from nlu.components.scope import CatalogProbe, ScopeDecider
from nlu.contract import MAX_CONTEXT_ITEMS, Alternative, Entity, Parse, ParseContext
from nlu.errors import ModelMissing

log = logging.getLogger(__name__)

DEFAULT_MODEL = Path(__file__).resolve().parent / "model"
# Long enough for several asks in one breath; anything longer is not a spoken request.
MAX_CHARS = 1000
_LATIN = re.compile(r"[a-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


class ShoppingParser:
    """Text -> Parse for every channel; bad input gets a valid Parse, never an exception."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    @property
    def gazetteer(self) -> Gazetteer:
        return self.nlp.get_pipe("shop_gazetteer")  # type: ignore[return-value]

    @property
    def scope(self) -> ScopeDecider:
        return self.nlp.get_pipe("shop_scope")  # type: ignore[return-value]

    def update_vocabulary(self, vocabulary: Mapping[str, Iterable[str]]) -> None:
        """Adds catalog names (brands, people, shows ...) without retraining."""
        self.gazetteer.update(vocabulary)

    def set_catalog_probe(self, probe: CatalogProbe | None) -> None:
        """A cheap "do these words find products here?" look-up, weighed by the scope decision."""
        self.scope.set_probe(probe)

    def parse(self, text: str, context: ParseContext | None = None) -> Parse:
        """`context` says what the shopper can refer to; None reads the text alone."""
        return self._parse_chunk([text], _checked(context))[0]

    def parse_many(
        self,
        texts: Iterable[str],
        *,
        batch_size: int = 256,
        context: ParseContext | None = None,
    ) -> Iterator[Parse]:
        """Many utterances against one context (none: plain text), batched through spaCy."""
        checked = _checked(context)
        iterator = iter(texts)
        while True:
            chunk = list(islice(iterator, max(1, batch_size)))
            if not chunk:
                return
            yield from self._parse_chunk(chunk, checked)

    def _parse_chunk(self, texts: list[str], context: ParseContext | None) -> list[Parse]:
        results: list[Parse | None] = [None] * len(texts)
        prepared: list[tuple[int, str]] = []
        for index, raw in enumerate(texts):
            text = raw if isinstance(raw, str) else str(raw)
            early = _screen(text)
            if early is not None:
                results[index] = early
            else:
                prepared.append((index, text))
        if prepared:
            try:
                docs = self.nlp.pipe(self._doc(t, context) for _, t in prepared)
                for (index, text), doc in zip(prepared, docs, strict=True):
                    results[index] = _to_parse(text, doc)
            except Exception:  # the contract: a valid Parse for any str, whatever went wrong
                log.exception("parser failed on a batch; answering out_of_scope")
                for index, text in prepared:
                    results[index] = _fallback(text, "out_of_scope")
        return [r if r is not None else _fallback("", "help") for r in results]

    def _doc(self, text: str, context: ParseContext | None) -> Doc:
        doc = self.nlp.make_doc(_lower(text[:MAX_CHARS]))
        doc._.context = context
        return doc


def _checked(context: object) -> ParseContext | None:
    """A usable context or None: wrong types read as plain text, long lists are cut."""
    if not isinstance(context, ParseContext):
        return None
    items = context.items if isinstance(context.items, tuple) else ()
    if len(items) > MAX_CONTEXT_ITEMS:
        items = items[:MAX_CONTEXT_ITEMS]
    return replace(context, items=items) if items is not context.items else context


def _lower(text: str) -> str:
    """Lowercase without moving character offsets (a few characters grow when lowered)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _screen(text: str) -> Parse | None:
    """Answers input the classifier must not see: empty, binary-looking or not English."""
    stripped = text.strip()
    if not stripped:
        return _fallback(text, "help")
    sample = stripped[:MAX_CHARS]
    if _CONTROL.search(sample):
        return _fallback(text, "out_of_scope")
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        # digits or symbols alone: an order number read out is still meaningful
        if any(c.isdigit() for c in sample) and len(sample) <= 40:
            return None
        return _fallback(text, "help" if len(sample) <= 3 else "out_of_scope")
    latin = sum(1 for c in letters if _LATIN.match(_fold(c)))
    if latin / len(letters) < 0.6:
        return _fallback(text, "out_of_scope")
    return None


def _fold(char: str) -> str:
    return unicodedata.normalize("NFKD", char)[:1].lower()


def _fallback(text: str, intent: str) -> Parse:
    return Parse(text=text, intent=intent, confidence=1.0)


def _to_parse(text: str, doc: Doc) -> Parse:
    found = [
        Entity(
            label=span.label_,
            text=text[span.start_char : span.end_char],
            start=span.start_char,
            end=span.end_char,
            value=span._.value,
        )
        for span in doc.ents
    ]
    # a reference may contain the words it was resolved from ("the brown one" holds "brown")
    found.extend(
        Entity(
            label="REFERENCE",
            text=text[ref.start : ref.end],
            start=ref.start,
            end=ref.end,
            value=list(ref.positions),
        )
        for ref in doc._.references or ()
    )
    entities = tuple(sorted(found, key=lambda e: (e.start, e.label != "REFERENCE")))
    return Parse(
        text=text,
        intent=doc._.intent or "out_of_scope",
        confidence=float(doc._.confidence or 0.0),
        entities=entities,
        asks=tuple(doc._.asks or ()),
        alternatives=tuple(
            Alternative(intent=label, confidence=score)
            for label, score in (doc._.alternatives or ())
        ),
    )


def load_pipeline(path: str | Path | None = None) -> Language:
    """The trained spaCy pipeline from `path` (default: the committed nlu/model/)."""
    model = Path(path) if path is not None else DEFAULT_MODEL
    if not (model / "config.cfg").exists():
        raise ModelMissing(
            f"no trained parser at {model}; run `ambient-shop nlu train` to build it"
        )
    return spacy.load(model)
