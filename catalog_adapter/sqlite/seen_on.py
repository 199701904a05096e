"""Seen on: which reference a shopper means (tolerant of names and garment words), and what the
retailer sells of that look, never presenting a look-alike as the exact piece."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from rapidfuzz import fuzz, process

from catalog_adapter.models import Appearance, Product, ProductQuery, SeenOnResult
from catalog_adapter.sqlite.products import IN_STOCK, get_products
from catalog_adapter.sqlite.snapshot import MIN_MODIFIER, Snapshot
from catalog_adapter.stores import NAME_MATCH
from catalog_adapter.synonyms import Synonyms

Search = Callable[[ProductQuery], list[Product]]


def matching_appearances(
    snap: Snapshot,
    person: str | None,
    media: str | None,
    product_type: str | None,
) -> list[tuple[tuple[float, float], Appearance]]:
    """References naming the person and show, best names first, then the closest type."""
    people = fuzzy_names(person, snap.people)
    shows = fuzzy_names(media, snap.media)
    if (person and not people) or (media and not shows):
        return []
    found: list[tuple[tuple[float, float], int, Appearance]] = []
    for order, appearance in enumerate(snap.appearances):
        score = 0.0
        if person:
            if appearance.person not in people:
                continue
            score += people[appearance.person]
        if media:
            if appearance.media not in shows:
                continue
            score += shows[appearance.media]
        closeness = 1.0
        if product_type:
            closeness = type_closeness(snap.synonyms, product_type, appearance.product_type)
            if not closeness:
                continue
        found.append(((score, closeness), order, appearance))
    found.sort(key=lambda item: (-item[0][0], -item[0][1], item[1]))
    return [(score, appearance) for score, _, appearance in found]


def seen_on(
    db: sqlite3.Connection,
    snap: Snapshot,
    person: str | None,
    media: str | None,
    product_type: str | None,
    limit: int,
    *,
    search: Search,
) -> SeenOnResult:
    if not (person or media):
        return SeenOnResult(appearance=None, exact=None)
    matches = matching_appearances(snap, person, media, product_type)
    if not matches and product_type:
        # The garment may be named differently ("top" for a cardigan): trust person + show.
        loose = matching_appearances(snap, person, media, None)
        if person and media:
            matches = loose
    if not matches:
        return SeenOnResult(appearance=None, exact=None)
    best_score = matches[0][0]
    # The best-named reference (ties: the one listed first) decides which piece is meant.
    top = [a for score, a in matches if score == best_score]
    chosen = top[0]
    same_look = [
        a
        for a in top
        if (a.person, a.media, a.episode, a.product_type)
        == (chosen.person, chosen.media, chosen.episode, chosen.product_type)
    ]
    products = get_products(db, [a.product_id for a in same_look])
    exact = next(
        (
            products[a.product_id]
            for a in same_look
            if a.match == "exact" and a.product_id in products
        ),
        None,
    )
    limit = max(1, min(limit, 20))
    if exact is not None:
        exact_look = next(a for a in same_look if a.product_id == exact.id)
        similar: list[Product] = []
        if exact.availability not in IN_STOCK:
            similar = alternatives_to(exact, (), limit, search)
        return SeenOnResult(appearance=exact_look, exact=exact, similar=tuple(similar))
    linked = [
        products[a.product_id]
        for a in same_look
        if a.match == "similar" and a.product_id in products
    ]
    in_stock = [p for p in linked if p.availability in IN_STOCK]
    similar = in_stock[:limit]
    if len(similar) < limit:
        anchor = (linked or [None])[0]
        if anchor is not None:
            more = alternatives_to(anchor, [p.id for p in similar], limit - len(similar), search)
            similar.extend(more)
    return SeenOnResult(appearance=chosen, exact=None, similar=tuple(similar[:limit]))


def alternatives_to(
    product: Product,
    exclude: Sequence[str],
    limit: int,
    search: Search,
) -> list[Product]:
    """In-stock products most like this one: same type, then colour and material."""
    leaf = product.product_type.rsplit(">", 1)[-1].strip() or product.title
    text = " ".join((product.title.split(" - ")[0], product.color, product.material))
    query = ProductQuery(
        text=text,
        product_type=leaf,
        in_stock_only=True,
        exclude_ids=(product.id, *exclude),
        limit=limit,
    )
    return search(query)


def type_closeness(synonyms: Synonyms, wanted: str, seen: str) -> float:
    """1 for the same kind ("jumper", "sweater"), 0.5 for a shared head noun or compound of it.

    "chair" ~ "armchair" and "ankle boots" ~ "work boots" are 0.5; "sofa" ~ "armchair" is 0.
    """
    asked = synonyms.related(wanted)
    given = synonyms.related(seen)
    if asked & given:
        return 1.0
    asked_heads = {synonyms.key(p[-1:])[0] for p in asked}
    given_heads = {synonyms.key(p[-1:])[0] for p in given}
    for a in asked_heads:
        for g in given_heads:
            short, long = sorted((a, g), key=len)
            if long == short or (len(long) >= len(short) + MIN_MODIFIER and long.endswith(short)):
                return 0.5
    return 0.0


def fuzzy_names(spoken: str | None, names: Sequence[str]) -> dict[str, float]:
    """Catalog names a spoken name may mean, with a 0-100 score ("harry stiles" ~ Harry Styles)."""
    if not spoken or not names:
        return {}
    wanted = spoken.strip().lower()
    found: dict[str, float] = {}
    for name, score, _ in process.extract(
        wanted,
        names,
        scorer=_name_score,
        processor=lambda s: s.lower(),
        score_cutoff=NAME_MATCH,
        limit=None,
    ):
        found[name] = float(score)
    return found


def _name_score(a: str, b: str, **_: Any) -> float:
    # token_set_ratio lets "npr tiny desk concert" find "NPR Tiny Desk"; ratio catches typos.
    return max(fuzz.token_set_ratio(a, b), fuzz.ratio(a, b), fuzz.partial_ratio(a, b) - 5)
