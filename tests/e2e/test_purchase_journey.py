"""One whole purchase, end to end: search, select, variant, size, cart, checkout link.

Once over POST /alexa with signed requests, once over web chat; each time the cart is read back
from the state store itself, on SQLite and on DynamoDB (a real moto_server).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from skill.simulator.session import Exchange, SimulatorSession
from tests.conftest import TEST_SKILL_ID
from tests.support.moto import moto_server

SHOPPER = "amzn1.ask.account.journey"
BLACK_SWEATER = "AH-SW00-00-BLACK"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "dynamodb"])
def state_url(request: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'journey.db'}"
    moto = request.getfixturevalue("moto_url")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    import boto3

    from skill.store.dynamodb import DynamoTables

    prefix = f"j{abs(hash(request.node.name)) % 10**8}-"
    resource = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=moto)
    DynamoTables(resource, table_prefix=prefix).create_missing()
    return f"dynamodb://?table_prefix={prefix}&region=us-east-1&endpoint_url={moto}"


@pytest.fixture
def wired(settings: Any, state_url: str, demo_catalog: Any, nlp: Any, alexa_authority: Any) -> Any:
    from skill.bootstrap import build

    application = build(
        settings.with_overrides(state_url=state_url),
        catalog=demo_catalog,
        parser=nlp,
        verifier=alexa_authority.verifier(skill_id=TEST_SKILL_ID),
    )
    yield application
    application.close()


@pytest.fixture
def client(wired: Any) -> Any:
    from skill.web import create_app

    return create_app(application=wired).test_client()


class SignedTransport:
    """Posts each envelope to /alexa signed by the test authority, as Alexa itself would."""

    name = "signed-http"

    def __init__(self, client: Any, authority: Any) -> None:
        self._client = client
        self._authority = authority

    def send(self, envelope: Mapping[str, Any]) -> Exchange:
        body = json.dumps(dict(envelope)).encode()
        response = self._client.post(
            "/alexa", data=body, headers=self._authority.sign(body), content_type="application/json"
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return Exchange(response=response.get_json())


def _cart_lines(wired: Any, shopper_id: str) -> list[dict[str, Any]]:
    return wired.state.shoppers.load(shopper_id)["cart"]["lines"]


def test_purchase_over_signed_alexa_requests(wired, client, alexa_authority):
    session = SimulatorSession(
        SignedTransport(client, alexa_authority),
        application_id=TEST_SKILL_ID,
        device="screen",
        shopper_id=SHOPPER,
    )
    session.launch()
    assert "$" in session.say("find me a wool sweater").speech
    assert "Rust" in session.say("the second one").speech
    said = session.say("do you have it in black").speech
    assert "comes in black" in said and session.state["selected"] == BLACK_SWEATER
    assert "What size" in session.say("add it to my cart").speech
    said = session.say("small").speech
    assert "Added" in said and "size S" in said and "one item" in said
    said = session.intent("AMAZON.YesIntent").speech
    assert "can't take payment by voice" in said and "mobile number" in said
    said = session.say("two oh six five five five oh one four two").speech
    assert "texted a secure checkout link" in said

    assert _cart_lines(wired, SHOPPER) == [
        {"product_id": BLACK_SWEATER, "size": "S", "quantity": 1}
    ]
    profile = wired.state.shoppers.load(SHOPPER)
    assert profile["phone"] == "+12065550142" and profile["sms_consent"] is True
    (text,) = wired.outbox.messages(shopper_id=SHOPPER)
    assert text["channel"] == "sms" and profile["checkout"]["token"] in text["link"]
    assert text["link"].startswith("https://acmehome.example/checkout/")


def test_purchase_over_web_chat(wired, client):
    tokens: dict[str, str] = {}

    def say(text: str) -> str:
        response = client.post("/chat/api/messages", json={"text": text, **tokens})
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        tokens.update(shopper=body["shopper"], conversation=body["conversation"])
        return body["reply"]["text"]

    assert "$" in say("find me a wool sweater")
    assert "Rust" in say("the second one")
    assert "comes in black" in say("do you have it in black")
    assert "What size" in say("add it to my cart")
    assert "size S" in say("small")
    said = say("yes")
    assert "https://acmehome.example/checkout/" in said

    shopper_id = wired.token_signer.shopper(tokens["shopper"])
    assert _cart_lines(wired, shopper_id) == [
        {"product_id": BLACK_SWEATER, "size": "S", "quantity": 1}
    ]
    # Web chat shows the link itself: no text message is needed.
    assert wired.outbox.messages(shopper_id=shopper_id) == []
    assert wired.state.shoppers.load(shopper_id)["checkout"]["token"] in said
