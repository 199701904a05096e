"""The one JSON-parsing edge for everything that arrives from outside: bounded, clean, total.

Every endpoint (Flask's `request.get_json`, the signed Alexa body, the Lambda event) goes through
`parse_json` or `check_json`, so no input can reach the core with a shape that makes Python raise:
nesting is capped (no RecursionError), integers are capped (no ValueError from huge digit runs),
non-finite numbers are refused, and lone UTF-16 surrogates are replaced with U+FFFD (they cannot
be encoded, logged or stored as UTF-8).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from skill.errors import AmbientShopError

MAX_DEPTH = 32
MAX_INT_DIGITS = 32
MAX_ITEMS = 10_000
REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonInputError(AmbientShopError, ValueError):
    """Input that is not acceptable JSON; the message is safe to show the sender."""


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise JsonInputError(f"a number has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > 2 * MAX_INT_DIGITS:
        raise JsonInputError("a number is too long")
    value = float(text)
    if not math.isfinite(value):
        raise JsonInputError("a number is out of range")
    return value


def _refuse_constant(name: str) -> Any:
    raise JsonInputError(f"{name} is not JSON")


def clean_text(text: str) -> str:
    """The text with any lone surrogate replaced, so it can always be encoded as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(REPLACEMENT, text)
    return text


def check_json(value: Any) -> Any:
    """A copy of an already-decoded JSON value within the limits, strings cleaned; else raises.

    Walks iteratively, so a hostile depth cannot exhaust the stack before the limit is seen.
    """
    root: list[Any] = [None]
    # (value, depth, container, key) – the cleaned value is stored at container[key].
    stack: list[tuple[Any, int, Any, Any]] = [(value, 0, root, 0)]
    items = 0
    while stack:
        node, depth, container, key = stack.pop()
        items += 1
        if items > MAX_ITEMS:
            raise JsonInputError(f"more than {MAX_ITEMS} values")
        if isinstance(node, str):
            container[key] = clean_text(node)
        elif node is None or isinstance(node, bool):
            container[key] = node
        elif isinstance(node, int):
            if node.bit_length() > MAX_INT_DIGITS * 4:
                raise JsonInputError(f"a number has more than {MAX_INT_DIGITS} digits")
            container[key] = node
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise JsonInputError("a number is out of range")
            container[key] = node
        elif isinstance(node, dict | list):
            if depth >= MAX_DEPTH:
                raise JsonInputError(f"nested deeper than {MAX_DEPTH} levels")
            if isinstance(node, dict):
                out: dict[str, Any] = {}
                container[key] = out
                for name, child in node.items():
                    if not isinstance(name, str):
                        raise JsonInputError("an object key is not a string")
                    clean_name = clean_text(name)
                    out[clean_name] = None
                    stack.append((child, depth + 1, out, clean_name))
            else:
                seq: list[Any] = [None] * len(node)
                container[key] = seq
                for index, child in enumerate(node):
                    stack.append((child, depth + 1, seq, index))
        else:
            raise JsonInputError(f"{type(node).__name__} is not a JSON value")
    return root[0]


def parse_json(data: bytes | bytearray | str) -> Any:
    """Decode UTF-8 JSON within the limits; raises JsonInputError with a reason otherwise."""
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as e:
            raise JsonInputError("body is not UTF-8") from e
    else:
        text = data
    try:
        value = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_refuse_constant,
        )
    except JsonInputError:
        raise
    except (ValueError, RecursionError) as e:
        raise JsonInputError("body is not JSON") from e
    return check_json(value)
