"""Feed import from URLs: conditional GET, gzip, limits, and bad answers that keep the catalog."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog_adapter.cli import main
from catalog_adapter.demo import INVENTORY, PRODUCTS
from catalog_adapter.errors import CatalogConfigError, FeedError
from catalog_adapter.registry import open_catalog
from catalog_adapter.sources import FeedFetcher, fetch_feed_set
from tests.support.feed_server import FeedHost, feed_server


@pytest.fixture
def host() -> Iterator[FeedHost]:
    with feed_server() as served:
        yield served


@pytest.fixture
def catalog_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("AMBIENT_SHOP_CATALOG", raising=False)
    return f"sqlite:///{(tmp_path / 'shop.db').as_posix()}"


def run_import(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["catalog", "import", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def price_of(url: str, product_id: str) -> str:
    catalog = open_catalog(url)
    try:
        product = catalog.get(product_id)
        assert product is not None
        return str(product.price.amount)
    finally:
        catalog.close()


def test_second_import_of_an_unchanged_feed_transfers_nothing(host, catalog_url, capsys, tmp_path):
    products = host.put("/products.tsv", PRODUCTS.read_bytes())
    inventory = host.put("/inventory.tsv", INVENTORY.read_bytes())
    code, out, _ = run_import(capsys, products, "--inventory", inventory, "--catalog", catalog_url)
    assert code == 0 and "346 new" in out
    first_bytes = host.body_bytes_sent
    assert first_bytes > 0
    built = (tmp_path / "shop.db").stat()

    code, out, _ = run_import(capsys, products, "--inventory", inventory, "--catalog", catalog_url)
    assert code == 0 and "unchanged" in out
    assert host.body_bytes_sent == first_bytes
    assert host.statuses[-2:] == [("/products.tsv", 304), ("/inventory.tsv", 304)]
    assert (tmp_path / "shop.db").stat().st_ino == built.st_ino


def test_a_changed_feed_is_imported_again(host, catalog_url, capsys):
    original = PRODUCTS.read_text()
    url = host.put("/products.tsv", original.encode())
    assert run_import(capsys, url, "--catalog", catalog_url)[0] == 0
    first_id = original.splitlines()[1].split("\t")[0]
    lines = original.splitlines()
    header = lines[0].split("\t")
    row = lines[1].split("\t")
    row[header.index("price")] = "9.99 USD"
    lines[1] = "\t".join(row)
    host.put("/products.tsv", ("\n".join(lines) + "\n").encode())
    code, out, _ = run_import(capsys, url, "--catalog", catalog_url)
    assert code == 0 and "1 updated" in out
    assert price_of(catalog_url, first_id) == "9.99"


def test_gzipped_feed_files_and_gzip_transfer_encoding_are_both_read(host, tmp_path):
    fetcher = FeedFetcher(tmp_path / "cache")
    as_file = fetcher.fetch(host.put("/products.tsv.gz", gzip.compress(PRODUCTS.read_bytes())))
    encoded = fetcher.fetch(host.put("/products.tsv", PRODUCTS.read_bytes()))
    assert as_file.path.read_bytes() == PRODUCTS.read_bytes()
    assert encoded.path.read_bytes() == PRODUCTS.read_bytes()
    assert encoded.transferred < len(PRODUCTS.read_bytes())  # gzip on the wire


@pytest.mark.parametrize("fault", ["fail", "html", "slow"])
def test_a_failing_feed_url_keeps_the_current_catalog_and_says_why(
    host, catalog_url, capsys, fault
):
    url = host.put("/products.tsv", PRODUCTS.read_bytes())
    assert run_import(capsys, url, "--catalog", catalog_url)[0] == 0
    host.faults["/products.tsv"] = fault
    host.put("/products.tsv", b"id\ttitle\tprice\nX-1\tChanged\t1.00 USD\n")
    if fault == "slow":
        host.delay_s = 3.0
        fetcher = FeedFetcher(
            Path(catalog_url.removeprefix("sqlite:///")).with_name(".shop.db.feeds"),
            read_timeout_s=0.5,
        )
        with pytest.raises(FeedError, match="timed out"):
            fetch_feed_set(
                Path(catalog_url.removeprefix("sqlite:///")), {"products": url}, fetcher=fetcher
            )
    else:
        code, _, err = run_import(capsys, url, "--catalog", catalog_url)
        assert code == 1
        assert "catalog was not changed" in err
        assert ("HTTP 500" if fault == "fail" else "HTML") in err
    catalog = open_catalog(catalog_url)
    try:
        assert catalog.get("X-1") is None
        assert catalog.stats()["products"] == 346
    finally:
        catalog.close()


def test_a_feed_larger_than_the_limit_is_refused(host, tmp_path):
    fetcher = FeedFetcher(tmp_path / "cache", max_bytes=10_000)
    with pytest.raises(FeedError, match="larger than the limit"):
        fetcher.fetch(host.put("/products.tsv.gz", gzip.compress(PRODUCTS.read_bytes())))
    assert not list((tmp_path / "cache").glob("*.part"))


def test_plain_http_is_refused_except_on_loopback(tmp_path):
    fetcher = FeedFetcher(tmp_path / "cache")
    with pytest.raises(CatalogConfigError, match="https"):
        fetcher.fetch("http://feeds.example.com/products.tsv")


def test_import_reports_as_json_when_unchanged(host, catalog_url, capsys):
    url = host.put("/products.tsv", PRODUCTS.read_bytes())
    assert run_import(capsys, url, "--catalog", catalog_url)[0] == 0
    code, out, _ = run_import(capsys, url, "--catalog", catalog_url, "--json")
    assert code == 0 and json.loads(out)["unchanged_feeds"] is True
    code, out, _ = run_import(capsys, url, "--catalog", catalog_url, "--force")
    assert code == 0 and "346 unchanged" in out
