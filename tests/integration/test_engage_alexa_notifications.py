"""Alexa Proactive Events against a local server that answers like Login with Amazon and the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, jsonify, request

from skill.bootstrap import build_desk
from skill.engage.events import parse_event
from skill.engage.service import engage_for_state
from skill.settings import Settings
from skill.store.registry import open_state
from tests.conftest import LiveServer
from tests.support.engage import FakeClock, cart_event

ALEXA_USER = "amzn1.ask.account.TESTUSER"
EVENTS_PATH = "/v1/proactiveEvents/stages/development"


class ProactiveEventsServer:
    """The two published endpoints: the LWA token grant and the events stage."""

    def __init__(self) -> None:
        self.tokens_issued = 0
        self.events: list[dict[str, Any]] = []
        self.fail_events = False
        app = Flask(__name__)

        @app.post("/auth/o2/token")
        def token() -> Any:
            form = request.form
            if (form.get("grant_type"), form.get("scope")) != (
                "client_credentials",
                "alexa::proactive_events",
            ) or form.get("client_secret") != "secret":
                return jsonify({"error": "invalid_client"}), 401
            self.tokens_issued += 1
            return jsonify(
                {
                    "access_token": f"Atc|{self.tokens_issued}",
                    "expires_in": 3600,
                    "token_type": "bearer",
                }
            )

        @app.post(EVENTS_PATH)
        def events() -> Any:
            if self.fail_events:
                return jsonify({"message": "throttled"}), 429
            if not request.headers.get("Authorization", "").startswith("Bearer Atc|"):
                return jsonify({"message": "no token"}), 403
            self.events.append(request.get_json())
            return "", 202

        self.app = app
        self.url = ""


@pytest.fixture
def server() -> Iterator[ProactiveEventsServer]:
    fake = ProactiveEventsServer()
    with LiveServer(fake.app) as live:
        fake.url = live.url
        yield fake


@pytest.fixture
def wired(tmp_path, server) -> Iterator[tuple[Any, Any, FakeClock]]:
    clock = FakeClock()
    settings = Settings(data_dir=tmp_path)
    settings = settings.with_overrides(
        engage=Settings.from_env(
            {
                "AMBIENT_SHOP_ALEXA_CLIENT_ID": "amzn1.application-oa2-client.test",
                "AMBIENT_SHOP_ALEXA_CLIENT_SECRET": "secret",
                "AMBIENT_SHOP_ALEXA_EVENTS_URL": f"{server.url}{EVENTS_PATH}",
                "AMBIENT_SHOP_ALEXA_TOKEN_URL": f"{server.url}/auth/o2/token",
            }
        ).engage
    )
    state = open_state(settings.resolved_state_url, data_dir=tmp_path)
    desk = build_desk(settings, state)
    engage = engage_for_state(settings, state, desk=desk.port, outbox=desk.outbox, clock=clock)
    yield engage, desk, clock
    for resource in state.closers:
        resource.close()


def stall(engage: Any, clock: FakeClock, shopper: str, cart: str) -> list[Any]:
    engage.intake.receive(
        parse_event(
            cart_event(
                f"e-{cart}",
                "checkout_started",
                at=clock.now(),
                shopper=shopper,
                cart=cart,
                channel="app",
            )
        )
    )
    clock.advance(minutes=3)
    return engage.watcher.sweep()


def test_notification_only_for_shoppers_who_allowed_it(wired, server):
    engage, _desk, clock = wired
    engage.update_profile(
        "s1", {"phone": "+15551234567", "alexa_notifications": True, "alexa_user_id": ALEXA_USER}
    )
    engage.update_profile("s2", {"phone": "+15557654321", "alexa_user_id": ALEXA_USER + "2"})
    made = {o.shopper_id: o.channels for o in stall(engage, clock, "s1", "c1")}
    made.update({o.shopper_id: o.channels for o in stall(engage, clock, "s2", "c2")})
    assert made == {"s1": ("sms", "alexa_notification"), "s2": ("sms",)}
    assert len(server.events) == 1
    event = server.events[0]
    assert event["event"]["name"] == "AMAZON.MessageAlert.Activated"
    assert event["relevantAudience"] == {"type": "Unicast", "payload": {"user": ALEXA_USER}}
    assert event["event"]["payload"]["messageGroup"]["creator"]["name"] == "Acme Home"


def test_token_is_reused_and_a_failing_api_does_not_stop_the_desk_task(wired, server):
    engage, desk, clock = wired
    for n in (1, 2):
        engage.update_profile(
            f"s{n}", {"alexa_notifications": True, "alexa_user_id": f"{ALEXA_USER}{n}"}
        )
    stall(engage, clock, "s1", "c1")
    stall(engage, clock, "s2", "c2")
    assert server.tokens_issued == 1 and len(server.events) == 2

    server.fail_events = True
    engage.update_profile("s3", {"alexa_notifications": True, "alexa_user_id": ALEXA_USER + "3"})
    made = stall(engage, clock, "s3", "c3")
    assert [o.channels for o in made] == [()]
    tasks = [t for t in desk.desk.tickets() if t["shopper_id"] == "s3"]
    assert len(tasks) == 1 and tasks[0]["reason"] == "cart abandonment"
