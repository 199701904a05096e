"""The web-chat handoff end to end in headless Debian Chromium: shopper on /chat, agent on /desk.

Screenshots of the desk queue and the conversation view are written to var/screenshots/ (or
AMBIENT_SHOP_SCREENSHOTS) on every run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("desk_journey_driver.js")
CHROMIUM = Path(os.environ.get("AMBIENT_SHOP_CHROMIUM", "/usr/bin/chromium"))
SHOTS = Path(os.environ.get("AMBIENT_SHOP_SCREENSHOTS", ROOT / "var" / "screenshots"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Chromium is not installed at {CHROMIUM} (`make test` installs it as root: "
        "apt-get install -y chromium)",
    ),
]


def test_web_chat_handoff_journey(live_server, unverified_app):
    if shutil.which("node") is None or not (ROOT / "node_modules/playwright-core").is_dir():
        pytest.fail("the browser test needs node and playwright-core: run `make node`")
    desk = unverified_app.extensions["ambient_shop"].agent_desk
    desk.add_agent("ann", "correct horse battery", display_name="Ann")
    SHOTS.mkdir(parents=True, exist_ok=True)
    queue_shot, conversation_shot = SHOTS / "desk-queue.png", SHOTS / "desk-conversation.png"
    for shot in (queue_shot, conversation_shot):
        shot.unlink(missing_ok=True)
    config = {
        "url": live_server.url,
        "executablePath": str(CHROMIUM),
        "username": "ann",
        "password": "correct horse battery",
        "queueShot": str(queue_shot),
        "conversationShot": str(conversation_shot),
    }
    done = subprocess.run(
        ["node", str(DRIVER), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    assert seen["errors"] == []

    assert "$" in seen["search"]
    assert "connecting you with a person" in seen["handoffReply"]
    assert "Waiting" in seen["shopperStatus"]
    assert "/desk/login" in seen["loginUrl"], "the desk asks who you are first"

    # The queue shows the ticket with its priority, reason and waiting time.
    (row,) = seen["queueRows"]
    assert "asked" in row and "webchat" in row and "waiting" in row
    # The conversation view carries the whole context.
    assert "show me wool sweaters" in seen["transcript"]
    assert len(seen["items"]) >= 2 and all("$" in item for item in seen["items"])
    assert '"intent": "talk_to_agent"' in seen["parse"]
    assert "web-" in seen["profile"]

    assert seen["owner"] == "Ann"
    assert "Ann from Acme Home joined the chat." == seen["joined"]
    express = next(o for o in seen["shippingOptions"] if o["text"].startswith("Express"))
    assert express["disabled"] is True, "the page offers only what the policy allows"
    assert "free shipping Standard shipping ($5.99) by ann" in seen["offers"]
    assert any("waived standard shipping" in text for text in seen["shopperSees"])
    assert seen["cannedText"].startswith("Hi, thanks for waiting")
    assert any(text.endswith("The oatmeal one is lovely.") for text in seen["shopperSees"])
    assert "person" in seen["shopperStatusWithPerson"]
    assert seen["assistantStayedQuiet"] is True

    assert seen["statusAfterResolve"] == "resolved"
    assert "How satisfied were you" in seen["csatQuestion"]
    assert "Thank you" in seen["csatThanks"]
    assert seen["deskCsat"].strip() == "5/5"
    assert queue_shot.stat().st_size > 10_000 and conversation_shot.stat().st_size > 10_000
