"""People and relationship: handoff with the whole context, complaints, feedback, account help.

On voice the skill cannot keep the line open for a person, so it says how a person will follow
up (a text message to the number on the profile, or a callback) and asks consent first; with no
number it points to the web chat. On web chat the person joins the same conversation live, and
while a person holds it the assistant stays quiet and relays the shopper's words.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from nlu.contract import Parse
from skill.core.cart import Cart
from skill.core.context import Outcome, PolicyContext, Services
from skill.core.model import Card, HandoffNotice, HandoffRequest, Reply, Turn
from skill.core.state import DialogueState
from skill.errors import AmbientShopError, HandoffFailed

VOICE_CHANNELS = frozenset({"alexa"})


def _cart_lines(ctx: PolicyContext) -> list[dict[str, Any]]:
    lines = []
    for line in Cart.from_profile(ctx.profile).lines:
        product = ctx.product(line.product_id)
        if product is not None:
            lines.append(
                {
                    "product_id": product.id,
                    "title": product.title,
                    "price": str(product.current_price.amount),
                    "quantity": line.quantity,
                    "size": line.size,
                }
            )
    return lines


def _listed_items(ctx: PolicyContext) -> list[dict[str, Any]]:
    return [
        {
            "position": position,
            "product_id": product.id,
            "title": product.title,
            "price": str(product.current_price.amount),
        }
        for position, product in enumerate(ctx.results(), start=1)
    ]


def _handoff_context(ctx: PolicyContext, *, contact: str) -> dict[str, Any]:
    """What the person sees first: the shopper's words and what the skill already knows."""
    state = ctx.state
    return {
        "last_query": dict(state.query),
        "items": _listed_items(ctx),
        "selected": state.selected,
        "pending": {k: v for k, v in state.pending.items() if k != "contact"},
        "cart": dict(ctx.profile.get("cart", {})),
        "cart_lines": _cart_lines(ctx),
        "profile": dict(ctx.profile),
        "parse": ctx.parse.to_dict(),
        "locale": ctx.turn.locale,
        "contact": {"method": contact},
    }


