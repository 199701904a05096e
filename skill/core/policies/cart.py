"""Cart policies: add (quantity, size, colour, several at once), view, change, remove, checkout."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from decimal import Decimal

from catalog_adapter.models import Product
from skill.core import speech
from skill.core.cards import items_of, product_card
from skill.core.cart import MAX_QUANTITY, Cart, CartLine
from skill.core.context import Outcome, PolicyContext
from skill.core.model import Card, Reply
from skill.core.policies import links, people, variants

CART_INTENTS = frozenset({"add_to_cart", "view_cart", "remove_from_cart", "checkout"})
MAX_LINES_SPOKEN = 5

_SET_QUANTITY = re.compile(
    r"\b(make (it|that|them|those|this)|change|set|update|instead|only (want|need)|just)\b"
)
_EVERYTHING = re.compile(
    r"\b(everything|all of it|all the items|all items|empty|clear|whole cart|start over)\b"
)


def _load(ctx: PolicyContext) -> Cart:
    return Cart.from_profile(ctx.profile)


def _save(ctx: PolicyContext, cart: Cart) -> None:
    cart.save_to(ctx.profile)
    ctx.save_profile()


def _priced(ctx: PolicyContext, cart: Cart) -> tuple[Cart, list[tuple[CartLine, Product]], str]:
    """The cart's lines with today's products; retired ones are removed and named."""
    found: list[tuple[CartLine, Product]] = []
    gone: list[CartLine] = []
    for line in cart.lines:
        product = ctx.product(line.product_id)
        (found.append((line, product)) if product is not None else gone.append(line))
    note = ""
    if gone:
        cart = Cart(tuple(line for line, _ in found))
        _save(ctx, cart)
        count = speech.count(len(gone))
        note = (
            f"{'One item' if len(gone) == 1 else speech.sentence_case(count) + ' items'} in your "
            "cart is no longer sold, so I've taken it out. "
        ).replace("items in your cart is", "items in your cart are")
    return cart, found, note


def total_of(found: Sequence[tuple[CartLine, Product]]) -> tuple[Decimal, str]:
    total = sum((p.current_price.amount * line.quantity for line, p in found), Decimal("0"))
    currency = found[0][1].current_price.currency if found else "USD"
    return total, currency


def spoken_total(found: Sequence[tuple[CartLine, Product]]) -> str:
    total, currency = total_of(found)
    units = sum(line.quantity for line, _ in found)
    noun = "item" if units == 1 else "items"
    return f"{speech.count(units)} {noun}, {speech.price(total, currency)} in total"


def _line_phrase(line: CartLine, product: Product) -> str:
    size = f", size {line.size}," if line.size else ""
    amount = speech.count(line.quantity)
    return f"{amount} of {speech.brand_title(product)}{size}".replace(",,", ",")


def _quantity(ctx: PolicyContext) -> int | None:
    entity = ctx.parse.first("QUANTITY")
    if entity is None:
        return None
    value = entity.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _bad_quantity(ctx: PolicyContext, quantity: int) -> Outcome | None:
    if quantity <= 0:
        return ctx.outcome(
            Reply(
                text=f"How many would you like? I can add from one to "
                f"{speech.count(MAX_QUANTITY) if MAX_QUANTITY <= 10 else MAX_QUANTITY} of an item.",
                reprompt="How many would you like?",
            )
        )
    if quantity > MAX_QUANTITY:
        return people.offer_person(
            ctx,
            lead=f"I can add up to {MAX_QUANTITY} of one item here. For {quantity:,}, our team "
            "can help with a bulk order.",
            reason="bulk order",
        )
    return None


def add_to_cart(
    ctx: PolicyContext, *, product_ids: Sequence[str] = (), size: str | None = None
) -> Outcome:
    quantity = _quantity(ctx)
    if quantity is not None:
        problem = _bad_quantity(ctx, quantity)
        if problem is not None:
            return problem
    if product_ids:
        products = [p for p in (ctx.product(pid) for pid in product_ids) if p is not None]
        if not products:
            return ctx.outcome(
                Reply(
                    text="Sorry, that item is no longer available. Can I find you something else?",
                    reprompt="What else can I find?",
                ),
                pending={},
            )
    else:
        products, problem_text = ctx.referenced_products()
        if not products:
            if ctx.parse.first("PRODUCT_TYPE") is not None:
                from skill.core.policies.shopping import find_product

                return find_product(ctx)
            text = problem_text or "What would you like to add? Tell me what you're looking for."
            return ctx.outcome(
                Reply(text=text, reprompt="Which one would you like?"),
                pending={"action": "which_item", "intent": "add_to_cart"}
                if ctx.state.results
                else {},
            )
    colour = ctx.parse.first("COLOR")
    if colour is not None and colour.value and len(products) == 1:
        variant = variants.in_colour(ctx, products[0], str(colour.value))
        if variant is None:
            return variants.no_colour(ctx, products[0], str(colour.value))
        products = [variant]
    spoken_size = size
    entity = ctx.parse.first("SIZE")
    if entity is not None and entity.value:
        spoken_size = str(entity.value)
    elif spoken_size is None and ctx.state.size and ctx.state.selected in {p.id for p in products}:
        spoken_size = ctx.state.size
    cart = _load(ctx)
    if quantity is not None and _SET_QUANTITY.search(ctx.parse.text.lower()):
        lines = [line for p in products for line in cart.lines_for(p.id)]
        if len(lines) == 1:
            return _set_quantity(ctx, cart, lines[0], quantity)
    return _add_each(ctx, cart, products, quantity or 1, spoken_size)


def _add_each(
    ctx: PolicyContext,
    cart: Cart,
    products: Sequence[Product],
    quantity: int,
    spoken_size: str | None,
) -> Outcome:
    """Add every product; stop to ask for a size where one is needed, keeping the rest queued."""
    added: list[tuple[CartLine, Product]] = []
    for index, product in enumerate(products):
        sizes = variants.sizes_of(product)
        size = variants.matching_size(product, spoken_size) if spoken_size and sizes else None
        if sizes and spoken_size and size is None:
            if added:
                _save(ctx, cart)
            return ctx.outcome(
                Reply(
                    text=f"{_added_lead(added, quantity)}{_title(product)} doesn't come in "
                    f"{spoken_size}; it comes in {speech.join(list(sizes), conjunction='or')}. "
                    "Which size would you like?",
                    reprompt="Which size would you like?",
                ),
                selected=product.id,
                pending=_size_question(product, quantity, products[index + 1 :]),
            )
        if sizes and size is None:
            if added:
                _save(ctx, cart)
            return ctx.outcome(
                Reply(
                    text=f"{_added_lead(added, quantity)}What size would you like "
                    f"{speech.brand_title(product)} in? It comes in "
                    f"{speech.join(list(sizes), conjunction='or')}.",
                    reprompt="Which size?",
                ),
                selected=product.id,
                pending=_size_question(product, quantity, products[index + 1 :]),
            )
        cart, line = cart.add(product.id, quantity, size=size or "")
        added.append((line, product))
        spoken_size = None if len(products) > 1 else spoken_size
    _save(ctx, cart)
    _, found, note = _priced(ctx, cart)
    capped = [p for line, p in added if line.quantity == MAX_QUANTITY]
    text = f"{note}{_added_lead(added, quantity)}"
    if capped:
        text += f"That's the most I can add of one item, {MAX_QUANTITY}. "
    text += (
        f"Your cart now has {spoken_total(found)}. Would you like to check out, or keep shopping?"
    )
    last = added[-1][1]
    return ctx.outcome(
        Reply(
            text=text,
            reprompt="Shall I text you a secure checkout link, or keep shopping?",
            items=items_of([p for _, p in added]),
            card=product_card(last, lead="Added to your cart"),
            suggestions=("Check out", "What's in my cart?", "Keep shopping"),
        ),
        selected=last.id,
        pending={"action": "checkout"},
    )


def _title(product: Product) -> str:
    return speech.sentence_case(speech.brand_title(product))


def _added_lead(added: Sequence[tuple[CartLine, Product]], quantity: int = 1) -> str:
    if not added:
        return ""
    phrases = []
    for line, product in added:
        size = f" in size {line.size}" if line.size else ""
        amount = f"{speech.count(quantity)} of " if quantity > 1 else ""
        phrases.append(f"{amount}{speech.brand_title(product)}{size}")
    return f"Added {speech.join(phrases)} to your cart. "


def _size_question(product: Product, quantity: int, rest: Sequence[Product]) -> dict[str, object]:
    return {
        "action": "choose_size",
        "product_id": product.id,
        "quantity": quantity,
        "queue": [p.id for p in rest],
    }


def add_with_size(ctx: PolicyContext, spoken_size: str) -> Outcome:
    """The answer to "what size would you like?": add it, then carry on with any queued items."""
    pending = ctx.state.pending
    product = ctx.product(str(pending.get("product_id") or ""))
    quantity = pending.get("quantity")
    quantity = quantity if isinstance(quantity, int) and 0 < quantity <= MAX_QUANTITY else 1
    queue = pending.get("queue")
    rest = [p for p in (ctx.product(str(i)) for i in queue or []) if p is not None]
    if product is None:
        return add_to_cart(ctx, product_ids=[p.id for p in rest]) if rest else _gone(ctx)
    size = variants.matching_size(product, spoken_size)
    if size is None:
        return _add_each(ctx, _load(ctx), [product, *rest], quantity, spoken_size)
    cart, line = _load(ctx).add(product.id, quantity, size=size)
    if rest:
        _save(ctx, cart)
        outcome = _add_each(ctx, cart, rest, quantity, None)
        lead = _added_lead([(line, product)], quantity)
        return Outcome(
            reply=Reply(**{**_reply_fields(outcome.reply), "text": lead + outcome.reply.text}),
            state=outcome.state,
        )
    return _add_each(ctx, _load(ctx), [product], quantity, size)


def _reply_fields(reply: Reply) -> dict[str, object]:
    return {name: getattr(reply, name) for name in reply.__slots__}


def _gone(ctx: PolicyContext) -> Outcome:
    return ctx.outcome(
        Reply(
            text="Sorry, that item is no longer available. Can I find you something else?",
            reprompt="What else can I find?",
        ),
        pending={},
    )


def view_cart(ctx: PolicyContext) -> Outcome:
    cart, found, note = _priced(ctx, _load(ctx))
    if not found:
        return ctx.outcome(
            Reply(
                text=f"{note}Your cart is empty. What can I find for you?",
                reprompt="What are you shopping for?",
            ),
            pending={},
        )
    spoken = [_line_phrase(line, p) for line, p in found[:MAX_LINES_SPOKEN]]
    more = len(found) - MAX_LINES_SPOKEN
    text = f"{note}Your cart has {spoken_total(found)}: {speech.join(spoken)}"
    text += f", and {speech.count(more)} more." if more > 0 else "."
    text += " Would you like to check out, or change anything?"
    card_lines = [
        f"{line.quantity} × {p.title}{f' (size {line.size})' if line.size else ''} — "
        f"{speech.price(p.current_price.amount * line.quantity, p.current_price.currency)}"
        for line, p in found
    ]
    total, currency = total_of(found)
    card_lines.append(f"Total: {speech.price(total, currency)}")
    listed = tuple(dict.fromkeys(p.id for _, p in found))
    return ctx.outcome(
        Reply(
            text=text,
            reprompt="Would you like to check out?",
            items=items_of([p for _, p in found]),
            card=Card(title="Your cart", text="\n".join(card_lines)),
            suggestions=("Check out", "Remove the first one", "Keep shopping"),
        ),
        # The cart as read out is what "the second one" now means.
        results=listed,
        selected=None,
        pending={"action": "checkout"},
    )


def _lines_meant(ctx: PolicyContext, cart: Cart) -> tuple[list[CartLine], Product | None]:
    """The cart lines this turn points at, and the product named when it is not in the cart."""
    size_entity = ctx.parse.first("SIZE")
    words = [
        str(e.value).lower()
        for e in ctx.parse.entities
        if e.label in ("PRODUCT_TYPE", "COLOR", "BRAND", "MATERIAL") and e.value
    ]
    if words and not ctx.parse.all("REFERENCE") and not ctx.parse.first("ORDINAL"):
        lines = []
        for line in cart.lines:
            product = ctx.product(line.product_id)
            haystack = (
                f"{product.title} {product.product_type} {product.color}".lower() if product else ""
            )
            if all(w.rstrip("s") in haystack for w in words):
                lines.append(line)
        return lines, None
    products, _ = ctx.referenced_products()
    if not products:
        return (list(cart.lines) if len(cart.lines) == 1 else []), None
    lines = [line for p in products for line in cart.lines_for(p.id)]
    if size_entity is not None and size_entity.value:
        sized = [
            line
            for line in lines
            if variants.matching_size(
                ctx.product(line.product_id) or products[0], str(size_entity.value)
            )
            == line.size
        ]
        lines = sized or lines
    return lines, (products[0] if not lines else None)


def remove_from_cart(ctx: PolicyContext) -> Outcome:
    cart, found, note = _priced(ctx, _load(ctx))
    if cart.empty:
        return ctx.outcome(
            Reply(
                text=f"{note}Your cart is already empty. What can I find for you?",
                reprompt="What are you shopping for?",
            ),
            pending={},
        )
    if _EVERYTHING.search(ctx.parse.text.lower()):
        return ctx.outcome(
            Reply(
                text=f"Remove all {spoken_total(found)} from your cart?",
                reprompt="Shall I empty your cart?",
            ),
            pending={"action": "empty_cart"},
        )
    lines, named = _lines_meant(ctx, cart)
    if not lines:
        names = speech.join([speech.brand_title(p) for _, p in found[:3]])
        if named is not None:
            text = f"{speech.sentence_case(speech.brand_title(named))} isn't in your cart. "
        else:
            text = "Which item should I remove? "
        text += f"Your cart has {names}."
        return ctx.outcome(Reply(text=text, reprompt="Which item should I remove?"))
    quantity = _quantity(ctx)
    if quantity is not None and len(lines) == 1:
        if quantity <= 0 or quantity > MAX_QUANTITY * 10:
            return _bad_quantity(ctx, quantity) or ctx.outcome(Reply(text="", reprompt=None))
        if _SET_QUANTITY.search(ctx.parse.text.lower()):
            return _set_quantity(ctx, cart, lines[0], quantity)
        return _set_quantity(ctx, cart, lines[0], lines[0].quantity - quantity)
    for line in lines:
        cart = cart.remove(line)
    _save(ctx, cart)
    removed = speech.join(
        [speech.brand_title(p) for p in (ctx.product(line.product_id) for line in lines) if p]
    )
    return _after_change(ctx, cart, f"I've removed {removed}.")


def _set_quantity(ctx: PolicyContext, cart: Cart, line: CartLine, quantity: int) -> Outcome:
    problem = _bad_quantity(ctx, quantity) if quantity > MAX_QUANTITY else None
    if problem is not None:
        return problem
    product = ctx.product(line.product_id)
    cart = cart.set_quantity(line, quantity)
    _save(ctx, cart)
    name = speech.brand_title(product) if product else "that item"
    if quantity <= 0:
        return _after_change(ctx, cart, f"I've removed {name}.")
    return _after_change(ctx, cart, f"You now have {speech.count(quantity)} of {name}.")


def _after_change(ctx: PolicyContext, cart: Cart, lead: str) -> Outcome:
    _, found, note = _priced(ctx, cart)
    if not found:
        return ctx.outcome(
            Reply(text=f"{lead} {note}Your cart is now empty.", reprompt="What else can I find?"),
            pending={},
        )
    return ctx.outcome(
        Reply(
            text=f"{lead} {note}Your cart now has {spoken_total(found)}. "
            "Would you like to check out?",
            reprompt="Would you like to check out?",
        ),
        pending={"action": "checkout"},
    )


def empty_cart(ctx: PolicyContext) -> Outcome:
    _save(ctx, Cart())
    return ctx.outcome(
        Reply(
            text="Done, your cart is empty. What else can I find for you?", reprompt="What else?"
        ),
        pending={},
        results=(),
        selected=None,
    )


def checkout(ctx: PolicyContext) -> Outcome:
    """Voice never takes payment: a secure, single-use link finishes the order on a screen."""
    cart, found, note = _priced(ctx, _load(ctx))
    if not found:
        return ctx.outcome(
            Reply(
                text=f"{note}Your cart is empty, so there's nothing to check out yet. "
                "What can I find for you?",
                reprompt="What are you shopping for?",
            ),
            pending={},
        )
    link = _checkout_link(ctx, cart, found)
    total, currency = total_of(found)
    body = (
        f"{ctx.services.skill_name}: your cart ({speech.price(total, currency)}) is ready. "
        f"Finish checking out securely here: {link}"
    )
    return links.deliver(
        ctx,
        body=body,
        link=link,
        what="a secure checkout link",
        pending={"action": "checkout"},
        lead=f"{note}Your cart has {spoken_total(found)}. I can't take payment by voice.",
    )


def _checkout_link(
    ctx: PolicyContext, cart: Cart, found: Sequence[tuple[CartLine, Product]]
) -> str:
    """An unguessable link to this cart, recorded on the profile so the shop can redeem it."""
    token = secrets.token_urlsafe(18)
    total, currency = total_of(found)
    ctx.profile["checkout"] = {
        "token": token,
        "lines": [line.to_dict() for line in cart.lines],
        "total": str(total),
        "currency": currency,
        "created_at": ctx.services.clock().isoformat(),
    }
    ctx.save_profile()
    return f"{ctx.services.checkout_url.rstrip('/')}/{token}"
