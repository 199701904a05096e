"""The web chat channel: the same core as Alexa, state kept server-side behind signed ids."""

from __future__ import annotations

from typing import Any

import pytest


def say(client: Any, text: str, **ids: str) -> dict[str, Any]:
    response = client.post("/chat/api/messages", json={"text": text, **ids})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_mission_example_over_web_chat(client):
    body = say(
        client,
        "find out where harry styles got the sweater he wore on his npr tiny desk concert "
        "and how much it would cost me",
    )
    reply = body["reply"]
    assert "$148" in reply["text"] and "exact" in reply["text"]
    assert reply["items"][0]["product_id"] == "AH-SW-1001"
    assert body["intent"] == "find_seen_on"


def test_conversation_continues_with_returned_tokens(client):
    first = say(client, "show me wool sweaters")
    ids = {"conversation": first["conversation"], "shopper": first["shopper"]}
    listed = [item["product_id"] for item in first["reply"]["items"]]
    second = say(client, "the second one", **ids)
    assert second["reply"]["items"][0]["product_id"] == listed[1]
    third = say(client, "add it to my cart", **ids)
    assert "What size" in third["reply"]["text"]
    fourth = say(client, "large", **ids)
    assert "Added" in fourth["reply"]["text"] and "size L" in fourth["reply"]["text"]


def test_handoff_over_web_chat_opens_a_ticket(client, application):
    body = say(client, "let me talk to a person")
    assert body["reply"]["handoff"]["ticket_id"].startswith("T-")
    assert body["reply"]["end_session"] is False
    assert application.desk.tickets(status="waiting")


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"text": 5},
        {"text": "x" * 2001},
        {"text": "hi", "shopper": "web-someone-else"},
        {"text": "hi", "conversation": "chat-guess.0000"},
        {"text": "hi", "shopper": ["x"]},
    ],
)
def test_bad_input_is_a_clear_400(client, payload):
    response = client.post("/chat/api/messages", json=payload)
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_non_json_body_is_400(client):
    response = client.post("/chat/api/messages", data=b"\xff\xfe", content_type="text/plain")
    assert response.status_code == 400
