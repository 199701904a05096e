"""Ranking quality on judged queries (NDCG@10, MRR), so a ranking change is measured, not guessed.

`ambient-shop catalog eval QRELS` scores the catalog's ranking and, for an embedded catalog, the
plain-BM25 ranking of the same index in the same run, side by side.

Judged queries come as JSON lines:

    {"id": "q01", "query": "blue velvet sofa", "max_price": 1800,
     "judgments": {"AH-SO09-01-NAVY": 2, "AH-SO09-00-NAVY": 1}}

or as TSV rows `query_id  query  product_id  grade` (an optional header may add `min_price`
and `max_price` columns). Grades run from 0 (not relevant) to 3; unjudged products count as 0.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from catalog_adapter.errors import AmbientShopError
from catalog_adapter.models import ProductQuery
from catalog_adapter.ports import Catalog

DEFAULT_K = 10
MAX_GRADE = 3


class QrelsError(AmbientShopError):
    """A judged-query file cannot be used at all (unreadable, or no usable query in it)."""


@dataclass(frozen=True, slots=True)
class JudgedQuery:
    """A shopper's request and how relevant each judged product is to it."""

    id: str
    text: str
    judgments: Mapping[str, int]
    min_price: Decimal | None = None
    max_price: Decimal | None = None

    def product_query(self, *, limit: int = DEFAULT_K) -> ProductQuery:
        return ProductQuery(
            text=self.text, min_price=self.min_price, max_price=self.max_price, limit=limit
        )

    @property
    def label(self) -> str:
        """The query as a shopper would have said it, budget included."""
        budget = []
        if self.min_price is not None:
            budget.append(f"over {self.min_price}")
        if self.max_price is not None:
            budget.append(f"under {self.max_price}")
        return " ".join([self.text, *budget])


@dataclass(frozen=True, slots=True)
class QrelsProblem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Qrels:
    queries: tuple[JudgedQuery, ...]
    problems: tuple[QrelsProblem, ...] = ()


# -- metrics -------------------------------------------------------------------------------------


def dcg(grades: Sequence[int]) -> float:
    """Discounted cumulative gain with exponential gain, so a 2 is worth three times a 1."""
    return sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(grades))


