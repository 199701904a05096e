"""Catalog implementations registered under versioned names and chosen by a URL-like setting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from catalog_adapter.errors import CatalogConfigError
from catalog_adapter.ports import Catalog

CatalogFactory = Callable[..., Catalog]

_FACTORIES: dict[str, CatalogFactory] = {}
# URL scheme -> registered implementation name.
_SCHEMES: dict[str, str] = {}


def register(name: str, *, schemes: tuple[str, ...]) -> Callable[[CatalogFactory], CatalogFactory]:
    """Register a factory `f(url, **options) -> Catalog`; reusing a name or scheme is an error."""

    def decorate(factory: CatalogFactory) -> CatalogFactory:
        if name in _FACTORIES:
            raise CatalogConfigError(f"catalog implementation {name!r} is already registered")
        for scheme in schemes:
            if scheme in _SCHEMES:
                raise CatalogConfigError(
                    f"catalog URL scheme {scheme!r} is already served by {_SCHEMES[scheme]!r}"
                )
        _FACTORIES[name] = factory
        for scheme in schemes:
            _SCHEMES[scheme] = name
        return factory

    return decorate


def registered() -> dict[str, tuple[str, ...]]:
    """Implementation name -> the URL schemes it serves (for --help texts and errors)."""
    out: dict[str, list[str]] = {name: [] for name in _FACTORIES}
    for scheme, name in _SCHEMES.items():
        out[name].append(scheme)
    return {name: tuple(schemes) for name, schemes in out.items()}


def _load_builtin_adapters() -> None:
    # Imported for their @register side effect; kept lazy so importing the registry stays cheap.
    import catalog_adapter.rest  # noqa: F401
    import catalog_adapter.s3_catalog  # noqa: F401
    import catalog_adapter.sqlite_index  # noqa: F401


def open_catalog(url: str, **options: Any) -> Catalog:
    """Open the catalog a URL names, e.g. `sqlite:///var/catalog.db` or `rest+https://api.example`."""
    _load_builtin_adapters()
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise CatalogConfigError(
            f"catalog URL {url!r} has no scheme; expected e.g. sqlite:///path/catalog.db"
        )
    name = _SCHEMES.get(scheme.lower())
    if name is None:
        known = ", ".join(sorted(_SCHEMES)) or "none"
        raise CatalogConfigError(f"unknown catalog URL scheme {scheme!r} (known: {known})")
    return _FACTORIES[name](url, **options)
