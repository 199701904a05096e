"""What the shopper can refer to: the parse context built from dialogue state, and resolution."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from catalog_adapter.models import Product
from nlu.contract import MAX_CONTEXT_ITEMS, ListedItem, Parse, ParseContext
from skill.core import speech
from skill.core.state import DialogueState
from skill.errors import CatalogUnavailable

# Pending actions as the parser's context names the question the assistant just asked.
PENDING_QUESTIONS = {
    "add_to_cart": "confirm_add",
    "send_link": "sms_consent",
    "collect_phone": "phone_number",
    "cancel_order": "confirm_cancel",
    "start_return": "confirm_return",
    "handoff": "offer_person",
    "which_item": "which_item",
    "choose_size": "which_size",
    "empty_cart": "confirm_empty_cart",
    "search": "confirm_search",
}


def listed_ids(state: DialogueState) -> tuple[str, ...]:
    """The items positions refer to: the list just heard, then the selected item if not on it."""
    ids = tuple(dict.fromkeys(state.results))
    if state.selected and state.selected not in ids:
        ids = (*ids, state.selected)
    return ids[:MAX_CONTEXT_ITEMS]


def listed_item(position: int, product_id: str, product: Product | None) -> ListedItem:
    if product is None:
        return ListedItem(position=position, product_id=product_id)
    return ListedItem(
        position=position,
        product_id=product_id,
        title=product.title,
        product_type=product.product_type.rsplit(">", 1)[-1].strip(),
        color=product.color,
        brand=product.brand,
        material=product.material,
        price=float(product.current_price.amount),
    )


def parse_context(
    state: DialogueState,
    get: Callable[[str], Product | None],
    *,
    routing: str | None = None,
) -> ParseContext:
    """The context for this turn's parse; a catalog outage leaves the items without attributes."""
    ids = listed_ids(state)
    items = []
    for position, product_id in enumerate(ids, start=1):
        try:
            product = get(product_id)
        except CatalogUnavailable:
            product = None
        items.append(listed_item(position, product_id, product))
    action = state.pending.get("action")
    return ParseContext(
        items=tuple(items),
        selected=ids.index(state.selected) + 1 if state.selected in ids else None,
        last_intent=state.last_intent,
        pending=PENDING_QUESTIONS.get(str(action)) if action else None,
        routing=routing,
    )


def reference_positions(parse: Parse) -> list[int]:
    """Every 1-based position the parse's REFERENCE entities point to, in order, once each."""
    positions: list[int] = []
    for entity in parse.all("REFERENCE"):
        values = entity.value if isinstance(entity.value, list | tuple) else [entity.value]
        for value in values:
            if isinstance(value, int) and not isinstance(value, bool) and value not in positions:
                positions.append(value)
    return positions


def short_name(product: Product) -> str:
    """A product as a clarifying question names it: "the Cardigan in Cream" (brand left out)."""
    return f"the {speech.spoken_title(product.title)}"


def which_one(candidates: Sequence[Product]) -> str:
    """A question that names the real choices, never a generic "first, second or third"."""
    names = [short_name(p) for p in candidates[: speech.MAX_SPOKEN_ITEMS]]
    if len(names) == 1:
        return f"Do you mean {names[0]}?"
    return f"Which one do you mean: {speech.join(names, conjunction='or')}?"
