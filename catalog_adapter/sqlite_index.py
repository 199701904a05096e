"""The embedded catalog ("sqlite.v1"): a read-only SQLite file with an FTS5 index from feeds.py.

Search is BM25 over weighted fields with Porter stemming and synonyms, narrowed by structured
filters, then re-ranked by blending text relevance with attribute matches and availability.
When the words as said (and their synonyms) find too little, a tolerant pass follows, ranked
below them: colour families ("blue" finds navy) and head nouns ("ankle boots" finds boots,
"chair" finds armchairs).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from rapidfuzz import fuzz, process

from catalog_adapter.attributes import KIDS_AGE_GROUPS, audience, size_key, size_list
from catalog_adapter.errors import CatalogConfigError, CatalogUnavailable
from catalog_adapter.hours import HoursError, OpeningHours
from catalog_adapter.models import (
    Appearance,
    Availability,
    CatalogHealth,
    Money,
    Product,
    ProductQuery,
    SeenOnResult,
    Store,
    StoreAvailability,
)
from catalog_adapter.registry import register
from catalog_adapter.stores import NAME_MATCH, matching_stores, one_store
from catalog_adapter.synonyms import Group, Phrase, Synonyms, light_stem, tokenize

FORMAT = "ambient-shop-catalog/1"
Ranking = Literal["blended", "bm25"]
MatchMode = Literal["head", "all", "any"]
# An FTS query that cannot match (a filter of punctuation only).
NOTHING = "\x00"
# Matches scored per tier at most; beyond it the first ones in rowid order are kept.
SCORE_CAP = 1000
# Above this many products, tiers are ranked by attribute scores instead of FTS5's bm25(),
# over fewer matches, since that score is computed in Python.
BM25_MAX_PRODUCTS = 200_000
ATTRIBUTE_CAP = 400
# Connections kept open between calls; more are opened while more calls run at once.
MAX_IDLE_CONNECTIONS = 4
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
BLENDED_WEIGHTS = (8.0, 4.0, 6.0, 3.0, 3.0, 3.0, 1.0, 2.0, 1.0)
_COLUMN_COUNT = {"products_fts": len(FTS_COLUMNS), "products_head": len(FTS_COLUMNS) - 1}
PLAIN_WEIGHTS = (1.0,) * len(FTS_COLUMNS)

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

# Words that carry no product meaning in a request; searching them only adds noise and time.
STOPWORDS = frozenset(
    """a an and any are at be by can do for from get have i i'd im in is it me my need of on or
    please show some that the this to want with would you your find looking look like something
    anything thing things stuff item items one ones got""".split()
)
AVAILABILITY_SCORE = {
    "in_stock": 1.0,
    "limited_availability": 0.8,
    "backorder": 0.4,
    "preorder": 0.4,
    "out_of_stock": 0.0,
}
IN_STOCK = ("in_stock", "limited_availability")
# Plural-only nouns kept as they are when product types are named for the parser.
_PLURAL_NOUNS = frozenset(
    "pants jeans trousers shorts leggings chinos shoes sneakers boots loafers glasses".split()
)
_IRREGULAR = {"scarves": "scarf", "shelves": "shelf", "knives": "knife"}
# Letters a word needs before a head noun to count as a compound of it ("arm" + "chair").
MIN_MODIFIER = 3
# How closely a product matches a word: as said (or respelt), a synonym, or only tolerantly
# (a shade of the colour family, the head noun, a compound).
SAID, SYNONYM, LOOSE = 1.0, 0.7, 0.45


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


def singular(noun: str) -> str:
    noun = noun.strip().lower()
    last = noun.rsplit(" ", 1)[-1]
    if last in _PLURAL_NOUNS:
        return noun
    head = noun[: len(noun) - len(last)]
    if last in _IRREGULAR:
        return head + _IRREGULAR[last]
    return head + light_stem(last)


def _split_names(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"\s*(?:/|,|&|\band\b)\s*", value) if part.strip()]


def write_vocabulary(db: sqlite3.Connection) -> None:
    """Store the names the parser's gazetteers load, so opening a catalog stays cheap."""
    # (kind, folded name) -> display name; the catalog's own spelling wins over a synonym's.
    rows: dict[tuple[str, str], str] = {}

    def add(kind: str, names: Iterable[str]) -> None:
        for name in names:
            if name and len(name) <= 80:
                rows.setdefault((kind, name.lower()), name)

    add("brands", (r[0] for r in db.execute("SELECT DISTINCT brand FROM products")))
    leaves = [r[0] for r in db.execute("SELECT DISTINCT type_leaf FROM products")]
    add("product_types", (singular(part) for leaf in leaves for part in _split_names(leaf)))
    add("people", (r[0] for r in db.execute("SELECT DISTINCT person FROM appearances")))
    add("media", (r[0] for r in db.execute("SELECT DISTINCT media FROM appearances")))
    for kind, column in (("colors", "color"), ("materials", "material"), ("patterns", "pattern")):
        values = [r[0] for r in db.execute(f"SELECT DISTINCT {column} FROM products")]
        add(kind, (part for v in values for part in _split_names(v)))
    for name, neighborhood in db.execute("SELECT name, neighborhood FROM stores"):
        add("stores", (name, neighborhood))
    # Synonyms of product types, colours ... the catalog really has, so "couch" is recognised.
    synonyms = Synonyms.builtin(extra=_stored_groups(db))
    columns = {
        "product_type": "{title product_type}",
        "color": "{color}",
        "material": "{material title}",
        "pattern": "{pattern title}",
    }
    for group in synonyms.groups:
        # A colour family is a colour the catalog has when it has one of the family's shades.
        column = "{color}" if group.kind == "color_family" else columns.get(group.kind)
        if column is None:
            continue
        phrases = [tuple(tokenize(t)) for t in group.terms]
        expr = " OR ".join(_quote(p) for p in phrases if p)
        if not expr:
            continue
        hit = db.execute(
            "SELECT 1 FROM products_fts WHERE products_fts MATCH ? LIMIT 1",
            (f"{column} : ({expr})",),
        ).fetchone()
        if hit and group.kind == "color_family":
            add("colors", (group.terms[0].lower(),))
        elif hit:
            kind = {"product_type": "product_types", "color": "colors"}.get(
                group.kind, group.kind + "s"
            )
            add(kind, (t.lower() for t in group.terms))
    db.execute("DELETE FROM vocabulary")
    db.executemany(
        "INSERT INTO vocabulary VALUES (?, ?)", sorted((k, name) for (k, _), name in rows.items())
    )


