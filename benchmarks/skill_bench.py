"""End-to-end skill latency: signed Alexa requests through POST /alexa, in one process.

Every request goes through the whole path a deployed skill runs: signature and certificate-chain
verification (against a test authority generated here, since the real chain needs the network),
ask-sdk dispatch, the parser, the demo catalog, the state store and rendering. The baseline,
measured in the same run, is a LaunchRequest: the same path with no parsing and no catalog
look-up. Alexa allows 8 s per answer; figures go to BENCHMARKS.md, section "Skill".
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_report import latency_table, write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.alexa_signing import TestAlexaAuthority, alexa_envelope  # noqa: E402

SECTION = "## Skill"
SKILL_ID = "amzn1.ask.skill.bench"
MISSION = (
    "find out where harry styles got the sweater he wore on his npr tiny desk concert "
    "and how much it would cost me"
)
CASES: tuple[tuple[str, str | None, dict[str, str] | None], ...] = (
    ("launch (baseline)", None, None),
    ("mission: seen-on with price", "ShopIntent", {"query": MISSION}),
    (
        "find with a budget relaxed",
        "ShopIntent",
        {"query": "a blue velvet sofa under eight hundred dollars"},
    ),
    ("order status", "OrderStatusIntent", {"query": "my order 4 5 7 1 2"}),
    ("talk to a person", "AgentIntent", None),
)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _timed(call: Callable[[], Any], rounds: int) -> list[float]:
    call()  # warm caches (certificate chain, SQLite pages) as a running server would have
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure(rounds: int) -> dict[str, Any]:
    from catalog_adapter.demo import demo_catalog_url
    from catalog_adapter.registry import open_catalog
    from skill.bootstrap import build
    from skill.settings import Settings
    from skill.web import create_app

    authority = TestAlexaAuthority()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        catalog = open_catalog(demo_catalog_url(Path(tmp)))
        wired = build(
            Settings(data_dir=Path(tmp), skill_id=SKILL_ID),
            catalog=catalog,
            verifier=authority.verifier(skill_id=SKILL_ID),
        )
        client = create_app(application=wired).test_client()
        startup_ms = (time.perf_counter() - started) * 1000

        def request(intent: str | None, slots: dict[str, str] | None) -> Callable[[], None]:
            def send() -> None:
                envelope = alexa_envelope(
                    request_type="IntentRequest" if intent else "LaunchRequest",
                    intent=intent,
                    slots=slots,
                    skill_id=SKILL_ID,
                    timestamp=datetime.now(UTC),
                )
                body = json.dumps(envelope).encode()
                answer = client.post("/alexa", data=body, headers=authority.sign(body))
                if answer.status_code != 200:
                    raise RuntimeError(answer.get_data(as_text=True))

            return send

        results = []
        for label, intent, slots in CASES:
            samples = _timed(request(intent, slots), rounds)
            results.append(
                {
                    "case": label,
                    "median_ms": statistics.median(samples),
                    "p99_ms": _percentile(samples, 0.99),
                }
            )
        wired.close()
        catalog.close()
    return {
        "startup_ms": startup_ms,
        "rounds": rounds,
        "cases": results,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def render(figures: dict[str, Any], command: str) -> str:
    machine = platform.processor() or platform.machine()
    lines = [
        SECTION,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `{command}` on {machine} "
        f"({platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}), {figures['rounds']} signed requests per case through "
        "the Flask test client, one process. Each request is verified (signature, cached "
        "certificate chain, timestamp, skill id), dispatched by ask-sdk, parsed, looked up in "
        "the demo catalog and rendered. The baseline is a LaunchRequest on the same path, "
        "measured in the same run.",
        "",
        *latency_table(figures["cases"]),
    ]
    lines += [
        "",
        f"Start-up (demo catalog import into a fresh directory, parser load, wiring): "
        f"{figures['startup_ms']:.0f} ms. Peak RSS of the process: "
        f"{figures['peak_rss_mb']:.0f} MB. Alexa's limit is 8 s per answer.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="requests per case")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    figures = measure(args.rounds)
    text = render(figures, f"python benchmarks/skill_bench.py --rounds {args.rounds}")
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
