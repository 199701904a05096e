"""People and relationship: handoff with the whole context, complaints, feedback, account help."""

from __future__ import annotations

from typing import Any

from skill.core.context import Outcome, PolicyContext
from skill.core.model import HandoffNotice, HandoffRequest, Reply
from skill.errors import HandoffFailed


def _handoff_context(ctx: PolicyContext) -> dict[str, Any]:
    """What the person sees first: the shopper's words and what the skill already knows."""
    state = ctx.state
    return {
        "last_query": dict(state.query),
        "results": list(state.results),
        "selected": state.selected,
        "pending": dict(state.pending),
        "cart": dict(ctx.profile.get("cart", {})),
        "parse": ctx.parse.to_dict(),
        "locale": ctx.turn.locale,
    }


def hand_off(ctx: PolicyContext, *, reason: str) -> Outcome:
    transcript = list(ctx.state.transcript)
    if ctx.parse.text:
        transcript.append({"shopper": ctx.parse.text, "assistant": ""})
    request = HandoffRequest(
        conversation_id=ctx.turn.conversation_id,
        shopper_id=ctx.turn.shopper_id,
        channel=ctx.turn.channel,
        reason=reason,
        transcript=tuple(transcript),
        context=_handoff_context(ctx),
    )
    try:
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
    text = (
        f"I'm connecting you with a person on the {ctx.services.skill_name} team. I've passed "
        "along everything we've talked about, so you won't need to repeat yourself. They'll "
        "text you shortly to pick it up from here."
    )
    return ctx.outcome(
        Reply(
            text=text,
            handoff=HandoffNotice(ticket_id=ticket_id, reason=reason),
            end_session=ctx.turn.channel == "alexa",
        ),
        pending={},
        handed_off=ticket_id,
        misunderstandings=0,
    )


def talk_to_agent(ctx: PolicyContext) -> Outcome:
    return hand_off(ctx, reason="shopper asked for a person")


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