def _stored_groups(db: sqlite3.Connection) -> list[Group]:
    return [
        Group(kind, tuple(json.loads(terms)))
        for kind, terms in db.execute("SELECT kind, terms FROM synonyms ORDER BY rowid")
    ]


def _quote(phrase: Phrase) -> str:
    return '"' + " ".join(phrase) + '"'


def _money(cents: int | None, currency: str) -> Money | None:
    return None if cents is None else Money(Decimal(cents).scaleb(-2), currency)


def path_from_url(url: str) -> Path:
    """`sqlite:///var/catalog.db` -> var/catalog.db; `sqlite:////abs/catalog.db` -> absolute."""
    scheme, sep, rest = url.partition("://")
    if scheme.lower() != "sqlite" or not sep:
        raise CatalogConfigError(f"not a sqlite catalog URL: {url!r}")
    rest = rest.split("?", 1)[0]
    path = rest[1:] if rest.startswith("/") else rest
    if not path:
        raise CatalogConfigError(f"catalog URL {url!r} names no file")
    return Path(path)


def table_columns(db: sqlite3.Connection, table: str) -> tuple[str, ...]:
    """A table's columns as this file has them (older catalogs have fewer); "old.stores" works."""
    schema, dot, name = table.rpartition(".")
    pragma = f"PRAGMA {schema}.table_info({name})" if dot else f"PRAGMA table_info({name})"
    return tuple(row[1] for row in db.execute(pragma))


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


@lru_cache(maxsize=4096)
def _size_keys(sizes: str) -> frozenset[str]:
    return frozenset(size_key(s) for s in size_list(sizes))


def _lists_size(sizes: str | None, key: str) -> bool:
    """SQL function has_size(p.size, key): the product's size list holds that size."""
    return bool(sizes) and key in _size_keys(sizes)


