"""Fresh price and stock without a rebuild: supplemental and local-inventory feeds as updates.

A Merchant Center price/availability supplemental feed (`id`, `price`, `sale_price`,
`sale_price_effective_date`, `availability`; only the columns present change) and a
local-inventory feed (`store_code`, `id`, `quantity`, `price`, `availability`, `pickup_method`,
`pickup_sla`) are validated against the live index, turned into a delta, and applied to the
index in place in one short transaction: readers keep answering from the committed state and
see the whole update at once. Rows for ids the index does not hold (or has retired) are
reported and change nothing. The same delta, as gzipped JSON, is what is published to S3 and
applied by every serving copy.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog_adapter.errors import FeedError
from catalog_adapter.feeds.readers import Table
from catalog_adapter.feeds.report import Collector, RowError, RowProblem
from catalog_adapter.feeds.values import (
    PICKUP_METHODS,
    availability_value,
    parse_effective_dates,
    parse_price,
)

DELTA_FORMAT = "ambient-shop-delta/1"
PRICE_REQUIRED = ("id",)
INVENTORY_REQUIRED = ("store_code", "id")
# Columns of the products table an update may set.
PRODUCT_FIELDS = ("price_cents", "sale_cents", "sale_start", "sale_end", "availability")
INVENTORY_FIELDS = (
    "product_id",
    "store_code",
    "quantity",
    "price_cents",
    "availability",
    "pickup_method",
    "pickup_sla",
)
_LOOKUP_BATCH = 500
BUSY_TIMEOUT_S = 30.0
SHOWN_UNKNOWN = 20


@dataclass
class DeltaRows:
    """Validated updates: product field changes by id, and local-inventory rows to upsert."""

    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    inventory: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.products) + len(self.inventory)

    def to_bytes(self) -> bytes:
        body = {
            "format": DELTA_FORMAT,
            "products": [{"id": pid, **fields} for pid, fields in self.products.items()],
            "inventory": [list(row) for row in self.inventory],
        }
        return gzip.compress(json.dumps(body, separators=(",", ":")).encode(), mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes, *, where: str) -> DeltaRows:
        try:
            raw = json.loads(gzip.decompress(data))
            if raw.get("format") != DELTA_FORMAT:
                raise ValueError(f"format {raw.get('format')!r}, expected {DELTA_FORMAT!r}")
            products: dict[str, dict[str, Any]] = {}
            for item in raw["products"]:
                fields = {k: item[k] for k in PRODUCT_FIELDS if k in item}
                products[str(item["id"])] = fields
            inventory = [tuple(row) for row in raw["inventory"]]
            if any(len(row) != len(INVENTORY_FIELDS) for row in inventory):
                raise ValueError("an inventory row has the wrong number of fields")
        except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError) as e:
            raise FeedError(f"{where} is not a valid catalog delta: {e}") from e
        return cls(products, inventory)


@dataclass(frozen=True, slots=True)
class UpdateReport:
    """What an update did; `unknown_ids` are ids the index does not hold (nothing changed)."""

    catalog_path: Path
    products_updated: int
    inventory_rows: int
    rejected: int
    unknown_ids: tuple[str, ...]
    unknown_count: int
    errors: tuple[RowError, ...]
    errors_omitted: int
    seconds: float
    delta_seq: int

    @property
    def rows(self) -> int:
        return self.products_updated + self.inventory_rows

    def summary(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"catalog: {self.catalog_path} (update {self.delta_seq})",
            f"products updated: {self.products_updated}; local-inventory rows: "
            f"{self.inventory_rows}",
            f"rejected rows: {self.rejected}",
            f"took {self.seconds:.2f} s ({rate:,.0f} rows/s)",
        ]
        if self.unknown_count:
            shown = ", ".join(self.unknown_ids[:SHOWN_UNKNOWN])
            more = self.unknown_count - min(len(self.unknown_ids), SHOWN_UNKNOWN)
            lines.append(
                f"unknown ids (not in the catalog; nothing changed for them): {shown}"
                + (f" and {more:,} more" if more > 0 else "")
            )
        return "\n".join(lines)


class _Known:
    """Looks ids and stores up in the index in batches, without loading it all into memory."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.stores = {code for (code,) in db.execute("SELECT store_code FROM stores")}
        self.currency = (
            db.execute("SELECT value FROM meta WHERE key = 'currency'").fetchone() or ("USD",)
        )[0]

    def prices(self, ids: Sequence[str]) -> dict[str, tuple[int, int | None]]:
        """Active id -> (price_cents, sale_cents) for the ids the index holds."""
        found: dict[str, tuple[int, int | None]] = {}
        for start in range(0, len(ids), _LOOKUP_BATCH):
            batch = list(ids[start : start + _LOOKUP_BATCH])
            marks = ",".join("?" * len(batch))
            for pid, price, sale in self.db.execute(
                f"SELECT id, price_cents, sale_cents FROM products WHERE id IN ({marks})", batch
            ):
                found[pid] = (price, sale)
        return found


