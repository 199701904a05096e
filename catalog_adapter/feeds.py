"""Feed import: Google Merchant product, local-inventory, appearance and store feeds -> catalog.

Every import builds a complete new catalog file next to the live one and swaps it in with
`os.replace`, so a reader sees either the old catalog or the new one, never a half import.
Bad rows are reported with file, line and reason; the good rows still import.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import sqlite3
import time
import xml.parsers.expat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from catalog_adapter.errors import FeedError
from catalog_adapter.hours import HoursError, OpeningHours
from catalog_adapter.sqlite_index import (
    FORMAT,
    INDEXES,
    PRODUCT_COLUMNS,
    SCHEMA,
    STOCK_TIER,
    STORE_COLUMNS,
    audience_words,
    table_columns,
    write_vocabulary,
)
from catalog_adapter.stores import known_timezone
from catalog_adapter.synonyms import Group, read_groups

Progress = Callable[[int, int | None], None]
Severity = Literal["error", "warning"]

# Google Merchant Center's limits; longer text is truncated with a warning, not rejected.
MAX_ID = 50
MAX_TITLE = 150
MAX_DESCRIPTION = 5000
MAX_FIELD = 2000
# Enough to read a pathological 5 MB description and report it, instead of a csv.Error.
csv.field_size_limit(64 * 1024 * 1024)
# Error rows kept in the report; the counts stay exact beyond it.
MAX_REPORTED_ERRORS = 1000
BATCH = 5000
PROGRESS_EVERY = 5000

PRODUCT_REQUIRED = ("id", "title", "price")
INVENTORY_REQUIRED = ("store_code", "id")
APPEARANCE_REQUIRED = ("product_id", "match")
STORE_REQUIRED = ("store_code",)

# Alternative header spellings seen in real feeds -> the standard attribute name.
ALIASES = {
    "itemid": "id",
    "item_id": "id",
    "offer_id": "id",
    "sku": "id",
    "storecode": "store_code",
    "store_id": "store_code",
    "product_id_": "product_id",
    "productid": "product_id",
    "colour": "color",
    "summary": "description",
    "content": "description",
    "store_name": "name",
    "neighbourhood": "neighborhood",
    "date": "episode",
    "show": "media",
    "source": "source_link",
    "url": "source_link",
    "kind": "match",
}
AVAILABILITY = {
    "in_stock": "in_stock",
    "instock": "in_stock",
    "in stock": "in_stock",
    "available": "in_stock",
    "out_of_stock": "out_of_stock",
    "outofstock": "out_of_stock",
    "out of stock": "out_of_stock",
    "sold out": "out_of_stock",
    "preorder": "preorder",
    "pre-order": "preorder",
    "pre_order": "preorder",
    "backorder": "backorder",
    "back order": "backorder",
    "available for order": "backorder",
    "limited_availability": "limited_availability",
    "limited availability": "limited_availability",
    "limited": "limited_availability",
    "on_display_to_order": "backorder",
}
MATCH_KINDS = {
    "exact": "exact",
    "exact match": "exact",
    "same": "exact",
    "similar": "similar",
    "similar match": "similar",
    "look-alike": "similar",
    "lookalike": "similar",
    "look alike": "similar",
    "alternative": "similar",
}
PICKUP_METHODS = ("buy", "reserve", "ship to store", "not supported")

_PRICE = re.compile(
    r"^\s*(?:(?P<cur1>[A-Za-z]{3})\s+)?\$?(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
    r"\s*(?P<cur2>[A-Za-z]{3})?\s*$"
)
_DECIMAL_COMMA = re.compile(r"^\s*\d+,\d{1,2}\b")


@dataclass(frozen=True, slots=True)
class RowError:
    """One rejected row (severity "error") or one row imported with a fix-up ("warning")."""

    file: str
    line: int
    reason: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did; `rejected` counts rows of every feed that were left out."""

    catalog_path: Path
    products: int
    imported: int
    updated: int
    unchanged: int
    retired: int
    rejected: int
    inventory_rows: int = 0
    appearance_rows: int = 0
    stores: int = 0
    warnings: int = 0
    errors: tuple[RowError, ...] = ()
    errors_omitted: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        rate = self.products / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"catalog: {self.catalog_path}",
            f"products: {self.products} active ({self.imported} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.retired} retired)",
            f"inventory rows: {self.inventory_rows} across {self.stores} stores; "
            f"appearances: {self.appearance_rows}",
            f"rejected rows: {self.rejected}; warnings: {self.warnings}",
            f"took {self.seconds:.2f} s ({rate:,.0f} products/s)",
        ]
        return "\n".join(lines)