class _Snapshot:
    """What one catalog file holds that is worth keeping in memory: names, stores, synonyms."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.synonyms = Synonyms.builtin(extra=_stored_groups(db))
        meta = dict(db.execute("SELECT key, value FROM meta WHERE key = 'products'"))
        self.product_count = int(meta.get("products", "0"))
        self.stores = read_stores(db)
        self.appearances = tuple(
            Appearance(
                person=person,
                media=media,
                product_id=pid,
                match=match,
                episode=episode,
                product_type=ptype,
                source_link=source,
            )
            for person, media, episode, pid, match, ptype, source in db.execute(
                "SELECT person, media, episode, product_id, match, product_type, source_link "
                "FROM appearances ORDER BY rowid"
            )
        )
        self.people = sorted({a.person for a in self.appearances if a.person})
        self.media = sorted({a.media for a in self.appearances if a.media})
        vocabulary: dict[str, list[str]] = {kind: [] for kind in VOCABULARY_KINDS}
        for kind, name in db.execute("SELECT kind, name FROM vocabulary ORDER BY kind, name"):
            vocabulary.setdefault(kind, []).append(name)
        self.vocabulary = vocabulary
        # Single words naming product types in this catalog, by plural-folded form.
        self.type_words: dict[str, str] = {}
        for name in vocabulary.get("product_types", ()):
            for token in tokenize(name):
                self.type_words.setdefault(light_stem(token), token)
        self._compounds: dict[str, tuple[str, ...]] = {}

    def compounds(self, head: str) -> tuple[str, ...]:
        """Type words of this catalog built on a head noun: "chair" -> armchair, highchair."""
        stem = light_stem(head)
        found = self._compounds.get(stem)
        if found is None:
            found = tuple(
                sorted(
                    word
                    for key, word in self.type_words.items()
                    if len(key) >= len(stem) + MIN_MODIFIER and key.endswith(stem)
                )
            )
            if len(self._compounds) < 4096:
                self._compounds[stem] = found
        return found


@dataclass(frozen=True, slots=True)
class _Filter:
    """One attribute filter: what must match strictly, and what a tolerant pass adds."""

    kind: str
    column: str
    # The value as said first, then spellings and synonyms; any may match the attribute.
    words: tuple[Phrase, ...]
    # What the title may carry instead (never a synonym: "sweater" must not admit a
    # "pullover hoodie"), or () when only the attribute counts.
    title: tuple[Phrase, ...]
    loose: tuple[Phrase, ...] = ()
    loose_title: tuple[Phrase, ...] = ()

    def expression(self, *, loose: bool) -> str:
        words = self.words + self.loose if loose else self.words
        title = self.title + self.loose_title if loose else self.title
        found = f"{self.column} : ({' OR '.join(_quote(p) for p in words)})"
        if title:
            found += f" OR {{title}} : ({' OR '.join(_quote(p) for p in title)})"
        return f"({found})"

    @property
    def tolerant(self) -> bool:
        return bool(self.loose or self.loose_title)


_SELECT = ", ".join(f"p.{c}" for c in PRODUCT_COLUMNS[:-1])
_CURRENT_PRICE = (
    "CASE WHEN p.sale_cents IS NOT NULL AND (p.sale_start IS NULL OR p.sale_start <= :now) "
    "AND (p.sale_end IS NULL OR :now < p.sale_end) THEN p.sale_cents ELSE p.price_cents END"
)


class _ConnectionPool:
    """Read-only connections to one catalog file, shared by every thread, at most `max_idle`
    kept between calls.

    A server that answers each request on a new thread (werkzeug) would otherwise open a
    connection per thread and keep it after the thread ends; here a call borrows a connection
    and hands it back, so open descriptors stay at the calls in flight plus `max_idle`.
    Connections to a file since swapped out by an import are closed when handed back.
    """

    def __init__(self, path: Path, *, max_idle: int) -> None:
        if max_idle < 0:
            raise CatalogConfigError("max_idle_connections must not be negative")
        self.path = path
        self.max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: list[tuple[sqlite3.Connection, tuple[int, int]]] = []
        # The identity (inode, mtime) of the file last seen; a vanished file keeps it.
        self._current: tuple[int, int] | None = None
        self._busy = 0
        self._closed = False

    def _identity(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns)

    def acquire(self) -> tuple[sqlite3.Connection, tuple[int, int]]:
        """A connection to the current file: an idle one when there is one, else a new one."""
        seen = self._identity()
        stale: list[sqlite3.Connection] = []
        with self._lock:
            if self._closed:
                raise CatalogUnavailable("the catalog has been closed")
            if seen is not None:
                self._current = seen
            current = self._current
            found = None
            while self._idle:
                db, identity = self._idle.pop()
                if identity == current:
                    found = (db, identity)
                    break
                stale.append(db)
            if found is not None:
                self._busy += 1
        for db in stale:
            db.close()
        if found is not None:
            return found
        if seen is None:
            # The file vanished and no connection to it is left to read the last good copy.
            raise CatalogUnavailable(f"cannot open catalog {self.path}: the file is missing")
        try:
            db = sqlite3.connect(
                f"file:{quote(str(self.path))}?mode=ro", uri=True, check_same_thread=False
            )
            db.create_function("has_size", 2, _lists_size, deterministic=True)
        except sqlite3.Error as e:
            raise CatalogUnavailable(f"cannot open catalog {self.path}: {e}") from e
        with self._lock:
            self._busy += 1
        return db, seen

    def release(self, db: sqlite3.Connection, identity: tuple[int, int]) -> None:
        """Hand a connection back: kept while the pool has room and its file is current."""
        with self._lock:
            self._busy -= 1
            keep = (
                not self._closed
                and identity == self._current
                and len(self._idle) < self.max_idle
                and not db.in_transaction
            )
            if keep:
                self._idle.append((db, identity))
        if not keep:
            db.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for db, _ in idle:
            db.close()

    @property
    def open_connections(self) -> int:
        """Connections open right now: in use plus idle (for tests and diagnostics)."""
        with self._lock:
            return self._busy + len(self._idle)


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
        self._weights = BLENDED_WEIGHTS if ranking == "blended" else PLAIN_WEIGHTS
        self._lock = threading.Lock()
        self._pool = _ConnectionPool(self.path, max_idle=max_idle_connections)
        self._snapshots: dict[tuple[int, int], _Snapshot] = {}
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

    def _snapshot(self, db: sqlite3.Connection, identity: tuple[int, int]) -> _Snapshot:
        snap = self._snapshots.get(identity)
        if snap is None:
            snap = _Snapshot(db)
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

    def _product(self, row: Sequence[Any], now: int) -> Product:
        (
            pid,
            title,
            description,
            link,
            image_link,
            price,
            currency,
            sale,
            start,
            end,
            availability,
            brand,
            gtin,
            _mpn,
            _condition,
            _gpc,
            product_type,
            _leaf,
            group,
            color,
            size,
            material,
            pattern,
            gender,
            age_group,
            _shipping,
            _audience,
        ) = row[:27]
        on_sale = (
            sale is not None and (start is None or start <= now) and (end is None or now < end)
        )
        return Product(
            id=pid,
            title=title,
            price=Money(Decimal(price).scaleb(-2), currency),
            availability=availability,
            description=description,
            link=link,
            image_link=image_link,
            sale_price=_money(sale, currency) if on_sale else None,
            brand=brand,
            gtin=gtin,
            color=color,
            size=size,
            material=material,
            pattern=pattern,
            product_type=product_type,
            gender=gender,
            age_group=age_group,
            item_group_id=group,
        )

    def get(self, product_id: str) -> Product | None:
        return self._run(self._get, product_id)

    def _get(self, db: sqlite3.Connection, snap: _Snapshot, product_id: str) -> Product | None:
        now = int(time.time())
        row = db.execute(
            f"SELECT {_SELECT} FROM products p WHERE p.id = ?", (product_id,)
        ).fetchone()
        if row is not None:
            return self._product(row, now)
        row = db.execute(
            f"SELECT {_SELECT} FROM retired_products p WHERE p.id = ?", (product_id,)
        ).fetchone()
        if row is None:
            return None
        # Retired products stay readable for carts and order history, but cannot be bought.
        return _replace_availability(self._product(row, now), "out_of_stock")

    def variants(self, product_id: str) -> list[Product]:
        return self._run(self._variants, product_id)

    def _variants(self, db: sqlite3.Connection, snap: _Snapshot, product_id: str) -> list[Product]:
        """The product first, then the live products of its item group in feed order."""
        product = self._get(db, snap, product_id)
        if product is None:
            return []
        if not product.item_group_id:
            return [product]
        now = int(time.time())
        rows = db.execute(
            f"SELECT {_SELECT} FROM products p WHERE p.item_group_id = ? AND p.id != ? "
            "ORDER BY p.rowid & 4294967295",
            (product.item_group_id, product_id),
        )
        return [product, *(self._product(row, now) for row in rows)]

    def _get_many(self, db: sqlite3.Connection, ids: Sequence[str]) -> dict[str, Product]:
        if not ids:
            return {}
        now = int(time.time())
        marks = ", ".join("?" * len(ids))
        rows = db.execute(f"SELECT {_SELECT} FROM products p WHERE p.id IN ({marks})", list(ids))
        return {row[0]: self._product(row, now) for row in rows}

    # -- search -----------------------------------------------------------------------------

    def search(self, query: ProductQuery) -> list[Product]:
        return self._run(self._search, query)

    def _clauses(self, snap: _Snapshot, text: str) -> list[tuple[Phrase, ...]]:
        tokens = [t for t in tokenize(text) if t not in STOPWORDS]
        if self.ranking == "bm25":
            return [((t,),) for t in dict.fromkeys(tokens)]
        return snap.synonyms.expand(tokens)

    def _alternatives(self, snap: _Snapshot, value: str) -> tuple[Phrase, ...]:
        phrase = tuple(tokenize(value))
        if not phrase:
            return ()
        if self.ranking == "bm25":
            return (phrase,)
        return snap.synonyms.alternatives(phrase)

    def _attribute_filters(self, snap: _Snapshot, query: ProductQuery) -> list[_Filter] | None:
        """The query's type, colour, material and pattern filters; None when one cannot match."""
        out: list[_Filter] = []
        for kind, value in (
            ("product_type", query.product_type),
            ("color", query.color),
            ("material", query.material),
            ("pattern", query.pattern),
        ):
            if not value:
                continue
            words = self._alternatives(snap, value)
            if not words:
                return None
            column = f"{{{kind}}}"
            said = (words[0],)
            if self.ranking == "bm25":
                title = said if kind != "color" else ()
                out.append(_Filter(kind, column, words, title))
                continue
            key = snap.synonyms.key(words[0])
            spelt = tuple(p for p in words if snap.synonyms.key(p) == key)
            title = spelt if kind != "color" else ()
            loose: tuple[Phrase, ...] = ()
            loose_title: tuple[Phrase, ...] = ()
            if kind == "color":
                loose = snap.synonyms.shades(words[0])
            elif kind == "product_type":
                loose, loose_title = self._type_tolerance(snap, words)
            out.append(_Filter(kind, column, words, title, loose, loose_title))
        return out

    def _type_tolerance(
        self, snap: _Snapshot, words: tuple[Phrase, ...]
    ) -> tuple[tuple[Phrase, ...], tuple[Phrase, ...]]:
        """A type's tolerant matches: head noun ("ankle boots" -> boots), compounds (armchair)."""
        said = words[0]
        key = snap.synonyms.key(said)
        said_title = {p for p in words if snap.synonyms.key(p) == key}
        head = said[-1:]
        heads = snap.synonyms.alternatives(head) if len(said) > 1 else snap.synonyms.spellings(head)
        compounds = tuple((word,) for h in heads for word in snap.compounds(h[-1]))
        loose = tuple(dict.fromkeys(p for p in (*heads, *compounds) if p not in words))
        spelt_heads = snap.synonyms.spellings(head) if len(said) > 1 else ()
        # A synonym of several words names the thing itself ("sleeper sofa" for "sofa bed"),
        # so the title may carry it here; a single word may be an adjective there ("knit").
        phrases = tuple(p for p in words if len(p) > 1)
        loose_title = tuple(
            p for p in dict.fromkeys((*spelt_heads, *compounds, *phrases)) if p not in said_title
        )
        return loose, loose_title

    def _loosen(
        self, snap: _Snapshot, clauses: list[tuple[Phrase, ...]]
    ) -> list[tuple[Phrase, ...]]:
        """Spoken words widened the tolerant way: a colour family's shades, a noun's compounds."""
        if self.ranking == "bm25":
            return clauses
        out = []
        for clause in clauses:
            said = clause[0]
            extra = list(snap.synonyms.shades(said))
            if len(said) == 1:
                extra.extend((word,) for word in snap.compounds(said[0]))
            out.append(tuple(dict.fromkeys((*clause, *extra))))
        return out

    def _match_expression(
        self,
        query: ProductQuery,
        clauses: list[tuple[Phrase, ...]],
        filters: Sequence[_Filter],
        mode: MatchMode,
        *,
        loose: bool = False,
    ) -> str | None:
        """An FTS5 query: the words (any / all / all in the product's own attributes) + filters."""
        parts: list[str] = []
        if clauses:
            groups = [" OR ".join(_quote(p) for p in clause) for clause in clauses]
            if mode == "any":
                parts.append("(" + " OR ".join(groups) + ")")
            else:
                parts.extend(f"({g})" for g in groups)
        parts.extend(f.expression(loose=loose) for f in filters)
        if query.brand:
            brand = tuple(tokenize(query.brand))
            if not brand:
                return NOTHING
            parts.append(f"{{brand}} : {_quote(brand)}")
        return " AND ".join(parts) if parts else None

    def _filters(self, snap: _Snapshot, query: ProductQuery, params: dict[str, Any]) -> str | None:
        """SQL conditions on price, stock, store and exclusions; None when nothing can match."""
        where: list[str] = []
        if query.min_price is not None:
            where.append(f"{_CURRENT_PRICE} >= :min_cents")
            params["min_cents"] = int((Decimal(query.min_price) * 100).to_integral_value())
        if query.max_price is not None:
            where.append(f"{_CURRENT_PRICE} <= :max_cents")
            params["max_cents"] = int((Decimal(query.max_price) * 100).to_integral_value())
        if query.size:
            wanted = size_key(query.size)
            if not wanted:
                return None
            where.append("has_size(p.size, :size)")
            params["size"] = wanted
        who = audience(query.audience) if query.audience else None
        if who is not None:
            genders = ", ".join(f"'{g}'" for g in sorted(who.genders))
            kids = ", ".join(f"'{a}'" for a in sorted(KIDS_AGE_GROUPS))
            where.append(
                f"(p.gender = '' OR lower(p.gender) IN ({genders})) AND "
                f"lower(p.age_group) {'' if who.kids else 'NOT '}IN ({kids})"
            )
        if query.store:
            codes = self._resolve_stores(snap, query.store)
            if not codes:
                return None
            marks = ", ".join(f":store{i}" for i in range(len(codes)))
            params.update({f"store{i}": code for i, code in enumerate(codes)})
            where.append(
                "EXISTS (SELECT 1 FROM inventory i WHERE i.product_id = p.id "
                f"AND i.store_code IN ({marks}) AND i.quantity > 0)"
            )
        elif query.in_stock_only:
            where.append("p.availability IN ('in_stock', 'limited_availability')")
        if query.exclude_ids:
            marks = ", ".join(f":ex{i}" for i in range(len(query.exclude_ids)))
            params.update({f"ex{i}": pid for i, pid in enumerate(query.exclude_ids)})
            where.append(f"p.id NOT IN ({marks})")
        return "".join(f" AND {w}" for w in where)

    def _scored(
        self,
        db: sqlite3.Connection,
        match: str,
        extra: str,
        params: dict[str, Any],
        *,
        limit: int,
        capped: bool,
        table: str = "products_fts",
        clauses: list[tuple[Phrase, ...]] | None = None,
    ) -> list[tuple[Any, ...]]:
        """The best `limit` matches by weighted BM25 (score last in each row)."""
        params = {**params, "match": match, "limit": limit}
        weights = ", ".join(str(w) for w in self._weights[: _COLUMN_COUNT[table]])
        joined = f"JOIN products p ON p.rowid = {table}.rowid " if extra else ""
        try:
            if not capped:
                return db.execute(
                    f"SELECT {_SELECT}, bm25(products_fts, {weights}) AS score "
                    "FROM products_fts JOIN products p ON p.rowid = products_fts.rowid "
                    f"WHERE products_fts MATCH :match{extra} ORDER BY score LIMIT :limit",
                    params,
                ).fetchall()
            # Scoring every match of a very common word is what makes search slow at scale:
            # read at most SCORE_CAP matches in rowid order (buyable first), keep the best.
            if clauses is not None:
                # In a large catalog BM25's IDF pass alone reads every posting of every word;
                # rank the capped matches by where the words sit in the product instead.
                ids = db.execute(
                    f"SELECT {table}.rowid FROM {table} "
                    f"{joined}WHERE {table} MATCH :match{extra} LIMIT :cap",
                    {**params, "cap": ATTRIBUTE_CAP},
                ).fetchall()
                hits = _attribute_scores(db, [r[0] for r in ids], clauses)
            else:
                hits = db.execute(
                    f"SELECT {table}.rowid, bm25({table}, {weights}) FROM {table} "
                    f"{joined}WHERE {table} MATCH :match{extra} LIMIT :cap",
                    {**params, "cap": SCORE_CAP},
                ).fetchall()
        except sqlite3.OperationalError as e:
            if "fts5" in str(e).lower():
                return []
            raise
        if not hits:
            return []
        hits.sort(key=lambda hit: (hit[1], hit[0]))
        best = dict(hits[:limit])
        marks = ", ".join("?" * len(best))
        rows = db.execute(
            f"SELECT {_SELECT}, p.rowid FROM products p WHERE p.rowid IN ({marks})", list(best)
        ).fetchall()
        rows.sort(key=lambda row: (best[row[-1]], row[-1]))
        return [(*row[:-1], best[row[-1]]) for row in rows]

    def _search(
        self, db: sqlite3.Connection, snap: _Snapshot, query: ProductQuery
    ) -> list[Product]:
        limit = max(1, min(int(query.limit), 100))
        now = int(time.time())
        params: dict[str, Any] = {"now": now}
        extra = self._filters(snap, query, params)
        if extra is None:
            return []
        filters = self._attribute_filters(snap, query)
        if filters is None:
            return []
        clauses = self._clauses(snap, query.text)
        if self.ranking == "bm25":
            match = self._match_expression(query, clauses, filters, "any")
            if match == NOTHING:
                return []
            if match is None:
                return self._browse(db, extra, params, limit, now)
            rows = self._scored(db, match, extra, params, limit=limit, capped=False)
            return [self._product(row, now) for row in rows]
        # Blended: all words in the product's own attributes, then all words anywhere, then
        # any word; each tier is ranked on its own and never outranks the one before it. Each
        # tier is followed by its tolerant twin (colour families, head nouns) when there is one.
        loose_clauses = self._loosen(snap, clauses)
        tolerant = loose_clauses != clauses or any(f.tolerant for f in filters)
        modes: list[MatchMode] = (
            ["head", "all", "any"] if len(clauses) > 1 else ["head", "any"] if clauses else ["head"]
        )
        pool = max(limit * 3, 30)
        tiers: list[list[tuple[Product, float]]] = []
        seen: set[str] = set()
        for mode, loose in ((m, t) for m in modes for t in (False, True) if tolerant or not t):
            words = loose_clauses if loose else clauses
            match = self._match_expression(query, words, filters, mode, loose=loose)
            if match == NOTHING:
                return []
            if match is None:
                return self._browse(db, extra, params, limit, now)
            tier = []
            # The head index holds only the product's own attributes, so "all words there"
            # never wades through descriptions.
            table = "products_head" if mode == "head" else "products_fts"
            rows = self._scored(
                db,
                match,
                extra,
                params,
                limit=pool,
                capped=True,
                table=table,
                clauses=words if snap.product_count > BM25_MAX_PRODUCTS else None,
            )
            for row in rows:
                if row[0] not in seen:
                    seen.add(row[0])
                    tier.append((self._product(row, now), -float(row[-1])))
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
            ranked.extend(self._rerank(snap, tier, named, strict))
            if len(ranked) >= limit:
                break
        return ranked[:limit]

    def _browse(
        self, db: sqlite3.Connection, extra: str, params: dict[str, Any], limit: int, now: int
    ) -> list[Product]:
        """Filters without words (e.g. a price range): cheapest buyable things first."""
        sql = (
            f"SELECT {_SELECT} FROM products p WHERE 1{extra} "
            "ORDER BY p.availability NOT IN ('in_stock', 'limited_availability'), "
            f"{_CURRENT_PRICE}, p.id LIMIT :limit"
        )
        return [self._product(row, now) for row in db.execute(sql, {**params, "limit": limit})]

    def _rerank(
        self,
        snap: _Snapshot,
        scored: list[tuple[Product, float]],
        clauses: list[tuple[tuple[Phrase, ...], str | None]],
        strict: set[Phrase],
    ) -> list[Product]:
        """Blend BM25 with how closely the words match the product's own attributes, and stock.

        Each clause is the words for one concept, as said first, with the attribute it names
        when it is a filter; words outside `strict` matched only tolerantly.
        """
        if not scored:
            return []
        synonyms = snap.synonyms
        # Each clause's words, best grade first, so the first word a product has is its grade.
        prepared: list[tuple[list[tuple[float, Phrase]], tuple[str, ...], bool]] = []
        for clause, kind in clauses:
            said = synonyms.key(clause[0])
            graded = [
                (SAID if synonyms.key(p) == said else SYNONYM if p in strict else LOOSE, p)
                for p in clause
            ]
            graded.sort(key=lambda item: -item[0])
            kinds = (kind,) if kind else tuple(synonyms.kinds(clause[0]))
            prepared.append((graded, kinds, kind == "product_type"))

        top = max(score for _, score in scored) or 1.0
        blended: list[tuple[float, float, str, Product]] = []
        for product, score in scored:
            head = _stems(
                product.title,
                product.product_type,
                product.brand,
                product.color,
                product.material,
                product.pattern,
            )
            body: set[str] | None = None
            coverage = 0.0
            attribute = 0.0
            attributes_named = 0
            for graded, kinds, typed in prepared:
                found = next((g for g, p in graded if _has(head, p)), None)
                if found is not None:
                    # The shopper's own word counts more than a synonym, and that more than
                    # a tolerant match (a shade of the colour, the head noun of the type).
                    coverage += found
                else:
                    body = _stems(product.description) if body is None else body
                    if any(_has(body, p) for _, p in graded):
                        coverage += 0.4
                for named in kinds:
                    field = {
                        "color": product.color,
                        "material": product.material,
                        "pattern": product.pattern,
                        "product_type": f"{product.product_type} {product.title}",
                    }.get(named)
                    if field is None:
                        continue
                    attributes_named += 1
                    own = _stems(field)
                    found = next((g for g, p in graded if _has(own, p)), None)
                    if found is not None:
                        best = 1.0 if found > LOOSE else LOOSE
                        if typed:
                            best *= _specificity(product.product_type, graded[0][1])
                        attribute += best
            coverage = coverage / len(clauses) if clauses else 1.0
            attribute = attribute / attributes_named if attributes_named else 1.0
            stock = AVAILABILITY_SCORE.get(product.availability, 0.5)
            total = 0.35 * (score / top) + 0.40 * coverage + 0.15 * attribute + 0.10 * stock
            blended.append((-total, -score, product.id, product))
        blended.sort(key=lambda item: item[:3])
        return [item[3] for item in blended]

    # -- stores and availability ------------------------------------------------------------

    def _resolve_stores(self, snap: _Snapshot, store: str) -> list[str]:
        """Store codes a spoken store refers to: a code, a name, a neighbourhood or a city."""
        return [s.code for s in matching_stores(snap.stores, store)]

    def stores(self) -> list[Store]:
        return self._run(lambda db, snap: list(snap.stores))

    def store(self, spoken: str) -> Store | None:
        return self._run(lambda db, snap: one_store(snap.stores, spoken))

    def availability(self, product_id: str, *, store: str | None = None) -> list[StoreAvailability]:
        return self._run(self._availability, product_id, store)

    def _availability(
        self, db: sqlite3.Connection, snap: _Snapshot, product_id: str, store: str | None
    ) -> list[StoreAvailability]:
        product = self._get(db, snap, product_id)
        if product is None:
            return []
        sql = (
            "SELECT i.store_code, s.name, i.quantity, i.price_cents, i.availability, "
            "i.pickup_method, i.pickup_sla FROM inventory i "
            "JOIN stores s ON s.store_code = i.store_code WHERE i.product_id = ?"
        )
        params: list[Any] = [product_id]
        if store:
            codes = self._resolve_stores(snap, store)
            if not codes:
                return []
            sql += f" AND i.store_code IN ({', '.join('?' * len(codes))})"
            params.extend(codes)
        sql += " ORDER BY i.quantity > 0 DESC, s.name"
        retired = product.availability == "out_of_stock" and self._is_retired(db, product_id)
        out = []
        for code, name, quantity, price, availability, method, sla in db.execute(sql, params):
            out.append(
                StoreAvailability(
                    store_code=code,
                    store_name=name,
                    product_id=product_id,
                    quantity=0 if retired else quantity,
                    availability="out_of_stock" if retired else _availability_value(availability),
                    price=_money(price, product.price.currency) or product.current_price,
                    pickup_method=method,
                    pickup_sla=sla,
                )
            )
        return out

    def _is_retired(self, db: sqlite3.Connection, product_id: str) -> bool:
        return db.execute("SELECT 1 FROM products WHERE id = ?", (product_id,)).fetchone() is None

    # -- seen on ----------------------------------------------------------------------------

    def appearances(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
    ) -> list[Appearance]:
        return self._run(self._appearances, person, media, product_type)

    def _appearances(
        self,
        db: sqlite3.Connection,
        snap: _Snapshot,
        person: str | None,
        media: str | None,
        product_type: str | None,
    ) -> list[Appearance]:
        return [a for _, a in self._matching_appearances(db, snap, person, media, product_type)]

    def _matching_appearances(
        self,
        db: sqlite3.Connection,
        snap: _Snapshot,
        person: str | None,
        media: str | None,
        product_type: str | None,
    ) -> list[tuple[tuple[float, float], Appearance]]:
        """References naming the person and show, best names first, then the closest type."""
        people = _fuzzy_names(person, snap.people)
        shows = _fuzzy_names(media, snap.media)
        if (person and not people) or (media and not shows):
            return []
        found: list[tuple[tuple[float, float], int, Appearance]] = []
        for order, appearance in enumerate(snap.appearances):
            score = 0.0
            if person:
                if appearance.person not in people:
                    continue
                score += people[appearance.person]
            if media:
                if appearance.media not in shows:
                    continue
                score += shows[appearance.media]
            closeness = 1.0
            if product_type:
                closeness = _type_closeness(snap.synonyms, product_type, appearance.product_type)
                if not closeness:
                    continue
            found.append(((score, closeness), order, appearance))
        found.sort(key=lambda item: (-item[0][0], -item[0][1], item[1]))
        return [(score, appearance) for score, _, appearance in found]

    def seen_on(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
        limit: int = 3,
    ) -> SeenOnResult:
        return self._run(self._seen_on, person, media, product_type, limit)

    def _seen_on(
        self,
        db: sqlite3.Connection,
        snap: _Snapshot,
        person: str | None,
        media: str | None,
        product_type: str | None,
        limit: int,
    ) -> SeenOnResult:
        if not (person or media):
            return SeenOnResult(appearance=None, exact=None)
        matches = self._matching_appearances(db, snap, person, media, product_type)
        if not matches and product_type:
            # The garment may be named differently ("top" for a cardigan): trust person + show.
            loose = self._matching_appearances(db, snap, person, media, None)
            if person and media:
                matches = loose
        if not matches:
            return SeenOnResult(appearance=None, exact=None)
        best_score = matches[0][0]
        # The best-named reference (ties: the one listed first) decides which piece is meant.
        top = [a for score, a in matches if score == best_score]
        chosen = top[0]
        same_look = [
            a
            for a in top
            if (a.person, a.media, a.episode, a.product_type)
            == (chosen.person, chosen.media, chosen.episode, chosen.product_type)
        ]
        products = self._get_many(db, [a.product_id for a in same_look])
        exact = next(
            (
                products[a.product_id]
                for a in same_look
                if a.match == "exact" and a.product_id in products
            ),
            None,
        )
        limit = max(1, min(limit, 20))
        if exact is not None:
            exact_look = next(a for a in same_look if a.product_id == exact.id)
            similar: list[Product] = []
            if exact.availability not in IN_STOCK:
                similar = self._alternatives_to(db, snap, exact, (), limit)
            return SeenOnResult(appearance=exact_look, exact=exact, similar=tuple(similar))
        linked = [
            products[a.product_id]
            for a in same_look
            if a.match == "similar" and a.product_id in products
        ]
        in_stock = [p for p in linked if p.availability in IN_STOCK]
        similar = in_stock[:limit]
        if len(similar) < limit:
            anchor = (linked or [None])[0]
            if anchor is not None:
                more = self._alternatives_to(
                    db, snap, anchor, [p.id for p in similar], limit - len(similar)
                )
                similar.extend(more)
        return SeenOnResult(appearance=chosen, exact=None, similar=tuple(similar[:limit]))

    def _alternatives_to(
        self,
        db: sqlite3.Connection,
        snap: _Snapshot,
        product: Product,
        exclude: Sequence[str],
        limit: int,
    ) -> list[Product]:
        """In-stock products most like this one: same type, then colour and material."""
        leaf = product.product_type.rsplit(">", 1)[-1].strip() or product.title
        text = " ".join((product.title.split(" - ")[0], product.color, product.material))
        query = ProductQuery(
            text=text,
            product_type=leaf,
            in_stock_only=True,
            exclude_ids=(product.id, *exclude),
            limit=limit,
        )
        return self._search(db, snap, query)

    # -- vocabulary -------------------------------------------------------------------------

    def vocabulary(self) -> dict[str, list[str]]:
        return self._run(lambda db, snap: {k: list(v) for k, v in snap.vocabulary.items()})

    def stats(self) -> dict[str, Any]:
        """Counts and facts for `catalog stats`."""

        def collect(db: sqlite3.Connection, snap: _Snapshot) -> dict[str, Any]:
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


