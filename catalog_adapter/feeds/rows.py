"""Feeds -> rows of the catalog tables: products, stores, inventory, appearances, and what
carries over from the live catalog."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from catalog_adapter.feeds.readers import Table, count_lines, is_xml
from catalog_adapter.feeds.report import Collector, RowProblem
from catalog_adapter.feeds.values import (
    MATCH_KINDS,
    MAX_DESCRIPTION,
    MAX_FIELD,
    MAX_ID,
    MAX_TITLE,
    PICKUP_METHODS,
    availability_value,
    gtin_ok,
    parse_effective_dates,
    parse_price,
)
from catalog_adapter.hours import HoursError, OpeningHours
from catalog_adapter.sqlite.schema import (
    APPEARANCE_COLUMNS,
    INVENTORY_COLUMNS,
    PRODUCT_COLUMNS,
    STOCK_TIER,
    STORE_COLUMNS,
    audience_words,
    insert_sql,
    product_row,
    table_columns,
)
from catalog_adapter.stores import known_timezone

Progress = Callable[[int, int | None], None]
BATCH = 5000
PROGRESS_EVERY = 5000

PRODUCT_REQUIRED = ("id", "title", "price")
INVENTORY_REQUIRED = ("store_code", "id")
APPEARANCE_REQUIRED = ("product_id", "match")
STORE_REQUIRED = ("store_code",)


@dataclass
class Build:
    """State of one import: the new database, the ids it holds, and what went wrong."""

    db: sqlite3.Connection
    errors: Collector
    currency: str
    progress: Progress | None
    ids: set[str] = field(default_factory=set)
    store_codes: set[str] | None = None


def _product_values(
    build: Build, name: str, line: int, row: dict[str, str]
) -> tuple[object, ...] | None:
    """One product row as the products table's columns; None when the row is rejected."""
    get = row.get
    pid = (get("id") or "").strip()
    if not pid:
        build.errors.reject(name, line, "id is empty")
        return None
    if len(pid) > MAX_ID:
        build.errors.reject(name, line, f"id {pid[:60]!r}... is longer than {MAX_ID} characters")
        return None
    if pid in build.ids:
        build.errors.reject(name, line, f"duplicate id {pid!r}; the first row with it was kept")
        return None
    title = (get("title") or "").strip()
    if not title:
        build.errors.reject(name, line, f"product {pid!r} has no title")
        return None
    try:
        price_text = get("price") or ""
        if not price_text.strip():
            raise RowProblem("price is empty")
        price = parse_price(price_text, currency=build.currency)
        sale: int | None = None
        sale_text = (get("sale_price") or "").strip()
        if sale_text:
            sale = parse_price(sale_text, currency=build.currency, what="sale_price")
        start = end = None
        dates = (get("sale_price_effective_date") or "").strip()
        if dates and sale is not None:
            start, end = parse_effective_dates(dates)
        availability_text = get("availability")
        availability = (
            "in_stock" if availability_text is None else availability_value(availability_text)
        )
    except RowProblem as e:
        build.errors.reject(name, line, f"product {pid!r}: {e}")
        return None
    if sale is not None and sale >= price:
        build.errors.warn(
            name, line, f"product {pid!r}: sale_price is not below price; the sale was ignored"
        )
        sale = start = end = None
    if len(title) > MAX_TITLE:
        build.errors.warn(name, line, f"product {pid!r}: title cut to {MAX_TITLE} characters")
        title = title[:MAX_TITLE]
    description = (get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        build.errors.warn(
            name,
            line,
            f"product {pid!r}: description has {len(description):,} characters; "
            f"cut to {MAX_DESCRIPTION:,}",
        )
        description = description[:MAX_DESCRIPTION]
    gtin = (get("gtin") or "").strip()
    if gtin and not gtin_ok(gtin):
        build.errors.warn(name, line, f"product {pid!r}: gtin {gtin!r} is not valid; left out")
        gtin = ""
    texts = [
        (get(c) or "").strip()[:MAX_FIELD]
        for c in (
            "link",
            "image_link",
            "brand",
            "mpn",
            "condition",
            "google_product_category",
            "product_type",
            "item_group_id",
            "color",
            "size",
            "material",
            "pattern",
            "gender",
            "age_group",
            "shipping",
        )
    ]
    link, image_link, brand, mpn, condition, gpc, ptype, group = texts[:8]
    color, size, material, pattern, gender, age_group, shipping = texts[8:]
    digest = hashlib.blake2b(
        "\x1f".join(
            [
                title,
                description,
                str(price),
                str(sale),
                str(start),
                str(end),
                availability,
                gtin,
                *texts,
            ]
        ).encode("utf-8"),
        digest_size=8,
    ).digest()
    build.ids.add(pid)
    leaf = ptype.rsplit(">", 1)[-1].strip().lower() if ptype else ""
    # Rowids put buyable products first: search reads matches in rowid order when a word is
    # so common that scoring every match would be too slow.
    rowid = (STOCK_TIER.get(availability, 2) << 32) | len(build.ids)
    return product_row(
        rowid,
        {
            "id": pid,
            "title": title,
            "description": description,
            "link": link,
            "image_link": image_link,
            "price_cents": price,
            "currency": build.currency,
            "sale_cents": sale,
            "sale_start": start,
            "sale_end": end,
            "availability": availability,
            "brand": brand,
            "gtin": gtin,
            "mpn": mpn,
            "condition": condition,
            "google_product_category": gpc,
            "product_type": ptype,
            "type_leaf": leaf,
            "item_group_id": group,
            "color": color,
            "size": size,
            "material": material,
            "pattern": pattern,
            "gender": gender,
            "age_group": age_group,
            "shipping": shipping,
            "audience": audience_words(gender, age_group),
            "digest": digest,
        },
    )


def import_products(build: Build, path: Path) -> int:
    table = Table(path, required=PRODUCT_REQUIRED, errors=build.errors)
    total = count_lines(path) if not is_xml(path) else None
    total = total - 1 if total else total
    sql = insert_sql("products", PRODUCT_COLUMNS, rowid=True)
    batch: list[tuple[object, ...]] = []
    done = 0
    warned = False
    for line, row in table.rows():
        if not warned and "availability" not in row:
            warned = True
            build.errors.warn(
                table.name, line, "no availability given; such products are taken as in_stock"
            )
        values = _product_values(build, table.name, line, row)
        done += 1
        if values is not None:
            batch.append(values)
            if len(batch) >= BATCH:
                build.db.executemany(sql, batch)
                batch.clear()
        if build.progress is not None and done % PROGRESS_EVERY == 0:
            build.progress(done, total)
    if batch:
        build.db.executemany(sql, batch)
    if build.progress is not None:
        build.progress(done, done)
    return len(build.ids)


def import_stores(build: Build, path: Path) -> None:
    table = Table(path, required=STORE_REQUIRED, errors=build.errors)
    rows: list[tuple[str, ...]] = []
    codes: set[str] = set()
    for line, row in table.rows():
        code = (row.get("store_code") or "").strip()
        if not code:
            build.errors.reject(table.name, line, "store_code is empty")
            continue
        if code in codes:
            build.errors.reject(table.name, line, f"duplicate store_code {code!r}")
            continue
        codes.add(code)
        zone = (row.get("timezone") or "").strip()
        if zone and not known_timezone(zone):
            build.errors.warn(
                table.name,
                line,
                f"store {code!r}: timezone {zone!r} is not an IANA time zone "
                "(e.g. America/Los_Angeles); left out",
            )
            zone = ""
        hours = " ".join((row.get("hours") or "").split())
        try:
            OpeningHours.parse(hours)
        except HoursError as e:
            build.errors.warn(table.name, line, f"store {code!r}: hours left out: {e}")
            hours = ""
        values = {
            "store_code": code,
            "name": (row.get("name") or "").strip() or code,
            "address": (row.get("address") or "").strip(),
            "city": (row.get("city") or "").strip(),
            "neighborhood": (row.get("neighborhood") or "").strip(),
            "phone": (row.get("phone") or "").strip(),
            "timezone": zone,
            "hours": hours,
        }
        rows.append(tuple(values[c] for c in STORE_COLUMNS))
    build.db.executemany(insert_sql("stores", STORE_COLUMNS), rows)
    build.store_codes = codes


def import_inventory(build: Build, path: Path) -> int:
    table = Table(path, required=INVENTORY_REQUIRED, errors=build.errors)
    known_stores = build.store_codes
    new_stores: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    rows: list[tuple[object, ...]] = []
    name = table.name
    for line, row in table.rows():
        code = (row.get("store_code") or "").strip()
        pid = (row.get("id") or "").strip()
        if not code or not pid:
            build.errors.reject(name, line, "store_code and id are both required")
            continue
        if known_stores is not None and code not in known_stores:
            build.errors.reject(name, line, f"unknown store_code {code!r} (not in the stores file)")
            continue
        if pid not in build.ids:
            build.errors.reject(name, line, f"product {pid!r} is not in the product feed")
            continue
        if (code, pid) in seen:
            build.errors.reject(name, line, f"duplicate row for store {code!r}, product {pid!r}")
            continue
        try:
            quantity_text = (row.get("quantity") or "").strip()
            quantity: int | None = None
            if quantity_text:
                if not re.fullmatch(r"\d+", quantity_text):
                    raise RowProblem(f"quantity {quantity_text!r} is not a whole number >= 0")
                quantity = int(quantity_text)
            price_text = (row.get("price") or "").strip()
            price = parse_price(price_text, currency=build.currency) if price_text else None
            availability_text = (row.get("availability") or "").strip()
            if availability_text:
                availability = availability_value(availability_text)
            elif quantity is not None:
                availability = "in_stock" if quantity > 0 else "out_of_stock"
            else:
                raise RowProblem("give quantity or availability")
        except RowProblem as e:
            build.errors.reject(name, line, f"store {code!r}, product {pid!r}: {e}")
            continue
        if quantity is None:
            quantity = 1 if availability in ("in_stock", "limited_availability") else 0
        pickup = (row.get("pickup_method") or "").strip().lower().replace("_", " ")
        if pickup and pickup not in PICKUP_METHODS:
            build.errors.warn(name, line, f"pickup_method {pickup!r} is not a standard value")
        seen.add((code, pid))
        if known_stores is None:
            new_stores.setdefault(code, line)
        values = {
            "product_id": pid,
            "store_code": code,
            "quantity": quantity,
            "price_cents": price,
            "availability": availability,
            "pickup_method": pickup,
            "pickup_sla": (row.get("pickup_sla") or "").strip().lower().replace("_", " "),
        }
        rows.append(tuple(values[c] for c in INVENTORY_COLUMNS))
        if len(rows) >= BATCH:
            build.db.executemany(insert_sql("inventory", INVENTORY_COLUMNS), rows)
            rows.clear()
    build.db.executemany(insert_sql("inventory", INVENTORY_COLUMNS), rows)
    if new_stores:
        # No stores file: the codes themselves become the stores, named after their code.
        build.db.executemany(
            "INSERT OR IGNORE INTO stores (store_code, name) VALUES (?, ?)",
            [(code, code) for code in new_stores],
        )
    return len(seen)


def import_appearances(build: Build, path: Path) -> int:
    table = Table(path, required=APPEARANCE_REQUIRED, errors=build.errors)
    rows: list[tuple[str, ...]] = []
    seen: set[tuple[str, ...]] = set()
    name = table.name
    for line, row in table.rows():
        person = (row.get("person") or "").strip()
        media = (row.get("media") or "").strip()
        pid = (row.get("product_id") or row.get("id") or "").strip()
        if not person and not media:
            build.errors.reject(name, line, "an appearance needs a person or a media/show name")
            continue
        if pid not in build.ids:
            build.errors.reject(name, line, f"product {pid!r} is not in the product feed")
            continue
        raw_match = (row.get("match") or "").strip().lower()
        match = MATCH_KINDS.get(raw_match)
        if match is None:
            build.errors.reject(name, line, f"match {raw_match!r} must be 'exact' or 'similar'")
            continue
        episode = (row.get("episode") or "").strip()
        key = (person.lower(), media.lower(), episode.lower(), pid)
        if key in seen:
            build.errors.warn(name, line, "duplicate appearance; kept the first")
            continue
        seen.add(key)
        source = (row.get("source_link") or "").strip()
        if source and not source.startswith(("http://", "https://")):
            build.errors.warn(name, line, f"source_link {source!r} is not an http(s) URL")
        values = {
            "person": person,
            "media": media,
            "episode": episode,
            "product_id": pid,
            "match": match,
            "product_type": (row.get("product_type") or "").strip(),
            "item": (row.get("item") or "").strip(),
            "source_link": source,
        }
        rows.append(tuple(values[c] for c in APPEARANCE_COLUMNS))
    build.db.executemany(insert_sql("appearances", APPEARANCE_COLUMNS), rows)
    return len(rows)


def compare_and_carry(
    db: sqlite3.Connection,
    old_path: Path | None,
    *,
    carry_stores: bool,
    carry_inventory: bool,
    carry_appearances: bool,
    carry_synonyms: bool,
) -> dict[str, int]:
    """Count new/updated/retired ids against the live catalog; copy feeds that were left out."""
    counts = {"imported": 0, "updated": 0, "retired": 0}
    if old_path is None:
        counts["imported"] = db.execute("SELECT count(*) FROM products").fetchone()[0]
        return counts
    db.execute("ATTACH DATABASE ? AS old", (f"file:{old_path}?mode=ro",))
    try:
        db.execute("BEGIN")
        counts["imported"] = db.execute(
            "SELECT count(*) FROM main.products p "
            "WHERE NOT EXISTS (SELECT 1 FROM old.products o WHERE o.id = p.id)"
        ).fetchone()[0]
        counts["updated"] = db.execute(
            "SELECT count(*) FROM main.products p JOIN old.products o ON o.id = p.id "
            "WHERE o.digest != p.digest"
        ).fetchone()[0]
        columns = ", ".join(PRODUCT_COLUMNS)
        now = int(time.time())
        counts["retired"] = db.execute(
            f"INSERT INTO retired_products ({columns}, retired_at) "
            f"SELECT {columns}, ? FROM old.products o "
            "WHERE NOT EXISTS (SELECT 1 FROM main.products p WHERE p.id = o.id)",
            (now,),
        ).rowcount
        db.execute(
            f"INSERT OR IGNORE INTO retired_products ({columns}, retired_at) "
            f"SELECT {columns}, retired_at FROM old.retired_products r "
            "WHERE NOT EXISTS (SELECT 1 FROM main.products p WHERE p.id = r.id)"
        )
        if carry_stores:
            # Old names win over the code-named stores an inventory feed alone creates.
            # Catalogs from before phone, timezone and hours carry what they have.
            old_columns = set(table_columns(db, "old.stores"))
            kept = ", ".join(c for c in STORE_COLUMNS if c in old_columns)
            db.execute(f"INSERT OR REPLACE INTO stores ({kept}) SELECT {kept} FROM old.stores")
        if carry_inventory:
            kept = ", ".join(INVENTORY_COLUMNS)
            db.execute(
                f"INSERT INTO inventory ({kept}) SELECT {kept} FROM old.inventory i "
                "WHERE EXISTS (SELECT 1 FROM main.products p WHERE p.id = i.product_id)"
            )
        if carry_appearances:
            kept = ", ".join(APPEARANCE_COLUMNS)
            db.execute(
                f"INSERT INTO appearances ({kept}) SELECT {kept} FROM old.appearances a "
                "WHERE EXISTS (SELECT 1 FROM main.products p WHERE p.id = a.product_id)"
            )
        if carry_synonyms:
            db.execute("INSERT INTO synonyms (kind, terms) SELECT kind, terms FROM old.synonyms")
        db.execute("COMMIT")
    finally:
        db.execute("DETACH DATABASE old")
    return counts
