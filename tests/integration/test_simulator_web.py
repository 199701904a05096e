"""The /simulator page's JSON API over the Flask test client, with the real parser and catalog."""

from __future__ import annotations

from typing import Any

import pytest

from skill.simulator.web import SHOPPER_PREFIX


@pytest.fixture
def settings(settings: Any) -> Any:
    """The page is served only when asked for, as `make run` does."""
    return settings.with_overrides(simulator_enabled=True)


def turn(client: Any, **body: Any) -> dict[str, Any]:
    response = client.post("/simulator/api/turn", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_page_and_its_assets_are_served(client):
    page = client.get("/simulator")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/simulator/static/simulator.js" in html and "/simulator/static/simulator.css" in html
    assert client.get("/simulator/static/simulator.js").status_code == 200
    assert client.get("/simulator/static/simulator.css").status_code == 200
    meta = client.get("/simulator/api/meta").get_json()
    assert {d["name"] for d in meta["devices"]} == {"voice", "screen"}
    assert "AMAZON.YesIntent" in meta["intents"] and meta["examples"]


def test_a_session_is_kept_server_side_across_turns(client):
    first = turn(client, text="show me wool sweaters", device="screen", shopper="web-a")
    key = first["session"]
    assert first["created"] and first["open"]
    result = first["result"]
    assert result["sent"] == "ShopIntent" and result["slots"] == {"query": "wool sweaters"}
    assert result["parse"]["intent"] == "find_product"
    assert result["apl"] and result["apl_items"]
    assert all("$" in item["price"] for item in result["apl_items"])
    assert first["state"]["results"]
    second = turn(client, session=key, text="the second one")
    assert second["session"] == key and not second["created"]
    assert second["state"]["selected"] == first["state"]["results"][1]
    assert second["shopper_id"] == SHOPPER_PREFIX + "web-a"


def test_outbox_shows_texts_for_the_current_shopper_only(client):
    first = turn(client, text="i want to return order 45714", shopper="web-b")
    key = first["session"]
    done = turn(client, session=key, intent="AMAZON.YesIntent")
    assert any("45714" in m["body"] for m in done["outbox"])
    other = turn(client, session=key, shopper="web-c")
    assert other["result"] is None and other["outbox"] == [] and not other["open"]
    listed = client.get("/simulator/api/outbox?shopper=web-b").get_json()
    assert listed["shopper_id"] == SHOPPER_PREFIX + "web-b"
    assert any("45714" in m["body"] for m in listed["messages"])


def test_launch_end_and_device_switch(client):
    opened = turn(client, launch=True, device="voice")
    assert "Welcome" in opened["result"]["speech"] and opened["open"]
    switched = client.post(
        "/simulator/api/session", json={"session": opened["session"], "device": "screen"}
    ).get_json()
    assert switched["device"] == "screen" and not switched["open"]
    again = turn(client, session=opened["session"], launch=True)
    assert again["open"]
    ended = turn(client, session=opened["session"], end=True)
    assert ended["result"]["end_session"] and not ended["open"]
    assert turn(client, session=opened["session"], end=True)["result"] is None


def test_an_expired_session_id_starts_a_new_session(client):
    body = turn(client, session="no-such-session", text="help")
    assert body["created"] and body["session"] != "no-such-session"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "JSON object"),
        ([1, 2], "JSON object"),
        ({"text": 42}, "`text` must be a string"),
        ({"text": "   "}, "`text` is empty"),
        ({"text": "x" * 2001}, "longer than 2000"),
        ({"text": "hi", "device": "fridge"}, "`device` must be one of"),
        ({"text": "hi", "shopper": "Robert'); DROP TABLE--"}, "shopper name"),
        ({"intent": "AMAZON.PauseIntent"}, "unknown intent"),
        ({"intent": "ShopIntent", "slots": {"query": 5}}, "slot 'query' must be a string"),
        ({"intent": "ShopIntent", "slots": ["query"]}, "`slots` must be an object"),
        ({"text": "hi", "launch": True}, "send one of"),
        ({"session": 7, "text": "hi"}, "`session` must be a string"),
    ],
)
def test_bad_input_is_a_400_with_a_reason(client, body, message):
    if isinstance(body, str):
        response = client.post("/simulator/api/turn", data=body, content_type="text/plain")
    else:
        response = client.post("/simulator/api/turn", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_outbox_of_an_arbitrary_id_is_refused(client):
    response = client.get("/simulator/api/outbox?shopper=amzn1.ask.account.REAL")
    assert response.status_code == 400


def test_a_session_continues_on_another_worker(settings, demo_catalog, nlp):
    """Two apps on one state file stand for two gunicorn workers: either continues the session."""
    from skill.bootstrap import build
    from skill.web import create_app

    workers = [
        build(settings.with_overrides(dev_unverified=True), catalog=demo_catalog, parser=nlp)
        for _ in range(2)
    ]
    clients = [create_app(application=wired).test_client() for wired in workers]
    try:
        first = turn(clients[0], text="show me wool sweaters", device="screen", shopper="sam")
        second = turn(clients[1], session=first["session"], text="the second one")
        assert not second["created"] and second["session"] == first["session"]
        assert second["shopper"] == "sam" and second["device"] == "screen"
        assert second["result"]["parse"]["intent"] == "select_item"
        assert second["state"]["selected"], "the listed items came along from the other worker"
    finally:
        for wired in workers:
            wired.close()
