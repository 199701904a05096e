"""How products look on screens and cards, shared by every policy that shows one."""

from __future__ import annotations

from collections.abc import Sequence

from catalog_adapter.models import Product
from skill.core import speech
from skill.core.model import Card, ReplyItem


def items_of(products: Sequence[Product]) -> tuple[ReplyItem, ...]:
    return tuple(
        ReplyItem(
            product_id=p.id,
            title=p.title,
            price=p.current_price.amount,
            currency=p.current_price.currency,
            image_url=p.image_link,
            link=p.link,
            subtitle=p.brand,
        )
        for p in products
    )


def product_card(product: Product, *, lead: str = "") -> Card:
    lines = [lead] if lead else []
    lines.append(f"{product.title} — {speech.product_price(product)}")
    if product.brand:
        lines.append(f"Brand: {product.brand}")
    if product.link:
        lines.append(product.link)
    return Card(title=product.title, text="\n".join(lines), image_url=product.image_link)
