"""The Lambda entry point, invoked in-process with Alexa event JSON, state in DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.alexa_signing import alexa_envelope
from tests.support.moto import moto_server

SKILL_ID = "amzn1.ask.skill.lambda-test"


@pytest.fixture
def lambda_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import boto3

    from skill.alexa import lambda_handler
    from skill.store.dynamodb import DynamoTables

    with moto_server() as endpoint:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_LAMBDA_FUNCTION_NAME": "ambient-shop-skill",
            "AMBIENT_SHOP_DATA_DIR": str(tmp_path),
            "AMBIENT_SHOP_SKILL_ID": SKILL_ID,
            "AMBIENT_SHOP_STATE": "dynamodb://?table_prefix=lambda-&region=us-east-1"
            f"&endpoint_url={endpoint}",
        }.items():
            monkeypatch.setenv(name, value)
        resource = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
        DynamoTables(resource, table_prefix="lambda-").create_missing()
        lambda_handler._application.cache_clear()
        yield endpoint
        lambda_handler._application().close()
        lambda_handler._application.cache_clear()


def test_lambda_answers_alexa_events_with_dynamodb_state(lambda_env):
    from skill.alexa.lambda_handler import handler

    first = handler(
        alexa_envelope(
            intent="ShopIntent",
            slots={
                "query": "find out where harry styles got the sweater he wore on his npr "
                "tiny desk concert and how much it would cost me"
            },
            skill_id=SKILL_ID,
            timestamp=datetime.now(UTC),
        ),
        None,
    )
    assert "$148" in first["response"]["outputSpeech"]["ssml"]
    second = handler(
        alexa_envelope(
            intent="PhraseIntent",
            slots={"phrase": "add it to my cart"},
            skill_id=SKILL_ID,
            session_new=False,
            attributes=first["sessionAttributes"],
        ),
        None,
    )
    assert "What size" in second["response"]["outputSpeech"]["ssml"]
    third = handler(
        alexa_envelope(
            intent="PhraseIntent",
            slots={"phrase": "medium"},
            skill_id=SKILL_ID,
            session_new=False,
            attributes=second["sessionAttributes"],
        ),
        None,
    )
    assert "Added" in third["response"]["outputSpeech"]["ssml"]
    from skill.alexa.lambda_handler import _application

    profile = _application().state.shoppers.load("amzn1.ask.account.test")
    assert profile["cart"] == {"lines": [{"product_id": "AH-SW-1001", "size": "M", "quantity": 1}]}


def test_lambda_refuses_another_skill_without_raising(lambda_env, caplog):
    from skill.alexa.lambda_handler import handler

    answer = handler(
        alexa_envelope(request_type="LaunchRequest", skill_id="amzn1.ask.skill.other"), None
    )
    assert "Sorry" in answer["response"]["outputSpeech"]["text"]
    assert "Skill ID Verification failed" in caplog.text