@dataclass
class _Collector:
    """Gathers row errors for the report without letting a million bad rows eat memory."""

    errors: list[RowError] = field(default_factory=list)
    omitted: int = 0
    rejected: int = 0
    warnings: int = 0

    def reject(self, file: str, line: int, reason: str) -> None:
        self.rejected += 1
        self._keep(RowError(file, line, reason, "error"))

    def warn(self, file: str, line: int, reason: str) -> None:
        self.warnings += 1
        self._keep(RowError(file, line, reason, "warning"))

    def _keep(self, error: RowError) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)
        else:
            self.omitted += 1


class _RowProblem(Exception):
    """A row cannot be imported; the message is the reason shown to the retailer."""


# ---------------------------------------------------------------------------------------------
# Reading files: delimited text (TSV, CSV, ...) and RSS/Atom XML, both as (line, fields) rows.


def _norm_header(name: str) -> str:
    name = name.strip().lstrip("\ufeff").strip().lower()
    if name.startswith("g:"):
        name = name[2:]
    name = re.sub(r"[\s\-]+", "_", name)
    return ALIASES.get(name, name)


def _count_lines(path: Path) -> int | None:
    """A cheap row estimate for the progress bar; quoted newlines make it a little high."""
    try:
        with path.open("rb") as f:
            return max(sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")), 1)
    except OSError:
        return None


def _is_xml(path: Path) -> bool:
    if path.suffix.lower() in (".xml", ".rss", ".atom"):
        return True
    try:
        with path.open("rb") as f:
            head = f.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as e:
        raise FeedError(f"cannot read {path}: {e}") from e
    return head.startswith(b"<")


def _bad_utf8(values: Sequence[str]) -> bool:
    for value in values:
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


class _Table:
    """Rows of a feed file as dicts keyed by standard attribute names, with line numbers."""

    def __init__(self, path: Path, *, required: Sequence[str], errors: _Collector) -> None:
        self.path = path
        self.name = str(path)
        self.required = required
        self.errors = errors
        self.columns: tuple[str, ...] = ()

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        if _is_xml(self.path):
            yield from self._xml_rows()
        else:
            yield from self._delimited_rows()

    def _check_columns(self, present: Sequence[str], *, hint: str = "") -> None:
        missing = [c for c in self.required if c not in present]
        if missing:
            raise FeedError(
                f"{self.name}:1: missing required column(s) {', '.join(missing)}; "
                f"found: {', '.join(present) or 'none'}{hint}"
            )

    def _delimited_rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        try:
            f = self.path.open(encoding="utf-8", errors="surrogateescape", newline="")
        except OSError as e:
            raise FeedError(f"cannot read {self.name}: {e}") from e
        with f:
            header_line = f.readline()
            if not header_line.strip():
                raise FeedError(f"{self.name}: the file is empty; expected a header row")
            counts = {d: header_line.count(d) for d in ("\t", ",", ";", "|")}
            delimiter = max(counts, key=lambda d: counts[d])
            header = next(csv.reader([header_line], delimiter=delimiter))
            columns = [_norm_header(h) for h in header]
            if _bad_utf8(columns):
                raise FeedError(f"{self.name}:1: the header row is not valid UTF-8")
            self.columns = tuple(columns)
            hint = ""
            if len(columns) == 1:
                hint = " (one column only: use tab- or comma-separated values)"
            self._check_columns(columns, hint=hint)
            width = len(columns)
            reader = csv.reader(f, delimiter=delimiter)
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as e:
                    self.errors.reject(self.name, reader.line_num + 1, f"unreadable row: {e}")
                    continue
                line = reader.line_num + 1
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != width:
                    if len(row) == 1 and width > 1:
                        self.errors.reject(
                            self.name,
                            line,
                            f"row has 1 field but the header has {width}: wrong delimiter? "
                            f"(the header is {_delimiter_name(delimiter)}-separated)",
                        )
                        continue
                    if len(row) > width and any(v.strip() for v in row[width:]):
                        self.errors.reject(
                            self.name,
                            line,
                            f"row has {len(row)} fields but the header has {width} "
                            "(an unquoted delimiter inside a value?)",
                        )
                        continue
                if _bad_utf8(row):
                    self.errors.reject(self.name, line, "row is not valid UTF-8 text")
                    continue
                yield line, dict(zip(columns, row, strict=False))

    def _xml_rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        items = _XmlItems()
        parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        items.attach(parser)
        seen_columns: set[str] = set()
        checked = False
        try:
            f = self.path.open("rb")
        except OSError as e:
            raise FeedError(f"cannot read {self.name}: {e}") from e
        with f:
            while True:
                chunk = f.read(1 << 20)
                try:
                    parser.Parse(chunk, not chunk)
                except xml.parsers.expat.ExpatError as e:
                    yield from self._drain(items, seen_columns)
                    if items.count == 0:
                        raise FeedError(f"{self.name}:{e.lineno}: broken XML: {e}") from e
                    self.errors.reject(
                        self.name,
                        e.lineno,
                        f"broken XML: {xml.parsers.expat.errors.messages.get(e.code, e)}; "
                        "items after this point were not read",
                    )
                    return
                if items.ready and not checked:
                    seen_columns.update(items.ready[0][1])
                    self._check_columns(sorted(seen_columns))
                    checked = True
                yield from self._drain(items, seen_columns)
                if not chunk:
                    break
        if items.count == 0:
            raise FeedError(f"{self.name}: no <item> or <entry> elements found")

    def _drain(self, items: _XmlItems, seen: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
        ready, items.ready = items.ready, []
        for line, values in ready:
            seen.update(values)
            yield line, values
        self.columns = tuple(sorted(seen))


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}[delimiter]


class _XmlItems:
    """Streams RSS <item> / Atom <entry> elements as flat dicts (g:shipping children joined)."""

    def __init__(self) -> None:
        self.ready: list[tuple[int, dict[str, str]]] = []
        self.count = 0
        self._parser: xml.parsers.expat.XMLParserType | None = None
        self._depth = 0
        self._item_depth = -1
        self._current: dict[str, str] | None = None
        self._line = 0
        self._field: str | None = None
        self._text: list[str] = []

    def attach(self, parser: xml.parsers.expat.XMLParserType) -> None:
        self._parser = parser
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        parser.buffer_text = True

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if self._current is None:
            if local in ("item", "entry"):
                self._current = {}
                self._item_depth = self._depth
                assert self._parser is not None
                self._line = self._parser.CurrentLineNumber
        elif self._depth == self._item_depth + 1:
            self._field = _norm_header(local)
            self._text = []
            if local == "link" and "href" in attrs:
                self._text.append(attrs["href"])
        elif self._text and not self._text[-1].endswith(":"):
            # Sub-elements (g:shipping > g:country, g:price) become "US:...:4.99 USD".
            self._text.append(":")
        self._depth += 1

    def _end(self, name: str) -> None:
        self._depth -= 1
        if self._current is None:
            return
        if self._depth == self._item_depth:
            self.ready.append((self._line, self._current))
            self.count += 1
            self._current = None
            self._field = None
        elif self._depth == self._item_depth + 1 and self._field is not None:
            value = "".join(self._text).strip().strip(":")
            self._current.setdefault(self._field, value)
            self._field = None

    def _chars(self, data: str) -> None:
        if self._field is not None:
            self._text.append(data)


# ---------------------------------------------------------------------------------------------
# Values


def parse_price(text: str, *, currency: str, what: str = "price") -> int:
    """`"12.99 USD"` -> 1299 cents; a clear reason for "12,99 EUR", "free" or another currency."""
    raw = text.strip()
    m = _PRICE.match(raw)
    if m is None:
        if _DECIMAL_COMMA.match(raw):
            raise _RowProblem(
                f"{what} {raw!r} uses a decimal comma; write it like '12.99 {currency}'"
            )
        raise _RowProblem(f"{what} {raw!r} is not a price; expected e.g. '12.99 {currency}'")
    found = (m.group("cur1") or m.group("cur2") or currency).upper()
    if found != currency:
        raise _RowProblem(f"{what} {raw!r} is in {found}; this catalog is in {currency}")
    try:
        amount = Decimal(m.group("amount").replace(",", ""))
    except InvalidOperation as e:
        raise _RowProblem(f"{what} {raw!r} is not a number") from e
    return int((amount * 100).to_integral_value())


def _parse_when(text: str) -> int:
    value = text.strip()
    # Google writes offsets as +0100; older Pythons' fromisoformat wants +01:00.
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value)
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    return int(moment.timestamp())