def _attribute_scores(
    db: sqlite3.Connection, rowids: Sequence[int], clauses: list[tuple[Phrase, ...]]
) -> list[tuple[int, float]]:
    """A BM25 stand-in for big catalogs: words in the title count most, short titles win ties.

    Scores are negated, like bm25(), so that lower is better.
    """
    if not rowids:
        return []
    out: list[tuple[int, float]] = []
    for start in range(0, len(rowids), 500):
        chunk = rowids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for rowid, title, rest in db.execute(
            "SELECT rowid, title, product_type || ' ' || brand || ' ' || color || ' ' || "
            f"material || ' ' || pattern FROM products WHERE rowid IN ({marks})",
            chunk,
        ):
            title_tokens = tokenize(title)
            in_title = {light_stem(t) for t in title_tokens}
            in_rest = _stems(rest)
            score = 0.0
            for clause in clauses:
                if _has(in_title, clause[0]):
                    score += 3.0
                elif any(_has(in_title, p) for p in clause[1:]):
                    score += 2.0
                elif any(_has(in_rest, p) for p in clause):
                    score += 1.0
            out.append((rowid, -score / (1.0 + 0.02 * len(title_tokens))))
    return out


def _specificity(product_type: str, said: Phrase) -> float:
    """Closest category first: "Chairs" is 1.0 for "chair", "Dining Chairs" a little less."""
    leaf = tokenize(product_type.rsplit(">", 1)[-1])
    extra = max(0, len(leaf) - len(said))
    return 1.0 / (1.0 + 0.15 * extra)


