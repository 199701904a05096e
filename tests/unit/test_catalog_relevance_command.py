"""`ambient-shop catalog eval` on the demo catalog: the blended ranking beside plain BM25."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from catalog_adapter.cli import main

DEMO_QRELS = Path(__file__).resolve().parents[1] / "data" / "demo_qrels.jsonl"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from catalog_adapter.demo import demo_catalog_url

    return demo_catalog_url(tmp_path_factory.mktemp("eval-demo"))


def test_eval_json_reports_both_rankings_from_one_run(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "eval", str(DEMO_QRELS), "--catalog", demo_url, "--json"]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert report["queries"] >= 60 and report["k"] == 10
    assert report["ranking"]["name"] == "blended"
    assert report["baseline"]["name"] == "bm25"
    assert report["unknown_products"] == [] and report["problems"] == []
    for ranking in (report["ranking"], report["baseline"]):
        assert 0 < ranking["ndcg@10"] <= 1 and 0 < ranking["mrr@10"] <= 1
    assert len(report["per_query"]) == report["queries"]
    assert report["better"] + report["worse"] + report["tied"] == report["queries"]
    # The relevance target of the catalog: blending beats plain BM25 on the judged set.
    assert report["ranking"]["ndcg@10"] > report["baseline"]["ndcg@10"]
    assert report["better"] > report["worse"]


def test_eval_text_table(demo_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "eval", str(DEMO_QRELS), "--catalog", demo_url, "--per-query"]) == 0
    out = capsys.readouterr().out
    assert "NDCG@10" in out and "MRR@10" in out
    assert "bm25 (baseline)" in out and "difference" in out
    assert "oak dining table" in out


def test_eval_warns_about_judged_products_the_catalog_lacks(
    demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qrels = tmp_path / "q.jsonl"
    qrels.write_text(
        json.dumps({"id": "x", "query": "sofa", "judgments": {"NO-SUCH-ID": 2}}) + "\n" + "oops\n",
        encoding="utf-8",
    )
    assert main(["catalog", "eval", str(qrels), "--catalog", demo_url, "--k", "5"]) == 0
    captured = capsys.readouterr()
    assert "1 judged product(s) are not in the catalog: NO-SUCH-ID" in captured.err
    assert f"{qrels}:2: not JSON" in captured.err
    assert "NDCG@5" in captured.out


def test_eval_of_an_unusable_file_fails_clearly(
    demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert main(["catalog", "eval", str(empty), "--catalog", demo_url]) == 2
    assert "no usable judged query" in capsys.readouterr().err
