"""The conversation, made personal and measured: profile defaults, greetings, perks, opinions.

`EngagedConversation` wraps the core's `Conversation` at the composition root. The core stays
channel- and storage-neutral; this layer reads the profile, records outcomes for the CX
numbers, captures feedback and asks CES after self-service. Engagement never breaks a turn.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from nlu.contract import Parse
from skill.core.conversation import Conversation
from skill.core.model import Reply, Turn
from skill.core.state import DialogueState
from skill.engage.conversations import SELF_SERVICE_INTENTS
from skill.engage.profiles import is_reachable_by_sms, last_purchase_title, loyalty_of, size_for
from skill.engage.service import Engage
from skill.errors import AmbientShopError

log = logging.getLogger(__name__)

_MY_SIZE = re.compile(r"\b(?:in\s+)?my\s+size\b", re.IGNORECASE)
_PERK_INTENTS = frozenset({"shipping_info", "checkout"})
# Sizes as shoppers say them, so the parser reads the filled-in size as it reads speech.
_SPOKEN_SIZES = {
    "XXS": "extra extra small",
    "XS": "extra small",
    "S": "small",
    "M": "medium",
    "L": "large",
    "XL": "extra large",
    "XXL": "extra extra large",
}


def fill_my_size(text: str, profile: dict[str, Any]) -> str:
    """Fill "in my size" from the profile ("in size medium"); unchanged when none is known."""
    size = size_for(profile)
    if not size or not _MY_SIZE.search(text):
        return text
    spoken = _SPOKEN_SIZES.get(size.upper(), size)
    return _MY_SIZE.sub(f"in size {spoken}", text, count=1)


class EngagedConversation:
    def __init__(self, inner: Conversation, engage: Engage) -> None:
        self._inner = inner
        self._engage = engage

    @property
    def services(self) -> Any:
        return self._inner.services

    def understand(self, turn: Turn, state: DialogueState | None = None) -> Parse:
        return self._inner.understand(turn, state)

    def _profile(self, shopper_id: str) -> dict[str, Any]:
        try:
            return self._engage.shoppers.load(shopper_id)
        except AmbientShopError:
            log.warning("profile unavailable; answering without it", exc_info=True)
            return {}

    def handle(self, turn: Turn, state: DialogueState) -> tuple[Reply, DialogueState, Parse]:
        profile = self._profile(turn.shopper_id)
        if turn.text and profile:
            turn = replace(turn, text=fill_my_size(turn.text, profile))
        reply, new_state, parse = self._inner.handle(turn, state)
        if turn.event == "session_end":
            return reply, new_state, parse
        try:
            reply = self._personalise(turn, parse, reply, profile)
            self._measure(turn, parse, reply, new_state, profile)
        except AmbientShopError:
            log.warning("engagement bookkeeping failed for this turn", exc_info=True)
        return reply, new_state, parse

    def _personalise(
        self, turn: Turn, parse: Parse, reply: Reply, profile: dict[str, Any]
    ) -> Reply:
        if not profile or not reply.text:
            return reply
        loyalty = loyalty_of(
            profile, now=self._engage.clock.now(), tiers=self._engage.settings.loyalty_tiers
        )
        extra = []
        if turn.event == "launch":
            bought = last_purchase_title(profile)
            if bought:
                extra.append(f"Welcome back! I hope you're enjoying your {bought}.")
        if loyalty.perks and (turn.event == "launch" or parse.intent in _PERK_INTENTS):
            extra.append(f"As a {loyalty.tier} member you get {loyalty.perks[0]}.")
        if not extra:
            return reply
        if turn.event == "launch":
            return replace(reply, text=" ".join([*extra, reply.text]))
        return replace(reply, text=" ".join([reply.text, *extra]))

    def _measure(
        self,
        turn: Turn,
        parse: Parse,
        reply: Reply,
        state: DialogueState,
        profile: dict[str, Any],
    ) -> None:
        engage = self._engage
        task_done = (
            parse.intent in SELF_SERVICE_INTENTS
            and reply.handoff is None
            and not state.pending.get("action")
        )
        doc = engage.tracker.turn(
            conversation_id=turn.conversation_id,
            shopper_id=turn.shopper_id,
            channel=turn.channel,
            intent="launch" if turn.event == "launch" else parse.intent,
            ticket_id=reply.handoff.ticket_id if reply.handoff else None,
            task_done=task_done,
        )
        if parse.intent == "feedback" and parse.text.strip():
            engage.surveys.capture_feedback(
                shopper_id=turn.shopper_id,
                channel=turn.channel,
                text=parse.text,
                conversation_id=turn.conversation_id,
            )
        if task_done and not doc.get("ces_asked"):
            # Voice never asks unprompted: a CES question goes by text, where there is one.
            channel = turn.channel
            if channel == "alexa":
                channel = "sms" if is_reachable_by_sms(profile) else ""
            if channel:
                engage.surveys.ask(
                    "ces",
                    shopper_id=turn.shopper_id,
                    channel=channel,
                    conversation_id=turn.conversation_id,
                )
                engage.tracker.mark(turn.conversation_id, ces_asked=True)