def ndcg(ranked: Sequence[str], judgments: Mapping[str, int], *, k: int = DEFAULT_K) -> float:
    """DCG of the top k over the best DCG the judged products allow; 0.0 when none is relevant."""
    ideal = dcg(sorted((g for g in judgments.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([judgments.get(pid, 0) for pid in ranked[:k]]) / ideal


def reciprocal_rank(
    ranked: Sequence[str],
    judgments: Mapping[str, int],
    *,
    k: int = DEFAULT_K,
    min_grade: int = 1,
) -> float:
    """1 / rank of the first relevant product in the top k; 0.0 when there is none."""
    for rank, pid in enumerate(ranked[:k], 1):
        if judgments.get(pid, 0) >= min_grade:
            return 1.0 / rank
    return 0.0


# -- loading -------------------------------------------------------------------------------------


def _grade(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"grade {value!r} is not a whole number")
    if isinstance(value, str):
        value = value.strip()
    try:
        number = int(value)
    except (TypeError, ValueError) as e:
        raise ValueError(f"grade {value!r} is not a whole number") from e
    if isinstance(value, float) and value != number:
        raise ValueError(f"grade {value!r} is not a whole number")
    if not 0 <= number <= MAX_GRADE:
        raise ValueError(f"grade {number} is outside 0..{MAX_GRADE}")
    return number


def _price(value: Any, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip().lstrip("$"))
    except InvalidOperation as e:
        raise ValueError(f"{name} {value!r} is not a number") from e
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name} {value!r} is not a price")
    return amount


def _from_json_line(raw: Any) -> JudgedQuery:
    if not isinstance(raw, dict):
        raise ValueError("each line must be a JSON object")
    text = raw.get("query")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'query' must be non-empty text")
    judgments = raw.get("judgments")
    if not isinstance(judgments, dict) or not judgments:
        raise ValueError("'judgments' must be an object of product id -> grade")
    grades: dict[str, int] = {}
    for pid, grade in judgments.items():
        try:
            grades[str(pid)] = _grade(grade)
        except ValueError as e:
            raise ValueError(f"product {pid!r}: {e}") from e
    return JudgedQuery(
        id=str(raw.get("id") or text),
        text=text.strip(),
        judgments=grades,
        min_price=_price(raw.get("min_price"), "min_price"),
        max_price=_price(raw.get("max_price"), "max_price"),
    )


def _load_jsonl(path: Path, text: str) -> Qrels:
    queries: list[JudgedQuery] = []
    problems: list[QrelsProblem] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            queries.append(_from_json_line(json.loads(line)))
        except json.JSONDecodeError as e:
            problems.append(QrelsProblem(str(path), number, f"not JSON: {e.msg}"))
        except ValueError as e:
            problems.append(QrelsProblem(str(path), number, str(e)))
    return Qrels(tuple(queries), tuple(problems))


def _load_tsv(path: Path, text: str) -> Qrels:
    problems: list[QrelsProblem] = []
    order: list[str] = []
    texts: dict[str, str] = {}
    limits: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    grades: dict[str, dict[str, int]] = {}
    columns = ["query_id", "query", "product_id", "grade"]
    rows = csv.reader(text.splitlines(), delimiter="\t")
    for number, row in enumerate(rows, 1):
        if not row or not "".join(row).strip() or row[0].startswith("#"):
            continue
        if number == 1 and row[0].strip().lower() == "query_id":
            columns = [c.strip().lower() for c in row]
            missing = {"query_id", "query", "product_id", "grade"} - set(columns)
            if missing:
                raise QrelsError(f"{path}: header lacks {', '.join(sorted(missing))}")
            continue
        if len(row) != len(columns):
            problems.append(
                QrelsProblem(
                    str(path),
                    number,
                    f"expected {len(columns)} tab-separated fields, got {len(row)}",
                )
            )
            continue
        fields = dict(zip(columns, (v.strip() for v in row), strict=True))
        qid, query, pid = fields["query_id"], fields["query"], fields["product_id"]
        try:
            if not (qid and query and pid):
                raise ValueError("query_id, query and product_id must not be empty")
            grade = _grade(fields["grade"])
            limit = (
                _price(fields.get("min_price"), "min_price"),
                _price(fields.get("max_price"), "max_price"),
            )
            if qid in texts and (texts[qid], limits[qid]) != (query, limit):
                raise ValueError(f"query {qid!r} was given a different text or budget before")
        except ValueError as e:
            problems.append(QrelsProblem(str(path), number, str(e)))
            continue
        if qid not in texts:
            order.append(qid)
            texts[qid], limits[qid], grades[qid] = query, limit, {}
        grades[qid][pid] = grade
    queries = tuple(
        JudgedQuery(qid, texts[qid], grades[qid], limits[qid][0], limits[qid][1]) for qid in order
    )
    return Qrels(queries, tuple(problems))


def load_qrels(path: Path) -> Qrels:
    """Judged queries from .jsonl or .tsv; bad lines are reported, good ones kept."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise QrelsError(f"cannot read judged queries {path}: {e}") from e
    if path.suffix.lower() in (".tsv", ".txt", ".qrels"):
        qrels = _load_tsv(path, text)
    else:
        qrels = _load_jsonl(path, text)
    kept: list[JudgedQuery] = []
    problems = list(qrels.problems)
    seen: set[str] = set()
    for query in qrels.queries:
        if query.id in seen:
            problems.append(QrelsProblem(str(path), 0, f"query id {query.id!r} repeats; kept once"))
            continue
        seen.add(query.id)
        if not any(g > 0 for g in query.judgments.values()):
            problems.append(
                QrelsProblem(str(path), 0, f"query {query.id!r} judges nothing relevant; left out")
            )
            continue
        kept.append(query)
    if not kept:
        detail = f" ({problems[0]})" if problems else ""
        raise QrelsError(f"{path} holds no usable judged query{detail}")
    return Qrels(tuple(kept), tuple(problems))


# -- evaluation ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryResult:
    query_id: str
    label: str
    ndcg: float
    reciprocal_rank: float
    returned: tuple[str, ...]
    millis: float


@dataclass(frozen=True, slots=True)
class RankingScore:
    """One ranking's averages over all judged queries."""

    name: str
    k: int
    results: tuple[QueryResult, ...] = field(default_factory=tuple)

    @property
    def ndcg(self) -> float:
        return statistics.fmean(r.ndcg for r in self.results) if self.results else 0.0

    @property
    def mrr(self) -> float:
        return statistics.fmean(r.reciprocal_rank for r in self.results) if self.results else 0.0

    @property
    def median_ms(self) -> float:
        return statistics.median(r.millis for r in self.results) if self.results else 0.0

    def unjudged_share(self, queries: Sequence[JudgedQuery]) -> float:
        """Share of returned products nobody judged: high means the judgments need widening."""
        judged = {q.id: q.judgments for q in queries}
        shown = [(r.query_id, pid) for r in self.results for pid in r.returned]
        if not shown:
            return 0.0
        return sum(pid not in judged.get(qid, {}) for qid, pid in shown) / len(shown)

    def as_dict(self, queries: Sequence[JudgedQuery]) -> dict[str, Any]:
        return {
            "name": self.name,
            f"ndcg@{self.k}": round(self.ndcg, 4),
            f"mrr@{self.k}": round(self.mrr, 4),
            "median_ms": round(self.median_ms, 3),
            "unjudged_share": round(self.unjudged_share(queries), 4),
        }


def evaluate(
    catalog: Catalog, queries: Sequence[JudgedQuery], *, name: str, k: int = DEFAULT_K
) -> RankingScore:
    """Run every judged query against the catalog and score its top k."""
    results = []
    for query in queries:
        started = time.perf_counter()
        found = catalog.search(query.product_query(limit=k))
        millis = (time.perf_counter() - started) * 1000
        ranked = tuple(p.id for p in found[:k])
        results.append(
            QueryResult(
                query_id=query.id,
                label=query.label,
                ndcg=ndcg(ranked, query.judgments, k=k),
                reciprocal_rank=reciprocal_rank(ranked, query.judgments, k=k),
                returned=ranked,
                millis=millis,
            )
        )
    return RankingScore(name=name, k=k, results=tuple(results))


@dataclass(frozen=True, slots=True)
class Comparison:
    """Per-query wins and losses of one ranking over another (by NDCG)."""

    better: int
    worse: int
    tied: int

    @property
    def sign_test_p(self) -> float:
        """Two-sided exact sign test: how likely this many wins would be if neither were better."""
        n = self.better + self.worse
        if n == 0:
            return 1.0
        tail = sum(math.comb(n, i) for i in range(min(self.better, self.worse) + 1)) / 2**n
        return min(1.0, 2 * tail)


def compare(ranking: RankingScore, baseline: RankingScore, *, margin: float = 1e-9) -> Comparison:
    base = {r.query_id: r.ndcg for r in baseline.results}
    better = worse = tied = 0
    for result in ranking.results:
        delta = result.ndcg - base.get(result.query_id, 0.0)
        if delta > margin:
            better += 1
        elif delta < -margin:
            worse += 1
        else:
            tied += 1
    return Comparison(better, worse, tied)


def unknown_products(catalog: Catalog, queries: Sequence[JudgedQuery]) -> list[str]:
    """Judged ids the catalog does not hold: typos, or a feed that changed under the judgments."""
    ids = sorted({pid for q in queries for pid, grade in q.judgments.items() if grade > 0})
    return [pid for pid in ids if catalog.get(pid) is None]


@dataclass(frozen=True, slots=True)
class EvalReport:
    queries: tuple[JudgedQuery, ...]
    ranking: RankingScore
    baseline: RankingScore | None
    problems: tuple[QrelsProblem, ...] = ()
    unknown: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "queries": len(self.queries),
            "k": self.ranking.k,
            "ranking": self.ranking.as_dict(self.queries),
            "baseline": None if self.baseline is None else self.baseline.as_dict(self.queries),
            "problems": [str(p) for p in self.problems],
            "unknown_products": list(self.unknown),
        }
        base = {r.query_id: r for r in self.baseline.results} if self.baseline else {}
        if self.baseline is not None:
            c = compare(self.ranking, self.baseline)
            body["better"], body["worse"], body["tied"] = c.better, c.worse, c.tied
            body["sign_test_p"] = round(c.sign_test_p, 4)
        body["per_query"] = [
            {
                "id": r.query_id,
                "query": r.label,
                "ndcg": round(r.ndcg, 4),
                "rr": round(r.reciprocal_rank, 4),
                "baseline_ndcg": round(base[r.query_id].ndcg, 4) if r.query_id in base else None,
                "returned": list(r.returned),
            }
            for r in self.ranking.results
        ]
        return body


def evaluate_url(url: str, qrels: Qrels, *, k: int = DEFAULT_K, **options: Any) -> EvalReport:
    """Score the catalog a URL names; an embedded catalog also gets its plain-BM25 baseline."""
    if url.partition("://")[0].lower() == "sqlite":
        from catalog_adapter.sqlite import open_sqlite_catalog

        blended = open_sqlite_catalog(url, ranking="blended")
        plain = open_sqlite_catalog(url, ranking="bm25")
        try:
            unknown = unknown_products(blended, qrels.queries)
            ranking = evaluate(blended, qrels.queries, name="blended", k=k)
            baseline = evaluate(plain, qrels.queries, name="bm25", k=k)
        finally:
            blended.close()
            plain.close()
        return EvalReport(qrels.queries, ranking, baseline, qrels.problems, tuple(unknown))
    from catalog_adapter.registry import open_catalog

    catalog = open_catalog(url, **options)
    try:
        ranking = evaluate(catalog, qrels.queries, name=url.partition("://")[0], k=k)
    finally:
        catalog.close()
    return EvalReport(qrels.queries, ranking, None, qrels.problems)


def text_report(report: EvalReport, *, per_query: bool) -> str:
    """The report as `catalog eval` prints it: both rankings, their difference, per query."""
    k = report.ranking.k
    rankings = [report.ranking] + ([report.baseline] if report.baseline else [])
    lines = [
        f"{len(report.queries)} judged queries",
        "",
        f"{'ranking':<18}{f'NDCG@{k}':>9}{f'MRR@{k}':>9}{'median ms':>11}{'unjudged':>10}",
    ]
    for score in rankings:
        name = f"{score.name} (baseline)" if score is report.baseline else score.name
        lines.append(
            f"{name:<18}{score.ndcg:>9.3f}{score.mrr:>9.3f}{score.median_ms:>11.2f}"
            f"{score.unjudged_share(report.queries):>10.1%}"
        )
    if report.baseline is None:
        lines.append("(no plain-BM25 baseline: only an embedded sqlite catalog has one)")
    else:
        base = report.baseline
        c = compare(report.ranking, base)
        lines.append(
            f"{'difference':<18}{report.ranking.ndcg - base.ndcg:>+9.3f}"
            f"{report.ranking.mrr - base.mrr:>+9.3f}"
        )
        lines.append("")
        lines.append(
            f"{report.ranking.name} is better on {c.better} queries, worse on {c.worse}, "
            f"tied on {c.tied} (sign test p = {c.sign_test_p:.3f})"
        )
    if per_query:
        base_by_id = {r.query_id: r for r in report.baseline.results} if report.baseline else {}
        lines += ["", f"{'id':<6}{'ndcg':>7}{'base':>7}  query"]
        for r in report.ranking.results:
            b = base_by_id.get(r.query_id)
            base_text = f"{b.ndcg:>7.3f}" if b else f"{'-':>7}"
            lines.append(f"{r.query_id:<6}{r.ndcg:>7.3f}{base_text}  {r.label}")
    return "\n".join(lines)
