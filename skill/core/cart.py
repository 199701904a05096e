"""The shopper's cart: lines of product, size and quantity, kept in the shopper's profile.

The cart lives with the shopper (the ShopperStore), not with one conversation, so it survives
sessions and channels. Prices are never stored: they are read from the catalog when spoken, so a
cart can neither go stale nor be tampered with into a cheaper total.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, replace
from typing import Any

PROFILE_KEY = "cart"
MAX_QUANTITY = 20
MAX_LINES = 30


@dataclass(frozen=True, slots=True)
class CartLine:
    product_id: str
    quantity: int
    size: str = ""

    def same_item(self, product_id: str, size: str) -> bool:
        return self.product_id == product_id and self.size.lower() == size.lower()

    def to_dict(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "size": self.size, "quantity": self.quantity}


@dataclass(frozen=True, slots=True)
class Cart:
    lines: tuple[CartLine, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.lines

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    def add(self, product_id: str, quantity: int, *, size: str = "") -> tuple[Cart, CartLine]:
        """Add to the matching line (same product and size) or a new one; capped, never wrapped."""
        for index, line in enumerate(self.lines):
            if line.same_item(product_id, size):
                grown = replace(line, quantity=min(line.quantity + quantity, MAX_QUANTITY))
                return self._with(index, grown), grown
        line = CartLine(product_id=product_id, quantity=min(quantity, MAX_QUANTITY), size=size)
        return Cart((*self.lines, line)[-MAX_LINES:]), line

    def set_quantity(self, line: CartLine, quantity: int) -> Cart:
        if quantity <= 0:
            return self.remove(line)
        index = self.lines.index(line)
        return self._with(index, replace(line, quantity=min(quantity, MAX_QUANTITY)))

    def remove(self, line: CartLine) -> Cart:
        return Cart(tuple(existing for existing in self.lines if existing != line))

    def lines_for(self, product_id: str) -> list[CartLine]:
        return [line for line in self.lines if line.product_id == product_id]

    def _with(self, index: int, line: CartLine) -> Cart:
        lines = list(self.lines)
        lines[index] = line
        return Cart(tuple(lines))

    def to_profile(self) -> dict[str, Any]:
        return {"lines": [line.to_dict() for line in self.lines]}

    @classmethod
    def from_profile(cls, profile: Mapping[str, Any]) -> Cart:
        """Read what the profile holds; malformed lines are dropped, older shapes understood."""
        raw = profile.get(PROFILE_KEY)
        if not isinstance(raw, Mapping):
            return cls()
        if "lines" not in raw:
            # The first cart shape: {product_id: quantity}.
            return cls(
                tuple(
                    CartLine(str(pid), _quantity(qty))
                    for pid, qty in list(raw.items())[:MAX_LINES]
                    if isinstance(pid, str) and pid and _quantity(qty)
                )
            )
        lines = raw.get("lines")
        found = []
        for entry in lines[:MAX_LINES] if isinstance(lines, list) else []:
            if not isinstance(entry, Mapping):
                continue
            product_id, size = entry.get("product_id"), entry.get("size") or ""
            quantity = _quantity(entry.get("quantity"))
            if isinstance(product_id, str) and product_id and isinstance(size, str) and quantity:
                found.append(CartLine(product_id[:200], quantity, size[:20]))
        return cls(tuple(found))

    def save_to(self, profile: MutableMapping[str, Any]) -> None:
        profile[PROFILE_KEY] = self.to_profile()


def _quantity(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return 0
    return min(value, MAX_QUANTITY)
