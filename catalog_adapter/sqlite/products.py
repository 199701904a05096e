"""Products read back from the catalog file: rows by column name into Product records."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from catalog_adapter.models import Availability, Money, Product
from catalog_adapter.sqlite.schema import PRODUCT_POSITION, PRODUCT_SELECT

AVAILABILITIES = frozenset(
    ("in_stock", "limited_availability", "backorder", "preorder", "out_of_stock")
)
IN_STOCK = ("in_stock", "limited_availability")
# Columns copied into Product as they are stored.
_TEXT = (
    "description",
    "link",
    "image_link",
    "brand",
    "gtin",
    "color",
    "size",
    "material",
    "pattern",
    "product_type",
    "gender",
    "age_group",
    "item_group_id",
)
_AT = {name: PRODUCT_POSITION[name] for name in (*_TEXT, "id", "title", "availability")}
_PRICE, _CURRENCY, _SALE, _START, _END = (
    PRODUCT_POSITION[c] for c in ("price_cents", "currency", "sale_cents", "sale_start", "sale_end")
)


def money(cents: int | None, currency: str) -> Money | None:
    return None if cents is None else Money(Decimal(cents).scaleb(-2), currency)


def availability_value(value: str) -> Availability:
    return value if value in AVAILABILITIES else "in_stock"  # type: ignore[return-value]


def product_from_row(row: Sequence[Any], now: int) -> Product:
    """A row selected with PRODUCT_SELECT (extra columns after it are ignored) as a Product."""
    sale, start, end = row[_SALE], row[_START], row[_END]
    currency = row[_CURRENCY]
    on_sale = sale is not None and (start is None or start <= now) and (end is None or now < end)
    return Product(
        id=row[_AT["id"]],
        title=row[_AT["title"]],
        price=Money(Decimal(row[_PRICE]).scaleb(-2), currency),
        availability=row[_AT["availability"]],
        sale_price=money(sale, currency) if on_sale else None,
        **{name: row[_AT[name]] for name in _TEXT},
    )


def get_product(db: sqlite3.Connection, product_id: str) -> Product | None:
    """A live product, else a retired one (readable for carts and orders, never buyable)."""
    now = int(time.time())
    row = db.execute(
        f"SELECT {PRODUCT_SELECT} FROM products p WHERE p.id = ?", (product_id,)
    ).fetchone()
    if row is not None:
        return product_from_row(row, now)
    row = db.execute(
        f"SELECT {PRODUCT_SELECT} FROM retired_products p WHERE p.id = ?", (product_id,)
    ).fetchone()
    if row is None:
        return None
    return replace(product_from_row(row, now), availability="out_of_stock")


def get_products(db: sqlite3.Connection, ids: Sequence[str]) -> dict[str, Product]:
    """Live products by id; unknown and retired ids are left out."""
    if not ids:
        return {}
    now = int(time.time())
    marks = ", ".join("?" * len(ids))
    rows = db.execute(f"SELECT {PRODUCT_SELECT} FROM products p WHERE p.id IN ({marks})", list(ids))
    return {product.id: product for product in (product_from_row(row, now) for row in rows)}


def group_of(db: sqlite3.Connection, product: Product) -> list[Product]:
    """The product first, then the live products of its item group in feed order."""
    if not product.item_group_id:
        return [product]
    now = int(time.time())
    rows = db.execute(
        f"SELECT {PRODUCT_SELECT} FROM products p WHERE p.item_group_id = ? AND p.id != ? "
        "ORDER BY p.rowid & 4294967295",
        (product.item_group_id, product.id),
    )
    return [product, *(product_from_row(row, now) for row in rows)]


def is_retired(db: sqlite3.Connection, product_id: str) -> bool:
    return db.execute("SELECT 1 FROM products WHERE id = ?", (product_id,)).fetchone() is None
