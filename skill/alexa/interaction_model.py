"""The Alexa interaction model, generated so voice routing and the text parser never drift apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

INVOCATION_NAME = "acme home"
MODEL_PATH = Path("infra/skill-package/interactionModels/custom/en-US.json")

# AMAZON.SearchQuery needs a carrier phrase: these open a free-form shopping request, and
# whatever follows goes to the parser whole.
SHOP_CARRIERS: tuple[str, ...] = (
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
    "where can i get {query}",
    "where can i buy {query}",
    "how much {query}",
    "what {query}",
    "which {query}",
    "is {query}",
    "are {query}",
    "tell me {query}",
    "help me find {query}",
    "get me {query}",
    "add {query}",
    "buy {query}",
    "the {query}",
    "something {query}",
    "anything {query}",
    "cheaper {query}",
    "in {query}",
    "without {query}",
    "with {query}",
    "under {query}",
    "can you {query}",
    "could you {query}",
    "please {query}",
    "send {query}",
    "check {query}",
)
# Slot-based intents: Alexa's own routing fixes the intent, the parser reads the slot's entities.
ORDER_STATUS_CARRIERS: tuple[str, ...] = (
    "where is {query}",
    "where's {query}",
    "track {query}",
    "when will {query}",
    "has {query}",
    "what's the status of {query}",
    "status of {query}",
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
    "i want to talk to a person",
    "speak to a person",
    "speak to someone",
    "talk to someone",
    "talk to an agent",
    "connect me to an agent",
    "get me a human",
    "i want a human",
    "customer service",
    "a representative",
    "talk to a representative",
    "let me speak to a real person",
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


def build_model(*, extra_agent_samples: tuple[str, ...] = ()) -> dict[str, Any]:
    """The en-US interaction model as the Alexa developer console and virtual-alexa read it."""
    query_slot = [{"name": "query", "type": "AMAZON.SearchQuery"}]
    agent = sorted({*AGENT_SAMPLES, *extra_agent_samples})
    intents: list[dict[str, Any]] = [
        {"name": "ShopIntent", "slots": query_slot, "samples": list(SHOP_CARRIERS)},
        {"name": "OrderStatusIntent", "slots": query_slot, "samples": list(ORDER_STATUS_CARRIERS)},
        {"name": "CancelOrderIntent", "slots": query_slot, "samples": list(CANCEL_CARRIERS)},
        {"name": "ReturnIntent", "slots": query_slot, "samples": list(RETURN_CARRIERS)},
        {"name": "AgentIntent", "slots": [], "samples": agent},
        *({"name": name, "samples": []} for name in BUILT_INS),
    ]
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": INVOCATION_NAME,
                "intents": intents,
                "types": [],
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
