"""The CX dashboard in headless Debian Chromium after a scripted day, with a screenshot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.support.synthetic_day import PASSWORD, expected_figures, play_day

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("dashboard_driver.js")
CHROMIUM = Path(os.environ.get("AMBIENT_SHOP_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(os.environ.get("AMBIENT_SHOP_SCREENSHOTS", ROOT / "var" / "screenshots"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Chromium is not installed at {CHROMIUM} (`make test` installs it as root)",
    ),
]


def shown(text: str, suffix: str = "") -> float:
    assert text.endswith(suffix), text
    return float(text.removesuffix(suffix))


def drive(config: dict[str, Any]) -> dict[str, Any]:
    if shutil.which("node") is None or not (ROOT / "node_modules/playwright-core").is_dir():
        pytest.fail("the browser test needs node and playwright-core: run `make node`")
    done = subprocess.run(
        ["node", str(DRIVER), json.dumps({"executablePath": str(CHROMIUM), **config})],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_dashboard_shows_the_days_figures_as_charts(tmp_path, demo_catalog, nlp):
    with play_day(tmp_path, demo_catalog, nlp) as (day, application, client):
        want = expected_figures(day)
        app = client.application
        with LiveServer(app) as server:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOTS / "cx-dashboard.png"
            seen = drive(
                {
                    "url": f"{server.url}/desk/metrics?since=2026-11-20T00:00Z"
                    "&until=2026-11-21T00:00Z",
                    "screenshot": str(shot),
                    "login": {"username": "sam", "password": PASSWORD},
                }
            )
    assert seen["askedToSignIn"] is True
    assert seen["errors"] == []
    assert all(url.startswith(server.url) for url in seen["requests"]), "no CDN, no outside calls"
    kpis = seen["kpis"]
    assert kpis["kpi-conversations"] == str(want["conversations"])
    # The page rounds for display (one decimal); compare within that rounding.
    assert shown(kpis["kpi-nps"]) == pytest.approx(want["nps"], abs=0.051)
    assert shown(kpis["kpi-csat"], "%") == pytest.approx(want["csat"], abs=0.051)
    assert shown(kpis["kpi-ces"]) == pytest.approx(want["ces"], abs=0.0051)
    for tile, figure in (
        ("kpi-handoff", "handoff_rate"),
        ("kpi-flr", "first_level_resolution"),
        ("kpi-abandonment", "cart_abandonment_rate"),
        ("kpi-recovery", "recovery_rate"),
    ):
        assert shown(kpis[tile], "%") == pytest.approx(want[figure] * 100, abs=0.051), tile
    assert kpis["kpi-revenue"] == f"${want['revenue_recovered']:,.2f}"
    minutes, seconds = divmod(want["average_handle_time_s"], 60)
    assert kpis["kpi-aht"] == f"{int(minutes)}m {round(seconds)}s"

    charts = {chart["id"]: chart for chart in seen["charts"]}
    assert set(charts) == {
        "chart-conversations",
        "chart-opinions",
        "chart-carts",
        "chart-channels",
    }
    assert all(chart["type"] and chart["width"] > 0 for chart in charts.values())
    over_time = charts["chart-conversations"]["datasets"][0]["data"]
    assert sum(over_time) == want["conversations"]
    by_channel = charts["chart-channels"]
    conversations = dict(zip(by_channel["labels"], by_channel["datasets"][0]["data"], strict=True))
    assert {name: n for name, n in conversations.items() if n} == {
        name: figures["conversations"] for name, figures in want["channels"].items()
    }
    assert any("linen bedding" in item for item in seen["feedback"])
    assert shot.stat().st_size > 10_000
