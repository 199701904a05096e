"""Relevance metrics on hand-made rankings, judged-query loading, and the demo judged set."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from catalog_adapter.demo import PRODUCTS
from catalog_adapter.models import Money, Product, ProductQuery
from catalog_adapter.relevance import (
    Comparison,
    JudgedQuery,
    QrelsError,
    compare,
    dcg,
    evaluate,
    load_qrels,
    ndcg,
    reciprocal_rank,
    unknown_products,
)

DEMO_QRELS = Path(__file__).resolve().parents[1] / "data" / "demo_qrels.jsonl"


# -- metrics ---------------------------------------------------------------------------------


def test_dcg_uses_exponential_gain_and_log_discount() -> None:
    assert dcg([2, 1]) == pytest.approx(3 / math.log2(2) + 1 / math.log2(3))
    assert dcg([]) == 0


def test_ndcg_is_one_for_the_ideal_order_and_lower_otherwise() -> None:
    judged = {"a": 2, "b": 1, "c": 0}
    assert ndcg(["a", "b", "c"], judged) == pytest.approx(1.0)
    swapped = ndcg(["b", "a"], judged)
    expected = (1 + 3 / math.log2(3)) / (3 + 1 / math.log2(3))
    assert swapped == pytest.approx(expected)
    assert ndcg(["x", "y"], judged) == 0.0


def test_ndcg_counts_relevant_products_that_were_never_returned() -> None:
    # Returning only one of two perfect answers is not ideal.
    assert ndcg(["a"], {"a": 2, "b": 2}) == pytest.approx(3 / (3 + 3 / math.log2(3)))


def test_ndcg_cuts_off_at_k() -> None:
    judged = {"hit": 2}
    ranked = [f"miss{i}" for i in range(10)] + ["hit"]
    assert ndcg(ranked, judged, k=10) == 0.0
    assert ndcg(ranked, judged, k=11) == pytest.approx(1 / math.log2(12))


def test_ndcg_is_zero_when_nothing_is_relevant() -> None:
    assert ndcg(["a"], {"a": 0}) == 0.0


def test_reciprocal_rank() -> None:
    judged = {"a": 0, "b": 1, "c": 2}
    assert reciprocal_rank(["a", "b", "c"], judged) == pytest.approx(1 / 2)
    assert reciprocal_rank(["a", "b", "c"], judged, min_grade=2) == pytest.approx(1 / 3)
    assert reciprocal_rank(["a", "x"], judged) == 0.0
    assert reciprocal_rank(["x", "x", "c"], judged, k=2) == 0.0


def test_sign_test() -> None:
    assert Comparison(better=0, worse=0, tied=5).sign_test_p == 1.0
    # 10 wins and no losses: 2 * 0.5**10.
    assert Comparison(better=10, worse=0, tied=0).sign_test_p == pytest.approx(2 / 1024)
    assert Comparison(better=5, worse=5, tied=0).sign_test_p == 1.0


# -- evaluation with a catalog that returns fixed rankings -----------------------------------


def _product(pid: str) -> Product:
    return Product(id=pid, title=pid, price=Money(Decimal("1")))


@dataclass
class RankedCatalog:
    """Returns a fixed ranking per query text; records what it was asked."""

    rankings: Mapping[str, list[str]]
    asked: list[ProductQuery] = field(default_factory=list)

    def search(self, query: ProductQuery) -> list[Product]:
        self.asked.append(query)
        return [_product(pid) for pid in self.rankings.get(query.text, [])][: query.limit]

    def get(self, product_id: str) -> Product | None:
        known = {pid for ranking in self.rankings.values() for pid in ranking}
        return _product(product_id) if product_id in known else None


QUERIES = (
    JudgedQuery("q1", "sofa", {"s1": 2, "s2": 1}),
    JudgedQuery("q2", "rug", {"r1": 2}, max_price=Decimal("200")),
)


def test_evaluate_averages_over_queries_and_passes_budgets() -> None:
    good = RankedCatalog({"sofa": ["s1", "s2"], "rug": ["x", "r1"]})
    score = evaluate(good, QUERIES, name="good")  # type: ignore[arg-type]
    assert [r.ndcg for r in score.results] == pytest.approx([1.0, 1 / math.log2(3)])
    assert score.ndcg == pytest.approx((1.0 + 1 / math.log2(3)) / 2)
    assert score.mrr == pytest.approx((1.0 + 0.5) / 2)
    assert good.asked[1].max_price == Decimal("200") and good.asked[1].limit == 10
    assert score.unjudged_share(QUERIES) == pytest.approx(1 / 4)


def test_compare_counts_per_query_wins() -> None:
    good = evaluate(RankedCatalog({"sofa": ["s1"], "rug": ["r1"]}), QUERIES, name="good")  # type: ignore[arg-type]
    worse = evaluate(RankedCatalog({"sofa": ["s2"], "rug": ["r1"]}), QUERIES, name="b")  # type: ignore[arg-type]
    assert compare(good, worse) == Comparison(better=1, worse=0, tied=1)
    assert compare(worse, good) == Comparison(better=0, worse=1, tied=1)


def test_unknown_products_finds_judged_ids_the_catalog_lacks() -> None:
    catalog = RankedCatalog({"sofa": ["s1"]})
    assert unknown_products(catalog, QUERIES) == ["r1", "s2"]  # type: ignore[arg-type]


# -- loading ---------------------------------------------------------------------------------


def test_load_jsonl_reports_bad_lines_and_keeps_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    lines = [
        json.dumps({"id": "a", "query": "sofa", "max_price": 900, "judgments": {"p1": 2}}),
        "{broken",
        json.dumps({"id": "b", "query": "", "judgments": {"p1": 2}}),
        json.dumps({"id": "c", "query": "rug", "judgments": {"p1": 5}}),
        json.dumps({"id": "d", "query": "rug", "judgments": {"p1": "two"}}),
        json.dumps({"id": "e", "query": "lamp", "judgments": {"p1": 0}}),
        json.dumps({"id": "a", "query": "again", "judgments": {"p1": 1}}),
        json.dumps({"id": "f", "query": "rug", "max_price": "free", "judgments": {"p1": 1}}),
        "",
        json.dumps({"query": "chair", "judgments": {"p2": 1.0}}),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    qrels = load_qrels(path)
    assert [q.id for q in qrels.queries] == ["a", "chair"]
    assert qrels.queries[0].max_price == Decimal("900")
    assert qrels.queries[0].label == "sofa under 900"
    reasons = "\n".join(str(p) for p in qrels.problems)
    assert f"{path}:2: not JSON" in reasons
    assert ":3: 'query' must be non-empty text" in reasons
    assert ":4: product 'p1': grade 5 is outside 0..3" in reasons
    assert "grade 'two' is not a whole number" in reasons
    assert "'e' judges nothing relevant" in reasons
    assert "'a' repeats" in reasons
    assert "max_price 'free' is not a number" in reasons


def test_load_tsv_groups_rows_by_query(tmp_path: Path) -> None:
    path = tmp_path / "q.tsv"
    path.write_text(
        "query_id\tquery\tproduct_id\tgrade\tmax_price\n"
        "q1\tsofa\tp1\t2\t\n"
        "q1\tsofa\tp2\t1\t\n"
        "q2\trug\tp3\t2\t200\n"
        "q2\tcarpet\tp4\t1\t200\n"
        "q3\tlamp\tp5\n"
        "q3\tlamp\tp5\tx\t\n",
        encoding="utf-8",
    )
    qrels = load_qrels(path)
    assert [(q.id, dict(q.judgments)) for q in qrels.queries] == [
        ("q1", {"p1": 2, "p2": 1}),
        ("q2", {"p3": 2}),
    ]
    assert qrels.queries[1].max_price == Decimal("200")
    reasons = [str(p) for p in qrels.problems]
    assert any(":5: query 'q2' was given a different text" in r for r in reasons)
    assert any(":6: expected 5 tab-separated fields, got 3" in r for r in reasons)
    assert any(":7: grade 'x'" in r for r in reasons)


def test_tsv_without_header(tmp_path: Path) -> None:
    path = tmp_path / "q.tsv"
    path.write_text("q1\tsofa\tp1\t2\n", encoding="utf-8")
    assert load_qrels(path).queries[0].judgments == {"p1": 2}


@pytest.mark.parametrize(
    "content", ["", "{broken\n", json.dumps({"query": "x", "judgments": {"p": 0}}) + "\n"]
)
def test_no_usable_query_is_an_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QrelsError, match="no usable judged query"):
        load_qrels(path)


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(QrelsError, match="cannot read"):
        load_qrels(tmp_path / "absent.jsonl")
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(b'{"query": "caf\xe9"}')
    with pytest.raises(QrelsError, match="cannot read"):
        load_qrels(bad)


# -- the demo judged set ---------------------------------------------------------------------


def test_demo_judged_set_is_large_graded_and_matches_the_demo_feed() -> None:
    qrels = load_qrels(DEMO_QRELS)
    assert qrels.problems == ()
    assert len(qrels.queries) >= 60
    with PRODUCTS.open(encoding="utf-8", newline="") as f:
        feed = {row["id"]: row for row in csv.DictReader(f, delimiter="\t")}
    for query in qrels.queries:
        assert set(query.judgments.values()) <= {0, 1, 2}, query.id
        assert 2 in query.judgments.values() or 1 in query.judgments.values(), query.id
        assert set(query.judgments) <= set(feed), query.id
        if query.max_price is not None:
            # Judged products outside the spoken budget could never be returned.
            for pid in query.judgments:
                row = feed[pid]
                price = Decimal((row["sale_price"] or row["price"]).split()[0])
                assert price <= query.max_price, (query.id, pid)


def test_demo_judged_set_has_spoken_and_synonym_queries() -> None:
    texts = {q.text for q in load_qrels(DEMO_QRELS).queries}
    assert {"jumper", "cardigan", "oak dining table"} <= texts
    assert any("couch" in t for t in texts)
    assert any(t.split()[0] in {"i", "do", "show", "looking", "a"} for t in texts)