def _phone_ending(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return " ".join(digits[-2:])


def _ask_how_to_reach(ctx: PolicyContext, *, reason: str) -> Outcome:
    """Voice: say how a person will follow up, and ask before ending the session."""
    phone = str(ctx.profile.get("phone") or "")
    if not phone:
        text = (
            "I'd like to put you in touch with a person, but I don't have a phone number for "
            "you, so they can't text or call you back. You can chat with the "
            f"{ctx.services.skill_name} team live in the web chat on our website: just ask for a "
            "person there. "
            "Is there anything else I can help with?"
        )
        return ctx.outcome(
            Reply(
                text=text,
                reprompt="Anything else I can help with?",
                card=Card(
                    title="Chat with our team",
                    text="Open the chat on our website and ask for a person.",
                ),
            ),
            pending={},
        )
    text = (
        "A person from our team can text you at your number ending in "
        f"{_phone_ending(phone)} to pick this up, with everything we've talked about. Is that okay?"
    )
    return ctx.outcome(
        Reply(text=text, reprompt="Shall a person text you?"),
        pending={"action": "handoff", "reason": reason, "contact": "sms"},
    )


def handoff_declined(ctx: PolicyContext) -> Outcome:
    """'No' to a follow-up: offer a callback instead of a text, then let it go."""
    if ctx.state.pending.get("contact") == "sms":
        return ctx.outcome(
            Reply(
                text="Would you rather have a person call you back at that number instead?",
                reprompt="Shall a person call you back?",
            ),
            pending={**ctx.state.pending, "contact": "callback"},
        )
    return ctx.outcome(
        Reply(
            text="Okay, no one will contact you. What else can I help you with?",
            reprompt="What else can I help with?",
        ),
        pending={},
    )


def hand_off(ctx: PolicyContext, *, reason: str) -> Outcome:
    voice = ctx.turn.channel in VOICE_CHANNELS
    contact = str(ctx.state.pending.get("contact") or "")
    if voice and contact not in ("sms", "callback"):
        return _ask_how_to_reach(ctx, reason=reason)
    transcript = list(ctx.state.transcript)
    if ctx.parse.text:
        transcript.append({"shopper": ctx.parse.text, "assistant": ""})
    request = HandoffRequest(
        conversation_id=ctx.turn.conversation_id,
        shopper_id=ctx.turn.shopper_id,
        channel=ctx.turn.channel,
        reason=reason,
        transcript=tuple(transcript),
        context=_handoff_context(ctx, contact=contact if voice else ctx.turn.channel),
    )
    try:
        # The desk stores the ticket durably before this returns; only then is the shopper told.
        ticket_id = ctx.desk.open_ticket(request)
    except HandoffFailed:
        return ctx.outcome(
            Reply(
                text="I'm sorry, I can't reach our team right now. Please try again in a few "
                "minutes, or I can keep helping you here. What would you like to do?",
                reprompt="What would you like to do?",
            ),
            pending={},
        )
    team = f"the {ctx.services.skill_name} team"
    if voice:
        how = (
            "will text you shortly"
            if contact == "sms"
            else "will call you back at that number shortly"
        )
        text = (
            f"Done. A person from {team} {how}. I've passed along everything we've talked "
            "about, so you won't need to repeat yourself. Goodbye for now!"
        )
    else:
        text = (
            f"I'm connecting you with a person on {team}. I've passed along everything we've "
            "talked about, so you won't need to repeat yourself. Stay here: they'll join this "
            "chat shortly."
        )
    return ctx.outcome(
        Reply(
            text=text,
            handoff=HandoffNotice(ticket_id=ticket_id, reason=reason),
            end_session=voice,
        ),
        pending={},
        handed_off=ticket_id,
        misunderstandings=0,
    )


def relay_to_person(
    services: Services, turn: Turn, state: DialogueState
) -> tuple[Reply, DialogueState, Parse] | None:
    """While a person holds the conversation the assistant stays quiet and passes words on.

    Returns None when the ticket is closed (resolved or handed back): the assistant answers again.
    """
    text = (turn.text or "").strip()
    try:
        status = services.desk.relay(turn.conversation_id, text)
    except AmbientShopError:
        status = "waiting"  # never answer over a person because the desk is briefly unreachable
    if status is None:
        return None
    parse = Parse(text=text, intent="talk_to_agent", confidence=1.0)
    if status == "waiting":
        reply = Reply(text="I've passed that on. A person will join this chat shortly.")
    else:
        reply = Reply(text="")
    return reply, state.remember(shopper=text, assistant=reply.text), parse


def resume_after_person(state: DialogueState) -> DialogueState:
    return replace(state, handed_off=None, pending={})


def talk_to_agent(ctx: PolicyContext) -> Outcome:
    return hand_off(ctx, reason="asked")


def offer_person(ctx: PolicyContext, *, lead: str, reason: str) -> Outcome:
    return ctx.outcome(
        Reply(
            text=f"{lead} Would you like me to connect you with a person on our team?",
            reprompt="Shall I connect you with a person?",
        ),
        pending={"action": "handoff", "reason": reason},
    )


def complaint(ctx: PolicyContext) -> Outcome:
    return offer_person(
        ctx,
        lead="I'm really sorry about that. A person can sort this out properly.",
        reason="complaint",
    )


def account_help(ctx: PolicyContext) -> Outcome:
    return offer_person(
        ctx,
        lead="Account, payment and address changes need a secure check I can't do by voice.",
        reason="account help",
    )


def feedback(ctx: PolicyContext) -> Outcome:
    return ctx.outcome(
        Reply(
            text="Thank you, I've passed that on to the team. Is there anything else I can do?",
            reprompt="Anything else?",
        )
    )
