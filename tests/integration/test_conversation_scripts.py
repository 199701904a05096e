"""Every conversation script, replayed as real signed Alexa requests through POST /alexa.

Each script runs twice: over the HTTP endpoint with signatures, session ids and echoed session
attributes exactly as Alexa sends them, and in-process, where the parsed intents are checked too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from skill.simulator.script import default_shopper, load_script, run_script
from skill.simulator.session import Exchange, InProcessTransport, SimulatorSession
from tests.conftest import TEST_SKILL_ID

SCRIPTS = sorted((Path(__file__).resolve().parents[1] / "conversations").glob("*.yaml"))
# Scripts whose policies are done but whose words the parser does not read yet (see README).
AWAITING = sorted(
    (Path(__file__).resolve().parents[1] / "conversations" / "awaiting_parser").glob("*.yaml")
)


class SignedClientTransport:
    """Signs each envelope with the test authority and posts it to the app's /alexa endpoint."""

    name = "signed-http"

    def __init__(self, client: Any, authority: Any) -> None:
        self._client = client
        self._authority = authority

    def send(self, envelope: Mapping[str, Any]) -> Exchange:
        body = json.dumps(dict(envelope)).encode()
        response = self._client.post(
            "/alexa",
            data=body,
            headers=self._authority.sign(body),
            content_type="application/json",
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return Exchange(response=response.get_json())


def test_there_are_enough_scripts():
    assert len(SCRIPTS) >= 40


@pytest.mark.parametrize("path", AWAITING, ids=[p.stem for p in AWAITING])
def test_scripts_awaiting_the_parser_are_well_formed(path):
    assert load_script(path).turns


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_script_over_signed_alexa_requests(path, client, alexa_authority):
    script = load_script(path)
    transport = SignedClientTransport(client, alexa_authority)
    report = run_script(
        script,
        lambda s: SimulatorSession(
            transport, application_id=TEST_SKILL_ID, device=s.device, shopper_id=default_shopper(s)
        ),
        in_process=False,
    )
    assert report.passed, report.summary()


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_script_in_process_with_parses(path, application):
    script = load_script(path)
    transport = InProcessTransport(application)
    report = run_script(
        script,
        lambda s: SimulatorSession(
            transport, application_id=TEST_SKILL_ID, device=s.device, shopper_id=default_shopper(s)
        ),
        in_process=True,
    )
    assert report.passed, report.summary()
