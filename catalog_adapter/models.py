"""Plain, frozen catalog records: what every adapter returns and the core consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from catalog_adapter.attributes import size_list
from catalog_adapter.hours import OpeningHours

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
    age_group: str = ""

    @property
    def current_price(self) -> Money:
        """What the shopper pays today: the sale price when there is one."""
        return self.sale_price if self.sale_price is not None else self.price

    @property
    def sizes(self) -> tuple[str, ...]:
        """The sizes it comes in, from the feed's size list: "XS, S, M" -> ("XS", "S", "M")."""
        return size_list(self.size)


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """A structured search: free text plus the attributes the parser recognised."""

    text: str = ""
    product_type: str | None = None
    color: str | None = None
    material: str | None = None
    pattern: str | None = None
    # Matched inside the product's size list; spoken forms count ("large", "a nine").
    size: str | None = None
    brand: str | None = None
    # "men", "women", "kids", "unisex" (or how a shopper says them: "men's", "ladies").
    audience: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock_only: bool = False
    store: str | None = None
    exclude_ids: tuple[str, ...] = ()
    limit: int = 10


@dataclass(frozen=True, slots=True)
class CatalogHealth:
    """What a health check needs to know: can the catalog answer now, and why not."""

    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Store:
    """A shop a shopper can visit: where it is, how to call it, when it is open."""

    code: str
    name: str
    address: str = ""
    city: str = ""
    neighborhood: str = ""
    phone: str = ""
    # An IANA zone ("America/Los_Angeles"); "" when the stores file gives none.
    timezone: str = ""
    hours: OpeningHours = field(default_factory=OpeningHours)

    def local_time(self, at: datetime) -> datetime:
        """`at` on the store's clock; a naive time is taken as already local to the store."""
        if at.tzinfo is None or not self.timezone:
            return at
        try:
            return at.astimezone(ZoneInfo(self.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            return at

    def is_open(self, at: datetime) -> bool | None:
        """Open at that moment; None when its hours are not known."""
        return self.hours.is_open(self.local_time(at))

    def hours_summary(self, at: datetime) -> str:
        """Today's hours as a spoken clause ("open now until 8 pm"); "" when not known."""
        return self.hours.summary(self.local_time(at))

    def spoken_summary(self, at: datetime) -> str:
        """A sentence for the shopper: the store's name and today's hours."""
        today = self.hours_summary(at)
        if not today:
            return f"I don't have the opening hours of {self.name}."
        return f"{self.name} is {today}."


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
