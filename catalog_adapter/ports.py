"""The Catalog port: what the conversation core may ask of a retailer's product data."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from catalog_adapter.models import (
    Appearance,
    CatalogHealth,
    Product,
    ProductQuery,
    SeenOnResult,
    Store,
    StoreAvailability,
)


@runtime_checkable
class Catalog(Protocol):
    def search(self, query: ProductQuery) -> list[Product]: ...

    def get(self, product_id: str) -> Product | None: ...

    def availability(
        self, product_id: str, *, store: str | None = None
    ) -> list[StoreAvailability]: ...

    def appearances(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
    ) -> list[Appearance]: ...

    def seen_on(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
        limit: int = 3,
    ) -> SeenOnResult: ...

    def variants(self, product_id: str) -> list[Product]:
        """The product and the other live products of its item group (sizes, colours), it first;
        [product] when it has no group, [] for an unknown id."""
        ...

    def stores(self) -> list[Store]: ...

    def store(self, spoken: str) -> Store | None:
        """The store a shopper names (code, name, neighbourhood; misspellings tolerated);
        None when none, or several equally, fit."""
        ...

    def vocabulary(self) -> dict[str, list[str]]:
        """Names the parser's gazetteers load: brands, product_types, people, media, colors..."""
        ...

    def health(self) -> CatalogHealth:
        """Whether it can answer now, without a costly call (for /healthz)."""
        ...

    def close(self) -> None: ...
