"""In-memory fakes of the core's ports, for unit tests of the conversation core only."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from catalog_adapter.errors import CatalogUnavailable
from catalog_adapter.models import (
    Appearance,
    CatalogHealth,
    Money,
    Product,
    ProductQuery,
    SeenOnResult,
    Store,
    StoreAvailability,
)
from nlu.contract import Entity, Parse, ParseContext
from skill.core.context import Services
from skill.core.model import HandoffRequest, OutboundMessage, Ticket
from skill.orders.demo import DemoOrderService
from skill.store.sqlite import SqliteDatabase


def product(pid: str, title: str, price: str, **fields: Any) -> Product:
    return Product(id=pid, title=title, price=Money(Decimal(price)), **fields)


@dataclass
class FakeCatalog:
    products: list[Product]
    appearances_list: list[Appearance] = field(default_factory=list)
    stock: list[StoreAvailability] = field(default_factory=list)
    down: bool = False
    queries: list[ProductQuery] = field(default_factory=list)
    store_list: list[Store] = field(default_factory=list)

    def _check(self) -> None:
        if self.down:
            raise CatalogUnavailable("catalog is down")

    def search(self, query: ProductQuery) -> list[Product]:
        self._check()
        self.queries.append(query)

        def matches(p: Product) -> bool:
            for attr in ("product_type", "color", "material", "brand"):
                wanted = getattr(query, attr)
                if wanted and wanted.lower() not in getattr(p, attr).lower():
                    return False
            price = p.current_price.amount
            if query.max_price is not None and price > query.max_price:
                return False
            if query.min_price is not None and price < query.min_price:
                return False
            return p.id not in query.exclude_ids

        return [p for p in self.products if matches(p)][: query.limit]

    def get(self, product_id: str) -> Product | None:
        self._check()
        return next((p for p in self.products if p.id == product_id), None)

    def availability(self, product_id: str, *, store: str | None = None) -> list[StoreAvailability]:
        self._check()
        return [
            s
            for s in self.stock
            if s.product_id == product_id
            and (store is None or store.lower() in s.store_name.lower())
        ]

    def appearances(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
    ) -> list[Appearance]:
        self._check()
        return [
            a
            for a in self.appearances_list
            if (person is None or a.person.lower() == person.lower())
            and (media is None or a.media.lower() == media.lower())
        ]

    def seen_on(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
        limit: int = 3,
    ) -> SeenOnResult:
        found = self.appearances(person=person, media=media, product_type=product_type)
        if not found:
            return SeenOnResult(appearance=None, exact=None)
        appearance = found[0]
        item = self.get(appearance.product_id)
        if appearance.match == "exact":
            return SeenOnResult(appearance=appearance, exact=item)
        similar = self.search(ProductQuery(product_type=appearance.product_type, limit=limit))
        return SeenOnResult(appearance=appearance, exact=None, similar=tuple(similar))

    def variants(self, product_id: str) -> list[Product]:
        self._check()
        product = self.get(product_id)
        if product is None:
            return []
        group = product.item_group_id
        others = [p for p in self.products if group and p.item_group_id == group and p != product]
        return [product, *others]

    def stores(self) -> list[Store]:
        self._check()
        return list(self.store_list)

    def store(self, spoken: str) -> Store | None:
        self._check()
        wanted = spoken.strip().lower()
        return next(
            (
                s
                for s in self.store_list
                if wanted in (s.code.lower(), s.name.lower(), s.neighborhood.lower())
            ),
            None,
        )

    def vocabulary(self) -> dict[str, list[str]]:
        return {"brands": sorted({p.brand for p in self.products if p.brand})}

    def health(self) -> CatalogHealth:
        return CatalogHealth(ok=not self.down, detail="catalog is down" if self.down else "fake")

    def close(self) -> None:
        return None


Rule = Callable[[str], Parse | None]


class FakeParser:
    """Maps exact utterances to parses; anything else is out of scope."""

    def __init__(self, parses: Mapping[str, Parse]) -> None:
        self._parses = dict(parses)
        self.seen: list[str] = []
        self.contexts: list[ParseContext | None] = []

    def parse(self, text: str, context: ParseContext | None = None) -> Parse:
        self.seen.append(text)
        self.contexts.append(context)
        return self._parses.get(text, Parse(text=text, intent="out_of_scope", confidence=0.9))


def parse_of(
    text: str, intent: str, *entities: tuple[str, str, Any], asks: Iterable[str] = ()
) -> Parse:
    """Build a Parse whose entity spans point at the first occurrence of each entity text."""
    spans = []
    for label, span_text, value in entities:
        start = text.find(span_text)
        assert start >= 0, f"{span_text!r} not in {text!r}"
        spans.append(Entity(label, span_text, start, start + len(span_text), value))
    return Parse(text=text, intent=intent, confidence=0.95, entities=tuple(spans), asks=tuple(asks))


class MemoryShopperStore:
    def __init__(self) -> None:
        self.profiles: dict[str, dict[str, Any]] = {}

    def load(self, shopper_id: str) -> dict[str, Any]:
        return dict(self.profiles.get(shopper_id, {}))

    def save(self, shopper_id: str, profile: Mapping[str, Any]) -> None:
        self.profiles[shopper_id] = dict(profile)


class RecordingOutbox:
    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    def send(self, *, shopper_id: str, channel: str, text: str, link: str = "") -> str:
        self.sent.append({"shopper_id": shopper_id, "channel": channel, "text": text, "link": link})
        return f"m{len(self.sent)}"

    def messages(self, *, shopper_id: str | None = None, limit: int = 50) -> list[OutboundMessage]:
        found = [
            OutboundMessage(
                message_id=f"m{number}",
                shopper_id=sent["shopper_id"],
                channel=sent["channel"],
                body=sent["text"],
                link=sent["link"],
                created_at="",
            )
            for number, sent in enumerate(self.sent, start=1)
            if shopper_id is None or sent["shopper_id"] == shopper_id
        ]
        return found[::-1][:limit]


class RecordingDesk:
    def __init__(self) -> None:
        self.requests: list[HandoffRequest] = []
        self.relayed: list[tuple[str, str]] = []
        self.closed: set[str] = set()

    def open_ticket(self, request: HandoffRequest) -> str:
        self.requests.append(request)
        return f"T-{len(self.requests)}"

    def relay(self, conversation_id: str, text: str) -> str | None:
        self.relayed.append((conversation_id, text))
        open_ids = {r.conversation_id for r in self.requests} - self.closed
        return "assigned" if conversation_id in open_ids else None

    def tickets(self, *, status: str | None = None, limit: int = 100) -> list[Ticket]:
        if status not in (None, "waiting"):
            return []
        found = [
            Ticket(
                ticket_id=f"T-{number}",
                conversation_id=request.conversation_id,
                shopper_id=request.shopper_id,
                channel=request.channel,
                reason=request.reason,
                status="waiting",
            )
            for number, request in enumerate(self.requests, start=1)
        ]
        return found[::-1][:limit]


def services(catalog: FakeCatalog, parser: FakeParser) -> Services:
    return Services(
        parser=parser,
        catalog=catalog,
        orders=DemoOrderService(SqliteDatabase(None), owns_db=True),
        desk=RecordingDesk(),
        outbox=RecordingOutbox(),
        shoppers=MemoryShopperStore(),
        skill_name="Acme Home",
    )