def parse_effective_dates(text: str) -> tuple[int | None, int | None]:
    """`2024-11-01T00:00-0800/2024-11-30T23:59-0800` -> epoch seconds (start, end)."""
    start, sep, end = text.strip().partition("/")
    if not sep:
        raise _RowProblem(
            f"sale_price_effective_date {text!r} must be 'start/end' in ISO 8601, "
            "e.g. 2024-11-01T00:00-0800/2024-11-30T23:59-0800"
        )
    try:
        begin = _parse_when(start) if start.strip() else None
        finish = _parse_when(end) if end.strip() else None
    except ValueError as e:
        raise _RowProblem(f"sale_price_effective_date {text!r} is not ISO 8601: {e}") from e
    if begin is not None and finish is not None and finish <= begin:
        raise _RowProblem(f"sale_price_effective_date {text!r} ends before it starts")
    return begin, finish


def gtin_ok(gtin: str) -> bool:
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return False
    digits = [int(d) for d in gtin]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _availability(value: str) -> str:
    key = value.strip().lower().replace("-", "_") if value.strip() else ""
    found = AVAILABILITY.get(key) or AVAILABILITY.get(key.replace("_", " "))
    if found is None:
        raise _RowProblem(
            f"availability {value!r} is not one of in_stock, out_of_stock, preorder, "
            "backorder, limited_availability"
        )
    return found


