"""Stores and the stock each holds, as the catalog file has them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from catalog_adapter.hours import HoursError, OpeningHours
from catalog_adapter.models import Product, Store, StoreAvailability
from catalog_adapter.sqlite.products import availability_value, money
from catalog_adapter.sqlite.schema import STORE_COLUMNS, table_columns
from catalog_adapter.stores import matching_stores


def read_stores(db: sqlite3.Connection) -> tuple[Store, ...]:
    """Every store in the file, whichever columns its format version has."""
    present = set(table_columns(db, "stores"))
    columns = [c if c in present else "''" for c in STORE_COLUMNS]
    stores = []
    for code, name, address, city, neighborhood, phone, zone, hours in db.execute(
        f"SELECT {', '.join(columns)} FROM stores ORDER BY rowid"
    ):
        try:
            opening = OpeningHours.parse(hours)
        except HoursError:
            opening = OpeningHours()  # checked on import; a hand-edited file may still differ
        stores.append(
            Store(
                code=code,
                name=name,
                address=address,
                city=city,
                neighborhood=neighborhood,
                phone=phone,
                timezone=zone,
                hours=opening,
            )
        )
    return tuple(stores)


def store_codes(stores: Sequence[Store], spoken: str) -> list[str]:
    """Store codes a spoken store refers to: a code, a name, a neighbourhood or a city."""
    return [s.code for s in matching_stores(stores, spoken)]


def stock_of(
    db: sqlite3.Connection,
    stores: Sequence[Store],
    product: Product,
    *,
    store: str | None,
    retired: bool,
) -> list[StoreAvailability]:
    """The product's stock per store (one store when named); a retired product has none."""
    sql = (
        "SELECT i.store_code, s.name, i.quantity, i.price_cents, i.availability, "
        "i.pickup_method, i.pickup_sla FROM inventory i "
        "JOIN stores s ON s.store_code = i.store_code WHERE i.product_id = ?"
    )
    params: list[Any] = [product.id]
    if store:
        codes = store_codes(stores, store)
        if not codes:
            return []
        sql += f" AND i.store_code IN ({', '.join('?' * len(codes))})"
        params.extend(codes)
    sql += " ORDER BY i.quantity > 0 DESC, s.name"
    out = []
    for code, name, quantity, price, availability, method, sla in db.execute(sql, params):
        out.append(
            StoreAvailability(
                store_code=code,
                store_name=name,
                product_id=product.id,
                quantity=0 if retired else quantity,
                availability="out_of_stock" if retired else availability_value(availability),
                price=money(price, product.price.currency) or product.current_price,
                pickup_method=method,
                pickup_sla=sla,
            )
        )
    return out
