"""`ambient-shop catalog ...` through the real command (settings from the environment)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog_adapter.demo import APPEARANCES, INVENTORY, PRODUCTS, STORES
from skill.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AMBIENT_SHOP_CATALOG", raising=False)
    monkeypatch.setenv("AMBIENT_SHOP_DATA_DIR", str(tmp_path / "var"))
    return tmp_path


def test_search_defaults_to_the_demo_catalog(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "search", "patchwork cardigan", "--limit", "3", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert len(found) == 3
    assert {"id", "title", "price", "availability"} <= set(found[0])
    assert found[0]["id"] == "AH-SW-1001" and found[0]["price"] == "148.00"
    assert list((data_dir / "var").glob("demo-catalog-*.db"))


def test_import_then_search_stats_and_seen_on(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{(data_dir / 'shop.db').as_posix()}"
    code = main(
        [
            "catalog",
            "import",
            str(PRODUCTS),
            "--inventory",
            str(INVENTORY),
            "--appearances",
            str(APPEARANCES),
            "--stores",
            str(STORES),
            "--catalog",
            url,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "products: 346 active (346 new" in out
    assert main(["catalog", "stats", "--json", "--catalog", url]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["products"] == 346 and stats["stores"] == 4
    assert main(["catalog", "search", "couch", "--max-price", "1500", "--catalog", url]) == 0
    assert "result(s)" in capsys.readouterr().out
    assert (
        main(
            [
                "catalog",
                "seen-on",
                "--person",
                "harry styles",
                "--media",
                "tiny desk",
                "--json",
                "--catalog",
                url,
            ]
        )
        == 0
    )
    seen = json.loads(capsys.readouterr().out)
    assert seen["exact"]["id"] == "AH-SW-1001" and seen["similar"] == []


def test_import_with_bad_rows_exits_zero_and_lists_them(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = data_dir / "p.tsv"
    feed.write_text("id\ttitle\tprice\nA1\tChair\t10.00 USD\nA2\tStool\tfree\n", encoding="utf-8")
    url = f"sqlite:///{(data_dir / 'c.db').as_posix()}"
    assert main(["catalog", "import", str(feed), "--catalog", url]) == 0
    captured = capsys.readouterr()
    assert f"{feed}:3: error: product 'A2': price 'free'" in captured.err
    assert "rejected rows: 1" in captured.out


def test_import_with_nothing_usable_fails_and_changes_nothing(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = data_dir / "p.tsv"
    feed.write_text("id;title;price\n", encoding="utf-8")
    url = f"sqlite:///{(data_dir / 'c.db').as_posix()}"
    assert main(["catalog", "import", str(feed), "--catalog", url]) == 1
    assert "the catalog was not changed" in capsys.readouterr().err
    assert not (data_dir / "c.db").exists()


def test_import_needs_a_target_and_bad_urls_are_clear(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "import", str(PRODUCTS)]) == 2
    assert "--catalog sqlite:///PATH" in capsys.readouterr().err
    missing = f"sqlite:///{(data_dir / 'nope.db').as_posix()}"
    assert main(["catalog", "search", "sofa", "--catalog", missing]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["catalog", "search", "sofa", "--max-price", "cheap"]) == 2
    assert "--max-price 'cheap' is not a number" in capsys.readouterr().err


def test_stores_command_lists_hours_and_whether_open(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 18:00 UTC on a Thursday is 10:00 in Seattle: Downtown has just opened, Capitol Hill not.
    at = "2026-12-03T18:00:00+00:00"
    assert main(["catalog", "stores", "--json", "--at", at]) == 0
    stores = {s["code"]: s for s in json.loads(capsys.readouterr().out)}
    assert stores["SEA-DT"]["open"] is True and stores["SEA-CH"]["open"] is False
    assert stores["SEA-DT"]["today"] == "open now until 8 pm"
    assert stores["SEA-CH"]["hours"].startswith("Mo-Th 11:00-19:00")
    assert main(["catalog", "stores", "--at", at]) == 0
    assert "Acme Home Ballard" in capsys.readouterr().out
    assert main(["catalog", "stores", "--at", "soon"]) == 2


def test_search_by_size_and_audience(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["catalog", "search", "jeans", "--size", "thirty two", "--audience", "women's"]
    assert main([*argv, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found and all("Jeans" in p["title"] for p in found)
