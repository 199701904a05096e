"""Sizes and audiences as feeds write them and shoppers say them, folded to one comparable form.

Every catalog adapter uses these, so "large", "L" and "size l" mean the same everywhere, and a
feed's size list ("XS, S, M, L, XL") is read the same way by the index and the REST adapter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Separators of a size list; "/" is not one, since "S/M" and "32/34" are sizes of their own.
_LIST_SEPARATORS = re.compile(r"\s*[,;|]\s*")
_FILLER = frozenset({"a", "an", "size", "sizes", "in", "us", "uk", "eu", "the", "number", "no"})
_LETTER_SIZES = {
    "xxs": "xxs",
    "extra extra small": "xxs",
    "2xs": "xxs",
    "xs": "xs",
    "extra small": "xs",
    "x small": "xs",
    "xsmall": "xs",
    "s": "s",
    "small": "s",
    "sm": "s",
    "m": "m",
    "medium": "m",
    "med": "m",
    "l": "l",
    "large": "l",
    "lg": "l",
    "xl": "xl",
    "extra large": "xl",
    "x large": "xl",
    "xlarge": "xl",
    "xxl": "xxl",
    "2xl": "xxl",
    "extra extra large": "xxl",
    "xx large": "xxl",
    "double extra large": "xxl",
    "double xl": "xxl",
    "xxxl": "xxxl",
    "3xl": "xxxl",
    "triple extra large": "xxxl",
    "triple xl": "xxxl",
    "one size": "one size",
    "one size fits all": "one size",
    "os": "one size",
    "onesize": "one size",
}
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
        fifteen sixteen seventeen eighteen nineteen twenty""".split()
    )
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_NUMBER_WORDS.update({word: str(value) for word, value in _TENS.items()})


def size_list(text: str) -> tuple[str, ...]:
    """The sizes a feed's size field names: "XS, S, M" -> ("XS", "S", "M"); "" -> ()."""
    seen: dict[str, str] = {}
    for part in _LIST_SEPARATORS.split(text.strip()):
        if part and size_key(part) not in seen:
            seen[size_key(part)] = part
    return tuple(seen.values())


def size_key(spoken: str) -> str:
    """One comparable form of a size as written or said: "Large", "l", "size L" -> "l".

    Numbers are spoken or written ("a nine", "9", "nine and a half", "9 1/2" -> "9.5").
    """
    text = spoken.strip().lower().replace("-", " ").replace("’", "'")
    # Before fillers go: "size" belongs to "one size", and "one" must not become 1.
    text = re.sub(r"\bone size(?: fits all)?\b", "onesize", text)
    text = re.sub(r"(\d)\s*(?:1/2|½)", r"\1.5", text)
    text = re.sub(r"\band a half\b", ".5", text)
    words = [w for w in re.split(r"\s+", text) if w and w not in _FILLER]
    letters = _LETTER_SIZES.get(" ".join(words))
    if letters is not None:
        return letters
    words = _spoken_numbers(words)
    folded = " ".join(words)
    folded = re.sub(r"\s+\.5\b", ".5", folded)
    folded = re.sub(r"(\d+)\.0\b", r"\1", folded)
    return _LETTER_SIZES.get(folded, folded)


def _spoken_numbers(words: list[str]) -> list[str]:
    """ "twenty eight" -> "28", "nine" -> "9"; other words unchanged."""
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        following = words[i + 1] if i + 1 < len(words) else ""
        if word in _TENS and following in _NUMBER_WORDS and int(_NUMBER_WORDS[following]) < 10:
            out.append(str(_TENS[word] + int(_NUMBER_WORDS[following])))
            i += 2
            continue
        out.append(_NUMBER_WORDS.get(word, word))
        i += 1
    return out


def has_size(sizes: str, wanted: str) -> bool:
    """Whether a feed's size field lists the size a shopper asked for."""
    key = size_key(wanted)
    return bool(key) and any(size_key(s) == key for s in size_list(sizes))


KIDS_AGE_GROUPS = frozenset({"kids", "toddler", "infant", "newborn"})


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a request is for, as the feed's gender and age_group values that fit it."""

    name: str
    genders: frozenset[str]
    kids: bool


_AUDIENCES = {
    "men": Audience("men", frozenset({"male", "unisex"}), kids=False),
    "women": Audience("women", frozenset({"female", "unisex"}), kids=False),
    "unisex": Audience("unisex", frozenset({"unisex"}), kids=False),
    "kids": Audience("kids", frozenset({"male", "female", "unisex"}), kids=True),
    "boys": Audience("boys", frozenset({"male", "unisex"}), kids=True),
    "girls": Audience("girls", frozenset({"female", "unisex"}), kids=True),
}
_AUDIENCE_WORDS = {
    "men": "men",
    "man": "men",
    "mens": "men",
    "male": "men",
    "gentlemen": "men",
    "gents": "men",
    "him": "men",
    "women": "women",
    "woman": "women",
    "womens": "women",
    "female": "women",
    "ladies": "women",
    "lady": "women",
    "her": "women",
    "unisex": "unisex",
    "kids": "kids",
    "kid": "kids",
    "children": "kids",
    "childrens": "kids",
    "child": "kids",
    "toddler": "kids",
    "toddlers": "kids",
    "baby": "kids",
    "babies": "kids",
    "boys": "boys",
    "boy": "boys",
    "girls": "girls",
    "girl": "girls",
}


def audience(spoken: str) -> Audience | None:
    """ "men's", "ladies", "children" -> the Audience they mean; None when not an audience."""
    folded = re.sub(r"['’]s?\b|\bfor\b|\bthe\b", "", spoken.strip().lower()).strip()
    name = _AUDIENCE_WORDS.get(folded)
    return _AUDIENCES[name] if name else None


def fits_audience(wanted: Audience, gender: str, age_group: str) -> bool:
    """A product fits unless its feed says otherwise: no gender given fits everyone.

    No age group is taken as adult (Google's default), so only kids' items fit "kids".
    """
    gender = gender.strip().lower()
    is_kids = age_group.strip().lower() in KIDS_AGE_GROUPS
    if is_kids != wanted.kids:
        return False
    return not gender or gender in wanted.genders
