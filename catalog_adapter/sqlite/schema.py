"""The catalog file's SQLite schema, owned here alone: DDL, column lists, and rows by column name.

The importer (catalog_adapter.feeds) writes rows through `product_row`; the index
(catalog_adapter.sqlite) reads them through `PRODUCT_SELECT` and `product_value`. A column is
added in one place, here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from operator import itemgetter
from typing import Any

FORMAT = "ambient-shop-catalog/1"
# Rowid tier by availability, so reading matches in rowid order meets buyable ones first.
STOCK_TIER = {
    "in_stock": 0,
    "limited_availability": 0,
    "backorder": 1,
    "preorder": 1,
    "out_of_stock": 2,
}

PRODUCT_COLUMNS = (
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "price_cents",
    "currency",
    "sale_cents",
    "sale_start",
    "sale_end",
    "availability",
    "brand",
    "gtin",
    "mpn",
    "condition",
    "google_product_category",
    "product_type",
    "type_leaf",
    "item_group_id",
    "color",
    "size",
    "material",
    "pattern",
    "gender",
    "age_group",
    "shipping",
    "audience",
    "digest",
)
_PRODUCT_DDL = """
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    image_link TEXT NOT NULL DEFAULT '',
    price_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    sale_cents INTEGER,
    sale_start INTEGER,
    sale_end INTEGER,
    availability TEXT NOT NULL,
    brand TEXT NOT NULL DEFAULT '',
    gtin TEXT NOT NULL DEFAULT '',
    mpn TEXT NOT NULL DEFAULT '',
    condition TEXT NOT NULL DEFAULT '',
    google_product_category TEXT NOT NULL DEFAULT '',
    product_type TEXT NOT NULL DEFAULT '',
    type_leaf TEXT NOT NULL DEFAULT '',
    item_group_id TEXT NOT NULL DEFAULT '',
    color TEXT NOT NULL DEFAULT '',
    size TEXT NOT NULL DEFAULT '',
    material TEXT NOT NULL DEFAULT '',
    pattern TEXT NOT NULL DEFAULT '',
    gender TEXT NOT NULL DEFAULT '',
    age_group TEXT NOT NULL DEFAULT '',
    shipping TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL DEFAULT '',
    digest BLOB NOT NULL
"""
# FTS5 columns, in the order their BM25 weights are given.
FTS_COLUMNS = (
    "title",
    "brand",
    "product_type",
    "color",
    "material",
    "pattern",
    "size",
    "audience",
    "description",
)
# Columns of each FTS index: the head index leaves out the description.
FTS_COLUMN_COUNT = {"products_fts": len(FTS_COLUMNS), "products_head": len(FTS_COLUMNS) - 1}

SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE products ({_PRODUCT_DDL});
CREATE TABLE retired_products ({_PRODUCT_DDL}, retired_at INTEGER NOT NULL);
CREATE VIRTUAL TABLE products_fts USING fts5(
    {", ".join(FTS_COLUMNS)},
    content='products', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE products_head USING fts5(
    {", ".join(FTS_COLUMNS[:-1])},
    content='products', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TABLE stores (
    store_code TEXT PRIMARY KEY, name TEXT NOT NULL, address TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '', neighborhood TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '', timezone TEXT NOT NULL DEFAULT '',
    hours TEXT NOT NULL DEFAULT ''
);
CREATE TABLE inventory (
    product_id TEXT NOT NULL, store_code TEXT NOT NULL, quantity INTEGER NOT NULL,
    price_cents INTEGER, availability TEXT NOT NULL, pickup_method TEXT NOT NULL DEFAULT '',
    pickup_sla TEXT NOT NULL DEFAULT '', PRIMARY KEY (product_id, store_code)
) WITHOUT ROWID;
CREATE TABLE appearances (
    rowid INTEGER PRIMARY KEY, person TEXT NOT NULL, media TEXT NOT NULL,
    episode TEXT NOT NULL DEFAULT '', product_id TEXT NOT NULL, match TEXT NOT NULL,
    product_type TEXT NOT NULL DEFAULT '', item TEXT NOT NULL DEFAULT '',
    source_link TEXT NOT NULL DEFAULT ''
);
CREATE TABLE synonyms (rowid INTEGER PRIMARY KEY, kind TEXT NOT NULL, terms TEXT NOT NULL);
CREATE TABLE vocabulary (kind TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (kind, name))
    WITHOUT ROWID;
"""
# Created after the bulk load, which is faster than maintaining them row by row.
INDEXES = """
CREATE UNIQUE INDEX products_id ON products (id);
CREATE UNIQUE INDEX retired_products_id ON retired_products (id);
CREATE INDEX inventory_store ON inventory (store_code, product_id);
CREATE INDEX appearances_product ON appearances (product_id);
CREATE INDEX products_group ON products (item_group_id) WHERE item_group_id != '';
"""
# The stores table's columns; catalogs built before phone, timezone and hours lack the last three.
STORE_COLUMNS = (
    "store_code",
    "name",
    "address",
    "city",
    "neighborhood",
    "phone",
    "timezone",
    "hours",
)
VOCABULARY_KINDS = (
    "brands",
    "product_types",
    "people",
    "media",
    "colors",
    "materials",
    "patterns",
    "stores",
)

