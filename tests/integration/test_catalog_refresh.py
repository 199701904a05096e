"""The scheduled refresh end to end: feed URLs on a local server, the index on moto_server S3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog_adapter.demo import INVENTORY, PRODUCTS, STORES
from catalog_adapter.errors import FeedError
from catalog_adapter.refresh import ENV, RefreshConfig, handler, run_refresh
from catalog_adapter.registry import open_catalog
from catalog_adapter.s3 import s3_client
from tests.support.feed_server import FeedHost, feed_server
from tests.support.moto import moto_server

PRODUCT = "AH-SW-1001"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def host() -> Iterator[FeedHost]:
    with feed_server() as served:
        yield served


@pytest.fixture
def bucket(moto_url: str, monkeypatch: pytest.MonkeyPatch, request: Any) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    name = f"refresh-{abs(hash(request.node.name)) % 10**8}"
    s3_client().create_bucket(Bucket=name)
    return name


def config(bucket: str, host: FeedHost, work: Path, *, prices: bool = False) -> RefreshConfig:
    feeds = {
        "products": host.url("/products.tsv"),
        "inventory": host.url("/inventory.tsv"),
        "stores": host.url("/stores.tsv"),
    }
    if prices:
        feeds["prices"] = host.url("/prices.tsv")
    return RefreshConfig(publish_to=f"s3://{bucket}/cat/", feeds=feeds, work_dir=work)


def serve_demo(host: FeedHost) -> None:
    host.put("/products.tsv", PRODUCTS.read_bytes())
    host.put("/inventory.tsv", INVENTORY.read_bytes())
    host.put("/stores.tsv", STORES.read_bytes())


def test_full_refresh_publishes_once_and_then_only_when_feeds_change(bucket, host, tmp_path):
    serve_demo(host)
    first = run_refresh(config(bucket, host, tmp_path / "work"), mode="full")
    assert first.action == "published" and first.products == 346
    sent = host.body_bytes_sent
    again = run_refresh(config(bucket, host, tmp_path / "work"), mode="full")
    assert again.action == "unchanged" and again.version == first.version
    assert host.body_bytes_sent == sent  # conditional GETs: nothing transferred
    # A cold container has no validators: it downloads, but sees the same content.
    cold = run_refresh(config(bucket, host, tmp_path / "cold"), mode="full")
    assert cold.action == "unchanged"

    lines = PRODUCTS.read_text().splitlines()
    host.put("/products.tsv", ("\n".join(lines[:-1]) + "\n").encode())  # one product gone
    changed = run_refresh(config(bucket, host, tmp_path / "work"), mode="full")
    assert changed.action == "published" and changed.version != first.version
    assert changed.products == 345


def test_updates_publish_a_delta_that_serving_copies_apply(bucket, host, tmp_path):
    serve_demo(host)
    host.put("/prices.tsv", f"id\tprice\n{PRODUCT}\t148.00 USD\n".encode())
    settings = config(bucket, host, tmp_path / "work", prices=True)
    assert run_refresh(settings, mode="full").action == "published"
    serving = open_catalog(f"sqlite+s3://{bucket}/cat/?refresh_minutes=off&dir={tmp_path / 's'}")
    try:
        assert run_refresh(settings, mode="updates").action == "unchanged"
        host.put(
            "/prices.tsv", f"id\tprice\tavailability\n{PRODUCT}\t111.00 USD\tbackorder\n".encode()
        )
        outcome = run_refresh(settings, mode="updates")
        assert outcome.action == "delta" and outcome.delta_seq == 1
        assert serving.refresh_now() == "applied deltas 1..1"
        product = serving.get(PRODUCT)
        assert product is not None
        assert str(product.price.amount) == "111.00" and product.availability == "backorder"
    finally:
        serving.close()


def test_a_failing_feed_url_publishes_nothing(bucket, host, tmp_path):
    serve_demo(host)
    settings = config(bucket, host, tmp_path / "work")
    first = run_refresh(settings, mode="full")
    host.faults["/products.tsv"] = "html"
    host.put("/products.tsv", b"changed")
    with pytest.raises(FeedError, match="HTML"):
        run_refresh(settings, mode="full")
    host.faults["/products.tsv"] = "fail"
    with pytest.raises(FeedError, match="HTTP 500"):
        run_refresh(settings, mode="full")
    del host.faults["/products.tsv"]
    host.put("/products.tsv", PRODUCTS.read_bytes())
    assert run_refresh(settings, mode="full").version == first.version


def test_the_lambda_handler_reads_its_settings_from_the_environment(
    bucket, host, tmp_path, monkeypatch
):
    serve_demo(host)
    monkeypatch.setenv(ENV["publish_to"], f"s3://{bucket}/cat/")
    monkeypatch.setenv(ENV["products"], host.url("/products.tsv"))
    monkeypatch.setenv("AMBIENT_SHOP_DATA_DIR", str(tmp_path))
    result = handler({"mode": "full"}, None)
    assert result["action"] == "published" and result["products"] == 346
    host.faults["/products.tsv"] = "fail"
    with pytest.raises(FeedError):
        handler({"mode": "full"}, None)
