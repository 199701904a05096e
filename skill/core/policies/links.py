"""Texting links: a voice answer cannot carry a link, so it goes to the shopper's phone.

A text is only sent with the shopper's consent and to the number on their profile; a number
given in conversation is saved to the profile, and giving it for this purpose is the consent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from catalog_adapter.models import Product
from skill.core import speech
from skill.core.context import Outcome, PolicyContext
from skill.core.model import Card, Reply

PHONE_KEY = "phone"
CONSENT_KEY = "sms_consent"
# Channels that can show a link themselves; there no text message is needed.
LINK_CHANNELS = frozenset({"webchat"})

_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_CART_WORDS = re.compile(r"\b(cart|basket|bag|checkout|check out)\b")
_LIST_WORDS = re.compile(r"\b(all of them|all three|the list|those|these|them all|all)\b")


def phone_from_text(text: str) -> str | None:
    """A phone number said or typed ("206 555 0142", "two oh six ..."), as digits with +1 for US."""
    words = re.findall(r"[a-z]+|\d+|\+", text.lower())
    digits = "".join(_DIGIT_WORDS.get(w, w if w.isdigit() else "") for w in words)
    plus = text.strip().startswith("+")
    if plus and 8 <= len(digits) <= 15:
        return f"+{digits}"
    if len(digits) == 10:
        return f"+1{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"+{digits}"
    return None


def spoken_phone(phone: str) -> str:
    return f"your phone number ending in {' '.join(phone[-4:])}"


def product_message(ctx: PolicyContext, product: Product) -> tuple[str, str]:
    body = f"{ctx.services.skill_name}: {product.title}, {speech.product_price(product)}"
    return body, product.link


def list_message(ctx: PolicyContext, products: list[Product]) -> tuple[str, str]:
    lines = [f"{p.title}, {speech.product_price(p)}: {p.link}" for p in products]
    return f"{ctx.services.skill_name}:\n" + "\n".join(lines), products[0].link


def deliver(
    ctx: PolicyContext,
    *,
    body: str,
    link: str,
    what: str,
    pending: Mapping[str, Any],
    lead: str = "",
) -> Outcome:
    """Send the text if the shopper agreed and has a number; otherwise ask for what is missing.

    `pending` is the action that resends this message once the shopper answers.
    """
    if ctx.turn.channel in LINK_CHANNELS and link:
        text = f"{lead} Here's {what}: {link}".strip()
        return ctx.outcome(
            Reply(text=text, reprompt="Anything else?", card=Card(title=what, text=link)),
            pending={},
        )
    phone = ctx.profile.get(PHONE_KEY)
    if not isinstance(phone, str) or not phone:
        text = (
            f"{lead} What mobile number should I text {what} to? I'll keep it on your profile "
            "and only use it for links you ask for."
        ).strip()
        return ctx.outcome(
            Reply(text=text, reprompt="What's your mobile number?"),
            pending={**pending, "action": "collect_phone", "then": pending.get("action", "")},
        )
    if ctx.profile.get(CONSENT_KEY) is not True:
        text = (
            f"{lead} Shall I text {what} to {spoken_phone(phone)}? Message rates may apply."
        ).strip()
        return ctx.outcome(
            Reply(text=text, reprompt=f"Shall I text it to {spoken_phone(phone)}?"),
            pending={**pending, "consent": True},
        )
    ctx.outbox.send(shopper_id=ctx.turn.shopper_id, channel="sms", text=body, link=link)
    text = f"{lead} I've texted {what} to {spoken_phone(phone)}. Anything else?".strip()
    return ctx.outcome(
        Reply(
            text=text,
            reprompt="Anything else I can help with?",
            card=Card(title=f"Sent to your phone: {what}", text=f"{body}\n{link}".strip()),
        ),
        pending={},
    )


def agree(ctx: PolicyContext) -> None:
    """The shopper said yes to a text: remember the consent on their profile."""
    if ctx.profile.get(CONSENT_KEY) is not True:
        ctx.profile[CONSENT_KEY] = True
        ctx.save_profile()


def save_phone(ctx: PolicyContext, phone: str) -> None:
    ctx.profile[PHONE_KEY] = phone
    ctx.profile[CONSENT_KEY] = True
    ctx.save_profile()


def send_link(ctx: PolicyContext, *, product_ids: Sequence[str] = ()) -> Outcome:
    """ "send me a link" / "text it to me": the product, the list, or the cart, as meant."""
    from skill.core.policies import cart

    text = ctx.parse.text.lower()
    if not product_ids and (_CART_WORDS.search(text) or ctx.state.last_intent in cart.CART_INTENTS):
        return cart.checkout(ctx)
    problem = None
    if product_ids:
        products = [p for p in (ctx.product(pid) for pid in product_ids) if p is not None]
        problem = None if products else "Sorry, that item is no longer available."
    elif _LIST_WORDS.search(text) and ctx.results():
        products = ctx.results()[: speech.MAX_SPOKEN_ITEMS]
    else:
        products, problem = ctx.referenced_products()
    if not products:
        text = problem or "What would you like me to send? Tell me what you're looking for first."
        return ctx.outcome(Reply(text=text, reprompt="What should I send?"))
    if len(products) == 1:
        body, link = product_message(ctx, products[0])
        what = f"the link to {speech.brand_title(products[0])}"
    else:
        body, link = list_message(ctx, products)
        what = f"links to those {speech.count(len(products))}"
    pending = {"action": "send_link", "product_ids": [p.id for p in products]}
    return deliver(ctx, body=body, link=link, what=what, pending=pending)


def resume(ctx: PolicyContext) -> Outcome:
    """Send what the pending question was about, now that consent or a number is given."""
    from skill.core.policies import cart

    pending = ctx.state.pending
    if (pending.get("then") or pending.get("action")) == "checkout":
        return cart.checkout(ctx)
    ids = pending.get("product_ids")
    return send_link(ctx, product_ids=[str(i) for i in ids] if isinstance(ids, list) else ())
