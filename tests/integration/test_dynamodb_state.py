"""DynamoDB state through boto3 against a real moto_server (HTTP wire protocol)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from skill.core.model import HandoffRequest
from tests.conftest import TEST_SKILL_ID
from tests.support.alexa_signing import alexa_envelope
from tests.support.moto import dynamodb_state_url, moto_server


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def state_url(moto_url: str, monkeypatch: pytest.MonkeyPatch, request: Any) -> str:
    prefix = f"t{abs(hash(request.node.name)) % 10**8}-"
    return dynamodb_state_url(moto_url, monkeypatch, prefix=prefix)


def test_stores_round_trip(state_url, tmp_path):
    from skill.store.registry import open_state

    state = open_state(state_url, data_dir=tmp_path)
    assert state.name == "dynamodb.v1"
    state.shoppers.save("u1", {"cart": {"p1": 2}, "price": 1.5})
    assert state.shoppers.load("u1") == {"cart": {"p1": 2}, "price": 1.5}
    assert state.shoppers.load("nobody") == {}
    state.conversations.save("c1", {"version": 1, "results": ["a"]})
    assert state.conversations.load("c1") == {"version": 1, "results": ["a"]}
    from skill.bootstrap import build_desk, open_order_service
    from skill.settings import Settings

    settings = Settings(data_dir=tmp_path)
    orders, _ = open_order_service(settings)
    desk = build_desk(settings, state, orders=orders).desk
    ticket = desk.open_ticket(
        HandoffRequest("c1", "u1", "alexa", "asked", ({"shopper": "hi", "assistant": "yo"},))
    )
    tickets = desk.tickets(status="waiting")
    assert [t["ticket_id"] for t in tickets] == [ticket]
    assert tickets[0]["transcript"][0]["shopper"] == "hi"
    state.outbox.send(shopper_id="u1", channel="sms", text="link", link="https://x")
    assert state.outbox.messages(shopper_id="u1")[0]["body"] == "link"


def test_alexa_conversation_with_dynamodb_state(
    state_url, settings, demo_catalog, nlp, alexa_authority
):
    from skill.bootstrap import build
    from skill.web import create_app

    wired = build(
        settings.with_overrides(state_url=state_url),
        catalog=demo_catalog,
        parser=nlp,
        verifier=alexa_authority.verifier(skill_id=TEST_SKILL_ID),
    )
    client = create_app(application=wired).test_client()

    def post(envelope: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(envelope).encode()
        response = client.post("/alexa", data=body, headers=alexa_authority.sign(body))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    first = post(
        alexa_envelope(
            intent="ShopIntent", slots={"query": "show me sweaters"}, skill_id=TEST_SKILL_ID
        )
    )
    attributes = first["sessionAttributes"]
    asked = post(
        alexa_envelope(
            intent="ShopIntent",
            slots={"query": "add the first one to my cart"},
            skill_id=TEST_SKILL_ID,
            session_new=False,
            attributes=attributes,
        )
    )
    post(
        alexa_envelope(
            intent="PhraseIntent",
            slots={"phrase": "medium"},
            skill_id=TEST_SKILL_ID,
            session_new=False,
            attributes=asked["sessionAttributes"],
        )
    )
    profile = wired.state.shoppers.load("amzn1.ask.account.test")
    (line,) = profile["cart"]["lines"]
    assert line["size"] == "M" and line["quantity"] == 1, "the cart is persisted in DynamoDB"
    wired.state.shoppers.save("amzn1.ask.account.test", {**profile, "phone": "+15555550123"})
    asked = post(alexa_envelope(intent="AgentIntent", skill_id=TEST_SKILL_ID))
    post(
        alexa_envelope(
            intent="AMAZON.YesIntent",
            skill_id=TEST_SKILL_ID,
            session_new=False,
            attributes=asked["sessionAttributes"],
        )
    )
    assert wired.desk.tickets(status="waiting")
    wired.close()


def test_unreachable_dynamodb_is_a_clear_error(tmp_path, monkeypatch):
    from skill.errors import StateStoreError
    from skill.store.registry import open_state

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    state = open_state(
        "dynamodb://?table_prefix=x-&region=us-east-1&endpoint_url=http://127.0.0.1:9",
        data_dir=tmp_path,
    )
    with pytest.raises(StateStoreError):
        state.shoppers.load("u1")
