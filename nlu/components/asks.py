"""`shop_asks`: the secondary questions inside one shopping request ("... and how much is it")."""

from __future__ import annotations

import re
from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc

from nlu.components.extensions import register_extensions
from nlu.contract import SHOPPING_INTENTS

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
_ASK_INTENTS = frozenset(SHOPPING_INTENTS)


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
    register_extensions()

    def asks(doc: Doc) -> Doc:
        intent = doc._.intent
        doc._.asks = find_asks(doc.text.lower()) if intent in _ASK_INTENTS else []
        return doc

    return asks
