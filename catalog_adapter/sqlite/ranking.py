"""How matches are ranked: weighted BM25 (or an attribute score at scale) within a tier, blended
with how closely the words match the product's own attributes, and availability."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from catalog_adapter.models import Product
from catalog_adapter.sqlite.schema import FTS_COLUMN_COUNT, FTS_COLUMNS, PRODUCT_SELECT
from catalog_adapter.sqlite.snapshot import Snapshot
from catalog_adapter.synonyms import Phrase, light_stem, tokenize

# Matches scored per tier at most; beyond it the first ones in rowid order are kept.
SCORE_CAP = 1000
# Above this many products, tiers are ranked by attribute scores instead of FTS5's bm25(),
# over fewer matches, since that score is computed in Python.
BM25_MAX_PRODUCTS = 200_000
ATTRIBUTE_CAP = 400
# BM25 weights per FTS column (title, brand, type, colour, material, pattern, size, audience,
# description); the plain baseline weighs them all alike.
BLENDED_WEIGHTS = (8.0, 4.0, 6.0, 3.0, 3.0, 3.0, 1.0, 2.0, 1.0)
PLAIN_WEIGHTS = (1.0,) * len(FTS_COLUMNS)
AVAILABILITY_SCORE = {
    "in_stock": 1.0,
    "limited_availability": 0.8,
    "backorder": 0.4,
    "preorder": 0.4,
    "out_of_stock": 0.0,
}
# How closely a product matches a word: as said (or respelt), a synonym, or only tolerantly
# (a shade of the colour family, the head noun, a compound).
SAID, SYNONYM, LOOSE = 1.0, 0.7, 0.45


def scored(
    db: sqlite3.Connection,
    match: str,
    extra: str,
    params: dict[str, Any],
    *,
    limit: int,
    capped: bool,
    weights: Sequence[float],
    table: str = "products_fts",
    clauses: list[tuple[Phrase, ...]] | None = None,
) -> list[tuple[Any, ...]]:
    """The best `limit` matches by weighted BM25 (score last in each row)."""
    params = {**params, "match": match, "limit": limit}
    weights = ", ".join(str(w) for w in weights[: FTS_COLUMN_COUNT[table]])
    joined = f"JOIN products p ON p.rowid = {table}.rowid " if extra else ""
    try:
        if not capped:
            return db.execute(
                f"SELECT {PRODUCT_SELECT}, bm25(products_fts, {weights}) AS score "
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
        f"SELECT {PRODUCT_SELECT}, p.rowid FROM products p WHERE p.rowid IN ({marks})", list(best)
    ).fetchall()
    rows.sort(key=lambda row: (best[row[-1]], row[-1]))
    return [(*row[:-1], best[row[-1]]) for row in rows]


def rerank(
    snap: Snapshot,
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
