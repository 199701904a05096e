"""A state store that is not there is named at start-up and in /healthz; `state init` creates it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skill.errors import StateStoreError
from tests.support.moto import moto_server

PREFIX = "ready-"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def dynamo_env(endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    prefix = f"{PREFIX}{tmp_path.name[-12:]}-"
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AMBIENT_SHOP_DATA_DIR": str(tmp_path),
        "AMBIENT_SHOP_STATE": f"dynamodb://?table_prefix={prefix}&region=us-east-1"
        f"&endpoint_url={endpoint}",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skill.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def build_app(demo_catalog: Any, nlp: Any) -> Any:
    from skill.bootstrap import build
    from skill.settings import Settings

    return build(Settings.from_env(), catalog=demo_catalog, parser=nlp)


def test_missing_tables_stop_the_start_then_state_init_creates_them(dynamo_env, demo_catalog, nlp):
    with pytest.raises(StateStoreError) as failure:
        build_app(demo_catalog, nlp)
    prefix = dynamo_env["AMBIENT_SHOP_STATE"].split("table_prefix=")[1].split("&")[0]
    for kind in ("profiles", "state", "tickets", "events"):
        assert f"{prefix}{kind}" in str(failure.value)
    assert "ambient-shop state init" in str(failure.value)

    check = cli("state", "check", env=dynamo_env)
    assert check.returncode == 1 and f"{prefix}tickets" in check.stderr
    init = cli("state", "init", env=dynamo_env)
    assert init.returncode == 0, init.stderr
    assert init.stdout.count("created ") == 4
    again = cli("state", "init", env=dynamo_env)
    assert again.returncode == 0 and again.stdout.count("exists ") == 4
    assert cli("state", "check", env=dynamo_env).returncode == 0

    wired = build_app(demo_catalog, nlp)
    try:
        from skill.web import create_app

        client = create_app(application=wired).test_client()
        assert client.get("/healthz").get_json()["status"] == "ok"
        handoff = client.post("/chat/api/messages", json={"text": "talk to a person"})
        assert handoff.get_json()["reply"]["handoff"]["ticket_id"].startswith("T-")

        import boto3

        boto3.client(
            "dynamodb",
            region_name="us-east-1",
            endpoint_url=dynamo_env["AMBIENT_SHOP_STATE"].split("endpoint_url=")[1],
        ).delete_table(TableName=f"{prefix}tickets")
        health = client.get("/healthz")
        assert health.status_code == 503
        assert f"{prefix}tickets" in " ".join(health.get_json()["problems"])
    finally:
        wired.close()


def test_dynamodb_counter_counts_per_key(dynamo_env):
    from skill.store.registry import init_state, open_state

    url = dynamo_env["AMBIENT_SHOP_STATE"]
    init_state(url, data_dir=Path(dynamo_env["AMBIENT_SHOP_DATA_DIR"]))
    state = open_state(url, data_dir=Path(dynamo_env["AMBIENT_SHOP_DATA_DIR"]))
    assert [state.counter.hit("k", expires_at=2e9) for _ in range(3)] == [1, 2, 3]
    assert state.counter.hit("other", expires_at=2e9) == 1


def test_sqlite_state_is_healthy_by_default(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["problems"] == []


def test_an_unreachable_catalog_makes_healthz_unavailable(settings, demo_catalog, nlp):
    from catalog_adapter.models import CatalogHealth
    from skill.bootstrap import build
    from skill.web import create_app

    class Unreachable:
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

        def health(self) -> CatalogHealth:
            return CatalogHealth(ok=False, detail="too many open files")

    wired = build(settings, catalog=Unreachable(demo_catalog), parser=nlp)
    try:
        health = create_app(application=wired).test_client().get("/healthz")
        assert health.status_code == 503
        assert "catalog: too many open files" in health.get_json()["problems"]
    finally:
        wired.close()
