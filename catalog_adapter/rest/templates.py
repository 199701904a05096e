"""Request templates: a mapping's `{placeholder}` paths, parameters and JSON bodies filled
from a shopper's query, leaving out what the shopper did not say."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from catalog_adapter.errors import CatalogConfigError
from catalog_adapter.models import (
    ProductQuery,
)
from catalog_adapter.rest.jsonpath import MISSING


def placeholders(template: Any) -> Iterator[str]:
    if isinstance(template, str):
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as e:
            raise CatalogConfigError(f"REST mapping template {template!r}: {e}") from e
        for _, name, _, _ in parsed:
            if name is not None:
                yield name
    elif isinstance(template, dict):
        for value in template.values():
            yield from placeholders(value)
    elif isinstance(template, list):
        for value in template:
            yield from placeholders(value)


def search_values(query: ProductQuery) -> dict[str, Any]:
    attributes = [
        query.color,
        query.material,
        query.pattern,
        query.brand,
        query.product_type,
    ]
    # For APIs with one free-text parameter: the attributes the text does not already say.
    extra = [a for a in attributes if a and a.casefold() not in query.text.casefold()]
    keywords = " ".join([*extra, query.text.strip()])
    return {
        "text": query.text.strip() or None,
        "keywords": keywords.strip() or None,
        "product_type": query.product_type,
        "color": query.color,
        "material": query.material,
        "pattern": query.pattern,
        "size": query.size,
        "brand": query.brand,
        "audience": query.audience,
        "min_price": query.min_price,
        "max_price": query.max_price,
        "in_stock_only": query.in_stock_only or None,
        "store": query.store,
        # Ask for a few more than needed: exclusions and price limits are re-checked here.
        "limit": max(query.limit, 1) + len(query.exclude_ids),
    }


def render_url(base_url: str, path: str, values: Mapping[str, Any]) -> str:
    """The base URL plus a path template filled with URL-escaped values; full URLs stand alone."""
    path = path.format_map({k: quote(param_text(v), safe="") for k, v in values.items()})
    if re.match(r"^https?://", path):
        return path
    return base_url + "/" + path.lstrip("/")


def param_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _absent(value: Any) -> bool:
    return value is None or value == "" or value is False


def render_params(
    params: tuple[tuple[str, str], ...], values: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """Fill templates; a parameter whose placeholders are all empty is left out entirely."""
    rendered: list[tuple[str, str]] = []
    for name, template in params:
        used = list(placeholders(template))
        if used and all(_absent(values.get(u)) for u in used):
            continue
        rendered.append((name, template.format_map({u: param_text(values.get(u)) for u in used})))
    return rendered


def render_body(template: Any, values: Mapping[str, Any]) -> Any:
    """A JSON body: a string that is just "{name}" keeps the value's type; empty keys drop out."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            rendered = render_body(value, values)
            if rendered is not MISSING:
                out[key] = rendered
        return out
    if isinstance(template, list):
        return [r for r in (render_body(v, values) for v in template) if r is not MISSING]
    if isinstance(template, str):
        used = list(placeholders(template))
        if not used:
            return template
        if all(_absent(values.get(u)) for u in used):
            return MISSING
        whole = re.fullmatch(r"\{(\w+)\}", template)
        if whole:
            value = values.get(whole[1])
            if isinstance(value, Decimal):
                return float(value)
            return value
        return template.format_map({u: param_text(values.get(u)) for u in used})
    return template
