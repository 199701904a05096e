"""Running a Playwright driver script against Debian's Chromium, for the browser tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("AMBIENT_SHOP_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(os.environ.get("AMBIENT_SHOP_SCREENSHOTS", ROOT / "var" / "screenshots"))

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Chromium is not installed at {CHROMIUM} (`make test` installs it as root: "
        "apt-get install -y chromium)",
    ),
]


def run_driver(driver: Path, config: dict[str, Any], *, timeout_s: float = 180) -> dict[str, Any]:
    """Run `node driver '<config>'` and return the JSON object it prints."""
    if shutil.which("node") is None or not (ROOT / "node_modules/playwright-core").is_dir():
        pytest.fail("the browser test needs node and playwright-core: run `make node`")
    done = subprocess.run(
        ["node", str(driver), json.dumps({"executablePath": str(CHROMIUM), **config})],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
