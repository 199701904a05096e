"""The embedded catalog ("sqlite.v1"): a read-only SQLite file with an FTS5 index from feeds.

Search is BM25 over weighted fields with Porter stemming and synonyms, narrowed by structured
filters, then re-ranked by blending text relevance with attribute matches and availability.
When the words as said (and their synonyms) find too little, a tolerant pass follows, ranked
below them: colour families ("blue" finds navy) and head nouns ("ankle boots" finds boots,
"chair" finds armchairs).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Literal

from ambient_shop.urls import sqlite_path
from catalog_adapter.errors import CatalogConfigError, CatalogUnavailable
from catalog_adapter.models import (
    Appearance,
    CatalogHealth,
    Product,
    ProductQuery,
    SeenOnResult,
    Store,
    StoreAvailability,
)
from catalog_adapter.registry import register
from catalog_adapter.sqlite import ranking as scoring
from catalog_adapter.sqlite import seen_on as looks
from catalog_adapter.sqlite.pool import MAX_IDLE_CONNECTIONS, ConnectionPool, Identity
from catalog_adapter.sqlite.products import (
    get_product,
    group_of,
    is_retired,
    product_from_row,
)
from catalog_adapter.sqlite.query import CURRENT_PRICE, NOTHING, MatchMode, QueryBuilder
from catalog_adapter.sqlite.schema import FORMAT, PRODUCT_SELECT
from catalog_adapter.sqlite.snapshot import Snapshot
from catalog_adapter.sqlite.stores import stock_of
from catalog_adapter.stores import one_store
from catalog_adapter.synonyms import Phrase

Ranking = Literal["blended", "bm25"]


def path_from_url(url: str) -> Path:
    """`sqlite:///var/catalog.db` -> var/catalog.db; `sqlite:////abs/catalog.db` -> absolute."""
    try:
        path = sqlite_path(url)
    except ValueError as e:
        raise CatalogConfigError(str(e)) from e
    if path is None:
        raise CatalogConfigError(f"catalog URL {url!r} names no file")
    return path


class SqliteCatalog:
    """A Catalog over one imported file; picks up a newly swapped-in file on the next call."""

    def __init__(
        self,
        path: Path,
        *,
        ranking: Ranking = "blended",
        max_idle_connections: int = MAX_IDLE_CONNECTIONS,
    ) -> None:
        if ranking not in ("blended", "bm25"):
            raise CatalogConfigError(f"ranking must be 'blended' or 'bm25', not {ranking!r}")
        self.path = Path(path)
        self.ranking: Ranking = ranking
        self._weights = scoring.BLENDED_WEIGHTS if ranking == "blended" else scoring.PLAIN_WEIGHTS
        self._queries = QueryBuilder(plain=ranking == "bm25")
        self._lock = threading.Lock()
        self._pool = ConnectionPool(self.path, max_idle=max_idle_connections)
        self._snapshots: dict[Identity, Snapshot] = {}
        if not self.path.is_file():
            raise CatalogConfigError(
                f"catalog file {self.path} does not exist; build it with "
                "`ambient-shop catalog import PRODUCT_FEED --catalog sqlite:///PATH`"
            )
        try:
            db, identity = self._pool.acquire()
        except CatalogUnavailable as e:
            raise CatalogConfigError(str(e)) from e
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.DatabaseError as e:
            self._pool.close()
            raise CatalogConfigError(f"{self.path} is not an Ambient Shop catalog: {e}") from e
        finally:
            self._pool.release(db, identity)
        if row is None or row[0] != FORMAT:
            self._pool.close()
            raise CatalogConfigError(f"{self.path} is not a catalog of format {FORMAT!r}")

    # -- connections ------------------------------------------------------------------------

    def _snapshot(self, db: sqlite3.Connection, identity: Identity) -> Snapshot:
        snap = self._snapshots.get(identity)
        if snap is None:
            snap = Snapshot(db)
            with self._lock:
                if len(self._snapshots) > 4:
                    self._snapshots.clear()
                self._snapshots[identity] = snap
        return snap

    def _run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        db, identity = self._pool.acquire()
        try:
            return fn(db, self._snapshot(db, identity), *args, **kwargs)
        except sqlite3.Error as e:
            raise CatalogUnavailable(f"catalog {self.path} cannot answer: {e}") from e
        finally:
            self._pool.release(db, identity)

    def health(self) -> CatalogHealth:
        """Whether the catalog can answer now, cheaply: one pooled connection, one tiny read."""
        try:
            count = self._run(lambda db, snap: snap.product_count)
        except (CatalogUnavailable, CatalogConfigError) as e:
            return CatalogHealth(ok=False, detail=str(e))
        detail = f"{count:,} products in {self.path}"
        if not self.path.is_file():
            detail += " (the file is gone; answering from the copy already open)"
        return CatalogHealth(ok=True, detail=detail)

    def __enter__(self) -> SqliteCatalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection; connections in use close as they are handed back."""
        self._pool.close()

    # -- products ---------------------------------------------------------------------------

    def get(self, product_id: str) -> Product | None:
        return self._run(lambda db, snap: get_product(db, product_id))

    def variants(self, product_id: str) -> list[Product]:
        def group(db: sqlite3.Connection, snap: Snapshot) -> list[Product]:
            product = get_product(db, product_id)
            return [] if product is None else group_of(db, product)

        return self._run(group)

    # -- search -----------------------------------------------------------------------------

    def search(self, query: ProductQuery) -> list[Product]:
        return self._run(self._search, query)

    def _search(self, db: sqlite3.Connection, snap: Snapshot, query: ProductQuery) -> list[Product]:
        limit = max(1, min(int(query.limit), 100))
        now = int(time.time())
        params: dict[str, Any] = {"now": now}
        extra = self._queries.filters(snap, query, params)
        if extra is None:
            return []
        filters = self._queries.attribute_filters(snap, query)
        if filters is None:
            return []
        clauses = self._queries.clauses(snap, query.text)
        if self._queries.plain:
            match = self._queries.match_expression(query, clauses, filters, "any")
            if match == NOTHING:
                return []
            if match is None:
                return self._browse(db, extra, params, limit, now)
            rows = scoring.scored(
                db, match, extra, params, limit=limit, capped=False, weights=self._weights
            )
            return [product_from_row(row, now) for row in rows]
        # Blended: all words in the product's own attributes, then all words anywhere, then
        # any word; each tier is ranked on its own and never outranks the one before it. Each
        # tier is followed by its tolerant twin (colour families, head nouns) when there is one.
        loose_clauses = self._queries.loosen(snap, clauses)
        tolerant = loose_clauses != clauses or any(f.tolerant for f in filters)
        modes: list[MatchMode] = (
            ["head", "all", "any"] if len(clauses) > 1 else ["head", "any"] if clauses else ["head"]
        )
        pool = max(limit * 3, 30)
        tiers: list[list[tuple[Product, float]]] = []
        seen: set[str] = set()
        for mode, loose in ((m, t) for m in modes for t in (False, True) if tolerant or not t):
            words = loose_clauses if loose else clauses
            match = self._queries.match_expression(query, words, filters, mode, loose=loose)
            if match == NOTHING:
                return []
            if match is None:
                return self._browse(db, extra, params, limit, now)
            tier = []
            # The head index holds only the product's own attributes, so "all words there"
            # never wades through descriptions.
            table = "products_head" if mode == "head" else "products_fts"
            rows = scoring.scored(
                db,
                match,
                extra,
                params,
                limit=pool,
                capped=True,
                weights=self._weights,
                table=table,
                clauses=words if snap.product_count > scoring.BM25_MAX_PRODUCTS else None,
            )
            for row in rows:
                if row[0] not in seen:
                    seen.add(row[0])
                    tier.append((product_from_row(row, now), -float(row[-1])))
            tiers.append(tier)
            if len(seen) >= limit:
                break
        # Attribute filters also rank: a "cardigan" filter admits all sweaters, cardigans first.
        named: list[tuple[tuple[Phrase, ...], str | None]] = [(c, None) for c in loose_clauses]
        for f in filters:
            words = tuple(dict.fromkeys((*f.words, *f.loose, *f.loose_title)))
            if f.words in clauses:
                # Said in the text too: one concept, ranked once, as the attribute it names.
                index = clauses.index(f.words)
                named[index] = (tuple(dict.fromkeys((*named[index][0], *words))), f.kind)
            else:
                named.append((words, f.kind))
        strict = {p for c in clauses for p in c} | {p for f in filters for p in f.words}
        ranked: list[Product] = []
        for tier in tiers:
            ranked.extend(scoring.rerank(snap, tier, named, strict))
            if len(ranked) >= limit:
                break
        return ranked[:limit]

    def _browse(
        self, db: sqlite3.Connection, extra: str, params: dict[str, Any], limit: int, now: int
    ) -> list[Product]:
        """Filters without words (e.g. a price range): cheapest buyable things first."""
        sql = (
            f"SELECT {PRODUCT_SELECT} FROM products p WHERE 1{extra} "
            "ORDER BY p.availability NOT IN ('in_stock', 'limited_availability'), "
            f"{CURRENT_PRICE}, p.id LIMIT :limit"
        )
        return [product_from_row(row, now) for row in db.execute(sql, {**params, "limit": limit})]

    # -- stores and availability ------------------------------------------------------------

    def stores(self) -> list[Store]:
        return self._run(lambda db, snap: list(snap.stores))

    def store(self, spoken: str) -> Store | None:
        return self._run(lambda db, snap: one_store(snap.stores, spoken))

    def availability(self, product_id: str, *, store: str | None = None) -> list[StoreAvailability]:
        def stock(db: sqlite3.Connection, snap: Snapshot) -> list[StoreAvailability]:
            product = get_product(db, product_id)
            if product is None:
                return []
            retired = product.availability == "out_of_stock" and is_retired(db, product_id)
            return stock_of(db, snap.stores, product, store=store, retired=retired)

        return self._run(stock)

    # -- seen on ----------------------------------------------------------------------------

    def appearances(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
    ) -> list[Appearance]:
        return self._run(
            lambda db, snap: [
                a for _, a in looks.matching_appearances(snap, person, media, product_type)
            ]
        )

    def seen_on(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
        limit: int = 3,
    ) -> SeenOnResult:
        def answer(db: sqlite3.Connection, snap: Snapshot) -> SeenOnResult:
            return looks.seen_on(
                db,
                snap,
                person,
                media,
                product_type,
                limit,
                search=lambda query: self._search(db, snap, query),
            )

        return self._run(answer)

    # -- vocabulary -------------------------------------------------------------------------

    def vocabulary(self) -> dict[str, list[str]]:
        return self._run(lambda db, snap: {k: list(v) for k, v in snap.vocabulary.items()})

    def stats(self) -> dict[str, Any]:
        """Counts and facts for `catalog stats`."""

        def collect(db: sqlite3.Connection, snap: Snapshot) -> dict[str, Any]:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            count = db.execute("SELECT count(*) FROM products").fetchone()[0]
            by_availability = dict(
                db.execute("SELECT availability, count(*) FROM products GROUP BY availability")
            )
            return {
                "path": str(self.path),
                "format": meta.get("format"),
                "built_at": int(meta.get("built_at", "0")),
                "currency": meta.get("currency"),
                "products": count,
                "retired": db.execute("SELECT count(*) FROM retired_products").fetchone()[0],
                "availability": by_availability,
                "stores": len(snap.stores),
                "inventory_rows": db.execute("SELECT count(*) FROM inventory").fetchone()[0],
                "appearances": len(snap.appearances),
                "brands": len(snap.vocabulary.get("brands", [])),
                "size_bytes": self.path.stat().st_size,
                "sources": json.loads(meta.get("sources", "{}")),
            }

        return self._run(collect)


@register("sqlite.v1", schemes=("sqlite",))
def open_sqlite_catalog(
    url: str, *, ranking: Ranking = "blended", max_idle_connections: int = MAX_IDLE_CONNECTIONS
) -> SqliteCatalog:
    """Open an imported catalog file by URL; `ranking="bm25"` is the plain baseline."""
    return SqliteCatalog(
        path_from_url(url), ranking=ranking, max_idle_connections=max_idle_connections
    )
