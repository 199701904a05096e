"""The /simulator page in headless Debian Chromium, against a live server with the real parts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("simulator_page_driver.js")
CHROMIUM = Path(os.environ.get("AMBIENT_SHOP_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Chromium is not installed at {CHROMIUM} (`make test` installs it as root: "
        "apt-get install -y chromium)",
    ),
]


def drive(url: str, **extra: Any) -> dict[str, Any]:
    if shutil.which("node") is None or not (ROOT / "node_modules/playwright-core").is_dir():
        pytest.fail("the browser test needs node and playwright-core: run `make node`")
    config = {
        "url": url,
        "executablePath": str(CHROMIUM),
        "search": "show me wool sweaters",
        "example": "the second one",
        "returnOrder": "i want to return order 45714",
        **extra,
    }
    done = subprocess.run(
        ["node", str(DRIVER), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_simulator_page_end_to_end(live_server, tmp_path):
    seen = drive(live_server.url, screenshot=str(tmp_path / "simulator.png"))
    assert seen["errors"] == []
    assert "simulator" in seen["title"].lower()
    assert seen["examples"] >= 5
    assert "Welcome" in seen["launch"]
    assert seen["statusAfterLaunch"] == "session open"

    # With a screen, the search shows an APL-like list with prices and a picture or placeholder.
    assert "$" in seen["search"]
    assert seen["products"], "no product list on the screen"
    assert all("$" in p["price"] and p["title"] and p["picture"] for p in seen["products"])
    assert seen["parseIntent"].startswith("find_product")
    assert len(seen["state"]["results"]) >= 2
    assert seen["card"].strip() and seen["card"] != "No card with this answer."

    # A picked example continues the same session: the second product is described.
    assert "$" in seen["example"]

    # The return flow texts the shopper's phone; the page shows the outbox.
    assert "return" in seen["returnAsk"].lower()
    assert any("45714" in text for text in seen["outbox"])
    assert (tmp_path / "simulator.png").stat().st_size > 0

    # Another shopper starts a new session and sees only their own texts.
    assert seen["outboxAfterSwitch"] == "No texts."
    assert seen["statusAfterSwitch"] == "no session"

    assert seen["badRequest"]["status"] == 400
    assert "text" in seen["badRequest"]["body"]["error"]
    assert "ended" in seen["endedBubble"]
