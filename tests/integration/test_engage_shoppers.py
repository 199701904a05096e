"""Profiles in conversation, opinions, and data-protection export and erasure."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from skill.cli import main
from skill.core.model import Turn
from skill.core.state import DialogueState
from tests.support.engage import order_event, signed


def say(
    application,
    text,
    *,
    shopper="shopper-1",
    conversation="conv-1",
    channel="webchat",
    event="message",
):
    stored = application.conversations.load(conversation)
    turn = Turn(
        channel=channel, shopper_id=shopper, conversation_id=conversation, text=text, event=event
    )
    reply, state, parse = application.conversation.handle(turn, DialogueState.from_dict(stored))
    application.conversations.save(conversation, state.to_dict())
    return reply, parse


def post_order(client, application, shopper, order, value="1200.00", title="Velvet sofa"):
    payload = order_event(
        f"evt-{order}", at=datetime.now(UTC), shopper=shopper, order=order, value=value
    )
    payload["order"]["items"][0]["title"] = title
    body, headers = signed(application.engage.secret, payload, at=datetime.now(UTC))
    assert client.post("/events", data=body, headers=headers).status_code == 202


def test_returning_gold_shopper_is_greeted_by_what_they_bought(client, application):
    post_order(client, application, "shopper-1", "o1", title="Cream cardigan")
    reply, _ = say(application, "", event="launch")
    assert "Cream cardigan" in reply.text
    assert "gold member" in reply.text and "free express delivery" in reply.text
    newcomer, _ = say(application, "", shopper="new", conversation="c-new", event="launch")
    assert "Welcome back" not in newcomer.text


def test_in_my_size_uses_the_profile(application):
    application.engage.update_profile("shopper-1", {"sizes": {"default": "M"}})
    _, parse = say(application, "show me wool sweaters in my size")
    assert "in size medium" in parse.text
    sizes = [e.value for e in parse.entities if e.label == "SIZE"]
    assert sizes == ["M"], parse.to_dict()


def test_feedback_intent_is_captured_and_listed(application, capsys, monkeypatch, settings):
    _, parse = say(application, "I have some feedback: you should stock linen bedding")
    assert parse.intent == "feedback", parse.to_dict()
    entries = application.engage.surveys.feedback()
    assert [e.doc["text"] for e in entries] == [
        "I have some feedback: you should stock linen bedding"
    ]
    monkeypatch.setenv("AMBIENT_SHOP_DATA_DIR", str(settings.data_dir))
    assert main(["engage", "feedback"]) == 0
    assert "linen bedding" in capsys.readouterr().out


def test_ces_follows_a_self_service_task_once(application):
    say(application, "where is my order 45712")
    say(application, "what are your shipping options")
    surveys = application.engage.records.query("survey")
    assert [s.doc["survey"] for s in surveys] == ["ces"]
    live = application.outbox.live("shopper-1")
    assert any("How easy" in m["text"] and "/surveys/" in m["link"] for m in live)


def test_survey_answers_out_of_range_are_rejected_clearly(client, application):
    survey_id = application.engage.surveys.ask("nps", shopper_id="s", channel="sms")
    for bad in (11, -1, "ten", 7.5, True, None):
        answer = client.post(f"/surveys/{survey_id}", json={"score": bad})
        assert answer.status_code == 400, bad
        assert answer.json["error"] == "score must be a whole number from 0 to 10 for NPS"
    assert client.post(f"/surveys/{survey_id}", json={"score": 9}).status_code == 200
    again = client.post(f"/surveys/{survey_id}", json={"score": 3})
    assert again.status_code == 409
    assert client.post("/surveys/nps-unknown", json={"score": 3}).status_code == 404
    page = client.get(f"/surveys/{survey_id}")
    assert page.status_code == 200 and b"Already answered" in page.data


def test_survey_form_answers_in_the_browser_way(client, application):
    survey_id = application.engage.surveys.ask("csat", shopper_id="s", channel="webchat")
    form = client.get(f"/surveys/{survey_id}")
    assert b'name="score" value="5"' in form.data and b'value="6"' not in form.data
    bad = client.post(f"/surveys/{survey_id}", data={"score": "9"})
    assert bad.status_code == 400 and b"from 1 to 5" in bad.data
    good = client.post(f"/surveys/{survey_id}", data={"score": "4", "comment": "quick"})
    assert good.status_code == 200 and b"Thank you" in good.data
    assert application.engage.records.get("survey", survey_id).doc["score"] == 4


@pytest.fixture
def cli_env(monkeypatch, settings):
    monkeypatch.setenv("AMBIENT_SHOP_DATA_DIR", str(settings.data_dir))
    return settings


def test_export_then_erase_removes_the_shopper_everywhere(client, application, cli_env, capsys):
    post_order(client, application, "shopper-1", "o1")
    application.engage.update_profile("shopper-1", {"phone": "+15551234567", "birthday": "05-14"})
    say(application, "where is my order 45712")
    say(application, "i want to talk to a person")
    application.engage.surveys.capture_feedback(
        shopper_id="shopper-1", channel="webchat", text="stock linen"
    )
    say(application, "hello", shopper="someone-else", conversation="conv-2")

    assert main(["shopper", "export", "shopper-1"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["profile"]["phone"] == "+15551234567"
    assert exported["records"]["event"][0]["id"] == "evt-o1"
    assert exported["tickets"] and exported["tickets"][0]["messages"]
    assert exported["web_chat_messages"]
    assert "conv-1" in exported["conversation_state"]

    assert main(["shopper", "erase", "shopper-1"]) == 1  # asks for --yes first
    capsys.readouterr()
    assert main(["shopper", "erase", "shopper-1", "--yes", "--json"]) == 0
    removed = json.loads(capsys.readouterr().out)["removed"]
    for where in (
        "state:shoppers",
        "state:conversations",
        "state:desk_tickets",
        "state:desk_streams",
        "engage:event",
        "engage:conversation",
        "engage:feedback",
        "engage:survey",
    ):
        assert removed.get(where, 0) >= 1, (where, removed)

    assert main(["shopper", "export", "shopper-1"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert after["erased"] is True
    assert after["profile"] == {} and after["records"] == {} and after["tickets"] == []
    assert after["messages"] == [] and after["conversation_state"] == {}
    assert after["web_chat_messages"] == []
    # Someone else's data is untouched.
    assert application.conversations.load("conv-2") is not None


def test_cli_erase_says_what_it_removed(client, application, cli_env, capsys):
    post_order(client, application, "shopper-2", "o2")
    assert main(["shopper", "erase", "shopper-2", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Erased shopper 'shopper-2'" in out and "engage:event: 1 removed" in out
    assert main(["shopper", "set", "shopper-2", "--size", "M"]) == 2
    assert "erased" in capsys.readouterr().err