def read_updates(
    catalog_path: Path,
    *,
    prices: Path | None = None,
    inventory: Path | None = None,
) -> tuple[DeltaRows, Collector, list[str]]:
    """Validate the feeds against the index; the delta, the row errors and the unknown ids."""
    if prices is None and inventory is None:
        raise FeedError("give a price/availability feed, a local-inventory feed, or both")
    db = _open(catalog_path, readonly=True)
    try:
        known = _Known(db)
        errors = Collector()
        delta = DeltaRows()
        unknown: dict[str, None] = {}
        if prices is not None:
            _read_prices(prices, known, errors, delta, unknown)
        if inventory is not None:
            _read_inventory(inventory, known, errors, delta, unknown)
    finally:
        db.close()
    return delta, errors, list(unknown)


def _read_prices(
    path: Path, known: _Known, errors: Collector, delta: DeltaRows, unknown: dict[str, None]
) -> None:
    table = Table(path, required=PRICE_REQUIRED, errors=errors)
    parsed: list[tuple[int, str, dict[str, str]]] = []
    seen: set[str] = set()
    for line, row in table.rows():
        pid = (row.get("id") or "").strip()
        if not pid:
            errors.reject(table.name, line, "id is empty")
            continue
        if pid in seen:
            errors.reject(table.name, line, f"duplicate id {pid!r}; the first row was kept")
            continue
        seen.add(pid)
        parsed.append((line, pid, row))
    if parsed and not ({"price", "sale_price", "availability"} & set(table.columns)):
        raise FeedError(
            f"{table.name}:1: a price/availability feed needs price, sale_price or availability "
            f"beside id; found: {', '.join(table.columns)}"
        )
    current = known.prices([pid for _, pid, _ in parsed])
    for line, pid, row in parsed:
        if pid not in current:
            unknown.setdefault(pid)
            errors.reject(table.name, line, f"product {pid!r} is not in the catalog")
            continue
        try:
            fields = _price_fields(row, known.currency, current[pid])
        except RowProblem as e:
            errors.reject(table.name, line, f"product {pid!r}: {e}")
            continue
        if fields:
            delta.products[pid] = fields


def _price_fields(
    row: dict[str, str], currency: str, current: tuple[int, int | None]
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    price = current[0]
    if "price" in row:
        if not row["price"].strip():
            raise RowProblem("price is empty")
        price = parse_price(row["price"], currency=currency)
        fields["price_cents"] = price
    if "sale_price" in row:
        sale_text = row["sale_price"].strip()
        sale = parse_price(sale_text, currency=currency, what="sale_price") if sale_text else None
        start = end = None
        dates = (row.get("sale_price_effective_date") or "").strip()
        if dates and sale is not None:
            start, end = parse_effective_dates(dates)
        if sale is not None and sale >= price:
            raise RowProblem("sale_price is not below price")
        fields.update(sale_cents=sale, sale_start=start, sale_end=end)
    elif "price_cents" in fields and current[1] is not None and current[1] >= price:
        # A sale that the new price undercuts is over.
        fields.update(sale_cents=None, sale_start=None, sale_end=None)
    if "availability" in row:
        fields["availability"] = availability_value(row["availability"])
    return fields


def _read_inventory(
    path: Path, known: _Known, errors: Collector, delta: DeltaRows, unknown: dict[str, None]
) -> None:
    table = Table(path, required=INVENTORY_REQUIRED, errors=errors)
    parsed: list[tuple[int, str, str, dict[str, str]]] = []
    seen: set[tuple[str, str]] = set()
    for line, row in table.rows():
        code = (row.get("store_code") or "").strip()
        pid = (row.get("id") or "").strip()
        if not code or not pid:
            errors.reject(table.name, line, "store_code and id are both required")
            continue
        if code not in known.stores:
            errors.reject(
                table.name, line, f"unknown store_code {code!r} (add stores with a full import)"
            )
            continue
        if (code, pid) in seen:
            errors.reject(table.name, line, f"duplicate row for store {code!r}, product {pid!r}")
            continue
        seen.add((code, pid))
        parsed.append((line, code, pid, row))
    current = known.prices(list(dict.fromkeys(pid for _, _, pid, _ in parsed)))
    for line, code, pid, row in parsed:
        if pid not in current:
            unknown.setdefault(pid)
            errors.reject(table.name, line, f"product {pid!r} is not in the catalog")
            continue
        try:
            delta.inventory.append(_inventory_row(row, code, pid, known.currency))
        except RowProblem as e:
            errors.reject(table.name, line, f"store {code!r}, product {pid!r}: {e}")


def _inventory_row(row: dict[str, str], code: str, pid: str, currency: str) -> tuple[Any, ...]:
    quantity_text = (row.get("quantity") or "").strip()
    quantity: int | None = None
    if quantity_text:
        if not quantity_text.isdigit():
            raise RowProblem(f"quantity {quantity_text!r} is not a whole number >= 0")
        quantity = int(quantity_text)
    price_text = (row.get("price") or "").strip()
    price = parse_price(price_text, currency=currency) if price_text else None
    availability_text = (row.get("availability") or "").strip()
    if availability_text:
        availability = availability_value(availability_text)
    elif quantity is not None:
        availability = "in_stock" if quantity > 0 else "out_of_stock"
    else:
        raise RowProblem("give quantity or availability")
    if quantity is None:
        quantity = 1 if availability in ("in_stock", "limited_availability") else 0
    pickup = (row.get("pickup_method") or "").strip().lower().replace("_", " ")
    if pickup and pickup not in PICKUP_METHODS:
        pickup = ""
    sla = (row.get("pickup_sla") or "").strip().lower().replace("_", " ")
    return (pid, code, quantity, price, availability, pickup, sla)


def _open(path: Path, *, readonly: bool) -> sqlite3.Connection:
    from catalog_adapter.publish import catalog_meta

    catalog_meta(path)  # refuses anything that is not a catalog
    if readonly:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)