# ---------------------------------------------------------------------------------------------
# Feeds -> rows of the catalog tables


@dataclass
class _Build:
    """State of one import: the new database, the ids it holds, and what went wrong."""

    db: sqlite3.Connection
    errors: _Collector
    currency: str
    progress: Progress | None
    ids: set[str] = field(default_factory=set)
    store_codes: set[str] | None = None


def _product_values(
    build: _Build, name: str, line: int, row: dict[str, str]
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
            raise _RowProblem("price is empty")
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
        availability = "in_stock" if availability_text is None else _availability(availability_text)
    except _RowProblem as e:
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
    return (
        rowid,
        pid,
        title,
        description,
        link,
        image_link,
        price,
        build.currency,
        sale,
        start,
        end,
        availability,
        brand,
        gtin,
        mpn,
        condition,
        gpc,
        ptype,
        leaf,
        group,
        color,
        size,
        material,
        pattern,
        gender,
        age_group,
        shipping,
        audience_words(gender, age_group),
        digest,
    )


def _import_products(build: _Build, path: Path) -> int:
    table = _Table(path, required=PRODUCT_REQUIRED, errors=build.errors)
    total = _count_lines(path) if not _is_xml(path) else None
    total = total - 1 if total else total
    sql = (
        f"INSERT INTO products (rowid, {', '.join(PRODUCT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * (len(PRODUCT_COLUMNS) + 1))})"
    )
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


def _import_stores(build: _Build, path: Path) -> None:
    table = _Table(path, required=STORE_REQUIRED, errors=build.errors)
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
        rows.append(
            (
                code,
                (row.get("name") or "").strip() or code,
                (row.get("address") or "").strip(),
                (row.get("city") or "").strip(),
                (row.get("neighborhood") or "").strip(),
                (row.get("phone") or "").strip(),
                zone,
                hours,
            )
        )
    marks = ", ".join("?" * len(STORE_COLUMNS))
    build.db.executemany(f"INSERT INTO stores ({', '.join(STORE_COLUMNS)}) VALUES ({marks})", rows)
    build.store_codes = codes


def _import_inventory(build: _Build, path: Path) -> int:
    table = _Table(path, required=INVENTORY_REQUIRED, errors=build.errors)
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
                    raise _RowProblem(f"quantity {quantity_text!r} is not a whole number >= 0")
                quantity = int(quantity_text)
            price_text = (row.get("price") or "").strip()
            price = parse_price(price_text, currency=build.currency) if price_text else None
            availability_text = (row.get("availability") or "").strip()
            if availability_text:
                availability = _availability(availability_text)
            elif quantity is not None:
                availability = "in_stock" if quantity > 0 else "out_of_stock"
            else:
                raise _RowProblem("give quantity or availability")
        except _RowProblem as e:
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
        rows.append(
            (
                pid,
                code,
                quantity,
                price,
                availability,
                pickup,
                (row.get("pickup_sla") or "").strip().lower().replace("_", " "),
            )
        )
        if len(rows) >= BATCH:
            build.db.executemany("INSERT INTO inventory VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            rows.clear()
    build.db.executemany("INSERT INTO inventory VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    if new_stores:
        # No stores file: the codes themselves become the stores, named after their code.
        build.db.executemany(
            "INSERT OR IGNORE INTO stores (store_code, name) VALUES (?, ?)",
            [(code, code) for code in new_stores],
        )
    return len(seen)


def _import_appearances(build: _Build, path: Path) -> int:
    table = _Table(path, required=APPEARANCE_REQUIRED, errors=build.errors)
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
        rows.append(
            (
                person,
                media,
                episode,
                pid,
                match,
                (row.get("product_type") or "").strip(),
                (row.get("item") or "").strip(),
                source,
            )
        )
    build.db.executemany(
        "INSERT INTO appearances (person, media, episode, product_id, match, product_type, item,"
        " source_link) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


# ---------------------------------------------------------------------------------------------
# The import: build a new file, compare with the live one, swap.


def _existing_catalog(path: Path) -> bool:
    """True when path holds a catalog of this format; refuses to overwrite any other file."""
    if not path.exists():
        return False
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise FeedError(
            f"{path} exists and is not an Ambient Shop catalog ({e}); not replacing it"
        ) from e
    if row is None or row[0] != FORMAT:
        found = row[0] if row else "unknown"
        raise FeedError(
            f"{path} holds a catalog of format {found!r}, not {FORMAT!r}; "
            "import into a new path or remove it first"
        )
    return True


def import_feeds(
    catalog_path: Path,
    *,
    products: Path,
    inventory: Path | None = None,
    appearances: Path | None = None,
    stores: Path | None = None,
    synonyms: Path | None = None,
    currency: str = "USD",
    progress: Progress | None = None,
) -> ImportReport:
    """Import the feeds into a fresh catalog file and swap it in; feeds left out carry over."""
    started = time.perf_counter()
    catalog_path = Path(catalog_path)
    has_old = _existing_catalog(catalog_path)
    extra_synonyms: list[Group] = read_groups(synonyms) if synonyms is not None else []
    catalog_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = catalog_path.with_name(f".{catalog_path.name}.importing-{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}-journal")):
        leftover.unlink(missing_ok=True)
    db = sqlite3.connect(tmp, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -65536")
        db.executescript(SCHEMA)
        db.execute("BEGIN")
        build = _Build(db=db, errors=_Collector(), currency=currency.upper(), progress=progress)
        _import_products(build, products)
        if not build.ids:
            raise FeedError(_nothing_usable(products, build.errors))
        if stores is not None:
            _import_stores(build, stores)
        inventory_rows = _import_inventory(build, inventory) if inventory is not None else 0
        appearance_rows = _import_appearances(build, appearances) if appearances is not None else 0
        db.execute("COMMIT")
        db.executescript(INDEXES)
        counts = _compare_and_carry(
            db,
            catalog_path if has_old else None,
            carry_stores=stores is None,
            carry_inventory=inventory is None,
            carry_appearances=appearances is None,
            carry_synonyms=synonyms is None,
        )
        _write_synonyms(db, extra_synonyms)
        for index in ("products_fts", "products_head"):
            db.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")
            db.execute(f"INSERT INTO {index}({index}) VALUES ('optimize')")
        write_vocabulary(db)
        inventory_rows = db.execute("SELECT count(*) FROM inventory").fetchone()[0]
        appearance_rows = db.execute("SELECT count(*) FROM appearances").fetchone()[0]
        store_count = db.execute("SELECT count(*) FROM stores").fetchone()[0]
        active = len(build.ids)
        meta = {
            "format": FORMAT,
            "built_at": str(int(time.time())),
            "currency": build.currency,
            "products": str(active),
            "sources": json.dumps(
                {
                    "products": str(products),
                    "inventory": str(inventory) if inventory else None,
                    "appearances": str(appearances) if appearances else None,
                    "stores": str(stores) if stores else None,
                }
            ),
        }
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        db.execute("ANALYZE")
        db.execute("PRAGMA journal_mode = DELETE")
        db.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, catalog_path)
        _fsync_dir(catalog_path.parent)
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    errors = build.errors
    return ImportReport(
        catalog_path=catalog_path,
        products=active,
        imported=counts["imported"],
        updated=counts["updated"],
        unchanged=active - counts["imported"] - counts["updated"],
        retired=counts["retired"],
        rejected=errors.rejected,
        inventory_rows=inventory_rows,
        appearance_rows=appearance_rows,
        stores=store_count,
        warnings=errors.warnings,
        errors=tuple(errors.errors),
        errors_omitted=errors.omitted,
        seconds=time.perf_counter() - started,
    )


def _nothing_usable(products: Path, errors: _Collector) -> str:
    first = "; ".join(str(e) for e in errors.errors[:5])
    detail = f": {first}" if first else ""
    return f"no usable product rows in {products} ({errors.rejected} rejected){detail}"


def _write_synonyms(db: sqlite3.Connection, groups: list[Group]) -> None:
    db.executemany(
        "INSERT INTO synonyms (kind, terms) VALUES (?, ?)",
        [(g.kind, json.dumps(list(g.terms))) for g in groups],
    )


def _compare_and_carry(
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
            db.execute(
                "INSERT INTO inventory SELECT * FROM old.inventory i "
                "WHERE EXISTS (SELECT 1 FROM main.products p WHERE p.id = i.product_id)"
            )
        if carry_appearances:
            db.execute(
                "INSERT INTO appearances (person, media, episode, product_id, match, "
                "product_type, item, source_link) "
                "SELECT person, media, episode, product_id, match, product_type, item, "
                "source_link FROM old.appearances a "
                "WHERE EXISTS (SELECT 1 FROM main.products p WHERE p.id = a.product_id)"
            )
        if carry_synonyms:
            db.execute("INSERT INTO synonyms (kind, terms) SELECT kind, terms FROM old.synonyms")
        db.execute("COMMIT")
    finally:
        db.execute("DETACH DATABASE old")
    return counts


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


__all__ = ["ImportReport", "RowError", "import_feeds", "parse_price", "gtin_ok"]
