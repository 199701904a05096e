"""Compare two items on what shoppers weigh: price, rating, material and sizes."""

from __future__ import annotations

from catalog_adapter.models import Product
from skill.core import speech
from skill.core.cards import items_of
from skill.core.context import Outcome, PolicyContext
from skill.core.model import Card, Reply
from skill.core.policies import variants


def _pair(ctx: PolicyContext) -> tuple[list[Product], str | None]:
    """The two items meant: both referenced, or the selected one and a named colour or ordinal."""
    products, problem = ctx.referenced_products()
    if len(products) >= 2:
        return products[:2], None
    selected = ctx.product(ctx.state.selected)
    colour = ctx.parse.first("COLOR")
    if selected is not None and colour is not None and colour.value:
        # "how does it compare with the navy one": a listed navy item, else the navy variant.
        wanted = str(colour.value).lower()
        listed = [p for p in ctx.results() if p.id != selected.id and wanted in p.color.lower()]
        other = listed[0] if listed else variants.in_colour(ctx, selected, wanted)
        if other is not None and other.id != selected.id:
            return [selected, other], None
        return [], f"I don't have {speech.brand_title(selected)} in {wanted} to compare with."
    if len(products) == 1 and len(ctx.results()) == 2:
        return ctx.results(), None
    if not products and len(ctx.results()) == 2:
        return ctx.results(), None
    choices = ctx.results()
    if len(choices) > 2:
        names = speech.join([f"the {speech.spoken_title(p.title)}" for p in choices[:3]])
        return [], f"Which two should I compare? I have {names}."
    return [], problem or "Which two items should I compare? Find a few first, then ask me."


def compare(ctx: PolicyContext) -> Outcome:
    pair, problem = _pair(ctx)
    if len(pair) < 2:
        return ctx.outcome(
            Reply(text=problem or "Which two should I compare?", reprompt="Which two?"),
            pending={"action": "which_item", "intent": "compare"} if ctx.state.results else {},
        )
    first, second = pair
    names = [f"the {speech.spoken_title(p.title)}" for p in pair]
    facts = [_price_fact(first, second, names)]
    if first.rating and second.rating and first.rating != second.rating:
        better = 0 if first.rating > second.rating else 1
        facts.append(
            f"{names[better]} is rated higher, {pair[better].rating:.1f} against "
            f"{pair[1 - better].rating:.1f} out of 5"
        )
    if first.material and second.material:
        if first.material.lower() == second.material.lower():
            facts.append(f"both are {first.material.lower()}")
        else:
            facts.append(
                f"the first is {first.material.lower()}, the second {second.material.lower()}"
            )
    sizes = [variants.sizes_of(p) for p in pair]
    if sizes[0] and sizes[1]:
        if sizes[0] == sizes[1]:
            facts.append(f"both come in {speech.join(list(sizes[0]))}")
        else:
            facts.append(
                f"the first comes in {speech.join(list(sizes[0]))}, "
                f"the second in {speech.join(list(sizes[1]))}"
            )
    text = speech.sentence_case(f"{'; '.join(facts)}.") + " Would you like either of them?"
    card = Card(
        title="Comparison",
        text="\n".join(
            f"{p.title} — {speech.product_price(p)}"
            + (f", {p.rating:.1f}/5" if p.rating else "")
            + (f", {p.material}" if p.material else "")
            for p in pair
        ),
        image_url=first.image_link,
    )
    return ctx.outcome(
        Reply(
            text=text,
            reprompt="Would you like the first or the second?",
            items=items_of(pair),
            card=card,
            suggestions=("The first one", "The second one", "Add both to my cart"),
        ),
        results=(first.id, second.id),
        selected=None,
        pending={},
    )


def _price_fact(first: Product, second: Product, names: list[str]) -> str:
    a, b = first.current_price.amount, second.current_price.amount
    if a == b:
        return f"{names[0]} and {names[1]} cost the same, {speech.product_price(first)}"
    cheaper = 0 if a < b else 1
    pair = (first, second)
    return (
        f"{names[cheaper]} is {speech.price(abs(a - b), first.current_price.currency)} cheaper "
        f"at {speech.product_price(pair[cheaper])}, against "
        f"{speech.product_price(pair[1 - cheaper])} for {names[1 - cheaper]}"
    )