def apply_delta(catalog_path: Path, delta: DeltaRows, *, seq: int | None = None) -> int:
    """Apply a delta in one transaction; the catalog's update count afterwards.

    With `seq`, the delta is applied only as update number `seq` (one already applied is
    skipped), so several processes sharing a copy apply each published delta once.
    """
    db = _open(catalog_path, readonly=False)
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'delta_seq'").fetchone()
            applied = int(row[0]) if row else 0
            if seq is not None and seq <= applied:
                db.execute("ROLLBACK")
                return applied
            if seq is not None and seq != applied + 1:
                raise FeedError(
                    f"{catalog_path} holds {applied} update(s); update {seq} cannot come next"
                )
            _write(db, delta)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('delta_seq', ?)", (str(applied + 1),))
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('updated_at', ?)", (str(int(time.time())),)
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return applied + 1
    finally:
        db.close()


def _write(db: sqlite3.Connection, delta: DeltaRows) -> None:
    by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for pid, fields in delta.products.items():
        columns = tuple(sorted(fields))
        by_columns.setdefault(columns, []).append((*(fields[c] for c in columns), pid))
    for columns, rows in by_columns.items():
        assignments = ", ".join(f"{c} = ?" for c in columns)
        db.executemany(f"UPDATE products SET {assignments} WHERE id = ?", rows)
    if delta.inventory:
        db.executemany(
            f"INSERT OR REPLACE INTO inventory ({', '.join(INVENTORY_FIELDS)}) "
            f"VALUES ({', '.join('?' * len(INVENTORY_FIELDS))})",
            delta.inventory,
        )


def apply_delta_file(catalog_path: Path, delta_path: Path, *, seq: int) -> int:
    """Apply a downloaded, verified delta file as update number `seq`."""
    delta = DeltaRows.from_bytes(delta_path.read_bytes(), where=str(delta_path))
    return apply_delta(catalog_path, delta, seq=seq)


def update_catalog(
    catalog_path: Path,
    *,
    prices: Path | None = None,
    inventory: Path | None = None,
) -> tuple[UpdateReport, DeltaRows]:
    """Validate and apply supplemental feeds to an existing catalog; the report and the delta."""
    started = time.perf_counter()
    delta, errors, unknown = read_updates(catalog_path, prices=prices, inventory=inventory)
    seq = apply_delta(catalog_path, delta) if delta.rows else _current_seq(catalog_path)
    report = UpdateReport(
        catalog_path=Path(catalog_path),
        products_updated=len(delta.products),
        inventory_rows=len(delta.inventory),
        rejected=errors.rejected,
        unknown_ids=tuple(unknown[:1000]),
        unknown_count=len(unknown),
        errors=tuple(errors.errors),
        errors_omitted=errors.omitted,
        seconds=time.perf_counter() - started,
        delta_seq=seq,
    )
    return report, delta


def _current_seq(catalog_path: Path) -> int:
    from catalog_adapter.publish import catalog_meta

    return int(catalog_meta(catalog_path).get("delta_seq", "0") or 0)
