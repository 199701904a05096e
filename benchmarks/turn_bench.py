"""Full turns over HTTP under load: gunicorn with the image's config, and `ambient-shop serve`.

Each virtual shopper replays the conversation scripts in tests/conversations as an Echo would
(session id kept, attributes echoed), every request signed by a test certificate authority and
verified by the server (signature, chain, timestamp, skill id). Reported per server and number
of concurrent shoppers: turns/s, median and p99 latency, errors (non-200 answers, transport
failures, or a spoken "something went wrong"), and RSS per worker. The baseline, measured in the
same run, is a LaunchRequest-only load on the same server. A soak phase plays many turns and
compares RSS and open descriptors before and after. Lambda cold start (import and first answer)
is timed in fresh subprocesses. Figures go to BENCHMARKS.md, section "Turns".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from bench_report import write_section
from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skill.simulator.envelopes import UtteranceResolver  # noqa: E402
from skill.simulator.script import Script, load_scripts  # noqa: E402
from skill.simulator.session import Exchange, SimulatorSession  # noqa: E402
from tests.support.alexa_signing import TestAlexaAuthority, alexa_envelope  # noqa: E402
from tests.support.processes import free_port, stop, wait_until_answering  # noqa: E402

SECTION = "## Turns"
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-00000000beef"
GUNICORN_CONF = ROOT / "infra" / "docker" / "gunicorn.conf.py"
WRONG = "something went wrong"


class SignedTransport:
    """Posts each envelope signed as Alexa would, timing the round trip."""

    name = "signed-http"

    def __init__(self, url: str, authority: TestAlexaAuthority, sink: Recorder) -> None:
        self._url = url
        self._authority = authority
        self._sink = sink
        self._http = requests.Session()
        self.sent = 0

    def send(self, envelope: Mapping[str, Any]) -> Exchange:
        self.sent += 1
        body = json.dumps(dict(envelope)).encode()
        headers = {"Content-Type": "application/json", **self._authority.sign(body)}
        started = time.perf_counter()
        try:
            answer = self._http.post(self._url, data=body, headers=headers, timeout=30)
        except requests.RequestException as e:
            self._sink.error(f"transport: {type(e).__name__}")
            return Exchange(response={})
        elapsed = time.perf_counter() - started
        if answer.status_code != 200:
            self._sink.error(f"HTTP {answer.status_code}: {answer.text[:120]}")
            return Exchange(response={})
        data = answer.json()
        speech = json.dumps(data.get("response", {}).get("outputSpeech", {})).lower()
        if WRONG in speech:
            self._sink.error("spoken apology")
        else:
            self._sink.ok(elapsed)
        return Exchange(response=data)


@dataclass
class Recorder:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)

    @property
    def turns(self) -> int:
        return len(self.latencies) + len(self.errors)


def _play(session: SimulatorSession, script: Script) -> None:
    for turn in script.turns:
        if turn.action == "launch":
            session.launch()
        elif turn.action == "end":
            session.end()
        elif turn.action == "intent":
            session.intent(turn.value, turn.slots)
        else:
            session.say(turn.value)


def conversation_load(
    url: str, authority: TestAlexaAuthority, scripts: list[Script], resolver: UtteranceResolver
) -> Callable[[int, int, Recorder], None]:
    def shopper(index: int, turns: int, recorder: Recorder) -> None:
        played = 0
        round_ = 0
        while played < turns:
            script = scripts[(index + round_) % len(scripts)]
            transport = SignedTransport(url, authority, recorder)
            session = SimulatorSession(
                transport,
                application_id=SKILL_ID,
                device=script.device or ("screen" if index % 2 else "voice"),
                shopper_id=f"amzn1.ask.account.bench-{index}-{round_}",
                resolver=resolver,
            )
            try:
                _play(session, script)
            except Exception as e:  # noqa: BLE001 - a driver failure counts, never hides
                recorder.error(f"driver: {type(e).__name__}: {e}")
            played += max(1, transport.sent)
            round_ += 1

    return shopper


def launch_load(url: str, authority: TestAlexaAuthority) -> Callable[[int, int, Recorder], None]:
    def shopper(index: int, turns: int, recorder: Recorder) -> None:
        transport = SignedTransport(url, authority, recorder)
        for n in range(turns):
            envelope = alexa_envelope(
                request_type="LaunchRequest",
                skill_id=SKILL_ID,
                timestamp=datetime.now(UTC),
                user_id=f"amzn1.ask.account.launch-{index}-{n}",
                session_id=f"amzn1.echo-api.session.launch-{index}-{n}",
            )
            transport.send(envelope)

    return shopper


def run_load(
    load: Callable[[int, int, Recorder], None], shoppers: int, turns: int
) -> tuple[Recorder, float]:
    recorder = Recorder()
    per_shopper = max(1, turns // shoppers)
    threads = [
        threading.Thread(target=load, args=(i, per_shopper, recorder)) for i in range(shoppers)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return recorder, time.perf_counter() - started


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _descriptors(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


class Server:
    """A server process on a free port: gunicorn (image config) or the `serve` equivalent."""

    def __init__(self, kind: str, env: dict[str, str]) -> None:
        self.kind = kind
        self.port = free_port()
        env = {**env, "PORT": str(self.port)}
        if kind == "gunicorn":
            gunicorn = Path(sys.executable).with_name("gunicorn")
            command = [
                str(gunicorn),
                "--config",
                str(GUNICORN_CONF),
                "--pythonpath",
                str(ROOT / "benchmarks"),
                "--access-logfile",
                "/dev/null",
                "signed_app:create_app()",
            ]
        else:
            command = [sys.executable, str(ROOT / "benchmarks" / "signed_app.py"), "127.0.0.1"]
            command.append(str(self.port))
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until_answering(f"{self.url}/healthz", self.process, timeout_s=300)
        if kind == "gunicorn":
            # Every worker answers once before measuring, so none is still loading.
            deadline = time.monotonic() + 300
            while len(self.workers()) < int(env.get("WEB_CONCURRENCY", "2")):
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn workers did not start")
                time.sleep(0.2)
            for _ in range(20):
                requests.get(f"{self.url}/healthz", timeout=60)

    def workers(self) -> list[int]:
        return _children(self.process.pid) if self.kind == "gunicorn" else [self.process.pid]

    def rss_mb(self) -> list[float]:
        return [_status_kb(pid, "VmRSS") / 1024 for pid in self.workers()]

    def descriptors(self) -> list[int]:
        return [_descriptors(pid) for pid in self.workers()]

    def close(self) -> None:
        stop(self.process)


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _row(label: str, shoppers: int, recorder: Recorder, seconds: float, rss: list[float]) -> str:
    rate = recorder.turns / seconds if seconds else 0
    median = statistics.median(recorder.latencies) * 1000 if recorder.latencies else float("nan")
    p99 = _percentile(recorder.latencies, 0.99) * 1000
    rss_text = " / ".join(f"{r:.0f}" for r in rss)
    return (
        f"| {label} | {shoppers} | {recorder.turns:,} | {rate:,.0f} | {median:.1f} ms "
        f"| {p99:.1f} ms | {len(recorder.errors)} | {rss_text} |"
    )


def cold_start(env: dict[str, str], *, prepared: bool) -> float:
    """Seconds from a fresh interpreter to the Lambda handler's first answer."""
    data = Path(tempfile.mkdtemp(prefix="cold-"))
    if prepared:
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from catalog_adapter.demo import demo_catalog_url as d; "
                f"d(__import__('pathlib').Path({str(data)!r}))",
            ],
            check=True,
            env=env,
        )
    envelope = alexa_envelope(
        request_type="LaunchRequest", skill_id=SKILL_ID, timestamp=datetime.now(UTC)
    )
    code = (
        "import json, sys, time\n"
        "started = time.perf_counter()\n"
        "from skill.alexa.lambda_handler import handler\n"
        "answer = handler(json.loads(sys.argv[1]), None)\n"
        "assert 'Welcome' in json.dumps(answer), answer\n"
        "print(time.perf_counter() - started)\n"
    )
    lambda_env = {
        **env,
        "AWS_LAMBDA_FUNCTION_NAME": "ambient-shop-alexa",
        "AMBIENT_SHOP_DATA_DIR": str(data),
        "AMBIENT_SHOP_SKILL_ID": SKILL_ID,
    }
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(envelope)],
        env=lambda_env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def _targets(rows: list[str], cold_s: float) -> str:
    """Issue 13's targets against the gunicorn rows (full turns, not the baseline)."""

    def cells(shoppers: int) -> list[str]:
        for row in rows:
            parts = [p.strip() for p in row.strip("|").split("|")]
            if parts[0] == "gunicorn (image config)" and parts[1] == str(shoppers):
                return parts
        return []

    ten, fifty = cells(10), cells(50)
    errors = sum(int(row.strip("|").split("|")[6]) for row in rows)
    with open("/proc/loadavg", encoding="ascii") as load:
        average = load.read().split()[0]

    def met(ok: bool) -> str:
        return "met" if ok else "not met"

    p99_10 = float(ten[5].split()[0]) if ten else float("nan")
    rate_50 = float(fifty[3].replace(",", "")) if fifty else float("nan")
    return (
        f"\nTargets (2 cores, driver on the same cores; 1-minute load average {average} at the "
        "end of the run, the machine being shared):\n"
        f"- zero errors: {met(errors == 0)} ({errors})\n"
        f"- p99 <= 50 ms at 10 shoppers (gunicorn): {met(p99_10 <= 50)} ({p99_10:.1f} ms)\n"
        f"- >= 500 turns/s at 50 shoppers (gunicorn): {met(rate_50 >= 500)} ({rate_50:,.0f})\n"
        f"- Lambda cold start <= 1.5 s: {met(cold_s <= 1.5)} ({cold_s:.2f} s)\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000, help="turns per load level")
    parser.add_argument("--levels", default="1,10,50", help="concurrent shoppers")
    parser.add_argument("--soak-turns", type=int, default=50_000, help="turns in the soak phase")
    parser.add_argument("--servers", default="gunicorn,serve")
    parser.add_argument("--cold-starts", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit BENCHMARKS.md")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    authority = TestAlexaAuthority(chain_url="https://s3.amazonaws.com/echo.api/echo-api-bench.pem")
    trust = Path(tempfile.mkdtemp(prefix="turn-bench-trust-"))
    (trust / "root.pem").write_bytes(authority.root.public_bytes(serialization.Encoding.PEM))
    (trust / "chain.pem").write_bytes(authority.chain_pem())
    scripts = load_scripts(sorted((ROOT / "tests" / "conversations").glob("*.yaml")))
    resolver = UtteranceResolver()

    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("AMBIENT_SHOP_", "AWS_"))}
    lines: list[str] = []
    soak_lines: list[str] = []
    for kind in args.servers.split(","):
        data = Path(tempfile.mkdtemp(prefix=f"turn-bench-{kind}-"))
        env = {
            **base_env,
            "AMBIENT_SHOP_DATA_DIR": str(data),
            "AMBIENT_SHOP_SKILL_ID": SKILL_ID,
            "TURN_BENCH_TRUST_DIR": str(trust),
            "TURN_BENCH_CHAIN_URL": authority.chain_url,
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
        }
        label = "gunicorn (image config)" if kind == "gunicorn" else "ambient-shop serve"
        server = Server(kind, env)
        try:
            url = f"{server.url}/alexa"
            run_load(conversation_load(url, authority, scripts, resolver), 2, 200)  # warm-up
            for shoppers in levels:
                baseline, seconds = run_load(launch_load(url, authority), shoppers, args.turns)
                lines.append(
                    _row(
                        f"{label}, launch only (baseline)",
                        shoppers,
                        baseline,
                        seconds,
                        server.rss_mb(),
                    )
                )
                recorder, seconds = run_load(
                    conversation_load(url, authority, scripts, resolver), shoppers, args.turns
                )
                lines.append(_row(label, shoppers, recorder, seconds, server.rss_mb()))
                print(lines[-2], lines[-1], sep="\n", flush=True)
                for problem in sorted(set(recorder.errors + baseline.errors))[:5]:
                    print("  error:", problem, flush=True)
            if args.soak_turns:
                rss_before, fds_before = server.rss_mb(), server.descriptors()
                recorder, seconds = run_load(
                    conversation_load(url, authority, scripts, resolver), 10, args.soak_turns
                )
                rss_after, fds_after = server.rss_mb(), server.descriptors()
                soak_lines.append(
                    f"| {label} | {recorder.turns:,} | {len(recorder.errors)} "
                    f"| {' / '.join(f'{r:.0f}' for r in rss_before)} "
                    f"| {' / '.join(f'{r:.0f}' for r in rss_after)} "
                    f"| {' / '.join(map(str, fds_before))} | {' / '.join(map(str, fds_after))} |"
                )
                print(soak_lines[-1], flush=True)
        finally:
            server.close()

    colds = {
        prepared: [cold_start(base_env, prepared=prepared) for _ in range(args.cold_starts)]
        for prepared in (True, False)
    }
    now = datetime.now(UTC).strftime("%Y-%m-%d")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    header = (
        "| server | shoppers | turns | turns/s | median | p99 | errors | RSS per worker (MB) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|"
    )
    text = (
        f"{SECTION}\n\n"
        f"Measured {now} with `python benchmarks/turn_bench.py --turns {args.turns} "
        f"--soak-turns {args.soak_turns}` on {machine}; the driver (Python threads) shares the "
        "cores with the server. Every request is signed by a test certificate authority and "
        "verified by the server (signature, chain, timestamp, skill id); the shoppers replay "
        f"the {len(scripts)} conversation scripts in tests/conversations as an Echo would. "
        "gunicorn runs `infra/docker/gunicorn.conf.py` (2 workers x 4 threads) with SQLite "
        "state; `ambient-shop serve` is werkzeug with a thread per request. The baseline is "
        "LaunchRequest-only load on the same server in the same run.\n\n"
        f"{header}\n" + "\n".join(lines) + "\n"
    )
    if soak_lines:
        text += (
            "\nSoak (10 concurrent shoppers), RSS in MB and open descriptors per worker:\n\n"
            "| server | turns | errors | RSS before | RSS after | descriptors before "
            "| descriptors after |\n|---|---:|---:|---|---|---|---|\n"
            + "\n".join(soak_lines)
            + "\n"
        )
    text += (
        "\nLambda cold start (fresh interpreter: imports, wiring, parser load, first "
        f"LaunchRequest answered; SQLite state in /tmp), median of {args.cold_starts}: "
        f"{statistics.median(colds[True]):.2f} s with the catalog index already built, "
        f"{statistics.median(colds[False]):.2f} s when the demo catalog is imported at start.\n"
    )
    text += _targets(lines, colds[True])
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
