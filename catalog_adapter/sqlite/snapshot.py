"""What one catalog file holds that is worth keeping in memory: names, stores, synonyms."""

from __future__ import annotations

import sqlite3

from catalog_adapter.models import Appearance
from catalog_adapter.sqlite.schema import VOCABULARY_KINDS
from catalog_adapter.sqlite.stores import read_stores
from catalog_adapter.sqlite.vocabulary import stored_groups
from catalog_adapter.synonyms import Synonyms, light_stem, tokenize

# Letters a word needs before a head noun to count as a compound of it ("arm" + "chair").
MIN_MODIFIER = 3


class Snapshot:
    """What one catalog file holds that is worth keeping in memory: names, stores, synonyms."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.synonyms = Synonyms.builtin(extra=stored_groups(db))
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
