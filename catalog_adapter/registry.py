"""Catalog implementations registered under versioned names and chosen by a URL-like setting."""

from __future__ import annotations

from typing import Any

from ambient_shop.registry import Registry
from catalog_adapter.errors import CatalogConfigError
from catalog_adapter.ports import Catalog


def _load_builtin_adapters() -> None:
    # Imported for their @register side effect; kept lazy so importing the registry stays cheap.
    import catalog_adapter.rest  # noqa: F401
    import catalog_adapter.s3_catalog  # noqa: F401
    import catalog_adapter.sqlite  # noqa: F401


CATALOGS: Registry[Catalog] = Registry(
    "catalog",
    error=CatalogConfigError,
    example="sqlite:///path/catalog.db",
    load_builtins=_load_builtin_adapters,
)
register = CATALOGS.register
registered = CATALOGS.registered


def open_catalog(url: str, **options: Any) -> Catalog:
    """Open the catalog a URL names, e.g. `sqlite:///var/catalog.db` or `rest+https://api.example`."""
    return CATALOGS.open(url, **options)
