"""Judged-query evaluation works for a retailer's API too (without a BM25 baseline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.cli import main
from tests.support.catalog_http_server import API_KEY, retailer_mapping, serve_retailer_api


def test_eval_of_a_rest_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(retailer_mapping()), encoding="utf-8")
    monkeypatch.setenv("RETAILER_API_KEY", API_KEY)
    monkeypatch.setenv("AMBIENT_SHOP_REST_MAPPING", str(mapping))
    qrels = tmp_path / "q.tsv"
    qrels.write_text(
        "q1\tvelvet sofa\tSOF-100\t2\nq1\tvelvet sofa\tSOF-300\t2\nq2\tcardigan\tKNT-100\t2\n",
        encoding="utf-8",
    )
    with serve_retailer_api() as api:
        code = main(["catalog", "eval", str(qrels), "--catalog", api.catalog_url, "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["baseline"] is None
    assert report["ranking"]["ndcg@10"] == pytest.approx(1.0)
    assert [q["returned"] for q in report["per_query"]] == [["SOF-100", "SOF-300"], ["KNT-100"]]
