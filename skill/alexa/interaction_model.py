"""The Alexa interaction model, generated so voice routing and the text parser never drift apart.

Alexa hands a skill only slot values, never the carrier words around them. So the model has:
- `ShopIntent`: carriers whose words carry no meaning ("show me {query}"); the query is enough;
- one small intent per meaningful carrier ("how much {query}", "cheaper {query}"), whose words the
  bridge puts back in front of the query (`RESTORED_CARRIERS`), so the parser reads everything;
- `PhraseIntent`: short requests with no carrier at all ("cheaper", "the second one"), captured by
  a custom slot type whose values come from the parser's own training data;
- slot-based intents where Alexa's routing helps (orders, returns, a person), and the built-ins.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.contract import CART_INTENTS, SHOPPING_INTENTS

INVOCATION_NAME = "acme home"
MODEL_PATH = Path("infra/skill-package/interactionModels/custom/en-US.json")
QUERY_SLOT = "query"
PHRASE_SLOT = "phrase"
PHRASE_TYPE = "SHOPPING_PHRASE"

NEUTRAL_CARRIERS: tuple[str, ...] = (
    "find {query}",
    "find me {query}",
    "find out {query}",
    "show me {query}",
    "search for {query}",
    "look for {query}",
    "i'm looking for {query}",
    "i am looking for {query}",
    "i want {query}",
    "i need {query}",
    "i'd like {query}",
    "do you have {query}",
    "do you sell {query}",
    "help me find {query}",
    "get me {query}",
    "can you {query}",
    "could you {query}",
    "please {query}",
)

# Carrier words that change what a request means; each gets an intent and is restored.
MEANINGFUL_CARRIERS: tuple[str, ...] = (
    "how much",
    "how many",
    "what",
    "which",
    "who",
    "where",
    "when",
    "is",
    "are",
    "does",
    "do",
    "can i",
    "cheaper",
    "something cheaper",
    "in",
    "with",
    "without",
    "under",
    "over",
    "between",
    "add",
    "buy",
    "send",
    "text",
    "check",
    "tell me",
    "the",
    "something",
    "anything",
)

ORDER_STATUS_CARRIERS: tuple[str, ...] = (
    "where is {query}",
    "where's {query}",
    "track {query}",
    "when will {query}",
    "has {query}",
)
CANCEL_CARRIERS: tuple[str, ...] = (
    "cancel {query}",
    "i want to cancel {query}",
    "please cancel {query}",
    "stop {query} from shipping",
)
RETURN_CARRIERS: tuple[str, ...] = (
    "return {query}",
    "i want to return {query}",
    "i'd like to return {query}",
    "start a return for {query}",
    "refund {query}",
    "where is my refund for {query}",
)
AGENT_SAMPLES: tuple[str, ...] = (
    "talk to a person",
    "let me talk to a person",
    "speak to a person",
    "talk to an agent",
    "connect me to an agent",
    "get me a human",
    "customer service",
)
BUILT_INS: tuple[str, ...] = (
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.YesIntent",
    "AMAZON.NoIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.FallbackIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.StartOverIntent",
)
# Short carrier-less requests the parser is trained on; they become PhraseIntent slot values.
# Searches ("find_product", "find_seen_on") need a query, which ShopIntent's carriers capture.
PHRASE_INTENTS: tuple[str, ...] = (
    *(i for i in SHOPPING_INTENTS if i not in ("find_product", "find_seen_on")),
    *CART_INTENTS,
    "order_status",
    "shipping_info",
)
MAX_PHRASE_WORDS = 5
MAX_PHRASES = 400
MAX_AGENT_SAMPLES = 60
_SPOKEN = re.compile(r"^[a-z' ]+$")
# Hesitations, wake words and chat openers/closers fill many training lines; a sample with any
# of them reads like a transcript, not like speech ("also ok so person please").
_FILLERS = frozenset(
    {
        "alexa",
        "hmm",
        "um",
        "uh",
        "ok",
        "okay",
        "so",
        "yeah",
        "hey",
        "actually",
        "well",
        "oh",
        "also",
        "anyway",
        "thanks",
        "hi",
        "hello",
        "listen",
        "important",
        "urgent",
        "asap",
    }
)
# Words a spoken sample may not start with (they lean on something said before).
_NO_START = frozenset({"and", "just", "but", "or", "right", "excuse", "anyway"})


def carrier_intent_name(carrier: str) -> str:
    """ "how much" -> "HowMuchQueryIntent" (Alexa intent names are letters only here)."""
    return "".join(word.capitalize() for word in carrier.split()) + "QueryIntent"


# Intent name -> the carrier words to put back before the query slot's value.
RESTORED_CARRIERS: Mapping[str, str] = {
    carrier_intent_name(carrier): carrier for carrier in MEANINGFUL_CARRIERS
}


def _spoken_form(text: str) -> str | None:
    """Training text as a sample or slot value: lower case, letters only, no digits."""
    cleaned = re.sub(r"[?!.,]", "", text.lower()).strip()
    cleaned = re.sub(r"\s+", " ", cleaned)
    if not cleaned or not _SPOKEN.match(cleaned):
        return None
    words = cleaned.split()
    if words[0] in _NO_START or any(w in _FILLERS for w in words):
        return None
    return cleaned


@lru_cache(maxsize=1)
def training_utterances() -> tuple[tuple[str, str], ...]:
    """(intent, text) pairs from the parser's training data, in a stable order."""
    from nlu.training import expand

    return tuple(sorted((e.intent, e.text) for e in expand()))


