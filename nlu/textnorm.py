"""Word normalisation for the intent classifier: "cancel", "cancelling", "canceled" are one."""

from __future__ import annotations

from functools import lru_cache

_VOWELS = frozenset("aeiouy")
# irregular forms a suffix rule cannot reach
_IRREGULAR: dict[str, str] = {
    "bought": "buy",
    "paid": "pay",
    "sent": "send",
    "got": "get",
    "gotten": "get",
    "wore": "wear",
    "worn": "wear",
    "spoke": "speak",
    "spoken": "speak",
    "told": "tell",
    "made": "make",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "came": "come",
    "went": "go",
    "gone": "go",
    "saw": "see",
    "seen": "see",
    "said": "say",
    "ran": "run",
    "left": "leave",
    "lost": "lose",
    "found": "find",
    "thought": "think",
    "wanna": "want",
    "gonna": "go",
    "gotta": "got",
    "pls": "please",
    "plz": "please",
    "thx": "thank",
    "u": "you",
    "ur": "your",
    "r": "are",
    "im": "i'm",
    "cant": "can't",
    "dont": "don't",
    "wont": "won't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "ive": "i've",
    "id": "i'd",
    "whats": "what's",
    "wheres": "where's",
    "hows": "how's",
    "thats": "that's",
    "n't": "not",
    "'m": "am",
    "'re": "are",
    "'ll": "will",
    "'ve": "have",
    "'d": "would",
    "ca": "can",
    "wo": "will",
    "sha": "shall",
    "cancelation": "cancel",
    "cancellation": "cancel",
    "cancellations": "cancel",
    "cancelations": "cancel",
    "colour": "color",
    "colours": "color",
    "favourite": "favorite",
    "e-mail": "email",
    "emails": "email",
    "ok": "okay",
    "k": "okay",
    "yep": "yes",
    "yup": "yes",
    "yeah": "yes",
    "ya": "yes",
    "yea": "yes",
    "nope": "no",
    "nah": "no",
}
_SUFFIXES: tuple[tuple[str, str, int], ...] = (
    # (suffix, replacement, minimum stem length left)
    ("ational", "ate", 3),
    ("ization", "ize", 3),
    ("ation", "", 4),
    ("ments", "", 3),
    ("ment", "", 3),
    ("ingly", "", 3),
    ("ings", "", 3),
    ("ing", "", 3),
    ("ied", "y", 2),
    ("ies", "y", 2),
    ("edly", "", 3),
    ("ed", "", 3),
    ("ers", "er", 3),
    ("es", "", 4),
    ("s", "", 3),
    ("ly", "", 4),
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light, consistent stemmer: equal stems matter, real English roots do not."""
    word = _IRREGULAR.get(word, word)
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            base = word[: len(word) - len(suffix)]
            if suffix == "s" and (base.endswith(("s", "u", "i")) or not _has_vowel(base)):
                continue
            if suffix in ("ing", "ed", "ings") and not _has_vowel(base):
                continue
            word = base + replacement
            break
    # "cancell" / "cancel", "shipp" / "ship", "change" / "chang": the same feature either way
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in _VOWELS:
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _has_vowel(text: str) -> bool:
    return any(c in _VOWELS for c in text)
