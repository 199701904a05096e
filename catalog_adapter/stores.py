"""Which store a shopper means ("downtown", "the ballard one", "capitol hil"), for every adapter."""

from __future__ import annotations

import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapidfuzz import fuzz

from catalog_adapter.models import Store

# Fuzzy score (0-100) a spoken name needs to count as a store's name or neighbourhood.
NAME_MATCH = 80
# Words shoppers put around a store's name that are not part of it ("the ballard one").
_FILLER = re.compile(r"^(?:the|your|our)\s+|\s+(?:store|shop|one|location|branch)$")


def matching_stores(stores: Sequence[Store], spoken: str) -> list[Store]:
    """Stores a spoken name refers to: a code, a name, a neighbourhood or a city (all of its
    stores), else the closest names allowing for misspellings; [] when none is close."""
    wanted = _folded(spoken)
    if not wanted:
        return []
    exact = [
        s
        for s in stores
        if wanted in (s.code.lower(), s.name.lower(), s.neighborhood.lower())
        or (spoken.strip().lower() in (s.name.lower(), s.code.lower()))
    ]
    if exact:
        return exact
    city = [s for s in stores if s.city and wanted == s.city.lower()]
    if city:
        return city
    scored = []
    for s in stores:
        best = max(
            fuzz.token_set_ratio(wanted, s.name.lower()),
            fuzz.ratio(wanted, s.neighborhood.lower()) if s.neighborhood else 0,
        )
        if best >= NAME_MATCH:
            scored.append((best, s))
    if not scored:
        return []
    top = max(score for score, _ in scored)
    return [s for score, s in scored if score == top]


def one_store(stores: Sequence[Store], spoken: str) -> Store | None:
    """The one store a spoken name means; None when it names none, or several equally."""
    found = matching_stores(stores, spoken)
    return found[0] if len(found) == 1 else None


def known_timezone(name: str) -> bool:
    """Whether an IANA time zone name is one this machine knows."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _folded(spoken: str) -> str:
    text = " ".join(spoken.lower().split())
    while True:
        shorter = _FILLER.sub("", text)
        if shorter == text or not shorter:
            return text
        text = shorter
