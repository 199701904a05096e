"""A small JSON path subset for mapping files: $.a.b, $.a[0], $.a[*].b, $['odd key']."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from catalog_adapter.errors import CatalogConfigError

MISSING: Final = object()
_WILD: Final = object()
_STEP = re.compile(
    r"""\.(?P<key>[^.\[\]]+)      # .key or .*
      | \[(?P<index>-?\d+)\]     # [0], [-1]
      | \[(?P<star>\*)\]         # [*]
      | \[(?P<q>['"])(?P<quoted>.*?)(?P=q)\]  # ['key with . or spaces']
    """,
    re.VERBOSE,
)


Steps = tuple[str | int | object, ...]


def _parse_steps(text: Any) -> Steps:
    if not isinstance(text, str) or not text.strip():
        raise CatalogConfigError(f"JSON path must be a non-empty string, got {text!r}")
    rest = text.strip()
    if rest.startswith("$"):
        rest = rest[1:]
    elif not rest.startswith((".", "[")):
        # "data.results" is accepted as "$.data.results".
        rest = "." + rest
    steps: list[str | int | object] = []
    pos = 0
    while pos < len(rest):
        m = _STEP.match(rest, pos)
        if m is None:
            raise CatalogConfigError(f"cannot read JSON path {text!r} at {rest[pos:]!r}")
        if m["key"] is not None:
            steps.append(_WILD if m["key"] == "*" else m["key"])
        elif m["index"] is not None:
            steps.append(int(m["index"]))
        elif m["star"] is not None:
            steps.append(_WILD)
        else:
            steps.append(m["quoted"])
        pos = m.end()
    return tuple(steps)


def _walk(doc: Any, steps: Steps) -> list[Any]:
    current = [doc]
    for step in steps:
        following: list[Any] = []
        for node in current:
            if step is _WILD:
                if isinstance(node, list):
                    following.extend(node)
                elif isinstance(node, dict):
                    following.extend(node.values())
            elif isinstance(step, int):
                if isinstance(node, list) and -len(node) <= step < len(node):
                    following.append(node[step])
            elif isinstance(node, dict) and step in node:
                following.append(node[step])
        current = following
    return current


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A compiled path, or a list of them tried in order ("was" price, else the current one)."""

    text: str
    alternatives: tuple[Steps, ...]

    @classmethod
    def parse(cls, text: str | list[str]) -> JsonPath:
        options = text if isinstance(text, list) else [text]
        if not options:
            raise CatalogConfigError("a list of JSON paths must not be empty")
        return cls(
            text=" | ".join(str(o) for o in options),
            alternatives=tuple(_parse_steps(o) for o in options),
        )

    def find(self, doc: Any) -> list[Any]:
        """Every match of the first alternative that matches a value other than null."""
        for steps in self.alternatives:
            found = [v for v in _walk(doc, steps) if v is not None]
            if found:
                return found
        return []

    def first(self, doc: Any) -> Any:
        found = self.find(doc)
        return found[0] if found else MISSING

    @property
    def many(self) -> bool:
        """Whether the path can match several values (it has a wildcard)."""
        return any(step is _WILD for steps in self.alternatives for step in steps)
