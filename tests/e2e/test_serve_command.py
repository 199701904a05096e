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


def _banner(process: subprocess.Popen[str]) -> str:
    process.terminate()
    output, _ = process.communicate(timeout=10)
    return output


def test_serve_prints_a_fresh_demo_desk_login_that_works(tmp_path):
    import re

    logins = []
    for _ in range(2):
        for url, process in _serve(tmp_path):
            page = requests.get(f"{url}/desk", timeout=10)
            assert "Sign in" in page.text
            output = _banner(process)
        assert f"{url}/desk" in output
        found = re.search(r"Demo desk login: demo / (\S+)", output)
        assert found, output
        logins.append(found.group(1))
    assert logins[0] != logins[1], "a random password on each start, never a fixed default"

    from tests.support.desk import open_desk

    desk, closers = open_desk(tmp_path)
    assert desk.authenticate("demo", logins[0]) is None
    assert desk.authenticate("demo", logins[1]) is not None
    for resource in closers:
        resource.close()


def test_no_demo_login_in_production(tmp_path):
    for _url, process in _serve(tmp_path, AMBIENT_SHOP_PRODUCTION="1"):
        output = _banner(process)
    assert "Demo desk login" not in output
    assert "ambient-shop desk add-agent" in output


def test_desk_add_agent_command(tmp_path):
    env = {**os.environ, "AMBIENT_SHOP_DATA_DIR": str(tmp_path)}

    def add_agent(*args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "skill.cli", "desk", "add-agent", *args],
            input=password,
            stdin=None if password is not None else subprocess.DEVNULL,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    made = add_agent(
        "sue",
        "--role",
        "supervisor",
        "--name",
        "Sue",
        "--password-stdin",
        password="a long enough password\n",
    )
    assert made.returncode == 0, made.stderr
    assert "created supervisor sue (Sue)" in made.stdout and "password" not in made.stdout
    generated = add_agent("ann")
    assert generated.returncode == 0, generated.stderr
    password = generated.stdout.split("password (shown once): ")[1].strip()
    again = add_agent("ann")
    assert again.returncode == 2 and "already exists" in again.stderr

    from tests.support.desk import open_desk

    desk, closers = open_desk(tmp_path)
    assert desk.authenticate("sue", "a long enough password").role == "supervisor"
    assert desk.authenticate("ann", password).role == "agent"
    for resource in closers:
        resource.close()
