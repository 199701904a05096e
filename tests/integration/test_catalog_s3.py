"""The index on S3 through a real moto_server: publish, cold start, refresh, deltas, bad uploads.

S3 clients get nothing but boto3's standard configuration: the endpoint comes from
AWS_ENDPOINT_URL_S3, as it would for MinIO or LocalStack.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog_adapter.cli import main
from catalog_adapter.demo import INVENTORY, PRODUCTS, STORES
from catalog_adapter.errors import CatalogConfigError, CatalogUnavailable
from catalog_adapter.feeds import import_feeds
from catalog_adapter.publish import file_sha256, publish_catalog, read_manifest
from catalog_adapter.registry import open_catalog
from catalog_adapter.s3 import parse_s3_url, s3_client
from tests.support.moto import moto_server

PRODUCT = "AH-SW-1001"  # the demo's patchwork cardigan, 148.00 USD


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def bucket(moto_url: str, monkeypatch: pytest.MonkeyPatch, request: Any) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    name = f"shop-{abs(hash(request.node.name)) % 10**8}"
    s3_client().create_bucket(Bucket=name)
    return name


def build(path: Path, *, price: str | None = None) -> Path:
    """The demo catalog, optionally with the cardigan at another price."""
    products = PRODUCTS
    if price is not None:
        lines = PRODUCTS.read_text().splitlines()
        header = lines[0].split("\t")
        for i, line in enumerate(lines):
            cells = line.split("\t")
            if cells[0] == PRODUCT:
                cells[header.index("price")] = price
                cells[header.index("sale_price")] = ""
                lines[i] = "\t".join(cells)
        products = path.with_suffix(".tsv")
        products.write_text("\n".join(lines) + "\n")
    import_feeds(path, products=products, inventory=INVENTORY, stores=STORES)
    return path


def price(catalog: Any) -> str:
    product = catalog.get(PRODUCT)
    assert product is not None
    return str(product.current_price.amount)


def wait_for(condition: Any, *, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.05)


def test_publish_then_cold_start_downloads_and_verifies(bucket, tmp_path, capsys):
    source = build(tmp_path / "built.db")
    prefix = f"s3://{bucket}/catalog/"
    assert main(["catalog", "publish", prefix, "--catalog", f"sqlite:///{source}"]) == 0
    assert "published version" in capsys.readouterr().out
    manifest = read_manifest(s3_client(), parse_s3_url(prefix, prefix=True))
    assert manifest is not None and manifest.products == 346

    serving = tmp_path / "lambda-tmp"
    catalog = open_catalog(f"sqlite+s3://{bucket}/catalog/?dir={serving}")
    try:
        assert price(catalog) == "148.00"
        stats = catalog.stats()
        assert stats["published_version"] == manifest.version
        assert file_sha256(serving / "catalog.db") == manifest.catalog.sha256
    finally:
        catalog.close()

    assert main(["catalog", "publish", prefix, "--catalog", f"sqlite:///{source}"]) == 0
    assert "nothing uploaded" in capsys.readouterr().out


def test_a_running_process_picks_up_a_newer_version_between_turns(bucket, tmp_path):
    prefix = f"s3://{bucket}/live/"
    publish_catalog(build(tmp_path / "v1.db"), prefix)
    catalog = open_catalog(f"sqlite+s3://{bucket}/live/?refresh_minutes=0&dir={tmp_path / 'srv'}")
    try:
        assert price(catalog) == "148.00"
        report = publish_catalog(build(tmp_path / "v2.db", price="99.00 USD"), prefix)
        # Each call starts a refresh in the background and answers from what is in place.
        wait_for(lambda: price(catalog) == "99.00")
        assert catalog.stats()["published_version"] == report.manifest.version
        assert catalog.stats()["last_refresh_error"] is None
        assert not list((tmp_path / "srv").glob(".*download"))
    finally:
        catalog.close()


@pytest.mark.parametrize("damage", ["truncated", "tampered"])
def test_a_corrupt_upload_is_refused_and_the_old_version_kept(bucket, tmp_path, damage):
    prefix = f"s3://{bucket}/c/"
    publish_catalog(build(tmp_path / "v1.db"), prefix)
    catalog = open_catalog(f"sqlite+s3://{bucket}/c/?refresh_minutes=off&dir={tmp_path / 's'}")
    try:
        report = publish_catalog(build(tmp_path / "v2.db", price="99.00 USD"), prefix)
        body = (tmp_path / "v2.db").read_bytes()
        if damage == "truncated":
            body = body[: len(body) // 2]
        else:
            body = body[:-4096] + bytes(4096)
        s3_client().put_object(Bucket=bucket, Key=report.manifest.catalog.key, Body=body)
        with pytest.raises(CatalogUnavailable, match=damage):
            catalog.refresh_now()
        assert price(catalog) == "148.00"
        assert catalog.stats()["published_version"] != report.manifest.version
        health = catalog.health()
        assert health.ok and "last refresh failed" in health.detail
    finally:
        catalog.close()
    with pytest.raises(CatalogUnavailable, match=damage):
        open_catalog(f"sqlite+s3://{bucket}/c/?dir={tmp_path / 'fresh'}")


def test_nothing_published_is_a_clear_error(bucket, tmp_path):
    with pytest.raises(CatalogConfigError, match="catalog publish"):
        open_catalog(f"sqlite+s3://{bucket}/empty/?dir={tmp_path}")
    with pytest.raises(CatalogConfigError, match="refresh_minutes"):
        open_catalog(f"sqlite+s3://{bucket}/empty/?refresh_minutes=soon")


def test_old_versions_are_pruned(bucket, tmp_path):
    prefix = f"s3://{bucket}/p/"
    kept = []
    for n in range(4):
        report = publish_catalog(build(tmp_path / f"v{n}.db"), prefix, keep=2)
        kept.append(report.manifest.version)
    listed = s3_client().list_objects_v2(Bucket=bucket, Prefix="p/versions/")["Contents"]
    versions = {item["Key"].split("/")[2] for item in listed}
    assert versions == set(kept[-2:])


def test_a_price_delta_reaches_running_servers_and_unknown_ids_change_nothing(
    bucket, tmp_path, capsys
):
    prefix = f"s3://{bucket}/d/"
    source = build(tmp_path / "built.db")
    publish_catalog(source, prefix)
    catalog = open_catalog(f"sqlite+s3://{bucket}/d/?refresh_minutes=off&dir={tmp_path / 's'}")
    try:
        before = {p: catalog.get(p) for p in ("AH-SW-1002", PRODUCT)}
        feed = tmp_path / "prices.tsv"
        feed.write_text(
            "id\tprice\tavailability\n"
            f"{PRODUCT}\t120.00 USD\tout_of_stock\n"
            "NOPE-1\t1.00 USD\tin_stock\n"
        )
        url = f"sqlite:///{source}"
        code = main(
            ["catalog", "update", "--prices", str(feed), "--catalog", url, "--publish", prefix]
        )
        out = capsys.readouterr().out
        assert code == 0
        assert "products updated: 1" in out and "NOPE-1" in out and "delta 1" in out
        assert catalog.refresh_now() == "applied deltas 1..1"
        product = catalog.get(PRODUCT)
        assert product is not None
        assert str(product.price.amount) == "120.00" and product.availability == "out_of_stock"
        assert catalog.get("NOPE-1") is None
        assert catalog.get("AH-SW-1002") == before["AH-SW-1002"]
        assert catalog.stats()["deltas_applied"] == 1
    finally:
        catalog.close()
    # A server starting now gets the version and its delta.
    fresh = open_catalog(f"sqlite+s3://{bucket}/d/?dir={tmp_path / 'fresh'}")
    try:
        assert price(fresh) == "120.00"
    finally:
        fresh.close()


def test_a_delta_needs_the_local_catalog_in_step_with_s3(bucket, tmp_path, capsys):
    prefix = f"s3://{bucket}/step/"
    publish_catalog(build(tmp_path / "published.db"), prefix)
    other = build(tmp_path / "other.db")
    feed = tmp_path / "prices.tsv"
    feed.write_text(f"id\tprice\n{PRODUCT}\t120.00 USD\n")
    args = ["catalog", "update", "--prices", str(feed), "--catalog", f"sqlite:///{other}"]
    assert main([*args, "--publish", prefix]) == 2
    assert "publish the local catalog as a new version" in capsys.readouterr().err
    catalog = open_catalog(f"sqlite:///{other}")
    try:
        assert price(catalog) == "148.00"
    finally:
        catalog.close()


def test_feed_import_from_s3_is_conditional(bucket, tmp_path, capsys):
    client = s3_client()
    client.put_object(Bucket=bucket, Key="feeds/products.tsv", Body=PRODUCTS.read_bytes())
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    feed = f"s3://{bucket}/feeds/products.tsv"
    assert main(["catalog", "import", feed, "--catalog", url]) == 0
    assert "346 new" in capsys.readouterr().out
    assert main(["catalog", "import", feed, "--catalog", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unchanged_feeds"] is True
    assert main(["catalog", "import", f"s3://{bucket}/feeds/missing.tsv", "--catalog", url]) == 1
    assert "NoSuchKey" in capsys.readouterr().err


def test_the_s3_catalog_is_a_catalog_and_answers_like_the_embedded_one(bucket, tmp_path):
    from catalog_adapter.models import ProductQuery
    from catalog_adapter.ports import Catalog

    source = build(tmp_path / "built.db")
    publish_catalog(source, f"s3://{bucket}/same/")
    served = open_catalog(f"sqlite+s3://{bucket}/same/?dir={tmp_path / 's'}")
    local = open_catalog(f"sqlite:///{source}")
    try:
        assert isinstance(served, Catalog)
        query = ProductQuery(text="blue velvet sofa", max_price=None)
        assert [p.id for p in served.search(query)] == [p.id for p in local.search(query)]
        assert served.variants(PRODUCT) == local.variants(PRODUCT)
        assert [s.code for s in served.stores()] == [s.code for s in local.stores()]
        assert served.availability(PRODUCT) == local.availability(PRODUCT)
    finally:
        served.close()
        local.close()
