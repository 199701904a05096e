"""Conversation policies: greeting, help, yes/no confirmations, repeat, stop, thanks, fallback."""

from __future__ import annotations

from skill.core.context import Outcome, PolicyContext
from skill.core.model import Reply
from skill.core.policies import after_purchase, cart, links, people, shopping

# Misunderstandings in a row before the skill offers a person instead of another reprompt.
MISUNDERSTANDINGS_BEFORE_OFFER = 2

HELP_TEXT = (
    "You can ask me to find something, like a blue velvet sofa under eight hundred dollars, "
    "or where to get the sweater a celebrity wore on a show. I can also check an order, "
    "start a return, or get you a person. What would you like to do?"
)


def launch(ctx: PolicyContext) -> Outcome:
    text = (
        f"Welcome to {ctx.services.skill_name}. Tell me what you're looking for, or something "
        "you saw on a show, and I'll find it. What can I get you?"
    )
    return ctx.outcome(Reply(text=text, reprompt="What are you looking for?"), pending={})


def greeting(ctx: PolicyContext) -> Outcome:
    return ctx.outcome(
        Reply(text="Hi there! What are you shopping for today?", reprompt="What can I find?")
    )


def help_(ctx: PolicyContext) -> Outcome:
    return ctx.outcome(Reply(text=HELP_TEXT, reprompt="What would you like to do?"), pending={})


def thanks(ctx: PolicyContext) -> Outcome:
    return ctx.outcome(
        Reply(text="You're welcome! Anything else I can find for you?", reprompt="Anything else?")
    )


def stop(ctx: PolicyContext) -> Outcome:
    return ctx.outcome(
        Reply(
            text=f"Thanks for shopping with {ctx.services.skill_name}. Goodbye!", end_session=True
        ),
        pending={},
    )


def repeat(ctx: PolicyContext) -> Outcome:
    if not ctx.state.last_text:
        return help_(ctx)
    return ctx.outcome(Reply(text=ctx.state.last_text, reprompt=ctx.state.last_reprompt or None))


def yes(ctx: PolicyContext) -> Outcome:
    pending = ctx.state.pending
    action = pending.get("action")
    product_id = pending.get("product_id")
    order_id = pending.get("order_id")
    if action == "add_to_cart":
        size = pending.get("size")
        return cart.add_to_cart(
            ctx,
            product_ids=[str(product_id)] if product_id else (),
            size=str(size) if size else None,
        )
    if action in ("send_link", "checkout"):
        if pending.get("consent") or action == "checkout":
            links.agree(ctx)
        return links.resume(ctx)
    if action == "empty_cart":
        return cart.empty_cart(ctx)
    if action == "select" and product_id:
        selected = ctx.product(str(product_id))
        if selected is not None:
            return shopping.describe(ctx, selected)
    if action == "search":
        query = {k: str(pending[k]) for k in ("color", "product_type") if pending.get(k)}
        products, dropped = shopping.search_relaxing(ctx, query)
        return shopping.present(ctx, products, query, dropped=dropped)
    if action == "cancel_order" and order_id:
        return after_purchase.confirm_cancel(ctx, str(order_id))
    if action == "start_return" and order_id:
        return after_purchase.confirm_return(ctx, str(order_id))
    if action == "handoff":
        return people.hand_off(ctx, reason=str(pending.get("reason") or "shopper accepted offer"))
    return ctx.outcome(
        Reply(text="Great. What would you like to do next?", reprompt="What would you like?")
    )


def no(ctx: PolicyContext) -> Outcome:
    action = ctx.state.pending.get("action")
    if action == "handoff" and ctx.state.pending.get("contact"):
        return people.handoff_declined(ctx)
    if action == "cancel_order":
        text = "Okay, I've left the order as it is. Anything else?"
    elif action in ("add_to_cart", "send_link", "checkout", "choose_size", "collect_phone"):
        text = "No problem. Would you like to keep looking?"
    else:
        text = "Okay. What else can I help you with?"
    return ctx.outcome(Reply(text=text, reprompt="What else can I help with?"), pending={})


def out_of_scope(ctx: PolicyContext) -> Outcome:
    if ctx.state.misunderstandings + 1 >= MISUNDERSTANDINGS_BEFORE_OFFER:
        return people.offer_person(
            ctx,
            lead="Sorry, I'm still not getting it.",
            reason="repeated misunderstanding",
        )
    outcome = ctx.outcome(
        Reply(
            text="Sorry, I can only help with shopping and your orders here. You could say, "
            "find me a wool sweater, or where is my order. What would you like?",
            reprompt="What are you shopping for?",
        )
    )
    return Outcome(reply=outcome.reply, state=outcome.state, misunderstood=True)
