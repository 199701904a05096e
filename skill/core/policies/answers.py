"""Answers to the assistant's own questions ("what size?", "what number?", "which one?").

A bare "medium" or a phone number means little to a classifier; after the question that asked
for it, it means exactly one thing. These checks run before the parse's intent is acted on.
"""

from __future__ import annotations

from collections.abc import Callable

from skill.core.context import Outcome, PolicyContext
from skill.core.model import Reply
from skill.core.policies import cart, compare, links, shopping, variants

Policy = Callable[[PolicyContext], Outcome]

# Intents that end or change the subject whatever was asked.
_LEAVING = frozenset({"stop", "no", "talk_to_agent", "help", "complaint", "repeat"})
# What "which one do you mean?" was asked for, so the answer can finish the job.
_RESUMABLE: dict[str, Policy] = {
    "add_to_cart": cart.add_to_cart,
    "compare": compare.compare,
    "product_info": shopping.product_info,
    "check_availability": shopping.check_availability,
    "remove_from_cart": cart.remove_from_cart,
    "send_link": links.send_link,
}


def pending_answer(ctx: PolicyContext) -> Policy | None:
    """The policy that takes this turn as the answer to a pending question, or None."""
    pending = ctx.state.pending
    action = pending.get("action")
    if not action or ctx.parse.intent in _LEAVING:
        return None
    if action == "collect_phone":
        return _phone_answer(ctx)
    if action == "choose_size":
        return _size_answer(ctx)
    if action == "which_item" and (ctx.parse.all("REFERENCE") or ctx.parse.first("ORDINAL")):
        return _RESUMABLE.get(str(pending.get("intent")))
    return None


def _phone_answer(ctx: PolicyContext) -> Policy | None:
    phone = links.phone_from_text(ctx.parse.text)
    if phone is not None:

        def send(inner: PolicyContext) -> Outcome:
            links.save_phone(inner, phone)
            return links.resume(inner)

        return send
    if ctx.parse.intent in ("yes", "out_of_scope", "find_product"):
        return _ask_number_again
    return None


def _ask_number_again(ctx: PolicyContext) -> Outcome:
    return ctx.outcome(
        Reply(
            text="Sorry, I didn't catch a phone number. Please say the ten digits, like "
            "two oh six, five five five, oh one four two.",
            reprompt="What's your mobile number?",
        )
    )


def _size_answer(ctx: PolicyContext) -> Policy | None:
    entity = ctx.parse.first("SIZE")
    spoken = str(entity.value) if entity is not None and entity.value else None
    if spoken is None:
        product = ctx.product(str(ctx.state.pending.get("product_id") or ""))
        words = ctx.parse.text.strip()
        if product is not None and words and variants.matching_size(product, words):
            spoken = words
    if spoken is None:
        return None
    size = spoken
    return lambda inner: cart.add_with_size(inner, size)
