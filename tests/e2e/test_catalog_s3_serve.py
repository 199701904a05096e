"""`ambient-shop serve` on a catalog published to S3: a new version reaches it between two turns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from catalog_adapter.demo import APPEARANCES, INVENTORY, PRODUCTS, STORES
from catalog_adapter.feeds import import_feeds
from catalog_adapter.publish import publish_catalog
from catalog_adapter.s3 import s3_client
from tests.support.moto import moto_server
from tests.support.processes import free_port, stop, wait_until_answering

pytestmark = pytest.mark.slow

ASK = "where did harry styles get the sweater he wore on his npr tiny desk concert, how much is it"
CARDIGAN = "AH-SW-1001"


def build(path: Path, *, price: str | None = None) -> Path:
    products = PRODUCTS
    if price is not None:
        lines = PRODUCTS.read_text().splitlines()
        header = lines[0].split("\t")
        for i, line in enumerate(lines):
            cells = line.split("\t")
            if cells[0] == CARDIGAN:
                cells[header.index("price")] = price
                cells[header.index("sale_price")] = ""
                lines[i] = "\t".join(cells)
        products = path.with_suffix(".tsv")
        products.write_text("\n".join(lines) + "\n")
    import_feeds(
        path, products=products, inventory=INVENTORY, stores=STORES, appearances=APPEARANCES
    )
    return path


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    with moto_server() as url:
        env = {
            "AWS_ENDPOINT_URL_S3": url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        yield env


def say(url: str, text: str) -> str:
    response = requests.post(f"{url}/chat/api/messages", json={"text": text}, timeout=30)
    assert response.status_code == 200
    return json.dumps(response.json()["reply"])


def test_a_served_skill_answers_from_a_newer_version_after_it_is_published(aws, tmp_path):
    s3_client().create_bucket(Bucket="acme")
    publish_catalog(build(tmp_path / "v1.db"), "s3://acme/catalog/")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "serve", "--port", str(port)],
        env={
            **os.environ,
            **aws,
            "AMBIENT_SHOP_DATA_DIR": str(tmp_path / "server"),
            "AMBIENT_SHOP_CATALOG": "sqlite+s3://acme/catalog/?refresh_minutes=0",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{url}/healthz", process, timeout_s=90)
        assert "$148" in say(url, ASK)
        publish_catalog(build(tmp_path / "v2.db", price="99.00 USD"), "s3://acme/catalog/")
        deadline = time.monotonic() + 90
        while "$99" not in (reply := say(url, ASK)):
            assert time.monotonic() < deadline, f"still answering from the old version: {reply}"
            time.sleep(0.2)
        assert list((tmp_path / "server" / "catalog-s3").glob("*/catalog.db"))
    finally:
        stop(process)