def _select(texts: Iterable[str], *, max_words: int, limit: int) -> list[str]:
    chosen = sorted(
        {
            spoken
            for text in texts
            if (spoken := _spoken_form(text)) and len(spoken.split()) <= max_words
        },
        key=lambda t: (len(t.split()), t),
    )
    return chosen[:limit]


def build_model(
    utterances: Iterable[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The en-US interaction model, as the developer console and virtual-alexa read it."""
    pairs = list(training_utterances() if utterances is None else utterances)
    agent = _select(
        [text for intent, text in pairs if intent == "talk_to_agent"],
        max_words=6,
        limit=MAX_AGENT_SAMPLES,
    )
    phrases = _select(
        [text for intent, text in pairs if intent in PHRASE_INTENTS],
        max_words=MAX_PHRASE_WORDS,
        limit=MAX_PHRASES,
    )
    query_slot = [{"name": QUERY_SLOT, "type": "AMAZON.SearchQuery"}]
    taken = set(AGENT_SAMPLES) | set(agent)
    phrases = [p for p in phrases if p not in taken]
    intents: list[dict[str, Any]] = [
        {"name": "ShopIntent", "slots": query_slot, "samples": list(NEUTRAL_CARRIERS)},
        *(
            {"name": carrier_intent_name(c), "slots": query_slot, "samples": [f"{c} {{query}}"]}
            for c in MEANINGFUL_CARRIERS
        ),
        {"name": "OrderStatusIntent", "slots": query_slot, "samples": list(ORDER_STATUS_CARRIERS)},
        {"name": "CancelOrderIntent", "slots": query_slot, "samples": list(CANCEL_CARRIERS)},
        {"name": "ReturnIntent", "slots": query_slot, "samples": list(RETURN_CARRIERS)},
        {"name": "AgentIntent", "slots": [], "samples": sorted(set(AGENT_SAMPLES) | set(agent))},
        {
            "name": "PhraseIntent",
            "slots": [{"name": PHRASE_SLOT, "type": PHRASE_TYPE}],
            "samples": [f"{{{PHRASE_SLOT}}}"],
        },
        *({"name": name, "samples": []} for name in BUILT_INS),
    ]
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": INVOCATION_NAME,
                "intents": intents,
                "types": [
                    {
                        "name": PHRASE_TYPE,
                        "values": [{"name": {"value": phrase}} for phrase in phrases],
                    }
                ],
            }
        }
    }


def render_model(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def write_model(root: Path) -> Path:
    path = root / MODEL_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_model(build_model()), encoding="utf-8")
    return path
