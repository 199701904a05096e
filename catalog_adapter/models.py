"""Plain, frozen catalog records: what every adapter returns and the core consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Availability = Literal["in_stock", "out_of_stock", "preorder", "backorder", "limited_availability"]
MatchKind = Literal["exact", "similar"]


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "USD"


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    title: str
    price: Money
    availability: Availability = "in_stock"
    description: str = ""
    link: str = ""
    image_link: str = ""
    sale_price: Money | None = None
    brand: str = ""
    gtin: str = ""
    color: str = ""
    size: str = ""
    material: str = ""
    pattern: str = ""
    product_type: str = ""
    gender: str = ""
    item_group_id: str = ""
    rating: float | None = None

    @property
    def current_price(self) -> Money:
        """What the shopper pays today: the sale price when there is one."""
        return self.sale_price if self.sale_price is not None else self.price


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """A structured search: free text plus the attributes the parser recognised."""

    text: str = ""
    product_type: str | None = None
    color: str | None = None
    material: str | None = None
    pattern: str | None = None
    size: str | None = None
    brand: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock_only: bool = False
    store: str | None = None
    exclude_ids: tuple[str, ...] = ()
    limit: int = 10


@dataclass(frozen=True, slots=True)
class StoreAvailability:
    store_code: str
    store_name: str
    product_id: str
    quantity: int
    availability: Availability
    price: Money | None = None
    pickup_method: str = ""
    pickup_sla: str = ""


@dataclass(frozen=True, slots=True)
class Appearance:
    """A person or show seen with a product ("seen on")."""

    person: str
    media: str
    product_id: str
    match: MatchKind
    episode: str = ""
    product_type: str = ""
    source_link: str = ""


@dataclass(frozen=True, slots=True)
class SeenOnResult:
    """The answer to a seen-on question; `similar` items are never presented as the exact one."""

    appearance: Appearance | None
    exact: Product | None
    similar: tuple[Product, ...] = field(default_factory=tuple)
