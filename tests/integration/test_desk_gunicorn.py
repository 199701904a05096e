"""The desk under several gunicorn workers: sessions, live updates and claims span processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.desk import PASSWORD, agents, open_desk
from tests.support.processes import free_port, stop, wait_until_answering

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3

pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    env = {
        **os.environ,
        "AMBIENT_SHOP_DATA_DIR": str(tmp_path),
        "AMBIENT_SHOP_DEV_UNVERIFIED": "1",
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": "6",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "-c",
            "infra/docker/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "skill.web:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{url}/healthz", process, timeout_s=240)
        yield url, tmp_path
    finally:
        stop(process)


def sign_in(url: str, username: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(f"{url}/desk/login", timeout=60).text
    token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
    response = session.post(
        f"{url}/desk/login",
        data={"login_token": token, "username": username, "password": PASSWORD},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.text
    queue = session.get(f"{url}/desk", timeout=60).text
    return session, re.search(r'name="csrf_token" value="([^"]+)"', queue).group(1)


def test_desk_across_gunicorn_workers(served):
    url, data_dir = served
    desk, closers = open_desk(data_dir)
    people = agents(desk, *(f"agent{i}" for i in range(12)))
    for resource in closers:
        resource.close()

    shopper = requests.Session()
    first = shopper.post(f"{url}/chat/api/messages", json={"text": "hi"}, timeout=60).json()
    tokens = {"shopper": first["shopper"], "conversation": first["conversation"]}
    handed = shopper.post(
        f"{url}/chat/api/messages", json={"text": "let me talk to a person", **tokens}, timeout=60
    ).json()
    ticket_id = handed["reply"]["handoff"]["ticket_id"]

    # Sessions live in the store: every request of a signed-in agent works, whichever worker.
    sessions = [sign_in(url, agent.username) for agent in people]
    watcher, _ = sessions[0]
    for _ in range(3 * WORKERS):
        assert watcher.get(f"{url}/desk/api/queue", timeout=60).status_code == 200

    # A live stream opened on one worker sees what other workers write.
    seen: list[str] = []
    stream = watcher.get(f"{url}/desk/events/tickets/{ticket_id}", stream=True, timeout=60)
    assert stream.status_code == 200

    def read() -> None:
        for line in stream.iter_lines(decode_unicode=True):
            seen.append(line)
            if "the words of a shopper" in line:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    for _ in range(WORKERS):
        shopper.post(
            f"{url}/chat/api/messages",
            json={"text": "the words of a shopper", **tokens},
            timeout=60,
        )
    reader.join(timeout=60)
    stream.close()
    assert any("the words of a shopper" in line for line in seen)

    # Twelve agents claim at once through different workers: exactly one owner.
    barrier = threading.Barrier(len(sessions))
    statuses: list[int] = []

    def claim(session: requests.Session, csrf: str) -> None:
        barrier.wait()
        response = session.post(
            f"{url}/desk/tickets/{ticket_id}/claim",
            data={"csrf_token": csrf},
            headers={"X-Requested-With": "fetch"},
            timeout=120,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=claim, args=pair) for pair in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * (len(sessions) - 1)
