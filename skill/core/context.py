"""What a policy receives: the services, the turn, the parse and the state, plus small look-ups."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from catalog_adapter.models import Product
from catalog_adapter.ports import Catalog
from nlu.contract import Parse
from skill.core.model import Reply, Turn
from skill.core.ports import HandoffDesk, OrderService, Outbox, Parser, ShopperStore
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

    def referenced_product(self) -> tuple[Product | None, str | None]:
        """The product the shopper means: an ordinal in this turn, else the selected or only one.

        Returns (product, problem) where `problem` is a spoken reason when none can be chosen.
        """
        ordinal = self.parse.first("ORDINAL")
        if ordinal is not None and isinstance(ordinal.value, int) and self.state.results:
            index = ordinal.value
            results = self.state.results
            if index == -1:
                index = len(results)
            if 1 <= index <= len(results):
                return self.product(results[index - 1]), None
            return None, f"I only have {len(results)} options on the list right now."
        if self.state.selected:
            return self.product(self.state.selected), None
        if len(self.state.results) == 1:
            return self.product(self.state.results[0]), None
        if self.state.results:
            return None, "Which one do you mean: the first, the second, or the third?"
        return None, None

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
