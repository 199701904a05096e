"""`ambient-shop serve` as `make run` starts it: a real process on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.alexa_signing import alexa_envelope
from tests.support.processes import free_port, stop, wait_until_answering

pytestmark = pytest.mark.slow


def _serve(tmp_path: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "serve", "--port", str(port)],
        env={**os.environ, "AMBIENT_SHOP_DATA_DIR": str(tmp_path), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{url}/healthz", process, timeout_s=60)
        yield url, process
    finally:
        stop(process)


@pytest.fixture
def secure_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    yield from _serve(tmp_path)


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    yield from _serve(tmp_path, AMBIENT_SHOP_DEV_UNVERIFIED="1")


def test_serve_verifies_by_default(secure_server):
    url, _ = secure_server
    assert requests.get(f"{url}/healthz", timeout=5).json()["verification"] is True
    response = requests.post(
        f"{url}/alexa", json=alexa_envelope(request_type="LaunchRequest"), timeout=10
    )
    assert response.status_code == 400
    assert "error" in response.json()


def test_serve_unverified_answers_and_says_so(dev_server):
    url, process = dev_server
    envelope = alexa_envelope(
        intent="ShopIntent",
        slots={
            "query": "find out where harry styles got the sweater he wore on his npr tiny "
            "desk concert and how much it would cost me"
        },
    )
    response = requests.post(f"{url}/alexa", json=envelope, timeout=20)
    assert response.status_code == 200
    assert "$" in response.json()["response"]["outputSpeech"]["ssml"]
    process.terminate()
    output, _ = process.communicate(timeout=10)
    assert f"POST {url}/alexa" in output
    assert "verification is OFF" in output
