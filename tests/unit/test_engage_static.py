"""The dashboard's charting library is served from the app, byte for byte the npm release."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_vendored_chart_js_is_the_pinned_npm_release():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["chart.js"]
    installed = ROOT / "node_modules/chart.js"
    if not installed.is_dir():
        pytest.fail("node_modules/chart.js is missing: run `make node`")
    assert json.loads((installed / "package.json").read_text())["version"] == pinned
    vendored = ROOT / "skill/engage/static/chart.umd.min.js"
    assert vendored.read_bytes() == (installed / "dist/chart.umd.min.js").read_bytes()
    assert (ROOT / "skill/engage/static/chart.js-LICENSE.md").exists()
