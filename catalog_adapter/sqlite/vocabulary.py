"""The names a catalog holds for the parser's gazetteers, written once when a file is built."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable

from catalog_adapter.synonyms import Group, Phrase, Synonyms, light_stem, tokenize

# Plural-only nouns kept as they are when product types are named for the parser.
_PLURAL_NOUNS = frozenset(
    "pants jeans trousers shorts leggings chinos shoes sneakers boots loafers glasses".split()
)
_IRREGULAR = {"scarves": "scarf", "shelves": "shelf", "knives": "knife"}


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
    synonyms = Synonyms.builtin(extra=stored_groups(db))
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
        expr = " OR ".join(quote_phrase(p) for p in phrases if p)
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


def stored_groups(db: sqlite3.Connection) -> list[Group]:
    return [
        Group(kind, tuple(json.loads(terms)))
        for kind, terms in db.execute("SELECT kind, terms FROM synonyms ORDER BY rowid")
    ]


def quote_phrase(phrase: Phrase) -> str:
    return '"' + " ".join(phrase) + '"'
