"""`shop_scope`: in or out of what this shop does, weighed with the catalog and the conversation.

The text classifier knows language; it does not know what this retailer sells or what is on the
table in this conversation. When the classifier does not claim an in-scope intent, this component
weighs five more signals and may claim a shopping intent after all:

- lexicon: built-in retail words (product types, colours, materials, patterns, sizes);
- catalog: names the retailer's catalog gave the gazetteer (brands, its own product types, people);
- probe: whether the request's content words find products in the catalog's search index;
- context: the conversation lists items or was about products a moment ago;
- routing: the channel routed the words as a search (an Alexa carrier such as "show me {query}").

The classifier's shopping mass (its scores for every shopping and cart intent together) plus the
weighted signals must reach `claim`; the likeliest shopping intent is then claimed. A request
the classifier spreads over "find", "refine" and "select" is a shopping request even when no
single intent is sure, and what the shop sells or just showed tips a doubtful one over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from nlu.components.extensions import Candidate, register_extensions
from nlu.contract import CART_INTENTS, SHOPPING_INTENTS, ParseContext
from nlu.lexicon import STOP_WORDS

# A channel's "find" routing is strong evidence but not proof: Alexa's broad carriers ("can you
# {query}", "please {query}") also catch "set an alarm for seven", which stays out of scope.
ROUTING_WEIGHT = 0.45

# Answers "do these words find products in this shop?"; injected by whoever owns the catalog.
CatalogProbe = Callable[[str], bool]

SIGNALS: tuple[str, ...] = ("lexicon", "catalog", "probe", "context", "routing")
_CLAIMABLE = (*SHOPPING_INTENTS, *CART_INTENTS)
_PRODUCT_LABELS = frozenset({"PRODUCT_TYPE", "BRAND"})
_ATTRIBUTE_LABELS = frozenset({"COLOR", "MATERIAL", "PATTERN", "SIZE", "PRICE"})
_NAME_LABELS = frozenset({"PERSON", "MEDIA", "STORE"})
# Words that ask for something rather than name it; they never narrow a catalog probe.
_REQUEST_WORDS = frozenset(
    "show find need want looking look search get got buy have any anything something some "
    "please help like i'd i'm you're can could would me us see more other else there here "
    "hi hello hey um uh okay ok well there's".split()
)
_MAX_PROBE_WORDS = 6
# pending questions that are about items, so a short answer belongs to the conversation
_ITEM_QUESTIONS = frozenset({"which_item", "which_size", "which_color", "quantity", "confirm_add"})


class ScopeDecider:
    """Claims a shopping intent for requests the classifier alone would refuse."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        claim: float,
        weights: Mapping[str, float],
    ) -> None:
        register_extensions()
        self.name = name
        self.claim = claim
        unknown = sorted(set(weights) - set(SIGNALS))
        if unknown:
            raise ValueError(f"shop_scope weights name unknown signals: {', '.join(unknown)}")
        self.weights = {signal: float(weights.get(signal, 0.0)) for signal in SIGNALS}
        if "routing" not in weights:
            self.weights["routing"] = ROUTING_WEIGHT
        # signals switched off, for ablation: `ambient-shop nlu eval --ablation`
        self.disabled: frozenset[str] = frozenset()
        self._probe: CatalogProbe | None = None
        self._probe_cached: Callable[[str], bool] | None = None

    def set_probe(self, probe: CatalogProbe | None) -> None:
        """The catalog look-up this shop answers with (None: no catalog evidence)."""
        self._probe = probe
        self._probe_cached = lru_cache(maxsize=4096)(_safe(probe)) if probe is not None else None

    def __call__(self, doc: Doc) -> Doc:
        context: ParseContext | None = doc._.context
        doc._.scope = {}
        if doc._.intent != "out_of_scope" or not doc.cats:
            return doc
        # the classifier's case for shopping as a whole, which the evidence adds to
        base = sum(float(doc.cats.get(i, 0.0)) for i in _CLAIMABLE)
        evidence: dict[str, float] = {}
        gazetteer = {(c.start, c.end, c.label): c for c in doc._.gazetteer or ()}
        for span in doc.ents:
            cand: Candidate | None = gazetteer.get((span.start, span.end, span.label_))
            if cand is not None and cand.source == "catalog":
                evidence["catalog"] = 1.0
            elif span.label_ in _PRODUCT_LABELS:
                evidence["lexicon"] = 1.0
            elif span.label_ in _ATTRIBUTE_LABELS:
                evidence["lexicon"] = max(evidence.get("lexicon", 0.0), 0.5)
            elif span.label_ in _NAME_LABELS and cand is not None:
                evidence["catalog"] = 1.0
        if context is not None and _talking_about_items(context):
            evidence["context"] = 1.0
        if context is not None and context.routing == "find":
            evidence["routing"] = 1.0
        evidence = {k: v for k, v in evidence.items() if self._on(k)}
        score = base + sum(self.weights[k] * v for k, v in evidence.items())
        if score < self.claim and self._on("probe") and self._probe_cached is not None:
            # the probe costs a catalog look-up: asked only when it can change the answer
            if score + self.weights["probe"] >= self.claim:
                words = _content_words(doc)
                if words and self._probe_cached(" ".join(words)):
                    evidence["probe"] = 1.0
                    score += self.weights["probe"]
        doc._.scope = evidence
        if score >= self.claim:
            self._claim(doc, routed="routing" in evidence)
        return doc

    def _on(self, signal: str) -> bool:
        return signal not in self.disabled and self.weights[signal] > 0

    def _claim(self, doc: Doc, *, routed: bool) -> None:
        """The likeliest shopping intent; a routed or bare query is a product search."""
        ranked = sorted(
            ((doc.cats.get(i, 0.0), i) for i in _CLAIMABLE if i in doc.cats), reverse=True
        )
        intent = ranked[0][1] if ranked and not routed else "find_product"
        if routed and ranked and ranked[0][1] != "find_product":
            # a routed query may still ask about an item ("how much is the blue one")
            if ranked[0][0] > 2 * doc.cats.get("find_product", 0.0):
                intent = ranked[0][1]
        doc._.intent = intent
        doc._.confidence = float(doc.cats.get(intent, 0.0))
        doc._.alternatives = [
            (label, float(value))
            for label, value in sorted(doc.cats.items(), key=lambda kv: kv[1], reverse=True)
            if label != intent and value >= 0.01
        ][:3]


def _talking_about_items(context: ParseContext) -> bool:
    return bool(
        context.items
        or context.selected is not None
        or (context.last_intent in _CLAIMABLE)
        or (context.pending in _ITEM_QUESTIONS)
    )


def _content_words(doc: Doc) -> list[str]:
    """The words that could name a product: no function, request or number words."""
    words = [
        t.lower_
        for t in doc
        if t.is_alpha and t.lower_ not in STOP_WORDS and t.lower_ not in _REQUEST_WORDS
    ]
    return words if len(words) <= _MAX_PROBE_WORDS else []


def _safe(probe: CatalogProbe) -> Callable[[str], bool]:
    """A probe that fails counts as no evidence: the parse must still answer."""

    def call(words: str) -> bool:
        try:
            return bool(probe(words))
        except Exception:  # the catalog is someone else's: any failure means "no evidence"
            return False

    return call


@Language.factory(
    "shop_scope",
    default_config={
        "claim": 0.8,
        "weights": {"lexicon": 0.3, "catalog": 0.35, "probe": 0.35, "context": 0.3},
    },
)
def make_scope(nlp: Language, name: str, claim: float, weights: dict[str, float]) -> ScopeDecider:
    return ScopeDecider(nlp, name, claim=claim, weights=weights)