def _stems(*texts: str) -> set[str]:
    return {light_stem(t) for text in texts for t in tokenize(text)}


def _has(stems: set[str], phrase: Phrase) -> bool:
    return all(light_stem(t) in stems for t in phrase)


def _type_closeness(synonyms: Synonyms, wanted: str, seen: str) -> float:
    """1 for the same kind ("jumper", "sweater"), 0.5 for a shared head noun or compound of it.

    "chair" ~ "armchair" and "ankle boots" ~ "work boots" are 0.5; "sofa" ~ "armchair" is 0.
    """
    asked = synonyms.related(wanted)
    given = synonyms.related(seen)
    if asked & given:
        return 1.0
    asked_heads = {synonyms.key(p[-1:])[0] for p in asked}
    given_heads = {synonyms.key(p[-1:])[0] for p in given}
    for a in asked_heads:
        for g in given_heads:
            short, long = sorted((a, g), key=len)
            if long == short or (len(long) >= len(short) + MIN_MODIFIER and long.endswith(short)):
                return 0.5
    return 0.0


def _fuzzy_names(spoken: str | None, names: Sequence[str]) -> dict[str, float]:
    """Catalog names a spoken name may mean, with a 0-100 score ("harry stiles" ~ Harry Styles)."""
    if not spoken or not names:
        return {}
    wanted = spoken.strip().lower()
    found: dict[str, float] = {}
    for name, score, _ in process.extract(
        wanted,
        names,
        scorer=_name_score,
        processor=lambda s: s.lower(),
        score_cutoff=NAME_MATCH,
        limit=None,
    ):
        found[name] = float(score)
    return found


def _name_score(a: str, b: str, **_: Any) -> float:
    # token_set_ratio lets "npr tiny desk concert" find "NPR Tiny Desk"; ratio catches typos.
    return max(fuzz.token_set_ratio(a, b), fuzz.ratio(a, b), fuzz.partial_ratio(a, b) - 5)


def _availability_value(value: str) -> Availability:
    return value if value in AVAILABILITY_SCORE else "in_stock"  # type: ignore[return-value]


def _replace_availability(product: Product, availability: Availability) -> Product:
    return replace(product, availability=availability)


@register("sqlite.v1", schemes=("sqlite",))
def open_sqlite_catalog(
    url: str, *, ranking: Ranking = "blended", max_idle_connections: int = MAX_IDLE_CONNECTIONS
) -> SqliteCatalog:
    """Open an imported catalog file by URL; `ranking="bm25"` is the plain baseline."""
    return SqliteCatalog(
        path_from_url(url), ranking=ranking, max_idle_connections=max_idle_connections
    )
