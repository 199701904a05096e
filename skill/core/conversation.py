"""The channel-neutral conversation: one Turn in, one Reply out, state carried explicitly."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from catalog_adapter.models import ProductQuery
from nlu.contract import Parse
from skill.core.context import Outcome, PolicyContext, Services
from skill.core.model import Reply, Turn
from skill.core.policies import (
    after_purchase,
    answers,
    cart,
    compare,
    conversational,
    links,
    people,
    shopping,
    stores,
)
from skill.core.references import parse_context
from skill.core.state import DialogueState
from skill.errors import AmbientShopError, CatalogUnavailable, OrdersUnavailable

log = logging.getLogger(__name__)

Policy = Callable[[PolicyContext], Outcome]

# Explicit intent -> policy map: behaviour never depends on registration order.
POLICIES: Mapping[str, Policy] = {
    "find_product": shopping.find_product,
    "find_seen_on": shopping.find_seen_on,
    "refine_search": shopping.refine_search,
    "select_item": shopping.select_item,
    "product_info": shopping.product_info,
    "check_availability": shopping.check_availability,
    "add_to_cart": cart.add_to_cart,
    "view_cart": cart.view_cart,
    "remove_from_cart": cart.remove_from_cart,
    "checkout": cart.checkout,
    "send_link": links.send_link,
    "compare": compare.compare,
    "store_info": stores.store_info,
    "order_status": after_purchase.order_status,
    "cancel_order": after_purchase.cancel_order,
    "return_refund": after_purchase.return_refund,
    "shipping_info": after_purchase.shipping_info,
    "talk_to_agent": people.talk_to_agent,
    "complaint": people.complaint,
    "feedback": people.feedback,
    "account_help": people.account_help,
    "greeting": conversational.greeting,
    "help": conversational.help_,
    "yes": conversational.yes,
    "no": conversational.no,
    "stop": conversational.stop,
    "thanks": conversational.thanks,
    "repeat": conversational.repeat,
    "out_of_scope": conversational.out_of_scope,
}

MAX_INPUT_CHARS = 2000


# Channel-routed intents whose carrier phrases are broad ("where is {query}", "has {query}"), and
# the intents a confident parse of the same words may correct them to. Routes whose carrier names
# the action ("cancel {query}") are never overridden: that word is not in the slot.
_BROADLY_ROUTED = frozenset({"order_status"})
_CORRECTABLE_TO = frozenset(
    {"return_refund", "shipping_info", "cancel_order", "complaint", "store_info"}
)
_OVERRIDE_CONFIDENCE = 0.85
# A find-routed query the classifier refused is still a search when the catalog names its words.
_MAX_FIND_WORDS = 5
_WORD = re.compile(r"[a-z]+")
_FILLER = frozenset({"the", "and", "for", "with", "some", "any", "you", "have", "what", "about"})


class Conversation:
    """Runs policies and the cross-cutting rules: outages, misunderstandings, repeat, transcript."""

    def __init__(self, services: Services) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        return self._services

    def understand(self, turn: Turn, state: DialogueState | None = None) -> Parse:
        text = (turn.text or "")[:MAX_INPUT_CHARS]
        if turn.intent and not text.strip():
            return Parse(text="", intent=turn.intent, confidence=1.0)
        if not text.strip():
            return Parse(text="", intent="help", confidence=1.0)
        context = parse_context(
            state or DialogueState(), self._services.catalog.get, routing=turn.routing
        )
        parsed = self._services.parser.parse(text, context)
        if turn.intent:
            # The channel already knows the intent; the words may still carry entities.
            if (
                parsed.intent != turn.intent
                and turn.intent in _BROADLY_ROUTED
                and parsed.intent in _CORRECTABLE_TO
                and parsed.confidence >= _OVERRIDE_CONFIDENCE
                and len(text.split()) >= 3
            ):
                # A broad carrier phrase ("what's the status of {query}") routed a refund
                # question to order status; the parser, reading every word, knows better.
                return parsed
            return replace(parsed, intent=turn.intent, confidence=1.0, alternatives=())
        if turn.routing == "find" and parsed.intent == "out_of_scope" and self._finds(text):
            # "show me {query}" with words the catalog has: a search, whatever the classifier says.
            return replace(parsed, intent="find_product", alternatives=())
        return parsed

    def _finds(self, text: str) -> bool:
        """Whether the catalog has a product whose title or type names one of these words."""
        words = {w.rstrip("s") for w in _WORD.findall(text.lower()) if len(w) > 2} - _FILLER
        if not words or len(words) > _MAX_FIND_WORDS:
            return False
        try:
            found = self._services.catalog.search(ProductQuery(text=text, limit=5))
        except CatalogUnavailable:
            return False
        named = (set(_WORD.findall(f"{p.title} {p.product_type}".lower())) for p in found)
        return any(words & {w.rstrip("s") for w in names} for names in named)

    def handle(self, turn: Turn, state: DialogueState) -> tuple[Reply, DialogueState, Parse]:
        if turn.event == "session_end":
            return (
                Reply(text="", end_session=True),
                replace(state, pending={}),
                Parse(text="", intent="stop", confidence=1.0),
            )
        if state.handed_off and turn.event == "message":
            relayed = people.relay_to_person(self._services, turn, state)
            if relayed is not None:
                return relayed
            state = people.resume_after_person(state)
        parse = (
            Parse(text="", intent="greeting", confidence=1.0)
            if turn.event == "launch"
            else self.understand(turn, state)
        )
        ctx = PolicyContext(services=self._services, turn=turn, parse=parse, state=state)
        policy = (
            conversational.launch
            if turn.event == "launch"
            else answers.pending_answer(ctx)
            or POLICIES.get(parse.intent, conversational.out_of_scope)
        )
        try:
            outcome = policy(ctx)
        except CatalogUnavailable:
            log.warning("catalog unavailable while handling %s", parse.intent, exc_info=True)
            outcome = people.offer_person(
                ctx,
                lead="Sorry, I can't reach our product catalog right now.",
                reason="catalog outage",
            )
        except OrdersUnavailable:
            log.warning("orders unavailable while handling %s", parse.intent, exc_info=True)
            outcome = people.offer_person(
                ctx,
                lead="Sorry, I can't reach our order system right now.",
                reason="order system outage",
            )
        except AmbientShopError:
            log.exception("could not complete %s", parse.intent)
            outcome = people.offer_person(
                ctx, lead="Sorry, something went wrong on our side.", reason="internal error"
            )
        new_state = outcome.state
        if outcome.misunderstood:
            new_state = replace(new_state, misunderstandings=state.misunderstandings + 1)
        elif parse.intent != "repeat":
            new_state = replace(new_state, misunderstandings=0)
        if parse.intent != "repeat":
            new_state = replace(new_state, last_intent=parse.intent)
        reply = outcome.reply
        if parse.intent != "repeat" and reply.text:
            new_state = replace(new_state, last_text=reply.text, last_reprompt=reply.reprompt or "")
        new_state = new_state.remember(
            shopper=parse.text or f"({parse.intent})", assistant=reply.text
        )
        return reply, new_state, parse
