"""A real `moto_server` process on 127.0.0.1, spoken to over the AWS HTTP wire protocol."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.processes import free_port, stop, wait_until_answering


def _moto_command() -> list[str]:
    beside_python = Path(sys.executable).with_name("moto_server")
    found = str(beside_python) if beside_python.exists() else shutil.which("moto_server")
    if found is None:
        raise RuntimeError("moto_server is not installed (pip install 'ambient-shop[dev]')")
    return [found]


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto_server, wait until it answers, yield its endpoint URL, stop it afterwards."""
    port = free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    process = subprocess.Popen(
        [*_moto_command(), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{url}/moto-api/", process, timeout_s=30)
        yield url
    finally:
        stop(process)


def dynamodb_state_url(endpoint: str, monkeypatch: Any, *, prefix: str) -> str:
    """Fresh tables under `prefix` on the moto server; returns the AMBIENT_SHOP_STATE URL."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    import boto3

    from skill.store.dynamodb import DynamoTables

    resource = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
    DynamoTables(resource, table_prefix=prefix).create_missing()
    return f"dynamodb://?table_prefix={prefix}&region=us-east-1&endpoint_url={endpoint}"