# The inventory and appearances tables' columns, in their DDL order.
INVENTORY_COLUMNS = (
    "product_id",
    "store_code",
    "quantity",
    "price_cents",
    "availability",
    "pickup_method",
    "pickup_sla",
)
APPEARANCE_COLUMNS = (
    "person",
    "media",
    "episode",
    "product_id",
    "match",
    "product_type",
    "item",
    "source_link",
)
# What the index reads back of a product (the digest only serves change detection).
PRODUCT_READ_COLUMNS = PRODUCT_COLUMNS[:-1]
PRODUCT_SELECT = ", ".join(f"p.{c}" for c in PRODUCT_READ_COLUMNS)
_PRODUCT_VALUES = itemgetter(*PRODUCT_COLUMNS)
# Position of each column in a row selected with PRODUCT_SELECT.
PRODUCT_POSITION = {name: i for i, name in enumerate(PRODUCT_READ_COLUMNS)}


def product_value(row: tuple[Any, ...] | sqlite3.Row, column: str) -> Any:
    """One column of a row selected with PRODUCT_SELECT, by name."""
    return row[PRODUCT_POSITION[column]]


def product_row(rowid: int, values: Mapping[str, object]) -> tuple[object, ...]:
    """The products table's row from values by column name; a missing or extra name is a bug."""
    if len(values) != len(PRODUCT_COLUMNS):
        unknown = ", ".join(sorted(set(values) - set(PRODUCT_COLUMNS))) or "none"
        raise KeyError(
            f"products row has {len(values)} values for {len(PRODUCT_COLUMNS)} "
            f"columns (not columns: {unknown})"
        )
    return (rowid, *_PRODUCT_VALUES(values))


def insert_sql(table: str, columns: tuple[str, ...], *, rowid: bool = False) -> str:
    """INSERT naming its columns, so a row never depends on the table's column order."""
    names = ("rowid", *columns) if rowid else columns
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def audience_words(gender: str, age_group: str) -> str:
    """Searchable words for Google's gender/age_group codes ("female" -> "women womens ...")."""
    words = {
        "female": "women womens woman ladies",
        "male": "men mens man",
        "unisex": "unisex men mens women womens",
    }.get(gender.strip().lower(), "")
    if age_group.strip().lower() in ("kids", "toddler", "infant", "newborn"):
        words += " kids children child"
    return words.strip()


def table_columns(db: sqlite3.Connection, table: str) -> tuple[str, ...]:
    """A table's columns as this file has them (older catalogs have fewer); "old.stores" works."""
    schema, dot, name = table.rpartition(".")
    pragma = f"PRAGMA {schema}.table_info({name})" if dot else f"PRAGMA table_info({name})"
    return tuple(row[1] for row in db.execute(pragma))
