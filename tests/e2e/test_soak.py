"""50,000 turns through `ambient-shop serve`: no failed turn, memory and descriptors flat.

The conversation scripts are replayed by simulated Echo devices (HttpTransport) from several
threads. RSS and open descriptors of the server are read after a warm-up and at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from skill.simulator.envelopes import UtteranceResolver
from skill.simulator.script import load_scripts
from skill.simulator.session import HttpTransport, SimulatorError, SimulatorSession
from tests.support.processes import free_port, stop, wait_until_answering

pytestmark = [
    pytest.mark.slow,
    pytest.mark.soak,
    pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc"),
]

ROOT = Path(__file__).resolve().parents[2]
TURNS = 50_000
WARM_UP = 2_000
THREADS = 8
# Caches (parser, catalog pages, SQLite) settle during the warm-up; what is left must be small.
RSS_GROWTH_MB = 40
DESCRIPTOR_GROWTH = 8
WRONG = "something went wrong"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def play(url: str, turns: int, failures: list[str], lock: threading.Lock, seed: int) -> None:
    scripts = load_scripts(sorted((ROOT / "tests" / "conversations").glob("*.yaml")))
    resolver = UtteranceResolver()
    transport = HttpTransport(url)
    played = 0
    round_ = seed
    while played < turns:
        script = scripts[round_ % len(scripts)]
        session = SimulatorSession(
            transport,
            application_id="amzn1.ask.skill.soak",
            device=script.device or "voice",
            shopper_id=f"amzn1.ask.account.soak-{seed}-{round_}",
            resolver=resolver,
        )
        for turn in script.turns:
            try:
                if turn.action == "launch":
                    result = session.launch()
                elif turn.action == "end":
                    result = session.end()
                elif turn.action == "intent":
                    result = session.intent(turn.value, turn.slots)
                else:
                    result = session.say(turn.value)
            except SimulatorError as e:
                with lock:
                    failures.append(f"{script.name}: {e}")
                continue
            played += 1
            if result is not None and WRONG in result.speech.lower():
                with lock:
                    failures.append(f"{script.name}: {result.speech}")
        round_ += THREADS


def run(url: str, turns: int) -> list[str]:
    failures: list[str] = []
    lock = threading.Lock()
    threads = [
        threading.Thread(target=play, args=(url, turns // THREADS, failures, lock, i))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_fifty_thousand_turns_through_serve_keep_memory_and_descriptors_flat(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AMBIENT_SHOP_")},
        "AMBIENT_SHOP_DATA_DIR": str(tmp_path / "data"),
        "AMBIENT_SHOP_DEV_UNVERIFIED": "1",
        "HOME": str(tmp_path),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{url}/healthz", process, timeout_s=180)
        assert run(url, WARM_UP) == []
        rss_before, fds_before = rss_mb(process.pid), descriptors(process.pid)
        failures = run(url, TURNS - WARM_UP)
        rss_after, fds_after = rss_mb(process.pid), descriptors(process.pid)
    finally:
        stop(process)
    assert failures == [], failures[:5]
    assert rss_after - rss_before < RSS_GROWTH_MB, (rss_before, rss_after)
    assert fds_after - fds_before <= DESCRIPTOR_GROWTH, (fds_before, fds_after)
