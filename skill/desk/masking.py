"""Masks card numbers, e-mail addresses and phone numbers before anything is stored or shown."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# 13-19 digits, optionally grouped by spaces or dashes: the shapes card numbers are typed in.
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# Phone numbers: an optional +country code, then 9-14 digits with the usual separators.
_PHONE = re.compile(r"(?<![\w])\+?\(?\d[\d ().-]{7,17}\d(?![\w])")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not _luhn_ok(digits):
        return match.group(0)
    return f"[card ending {digits[-4:]}]"


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not 9 <= len(digits) <= 15:
        return match.group(0)
    return f"[phone ending {digits[-2:]}]"


def mask_text(text: str) -> str:
    """The text with personal numbers and addresses replaced by short, recognisable stand-ins."""
    if not text:
        return text
    masked = _EMAIL.sub("[email]", text)
    masked = _CARD.sub(_mask_card, masked)
    return _PHONE.sub(_mask_phone, masked)


def mask_value(value: Any) -> Any:
    """Mask every string inside a JSON-like value (transcripts, parses, notes)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {str(k): mask_value(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [mask_value(v) for v in value]
    return value


def phone_hint(phone: str | None) -> str:
    """'ending 67' for a number, so a person knows which one without seeing it."""
    digits = re.sub(r"\D", "", phone or "")
    return f"ending {digits[-2:]}" if len(digits) >= 4 else ""
