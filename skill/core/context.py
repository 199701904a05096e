"""What a policy receives: the services, the turn, the parse and the state, plus small look-ups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from catalog_adapter.models import Product
from catalog_adapter.ports import Catalog
from nlu.contract import Parse
from skill.core import speech
from skill.core.model import Reply, Turn
from skill.core.ports import HandoffDesk, OrderService, Outbox, Parser, ShopperStore
from skill.core.references import listed_ids, reference_positions, which_one
from skill.core.state import DialogueState


@dataclass(frozen=True, slots=True)
class Services:
    """The ports the core talks through, wired once by the composition root."""

    parser: Parser
    catalog: Catalog
    orders: OrderService
    desk: HandoffDesk
    outbox: Outbox
    shoppers: ShopperStore
    skill_name: str = "Acme Home"
    # Where a shopper finishes checkout on the web; voice never takes payment.
    checkout_url: str = "https://acmehome.example/checkout"
    # Store hours are judged against this clock ("is the Ballard store open now").
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class Outcome:
    reply: Reply
    state: DialogueState
    # Set by policies whose turn did not move the conversation forward (fallback, unknown).
    misunderstood: bool = False


@dataclass(slots=True)
class PolicyContext:
    services: Services
    turn: Turn
    parse: Parse
    state: DialogueState
    _profile: dict[str, Any] | None = field(default=None)

    @property
    def profile(self) -> dict[str, Any]:
        if self._profile is None:
            self._profile = self.services.shoppers.load(self.turn.shopper_id)
        return self._profile

    def save_profile(self) -> None:
        if self._profile is not None:
            self.services.shoppers.save(self.turn.shopper_id, self._profile)

    def product(self, product_id: str | None) -> Product | None:
        return self.services.catalog.get(product_id) if product_id else None

    def results(self) -> list[Product]:
        found = (self.services.catalog.get(pid) for pid in self.state.results)
        return [p for p in found if p is not None]

    def listed(self) -> tuple[str, ...]:
        """Product ids in the order the parse context numbered them."""
        return listed_ids(self.state)

    def referenced_products(self) -> tuple[list[Product], str | None]:
        """Every product the shopper points at ("both", "the brown one", "the second one").

        Returns (products, problem): `problem` is a spoken question naming the real choices
        when the words point at nothing that can be found.
        """
        listed = self.listed()
        positions = reference_positions(self.parse)
        if not positions:
            ordinal = self.parse.first("ORDINAL")
            if ordinal is not None and isinstance(ordinal.value, int) and self.state.results:
                index = ordinal.value
                positions = [len(self.state.results) if index == -1 else index]
                listed = self.state.results
        if not positions:
            positions = self._by_colour()
            listed = self.state.results if positions else listed
        if positions:
            chosen = [listed[p - 1] for p in positions if 1 <= p <= len(listed)]
            found = [p for p in (self.product(pid) for pid in chosen) if p is not None]
            if found and len(found) == len(positions):
                return found, None
            return [], self._clarify(
                f"I only have {speech.count(len(listed))} on the list right now."
                if len(chosen) < len(positions)
                else "That one isn't available any more."
            )
        if self.state.selected:
            selected = self.product(self.state.selected)
            if selected is not None:
                return [selected], None
        if len(self.state.results) == 1:
            only = self.product(self.state.results[0])
            if only is not None:
                return [only], None
        if self.state.results:
            return [], self._clarify("")
        return [], None

    def _by_colour(self) -> list[int]:
        """ "the black one" when the parser named a colour but no reference: the listed match."""
        colour = self.parse.first("COLOR")
        if colour is None or not colour.value or self.parse.first("PRODUCT_TYPE") is not None:
            return []
        wanted = str(colour.value).lower()
        matches = [
            position
            for position, product in enumerate(self.results(), start=1)
            if wanted in product.color.lower()
        ]
        return matches[:1] if len(matches) == 1 else []

    def referenced_product(self) -> tuple[Product | None, str | None]:
        """The one product the shopper means; several referenced is a question, not a guess."""
        products, problem = self.referenced_products()
        if len(products) == 1:
            return products[0], None
        if len(products) > 1:
            return None, which_one(products)
        return None, problem

    def _clarify(self, lead: str) -> str:
        choices = self.results()
        if not choices:
            return (lead + " What are you looking for?").strip()
        return f"{lead} {which_one(choices)}".strip()

    def outcome(self, reply: Reply, **state_changes: Any) -> Outcome:
        return Outcome(reply=reply, state=replace(self.state, **state_changes))

    @property
    def catalog(self) -> Catalog:
        return self.services.catalog

    @property
    def orders(self) -> OrderService:
        return self.services.orders

    @property
    def desk(self) -> HandoffDesk:
        return self.services.desk

    @property
    def outbox(self) -> Outbox:
        return self.services.outbox
