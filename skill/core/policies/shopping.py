"""Shopping policies: find, seen-on, refine, select, details, availability, cart, send link."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog_adapter.models import Product, ProductQuery, SeenOnResult
from skill.core import speech
from skill.core.cards import items_of, product_card
from skill.core.context import Outcome, PolicyContext
from skill.core.model import Card, Reply
from skill.core.policies import variants

# Attribute filters dropped one at a time, least important first, when nothing matches.
_RELAXATION_ORDER = ("pattern", "size", "audience", "brand", "color", "material")
# Who an item is for, as shoppers say it ("for my husband"); the catalog matches the audience.
_AUDIENCE_WORDS = {
    "men": "husband boyfriend dad father son's brother grandpa grandfather him he his men men's "
    "mens man man's guy guys gentleman gentlemen male",
    "women": "wife girlfriend mom mother sister grandma grandmother her she hers women women's "
    "womens woman woman's lady ladies ladies' female",
    "kids": "kid kids kid's kids' child children child's children's son daughter baby toddler "
    "boys girls boy's girl's",
}
_AUDIENCE = {word: who for who, words in _AUDIENCE_WORDS.items() for word in words.split()}
_STOPWORDS = frozenset(
    """a an the me my i i'd id im i'm you your for of to in on at with and or but please show find
    get looking look search want need would like some any can could do does is are there it its
    this that these those what which how much many cost costs price buy shop something one ones
    under over below above between less more than dollars dollar bucks around about maybe just
    got see seen tell let us hey alexa ask okay ok um uh really very so also have has had be been
    from where who wore wearing worn cheaper cheapest pricier expensive fancier premium nicer
    budget affordable lower higher instead other another different without minus""".split()
)
_WORD = re.compile(r"[a-z0-9']+")
_CHEAPER = re.compile(
    r"\b(cheaper|less expensive|lower price[sd]?|on a budget|affordable|cheapest)\b"
)
_PRICIER = re.compile(r"\b(pricier|more expensive|higher end|fancier|premium|nicer)\b")
_WITHOUT = re.compile(r"\b(?:without|no|minus)\s+(?:the\s+|any\s+)?([a-z]+)")


def _money_bound(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def query_from_parse(ctx: PolicyContext) -> dict[str, Any]:
    """The structured search this turn asks for, as a plain dict kept in dialogue state."""
    parse = ctx.parse
    query: dict[str, Any] = {}
    for label, key in (
        ("PRODUCT_TYPE", "product_type"),
        ("COLOR", "color"),
        ("MATERIAL", "material"),
        ("PATTERN", "pattern"),
        ("SIZE", "size"),
        ("BRAND", "brand"),
    ):
        entity = parse.first(label)
        if entity is not None and entity.value:
            query[key] = str(entity.value)
    price_entity = parse.first("PRICE")
    if price_entity is not None and isinstance(price_entity.value, Mapping):
        low = _money_bound(price_entity.value.get("min"))
        high = _money_bound(price_entity.value.get("max"))
        if low is not None:
            query["min_price"] = str(low)
        if high is not None:
            query["max_price"] = str(high)
    covered = [(e.start, e.end) for e in parse.entities]
    leftovers = []
    for match in _WORD.finditer(parse.text.lower()):
        inside = any(start <= match.start() < end for start, end in covered)
        if not inside and match.group() in _AUDIENCE:
            query.setdefault("audience", _AUDIENCE[match.group()])
        elif not inside and match.group() not in _STOPWORDS and not match.group().isdigit():
            leftovers.append(match.group())
    if leftovers:
        query["text"] = " ".join(leftovers[:8])
    return query


def build_query(query: Mapping[str, Any], *, limit: int = 10) -> ProductQuery:
    return ProductQuery(
        text=str(query.get("text", "")),
        product_type=query.get("product_type"),
        color=query.get("color"),
        material=query.get("material"),
        pattern=query.get("pattern"),
        size=query.get("size"),
        brand=query.get("brand"),
        audience=query.get("audience"),
        min_price=_money_bound(query.get("min_price")),
        max_price=_money_bound(query.get("max_price")),
        exclude_ids=tuple(query.get("exclude_ids", ())),
        limit=limit,
    )


def _relax_attributes(
    ctx: PolicyContext, query: Mapping[str, Any]
) -> tuple[list[Product], list[str]]:
    results = ctx.catalog.search(build_query(query))
    if not results and "text" in query and "product_type" in query:
        # Free-text leftovers ("a gift, maybe") are the noisiest part of a spoken request:
        # losing them is better than losing an attribute the shopper named.
        untexted = {k: v for k, v in query.items() if k != "text"}
        results = ctx.catalog.search(build_query(untexted))
        if results:
            return results, []
    dropped: list[str] = []
    relaxed = dict(query)
    for key in _RELAXATION_ORDER:
        if results:
            break
        if key in relaxed:
            value = relaxed.pop(key)
            dropped.append(f"for {value}" if key == "audience" else f"in {value}")
            results = ctx.catalog.search(build_query(relaxed))
    if not results and "text" in relaxed and "product_type" in relaxed:
        # Free-text leftovers are the noisiest part of a spoken request; the type is the anchor.
        relaxed.pop("text")
        results = ctx.catalog.search(build_query(relaxed))
    if (
        not results
        and "product_type" in relaxed
        and not ctx.catalog.search(ProductQuery(product_type=relaxed["product_type"], limit=1))
    ):
        # A spoken type may not be the retailer's exact category name ("ankle boots" vs
        # "boots"): let full-text search, with its stemming and synonyms, find it instead.
        kind = str(relaxed.pop("product_type"))
        relaxed["text"] = f"{relaxed.get('text', '')} {kind}".strip()
        results = ctx.catalog.search(build_query(relaxed))
    return results, dropped


def search_relaxing(
    ctx: PolicyContext, query: Mapping[str, Any]
) -> tuple[list[Product], list[str]]:
    """Search; when nothing matches, drop filters one by one and report which, as phrases.

    Attributes go first; the budget goes last, and then the closest prices come first.
    """
    results, dropped = _relax_attributes(ctx, query)
    if results or not (query.get("max_price") or query.get("min_price")):
        return results, dropped
    unbounded = {k: v for k, v in query.items() if k not in ("max_price", "min_price")}
    results, dropped = _relax_attributes(ctx, unbounded)
    if not results:
        return results, dropped
    high, low = _money_bound(query.get("max_price")), _money_bound(query.get("min_price"))
    target = high if high is not None else low or Decimal("0")
    results.sort(key=lambda p: abs(p.current_price.amount - target))
    return results, [*dropped, _budget_phrase(query)]


def _budget_phrase(query: Mapping[str, Any]) -> str:
    high, low = query.get("max_price"), query.get("min_price")
    if high and low:
        return f"between {speech.price(Decimal(low))} and {speech.price(Decimal(high))}"
    if high:
        return f"under {speech.price(Decimal(high))}"
    return f"over {speech.price(Decimal(low))}"


def describe_query(query: Mapping[str, Any]) -> str:
    words = [str(query[k]) for k in ("color", "pattern", "material", "brand") if query.get(k)]
    if query.get("audience") in ("men", "women"):
        words.insert(0, f"{query['audience']}'s")
    kind = query.get("product_type") or query.get("text") or "items"
    phrase = " ".join([*words, speech.plural(str(kind))])
    if query.get("size"):
        phrase += f" in size {query['size']}"
    if query.get("max_price") or query.get("min_price"):
        phrase += " " + _budget_phrase(query)
    return phrase


def present(
    ctx: PolicyContext,
    products: list[Product],
    query: Mapping[str, Any],
    *,
    dropped: Sequence[str] = (),
    intro: str = "",
) -> Outcome:
    """Read out up to three results and remember the list for "the second one"."""
    if not products:
        text = (
            f"I couldn't find any {describe_query(query)} right now. "
            "You could try a different colour, a wider price range, or another kind of item."
        )
        return ctx.outcome(Reply(text=text, reprompt="What else can I look for?"))
    shown = products[: speech.MAX_SPOKEN_ITEMS]
    lead = intro
    if dropped:
        lead += f"I couldn't find that {speech.join(list(dropped), conjunction='or')}, "
        lead += "but here is what comes closest. "
    if len(shown) == 1:
        body = f"I found one: {speech.brand_title(shown[0])} for {speech.product_price(shown[0])}."
        reprompt = "Would you like to hear more about it, or add it to your cart?"
    else:
        # Who it is for and the size are said back, so the shopper hears they were understood.
        what = f" {describe_query(query)}" if query.get("audience") or query.get("size") else ""
        body = f"Here are the top {speech.count(len(shown))}{what}: {speech.listing(shown)}"
        reprompt = "Which one would you like to hear more about?"
    text = f"{lead}{body} {reprompt}"
    card_lines = [f"{i}. {p.title} — {speech.product_price(p)}" for i, p in enumerate(shown, 1)]
    card = Card(
        title=speech.sentence_case(describe_query(query))[:80] or "Results",
        text="\n".join(card_lines),
        image_url=shown[0].image_link,
    )
    return ctx.outcome(
        Reply(
            text=text,
            reprompt=reprompt,
            items=items_of(shown),
            card=card,
            suggestions=("Tell me about the first one", "Something cheaper", "Talk to a person"),
        ),
        # Only what the shopper heard or saw can be referred to as "the second one".
        results=tuple(p.id for p in shown),
        query=dict(query),
        selected=None,
        pending={},
    )


def find_product(ctx: PolicyContext) -> Outcome:
    about_variant = variants.variant_answer(ctx)
    if about_variant is not None:
        return about_variant
    query = query_from_parse(ctx)
    if not query:
        return ctx.outcome(
            Reply(
                text="Sure. What are you shopping for? For example, a blue velvet sofa "
                "under eight hundred dollars.",
                reprompt="What are you shopping for?",
            )
        )
    products, dropped = search_relaxing(ctx, query)
    return present(ctx, products, query, dropped=dropped)


def find_seen_on(ctx: PolicyContext) -> Outcome:
    person = ctx.parse.first("PERSON")
    media = ctx.parse.first("MEDIA")
    kind = ctx.parse.first("PRODUCT_TYPE")
    if person is None and media is None:
        return find_product(ctx)
    who_value = str(person.value) if person else None
    media_value = str(media.value) if media else None
    found = ctx.catalog.seen_on(
        person=who_value,
        media=media_value,
        product_type=str(kind.value) if kind else None,
        limit=3,
    )
    if kind is not None and found.appearance is None:
        # The shopper's word for the item ("chair") may differ from the feed's ("armchair").
        found = ctx.catalog.seen_on(person=who_value, media=media_value, limit=3)
    if found.appearance is None and media_value and who_value:
        # Nothing from that show: what the catalog knows of the person from another one.
        elsewhere = ctx.catalog.seen_on(person=who_value, limit=3)
        if elsewhere.appearance is not None:
            person_name = elsewhere.appearance.person or who_value
            return _seen_elsewhere(ctx, elsewhere, person_name, media_value, kind_value(kind))
    appearance = found.appearance
    person_name = appearance.person if appearance and appearance.person else who_value
    show = appearance.media if appearance and appearance.media else media_value
    other_show = _other_show(ctx, media_value, appearance.media if appearance else "")
    if appearance is not None and other_show:
        return _seen_elsewhere(ctx, found, person_name or "", other_show, kind_value(kind))
    item = (
        str(kind.value)
        if kind
        else (appearance.product_type if appearance and appearance.product_type else "piece")
    )
    # "the sweater Harry Styles wore on NPR Tiny Desk" / "the armchair seen on Queer Eye"
    seen = f"the {item} {person_name} wore" if person_name else f"the {item} seen"
    if show:
        seen += f" on {show}"
    if found.exact is not None:
        product = found.exact
        text = (
            f"Good eye. {speech.sentence_case(seen)} is {speech.brand_title(product)}, "
            f"and that's the exact one. It costs {speech.product_price(product)}. "
        )
        text += "Would you like me to add it to your cart or send the link to your phone?"
        return ctx.outcome(
            Reply(
                text=text,
                reprompt="Shall I add it to your cart, or send the link to your phone?",
                items=items_of([product]),
                card=product_card(product, lead=f"Exact match: {seen}"),
                suggestions=("Add it to my cart", "Send it to my phone", "What sizes?"),
            ),
            results=(product.id,),
            selected=product.id,
            query={"product_type": item} if kind else {},
            pending={},
        )
    if found.similar:
        shown = list(found.similar[: speech.MAX_SPOKEN_ITEMS])
        text = (
            f"We don't carry the exact one, but these are similar to {seen}: "
            f"{speech.listing(shown)} "
            "Want to hear more about one of them?"
        )
        return ctx.outcome(
            Reply(
                text=text,
                reprompt="Which one would you like to hear more about?",
                items=items_of(shown),
                card=Card(
                    title=speech.sentence_case(f"similar to {seen}")[:80],
                    text="\n".join(
                        f"{i}. {p.title} — {speech.product_price(p)} (similar, not the exact item)"
                        for i, p in enumerate(shown, 1)
                    ),
                    image_url=shown[0].image_link,
                ),
            ),
            results=tuple(p.id for p in found.similar),
            selected=None,
            query={"product_type": item} if kind else {},
            pending={},
        )
    return ctx.outcome(
        Reply(
            text=(
                f"I couldn't find {seen} in our catalog, or anything "
                "close to it. Would you like a person on our team to look into it for you?"
            ),
            reprompt="Shall I get a person to look into it?",
        ),
        pending={"action": "handoff", "reason": "seen-on item not found"},
    )


_EVENT = re.compile(
    r"\b(?:wore|wear|wearing|worn|had on|seen)\b.*?\b(?:at|on|in|during|to)\s+"
    r"(?:the\s+|her\s+|his\s+|their\s+|a\s+)?([a-z0-9' ]+?)"
    r"(?=\s+(?:and|how|what|where|last|this|concert|performance)\b|[?.!,]|$)"
)


def kind_value(entity: Any) -> str | None:
    return str(entity.value) if entity is not None and entity.value else None


def _other_show(ctx: PolicyContext, asked: str | None, known: str) -> str | None:
    """The show the shopper named when it is not the one the catalog knows an appearance from."""
    if not known:
        return None
    spoken = asked
    if spoken is None:
        match = _EVENT.search(ctx.parse.text.lower())
        spoken = match.group(1).strip() if match else None
    if not spoken:
        return None
    words = {w.rstrip("s") for w in _WORD.findall(spoken.lower()) if len(w) > 2} - _STOPWORDS
    known_words = {w.rstrip("s") for w in _WORD.findall(known.lower())}
    if not words or words & known_words:
        return None
    return " ".join(w if w.isupper() else w.capitalize() for w in spoken.split())


def _the(name: str) -> str:
    return name if name.lower().startswith("the ") else f"the {name}"


def _same_kind(kind: str, product: Product) -> bool:
    stem = kind.lower().rstrip("s")
    return stem in product.product_type.lower() or stem in product.title.lower()


def _seen_elsewhere(
    ctx: PolicyContext, found: SeenOnResult, person: str, event: str, kind: str | None
) -> Outcome:
    """Say what is not known (that event), then what is (another show), never passing one off."""
    appearance = found.appearance
    assert appearance is not None
    what = f"what {kind} {person} wore" if kind else f"what {person} wore"
    lead = f"I don't know {what} at the {event}. "
    products = [found.exact] if found.exact is not None else list(found.similar)
    if kind:
        products = [p for p in products if _same_kind(kind, p)]
    item = appearance.product_type or "piece"
    if products:
        match = "the exact" if found.exact is not None else "look-alikes of the"
        lead += f"From {_the(appearance.media)}, I have {match} {item} {person} wore there. "
        outcome = present(ctx, products, {"product_type": item})
        return Outcome(
            reply=replace(outcome.reply, text=lead + outcome.reply.text),
            state=outcome.state,
        )
    if kind:
        lead += f"From {_the(appearance.media)} I only know {person}'s {item}, not a {kind}"
        query = {"product_type": kind}
        results, dropped = search_relaxing(ctx, query)
        lead += f", but we do carry {speech.plural(kind)}. " if results else ". "
        return present(ctx, results, query, dropped=dropped, intro=lead)
    return present(ctx, list(found.similar), {"product_type": item}, intro=lead)


def refine_search(ctx: PolicyContext) -> Outcome:
    about_variant = variants.variant_answer(ctx)
    if about_variant is not None:
        return about_variant
    previous = dict(ctx.state.query)
    if not previous and not ctx.state.results:
        if query_from_parse(ctx).keys() - {"text"}:
            return find_product(ctx)
        return ctx.outcome(
            Reply(
                text="Sure, what should I look for? For example, a wool sweater or an oak "
                "dining table.",
                reprompt="What should I look for?",
            )
        )
    changes = query_from_parse(ctx)
    text = ctx.parse.text.lower()
    refined = {**previous, **{k: v for k, v in changes.items() if k != "text"}}
    selected = ctx.product(ctx.state.selected)
    basis = [selected] if selected else ctx.results()[: speech.MAX_SPOKEN_ITEMS]
    by_price = False
    if _CHEAPER.search(text) and basis:
        cheapest = min(p.current_price.amount for p in basis)
        refined["max_price"] = str(max(cheapest - Decimal("0.01"), Decimal("0")))
        refined.pop("min_price", None)
        by_price = True
    if _PRICIER.search(text) and basis:
        dearest = max(p.current_price.amount for p in basis)
        refined["min_price"] = str(dearest + Decimal("0.01"))
        refined.pop("max_price", None)
        by_price = True
    without = _WITHOUT.search(text)
    if without:
        refined["without"] = sorted({*previous.get("without", []), without.group(1)})
    elif changes.get("text"):
        refined["text"] = f"{previous.get('text', '')} {changes['text']}".strip()
    if refined == previous:
        return ctx.outcome(
            Reply(
                text="How should I narrow it down? You can say cheaper, a colour, "
                "a material, or a size.",
                reprompt="Cheaper, a colour, a material, or a size?",
            )
        )
    if by_price:
        # "Cheaper" must never be answered with something dearer: keep the budget fixed.
        products, dropped = _relax_attributes(ctx, refined)
        if not products:
            direction = "lowest-priced" if _CHEAPER.search(text) else "highest-priced"
            return ctx.outcome(
                Reply(
                    text=f"Those are already the {direction} {describe_query(previous)} I have. "
                    "Would you like to hear more about one of them?",
                    reprompt="Which one would you like to hear more about?",
                )
            )
    else:
        products, dropped = search_relaxing(ctx, refined)
    return present(ctx, _without(products, refined.get("without", ())), refined, dropped=dropped)


def _without(products: list[Product], words: Sequence[str]) -> list[Product]:
    """Drop items whose title names an excluded feature ("without arms" drops "... Arm Chair")."""
    if not words:
        return products
    patterns = [re.compile(rf"\b{re.escape(w.rstrip('s'))}s?\b", re.IGNORECASE) for w in words]
    return [p for p in products if not any(pattern.search(p.title) for pattern in patterns)]


def select_item(ctx: PolicyContext) -> Outcome:
    product, problem = ctx.referenced_product()
    if product is None:
        text = problem or "There's no list to choose from yet. What are you looking for?"
        return ctx.outcome(Reply(text=text, reprompt="Which one would you like?"))
    return describe(ctx, product)


def describe(ctx: PolicyContext, product: Product) -> Outcome:
    subject = speech.sentence_case(speech.brand_title(product))
    facts = [f"{subject} costs {speech.product_price(product)}."]
    details = [d for d in (product.color, product.material) if d]
    if details:
        facts.append(f"It comes in {' '.join(details).lower()}.")
    if product.availability != "in_stock":
        facts.append(f"It's currently {product.availability.replace('_', ' ')} online.")
    if product.description:
        facts.append(speech.truncate(product.description, 220))
    text = " ".join(facts) + " Would you like to add it to your cart?"
    return ctx.outcome(
        Reply(
            text=text,
            reprompt="Shall I add it to your cart?",
            items=items_of([product]),
            card=product_card(product),
            suggestions=("Add it to my cart", "Is it in stock near me?", "What sizes?"),
        ),
        selected=product.id,
        pending={"action": "add_to_cart", "product_id": product.id},
    )


_INFO_ANSWERS: dict[str, Callable[[PolicyContext, Product], str]] = {
    "material": lambda ctx, p: f"it's made of {p.material.lower()}" if p.material else "",
    "colors": lambda ctx, p: variants.colours_answer(ctx, p),
    "sizes": lambda ctx, p: variants.sizes_answer(p),
    "rating": lambda ctx, p: f"shoppers rate it {p.rating:.1f} out of 5" if p.rating else "",
    "availability": lambda ctx, p: f"it's {p.availability.replace('_', ' ')} online",
}


def product_info(ctx: PolicyContext) -> Outcome:
    about_variant = variants.variant_answer(ctx)
    if about_variant is not None:
        return about_variant
    product, problem = ctx.referenced_product()
    if product is None:
        if ctx.parse.first("PRODUCT_TYPE") is not None:
            return find_product(ctx)
        text = problem or "Which product would you like to know about? Tell me what you're after."
        return ctx.outcome(Reply(text=text, reprompt="Which product do you mean?"))
    asks = list(ctx.parse.asks) or ["price"]
    answers = []
    for ask in asks:
        if ask == "price":
            answers.append(f"it costs {speech.product_price(product)}")
            continue
        answer = _INFO_ANSWERS.get(ask, lambda ctx, p: "")(ctx, product)
        if answer:
            answers.append(answer)
        else:
            answers.append(f"I don't have the {ask.replace('_', ' ')} for it")
    subject = speech.brand_title(product)
    text = f"For {subject}: {speech.join(answers)}."
    if "dimensions" in asks and product.description:
        text += " " + speech.truncate(product.description, 200)
    text += " Anything else you'd like to know?"
    return ctx.outcome(
        Reply(text=text, reprompt="Anything else about it?", card=product_card(product)),
        selected=product.id,
    )


def check_availability(ctx: PolicyContext) -> Outcome:
    about_variant = variants.variant_answer(ctx)
    if about_variant is not None:
        return about_variant
    product, problem = ctx.referenced_product()
    if product is None:
        text = problem or "Which item should I check? Tell me what you're looking for first."
        return ctx.outcome(Reply(text=text, reprompt="Which item should I check?"))
    store = ctx.parse.first("STORE")
    stock = ctx.catalog.availability(product.id, store=str(store.value) if store else None)
    # Same-day pickup first, then the store with the most on hand.
    in_stock = sorted(
        (s for s in stock if s.quantity > 0),
        key=lambda s: (not _same_day(s.pickup_sla), -s.quantity),
    )
    if store is not None and not stock:
        text = f"I couldn't find a store called {store.value}. "
        text += _stores_phrase(ctx, product)
    elif in_stock:
        best = in_stock[0]
        pickup = " and ready for pickup today" if _same_day(best.pickup_sla) else ""
        text = (
            f"Yes, {best.store_name} has {speech.count(best.quantity)} of "
            f"{speech.brand_title(product)} in stock{pickup}."
        )
        if len(in_stock) > 1 and store is None:
            others = speech.join([s.store_name for s in in_stock[1:3]])
            text += f" It's also at {others}."
    else:
        where = f"at {store.value}" if store else "in any of our stores"
        text = f"Sorry, {speech.brand_title(product)} isn't in stock {where} right now."
        if product.availability == "in_stock":
            text += " You can still order it online."
    text += " Would you like to add it to your cart?"
    return ctx.outcome(
        Reply(text=text, reprompt="Shall I add it to your cart?", card=product_card(product)),
        selected=product.id,
        pending={"action": "add_to_cart", "product_id": product.id},
    )


def _same_day(pickup_sla: str) -> bool:
    sla = pickup_sla.strip().lower()
    return sla.startswith("same") or sla.endswith(("hour", "hours", "minutes"))


def _stores_phrase(ctx: PolicyContext, product: Product) -> str:
    stock = ctx.catalog.availability(product.id)
    if not stock:
        return ""
    return f"We have stores at {speech.join([s.store_name for s in stock[:3]])}."
