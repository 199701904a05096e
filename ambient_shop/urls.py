"""`sqlite://` URLs as every package writes them, read in one place."""

from __future__ import annotations

from pathlib import Path


def sqlite_path(url: str) -> Path | None:
    """`sqlite:///var/x.db` -> var/x.db; `sqlite:////abs/x.db` -> /abs/x.db; `sqlite://:memory:`
    (or nothing after the scheme) -> None. Raises ValueError for another scheme."""
    scheme, sep, rest = url.partition("://")
    if scheme.lower() != "sqlite" or not sep:
        raise ValueError(f"not a sqlite URL: {url!r}")
    rest = rest.split("?", 1)[0]
    if rest in ("", "/", ":memory:", "/:memory:"):
        return None
    return Path(rest[1:] if rest.startswith("/") else rest)
