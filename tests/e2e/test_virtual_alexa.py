"""virtual-alexa (npm), an independent Alexa client, talks to the live server via the model."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_SKILL_ID

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("virtual_alexa_driver.js")
MODEL = ROOT / "infra/skill-package/interactionModels/custom/en-US.json"

pytestmark = pytest.mark.skipif(
    not (ROOT / "node_modules/virtual-alexa").is_dir() or shutil.which("node") is None,
    reason="virtual-alexa is installed by `make test` (npm install)",
)


def converse(url: str, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    config = {
        "url": f"{url}/alexa",
        "model": str(MODEL),
        "applicationId": TEST_SKILL_ID,
        "steps": steps,
    }
    done = subprocess.run(
        ["node", str(DRIVER), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["replies"]


def test_mission_example_over_virtual_alexa(live_server):
    replies = converse(
        live_server.url,
        [
            {"launch": True},
            {
                "utter": "find out where harry styles got the sweater he wore on his npr tiny desk "
                "concert and how much it would cost me"
            },
            # virtual-alexa reads any "talk to ..." as a launch phrase; this is an AgentIntent one.
            {"utter": "connect me to an agent"},
        ],
    )
    assert "Welcome" in replies[0]["speech"]
    mission = replies[1]
    assert "$" in mission["speech"]
    assert "exact" in mission["speech"] or "similar" in mission["speech"]
    assert "sweater" in mission["speech"].lower()
    assert mission["card"] is not None
    # This shopper has no phone number on file, so a person is offered through the web chat.
    assert "web chat" in replies[2]["speech"]


def test_built_in_intents_over_virtual_alexa(live_server):
    replies = converse(
        live_server.url,
        [{"launch": True}, {"intent": "AMAZON.HelpIntent"}, {"intent": "AMAZON.StopIntent"}],
    )
    assert "You can ask me" in replies[1]["speech"]
    assert replies[2]["end"] is True
