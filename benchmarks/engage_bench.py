"""Engagement costs: signed commerce events through POST /events, the abandonment sweep, metrics.

One process, the Flask test client, the embedded SQLite state in a fresh directory. The baseline,
measured in the same run, is GET /healthz on the same app. Figures go to BENCHMARKS.md, section
"Engagement".
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_report import latency_table, write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skill.engage.events import sign  # noqa: E402
from tests.support.engage import cart_event, order_event  # noqa: E402
from tests.support.fakes import FakeCatalog, FakeParser  # noqa: E402

SECTION = "## Engagement"


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _timed(call: Callable[[int], Any], rounds: int) -> list[float]:
    call(-1)
    samples = []
    for n in range(rounds):
        started = time.perf_counter()
        call(n)
        samples.append(time.perf_counter() - started)
    return samples


def measure(rounds: int, carts: int) -> dict[str, Any]:
    from skill.bootstrap import build
    from skill.engage.metrics import compute
    from skill.settings import Settings
    from skill.web import create_app

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(data_dir=Path(directory))
        application = build(settings, catalog=FakeCatalog([]), parser=FakeParser({}))
        client = create_app(application=application).test_client()
        secret = application.engage.secret

        def post(payload: dict[str, Any]) -> int:
            body = json.dumps(payload).encode()
            headers = sign(secret, body, int(time.time()))
            return client.post(
                "/events", data=body, headers={"Content-Type": "application/json", **headers}
            ).status_code

        now = datetime.now(UTC)

        def healthz(_: int) -> None:
            assert client.get("/healthz").status_code == 200

        def new_event(n: int) -> None:
            event = cart_event(f"bench-{n}", "cart_updated", at=now, shopper=f"s{n}", cart=f"c{n}")
            assert post(event) == 202

        replayed = cart_event("bench-0", "cart_updated", at=now, shopper="s0", cart="c0")

        def replay(_: int) -> None:
            assert post(replayed) == 409

        cases = [
            ("GET /healthz (baseline)", _timed(healthz, rounds)),
            ("POST /events, new event", _timed(new_event, rounds)),
            ("POST /events, replayed id (409)", _timed(replay, rounds)),
        ]

        # A busy day: checkouts, half paid in time, a quarter ordered after outreach.
        intake = application.engage.intake
        from skill.engage.events import parse_event

        start = now - timedelta(hours=6)
        for n in range(carts):
            at = start + timedelta(seconds=n * 5)
            intake.receive(
                parse_event(
                    cart_event(f"d-{n}", "checkout_started", at=at, shopper=f"d{n}", cart=f"d{n}")
                )
            )
            if n % 2 == 0:
                intake.receive(
                    parse_event(
                        cart_event(
                            f"p-{n}",
                            "payment_info_entered",
                            at=at + timedelta(seconds=60),
                            shopper=f"d{n}",
                            cart=f"d{n}",
                        )
                    )
                )
        sweep_started = time.perf_counter()
        made = application.engage.watcher.sweep()
        sweep_s = time.perf_counter() - sweep_started
        for n in range(1, carts, 4):
            intake.receive(
                parse_event(
                    order_event(
                        f"o-{n}",
                        at=start + timedelta(seconds=n * 5, hours=1),
                        shopper=f"d{n}",
                        order=f"o{n}",
                        cart=f"d{n}",
                    )
                )
            )
        records = sum(
            len(application.engage.records.query(kind))
            for kind in ("event", "cart", "order", "outreach")
        )
        metrics_samples = _timed(
            lambda _: compute(
                application.engage.records,
                since=now - timedelta(days=1),
                until=now + timedelta(hours=1),
            ),
            max(3, rounds // 40),
        )
        application.close()
    return {
        "rounds": rounds,
        "cases": [
            {
                "case": name,
                "median_ms": _median_ms(s),
                "p99_ms": sorted(s)[int(0.99 * (len(s) - 1))] * 1000,
            }
            for name, s in cases
        ],
        "carts": carts,
        "outreach": len(made),
        "sweep_ms": sweep_s * 1000,
        "records": records,
        "metrics_ms": _median_ms(metrics_samples),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def render(figures: dict[str, Any], command: str) -> str:
    machine = platform.processor() or platform.machine()
    lines = [
        SECTION,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `{command}` on {machine} "
        f"({platform.system()} {platform.release()}, Python {platform.python_version()}), "
        f"{figures['rounds']} requests per case through the Flask test client, one process, "
        "SQLite state in a fresh directory. Each event is HMAC-verified, validated, stored "
        "once by id (conditional insert) and applied to its cart and profile. The baseline is "
        "GET /healthz on the same app, measured in the same run.",
        "",
        *latency_table(figures["cases"]),
    ]
    lines += [
        "",
        f"Abandonment sweep over {figures['carts']} checkouts started in the last hours "
        f"(half paid in time): {figures['sweep_ms']:.0f} ms, making {figures['outreach']} "
        "outreaches (a web-chat nudge and a desk ticket each). "
        f"Metrics over {figures['records']} records (events, carts, orders, outreach): "
        f"median {figures['metrics_ms']:.0f} ms. Peak RSS: {figures['peak_rss_mb']:.0f} MB.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="requests per case")
    parser.add_argument("--carts", type=int, default=1000, help="checkouts in the sweep")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.carts < 1:
        parser.error("--rounds and --carts must be at least 1")
    figures = measure(args.rounds, args.carts)
    text = render(
        figures,
        f"python benchmarks/engage_bench.py --rounds {args.rounds} --carts {args.carts}",
    )
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
