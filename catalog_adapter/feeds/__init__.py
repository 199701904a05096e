"""Feed import: Google Merchant product, local-inventory, appearance and store feeds -> catalog.

Every import builds a complete new catalog file next to the live one and swaps it in with
`os.replace`, so a reader sees either the old catalog or the new one, never a half import.
Bad rows are reported with file, line and reason; the good rows still import.

By job: `readers` (TSV/CSV/XML files as rows), `values` (prices, dates, GTINs ...), `rows` (rows
of the catalog tables, carry-over from the live file), `swap` (build beside, swap in), `report`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from catalog_adapter.errors import FeedError
from catalog_adapter.feeds.report import Collector, ImportReport, RowError
from catalog_adapter.feeds.rows import (
    Build,
    Progress,
    compare_and_carry,
    import_appearances,
    import_inventory,
    import_products,
    import_stores,
)
from catalog_adapter.feeds.swap import build_path, existing_catalog, swap_in
from catalog_adapter.feeds.values import gtin_ok, parse_price
from catalog_adapter.sqlite.schema import FORMAT, INDEXES, SCHEMA
from catalog_adapter.sqlite.vocabulary import write_vocabulary
from catalog_adapter.synonyms import Group, read_groups


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
    has_old = existing_catalog(catalog_path)
    extra_synonyms: list[Group] = read_groups(synonyms) if synonyms is not None else []
    catalog_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = build_path(catalog_path)
    db = sqlite3.connect(tmp, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -65536")
        db.executescript(SCHEMA)
        db.execute("BEGIN")
        build = Build(db=db, errors=Collector(), currency=currency.upper(), progress=progress)
        import_products(build, products)
        if not build.ids:
            raise FeedError(_nothing_usable(products, build.errors))
        if stores is not None:
            import_stores(build, stores)
        inventory_rows = import_inventory(build, inventory) if inventory is not None else 0
        appearance_rows = import_appearances(build, appearances) if appearances is not None else 0
        db.execute("COMMIT")
        db.executescript(INDEXES)
        counts = compare_and_carry(
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
        swap_in(tmp, catalog_path)
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


def _nothing_usable(products: Path, errors: Collector) -> str:
    first = "; ".join(str(e) for e in errors.errors[:5])
    detail = f": {first}" if first else ""
    return f"no usable product rows in {products} ({errors.rejected} rejected){detail}"


def _write_synonyms(db: sqlite3.Connection, groups: list[Group]) -> None:
    db.executemany(
        "INSERT INTO synonyms (kind, terms) VALUES (?, ?)",
        [(g.kind, json.dumps(list(g.terms))) for g in groups],
    )


__all__ = ["ImportReport", "Progress", "RowError", "gtin_ok", "import_feeds", "parse_price"]
