"""Variants: colours and sizes of one product ("what colours does it come in", "in a medium")."""

from __future__ import annotations

import re

from catalog_adapter.attributes import size_key
from catalog_adapter.models import Product
from skill.core import speech
from skill.core.cards import items_of, product_card
from skill.core.context import Outcome, PolicyContext
from skill.core.model import Reply
from skill.core.speech import plural as _plural

# Words that point back at the item being discussed rather than starting a new search.
_ABOUT_IT = re.compile(r"\b(it|this|that|this one|that one|them|these|those|the same)\b")
_NO_SIZES = frozenset({size_key("One Size")})


def sizes_of(product: Product) -> tuple[str, ...]:
    """Sizes worth asking about: a "One Size" item has none to choose from."""
    return tuple(s for s in product.sizes if size_key(s) not in _NO_SIZES)


def matching_size(product: Product, spoken: str) -> str | None:
    """The product's own spelling of a spoken size ("medium" -> "M"), else None."""
    wanted = size_key(spoken)
    return next((s for s in product.sizes if size_key(s) == wanted), None)


def family(ctx: PolicyContext, product: Product) -> list[Product]:
    """The product and its siblings (other colours), the product first."""
    return ctx.catalog.variants(product.id) or [product]


def in_colour(ctx: PolicyContext, product: Product, colour: str) -> Product | None:
    wanted = colour.strip().lower()
    siblings = family(ctx, product)
    exact = [p for p in siblings if p.color.lower() == wanted]
    near = [p for p in siblings if wanted in p.color.lower() or p.color.lower() in wanted]
    return (exact or near or [None])[0]


def _colour_names(products: list[Product]) -> list[str]:
    return list(dict.fromkeys(p.color.lower() for p in products if p.color))


def colours_answer(ctx: PolicyContext, product: Product) -> str:
    siblings = family(ctx, product)
    names = _colour_names(siblings)
    if len(names) <= 1:
        return f"it only comes in {product.color.lower()}" if product.color else ""
    answer = f"it comes in {speech.count(len(names))} colours: {speech.join(names)}"
    out = _colour_names([p for p in siblings if p.availability == "out_of_stock"])
    if out:
        answer += f"; {speech.join(out)} {'is' if len(out) == 1 else 'are'} sold out online"
    return answer


def sizes_answer(product: Product) -> str:
    sizes = sizes_of(product)
    if not sizes:
        return "it's one size" if product.sizes else ""
    return f"it comes in {speech.join(list(sizes))}"


def asks_about_selected(ctx: PolicyContext) -> bool:
    """A colour or size said about the selected item ("do you have it in navy"), not a search."""
    if not ctx.state.selected or not (ctx.parse.first("COLOR") or ctx.parse.first("SIZE")):
        return False
    kind = ctx.parse.first("PRODUCT_TYPE")
    if kind is None or _ABOUT_IT.search(ctx.parse.text.lower()):
        return True
    selected = ctx.product(ctx.state.selected)
    return selected is not None and str(kind.value).lower() in selected.product_type.lower()


def variant_answer(ctx: PolicyContext) -> Outcome | None:
    """Answer for the selected item in another colour or size; None when this is not such a turn."""
    if not asks_about_selected(ctx):
        return None
    product = ctx.product(ctx.state.selected)
    if product is None:
        return None
    colour, size = ctx.parse.first("COLOR"), ctx.parse.first("SIZE")
    if colour is not None and colour.value:
        found = in_colour(ctx, product, str(colour.value))
        if found is None:
            return no_colour(ctx, product, str(colour.value))
        product = found
    if size is not None and size.value:
        return _size_answer(ctx, product, str(size.value))
    return _switched(ctx, product, lead=f"Yes, it comes in {product.color.lower()}.")


def no_colour(ctx: PolicyContext, product: Product, colour: str) -> Outcome:
    names = _colour_names(family(ctx, product))
    kind = str(ctx.state.query.get("product_type") or "") or _kind_of(product)
    kind = _plural(kind)
    text = f"Sorry, {speech.brand_title(product)} doesn't come in {colour.lower()}."
    if len(names) > 1:
        text += f" It comes in {speech.join(names)}."
    text += f" Would you like me to look for other {colour.lower()} {kind}?"
    return ctx.outcome(
        Reply(text=text, reprompt=f"Shall I look for other {colour.lower()} {kind}?"),
        pending={"action": "search", "color": colour.lower(), "product_type": kind},
    )


def _kind_of(product: Product) -> str:
    """The product's type as a shopper says it: the feed's last category level, first noun."""
    leaf = product.product_type.rsplit(">", 1)[-1].strip().lower()
    return leaf.split(" & ")[0].split(" and ")[0] or "items"


def _size_answer(ctx: PolicyContext, product: Product, spoken: str) -> Outcome:
    size = matching_size(product, spoken)
    if size is not None:
        return _switched(
            ctx, product, size=size, lead=f"Yes, {speech.brand_title(product)} comes in {size}."
        )
    sizes = sizes_of(product)
    if not product.sizes:
        text = f"I don't have size information for {speech.brand_title(product)}, sorry."
        return ctx.outcome(Reply(text=text, reprompt="Anything else about it?"))
    others = [p for p in family(ctx, product) if p.id != product.id and matching_size(p, spoken)]
    text = f"Sorry, {speech.brand_title(product)} doesn't come in {spoken}."
    if sizes:
        text += f" It comes in {speech.join(list(sizes), conjunction='or')}."
    if others:
        alternative = others[0]
        text += f" The {alternative.color.lower()} one does come in {spoken}; want that instead?"
        return ctx.outcome(
            Reply(text=text, reprompt="Would you like that one instead?"),
            pending={"action": "select", "product_id": alternative.id},
        )
    text += " Would you like one of those sizes?"
    return ctx.outcome(Reply(text=text, reprompt="Which size would you like?"))


def _switched(
    ctx: PolicyContext, product: Product, *, lead: str, size: str | None = None
) -> Outcome:
    """Select this variant, keeping the chosen size when the variant has it."""
    chosen = size or ctx.state.size
    kept = matching_size(product, chosen) if chosen else None
    if product.availability == "in_stock":
        stock = "in stock online"
    else:
        stock = f"{product.availability.replace('_', ' ')} online"
    stores = sorted(
        (s for s in ctx.catalog.availability(product.id) if s.quantity > 0),
        key=lambda s: -s.quantity,
    )
    if stores:
        stock += f", and {stores[0].store_name} has {speech.count(stores[0].quantity)}"
    offer = f"Shall I add a size {kept} to your cart?" if kept else "Shall I add it to your cart?"
    text = (
        f"{lead} {speech.sentence_case(speech.brand_title(product))} is "
        f"{speech.product_price(product)} and {stock}. {offer}"
    )
    return ctx.outcome(
        Reply(
            text=text,
            reprompt=offer,
            items=items_of([product]),
            card=product_card(product),
            suggestions=("Add it to my cart", "What other colours?", "Which store has it?"),
        ),
        selected=product.id,
        size=kept,
        pending={"action": "add_to_cart", "product_id": product.id, "size": kept or ""},
    )
