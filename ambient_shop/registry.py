"""One convention for every pluggable adapter: a versioned name, the URL schemes it serves, and a
factory `f(url, **options)`; duplicate names or schemes are an error.

Catalogs (`catalog_adapter.registry`), state back ends (`skill.store.registry`) and order
services (`skill.orders.registry`) each keep one `Registry`; a setting holding a URL picks one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ambient_shop.errors import AmbientShopError

T = TypeVar("T")
Factory = Callable[..., T]


class Registry(Generic[T]):
    """Implementations of one port, looked up by the scheme of a URL-like setting."""

    def __init__(
        self,
        kind: str,
        *,
        error: type[AmbientShopError],
        example: str,
        load_builtins: Callable[[], None] | None = None,
    ) -> None:
        self.kind = kind
        self._error = error
        self._example = example
        self._load_builtins = load_builtins
        self._factories: dict[str, Factory[T]] = {}
        # URL scheme -> registered implementation name.
        self._schemes: dict[str, str] = {}

    def register(
        self, name: str, *, schemes: tuple[str, ...]
    ) -> Callable[[Factory[T]], Factory[T]]:
        """Register a factory `f(url, **options)`; reusing a name or a scheme is an error."""

        def decorate(factory: Factory[T]) -> Factory[T]:
            if name in self._factories:
                raise self._error(f"{self.kind} implementation {name!r} is already registered")
            for scheme in schemes:
                if scheme in self._schemes:
                    raise self._error(
                        f"{self.kind} URL scheme {scheme!r} is already served by "
                        f"{self._schemes[scheme]!r}"
                    )
            self._factories[name] = factory
            for scheme in schemes:
                self._schemes[scheme] = name
            return factory

        return decorate

    def registered(self) -> dict[str, tuple[str, ...]]:
        """Implementation name -> the URL schemes it serves (for --help texts and errors)."""
        self._ensure_builtins()
        out: dict[str, list[str]] = {name: [] for name in self._factories}
        for scheme, name in self._schemes.items():
            out[name].append(scheme)
        return {name: tuple(schemes) for name, schemes in out.items()}

    def name_for(self, url: str) -> str:
        """The implementation a URL names, e.g. "sqlite.v1" for `sqlite:///var/state.db`."""
        self._ensure_builtins()
        scheme, sep, _ = url.partition("://")
        if not sep:
            raise self._error(
                f"{self.kind} URL {url!r} has no scheme; expected e.g. {self._example}"
            )
        name = self._schemes.get(scheme.lower())
        if name is None:
            known = ", ".join(sorted(self._schemes)) or "none"
            raise self._error(f"unknown {self.kind} URL scheme {scheme!r} (known: {known})")
        return name

    def open(self, url: str, **options: Any) -> T:
        """Build the implementation a URL names, passing the caller's options on."""
        return self._factories[self.name_for(url)](url, **options)

    def _ensure_builtins(self) -> None:
        if self._load_builtins is not None:
            self._load_builtins()
            self._load_builtins = None
