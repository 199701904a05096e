"""From a ProductQuery to SQL: FTS5 match expressions (words, synonyms, tolerant twins) and the
SQL conditions on price, stock, store, size and audience."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from catalog_adapter.attributes import KIDS_AGE_GROUPS, audience, size_key
from catalog_adapter.models import ProductQuery
from catalog_adapter.sqlite.snapshot import Snapshot
from catalog_adapter.sqlite.stores import store_codes
from catalog_adapter.sqlite.vocabulary import quote_phrase
from catalog_adapter.synonyms import Phrase, tokenize

MatchMode = Literal["head", "all", "any"]
# An FTS query that cannot match (a filter of punctuation only).
NOTHING = "\x00"
# Words that carry no product meaning in a request; searching them only adds noise and time.
STOPWORDS = frozenset(
    """a an and any are at be by can do for from get have i i'd im in is it me my need of on or
    please show some that the this to want with would you your find looking look like something
    anything thing things stuff item items one ones got""".split()
)
CURRENT_PRICE = (
    "CASE WHEN p.sale_cents IS NOT NULL AND (p.sale_start IS NULL OR p.sale_start <= :now) "
    "AND (p.sale_end IS NULL OR :now < p.sale_end) THEN p.sale_cents ELSE p.price_cents END"
)


@dataclass(frozen=True, slots=True)
class Filter:
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
        found = f"{self.column} : ({' OR '.join(quote_phrase(p) for p in words)})"
        if title:
            found += f" OR {{title}} : ({' OR '.join(quote_phrase(p) for p in title)})"
        return f"({found})"

    @property
    def tolerant(self) -> bool:
        return bool(self.loose or self.loose_title)


class QueryBuilder:
    """Builds a query's match expressions and filters; `plain` is the BM25 baseline's way
    (no synonyms, no tolerance)."""

    def __init__(self, *, plain: bool) -> None:
        self.plain = plain

    def clauses(self, snap: Snapshot, text: str) -> list[tuple[Phrase, ...]]:
        tokens = [t for t in tokenize(text) if t not in STOPWORDS]
        if self.plain:
            return [((t,),) for t in dict.fromkeys(tokens)]
        return snap.synonyms.expand(tokens)

    def alternatives(self, snap: Snapshot, value: str) -> tuple[Phrase, ...]:
        phrase = tuple(tokenize(value))
        if not phrase:
            return ()
        if self.plain:
            return (phrase,)
        return snap.synonyms.alternatives(phrase)

    def attribute_filters(self, snap: Snapshot, query: ProductQuery) -> list[Filter] | None:
        """The query's type, colour, material and pattern filters; None when one cannot match."""
        out: list[Filter] = []
        for kind, value in (
            ("product_type", query.product_type),
            ("color", query.color),
            ("material", query.material),
            ("pattern", query.pattern),
        ):
            if not value:
                continue
            words = self.alternatives(snap, value)
            if not words:
                return None
            column = f"{{{kind}}}"
            said = (words[0],)
            if self.plain:
                title = said if kind != "color" else ()
                out.append(Filter(kind, column, words, title))
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
            out.append(Filter(kind, column, words, title, loose, loose_title))
        return out

    def _type_tolerance(
        self, snap: Snapshot, words: tuple[Phrase, ...]
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

    def loosen(self, snap: Snapshot, clauses: list[tuple[Phrase, ...]]) -> list[tuple[Phrase, ...]]:
        """Spoken words widened the tolerant way: a colour family's shades, a noun's compounds."""
        if self.plain:
            return clauses
        out = []
        for clause in clauses:
            said = clause[0]
            extra = list(snap.synonyms.shades(said))
            if len(said) == 1:
                extra.extend((word,) for word in snap.compounds(said[0]))
            out.append(tuple(dict.fromkeys((*clause, *extra))))
        return out

    def match_expression(
        self,
        query: ProductQuery,
        clauses: list[tuple[Phrase, ...]],
        filters: Sequence[Filter],
        mode: MatchMode,
        *,
        loose: bool = False,
    ) -> str | None:
        """An FTS5 query: the words (any / all / all in the product's own attributes) + filters."""
        parts: list[str] = []
        if clauses:
            groups = [" OR ".join(quote_phrase(p) for p in clause) for clause in clauses]
            if mode == "any":
                parts.append("(" + " OR ".join(groups) + ")")
            else:
                parts.extend(f"({g})" for g in groups)
        parts.extend(f.expression(loose=loose) for f in filters)
        if query.brand:
            brand = tuple(tokenize(query.brand))
            if not brand:
                return NOTHING
            parts.append(f"{{brand}} : {quote_phrase(brand)}")
        return " AND ".join(parts) if parts else None

    def filters(self, snap: Snapshot, query: ProductQuery, params: dict[str, Any]) -> str | None:
        """SQL conditions on price, stock, store and exclusions; None when nothing can match."""
        where: list[str] = []
        if query.min_price is not None:
            where.append(f"{CURRENT_PRICE} >= :min_cents")
            params["min_cents"] = int((Decimal(query.min_price) * 100).to_integral_value())
        if query.max_price is not None:
            where.append(f"{CURRENT_PRICE} <= :max_cents")
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
            codes = store_codes(snap.stores, query.store)
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
