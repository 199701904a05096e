"""Spoken numbers as speech recognisers write them ("eight hundred", "4 5 7 1 2", "two fifty")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

NumberKind = Literal["cardinal", "digits", "ordinal"]

UNITS: dict[str, int] = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEENS: dict[str, int] = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES: dict[str, int] = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
ORDINALS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "last": -1,
    "penultimate": -2,
}
_COUNTS: dict[str, int] = {"dozen": 12, "couple": 2, "pair": 2, "single": 1}
_NUMERAL = re.compile(r"^\$?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(k)?$")
_ORDINAL_NUMERAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_THOUSANDS = frozenset({"k", "grand", "thousand"})


@dataclass(frozen=True, slots=True)
class NumberMention:
    """A number found in token positions [start, end); `digits` keeps leading zeros."""

    start: int
    end: int
    value: float
    kind: NumberKind
    digits: str = ""


def _single_digit(word: str) -> str | None:
    if len(word) == 1 and word.isdigit():
        return word
    if word in UNITS:
        return str(UNITS[word])
    return None


def _numeral(word: str) -> float | None:
    match = _NUMERAL.match(word)
    if not match:
        return None
    value = float(match.group(1).replace(",", "") + (match.group(2) or ""))
    return value * 1000 if match.group(3) else value


def _small(words: list[str], i: int) -> tuple[int, int] | None:
    """A number below 100 in words starting at i: (value, next index)."""
    word = words[i]
    if word in TEENS:
        return TEENS[word], i + 1
    if word in TENS:
        value = TENS[word]
        j = i + 1
        if j < len(words) and words[j] == "-":
            j += 1
        if j < len(words) and words[j] in UNITS and UNITS[words[j]] > 0 and words[j] != "oh":
            return value + UNITS[words[j]], j + 1
        return value, i + 1
    if word in UNITS and word != "oh":
        return UNITS[word], i + 1
    return None


def _cardinal_words(words: list[str], i: int) -> tuple[float, int] | None:
    """Spoken cardinal starting at i, e.g. "two hundred and fifty", "a thousand", "two fifty"."""
    n = len(words)
    if words[i] == "a" and i + 1 < n and words[i + 1] in ("hundred", "thousand"):
        total, current, j = 0, 1, i + 1
    else:
        first = _small(words, i)
        if first is None:
            return None
        current, j = first
        total = 0
        # "two fifty" / "eight ninety nine": a spoken price without "hundred"
        if j < n - 1 and words[j] == "-" and (words[j + 1] in TEENS or words[j + 1] in TENS):
            j += 1
        if current < 10 and j < n and words[i] in UNITS and j <= i + 2:
            nxt = _small(words, j) if words[j] in TEENS or words[j] in TENS else None
            if nxt is not None:
                return float(current * 100 + nxt[0]), nxt[1]
    used_scale = False
    while j < n:
        word = words[j]
        if word in SCALES:
            scale = SCALES[word]
            if scale == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * scale
                current = 0
            used_scale = True
            j += 1
            continue
        if used_scale and word == "and" and j + 1 < n and _small(words, j + 1) is not None:
            j += 1
            continue
        if used_scale and current % 100 == 0:
            nxt = _small(words, j)
            if nxt is not None:
                current += nxt[0]
                j = nxt[1]
                continue
        break
    return float(total + current), j


def find_numbers(words: list[str]) -> list[NumberMention]:
    """Every number in a lowercase token list, left to right, non-overlapping."""
    mentions: list[NumberMention] = []
    n = len(words)
    i = 0
    while i < n:
        word = words[i]
        # a run of single digits is an identifier read out one digit at a time
        run: list[str] = []
        j = i
        while j < n:
            digit = _single_digit(words[j])
            if digit is None and words[j].isdigit() and len(words[j]) <= 4 and run:
                digit = words[j]
            if digit is None or (words[j] == "oh" and not run):
                break
            run.append(digit)
            j += 1
        if len(run) >= 3:
            digits = "".join(run)
            mentions.append(NumberMention(i, j, float(int(digits)), "digits", digits))
            i = j
            continue
        if word in ORDINALS:
            mentions.append(NumberMention(i, i + 1, float(ORDINALS[word]), "ordinal"))
            i += 1
            continue
        if word in TENS and i + 2 < n and words[i + 1] in ("-", "") and words[i + 2] in ORDINALS:
            value = TENS[word] + ORDINALS[words[i + 2]]
            mentions.append(NumberMention(i, i + 3, float(value), "ordinal"))
            i += 3
            continue
        if word in TENS and i + 1 < n and words[i + 1] in ORDINALS and ORDINALS[words[i + 1]] < 10:
            value = TENS[word] + ORDINALS[words[i + 1]]
            mentions.append(NumberMention(i, i + 2, float(value), "ordinal"))
            i += 2
            continue
        ordinal = _ORDINAL_NUMERAL.match(word)
        if ordinal:
            mentions.append(NumberMention(i, i + 1, float(ordinal.group(1)), "ordinal"))
            i += 1
            continue
        numeral = _numeral(word)
        if numeral is not None:
            end = i + 1
            digits = word.lstrip("$").replace(",", "") if word.lstrip("$").isdigit() else ""
            if end < n and words[end] in _THOUSANDS and numeral < 1000:
                numeral *= 1000
                end += 1
                digits = ""
            mentions.append(NumberMention(i, end, numeral, "cardinal", digits))
            i = end
            continue
        if word in _COUNTS and (word != "pair" or (i > 0 and words[i - 1] == "a")):
            mentions.append(NumberMention(i, i + 1, float(_COUNTS[word]), "cardinal"))
            i += 1
            continue
        spoken = _cardinal_words(words, i)
        if spoken is not None:
            value, end = spoken
            if end < n and words[end] in ("k", "grand") and value < 1000:
                value *= 1000
                end += 1
            mentions.append(NumberMention(i, end, value, "cardinal"))
            i = end
            continue
        i += 1
    return mentions
