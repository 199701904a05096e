"""The HandoffDesk port on Chatwoot, against a local server that follows Chatwoot's API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.support.chatwoot_server import ACCOUNT_ID, INBOX_ID, SECRET, TOKEN, ChatwootServer


def chatwoot_settings(url: str, **changes: Any) -> dict[str, Any]:
    return {
        "desk": "chatwoot",
        "chatwoot_url": url,
        "chatwoot_account_id": ACCOUNT_ID,
        "chatwoot_inbox_id": INBOX_ID,
        "chatwoot_token": TOKEN,
        "chatwoot_webhook_secret": SECRET,
        **changes,
    }


@pytest.fixture
def chatwoot() -> Iterator[ChatwootServer]:
    with ChatwootServer() as server:
        yield server


@pytest.fixture
def shop(chatwoot, settings, demo_catalog, nlp) -> Iterator[tuple[Any, LiveServer]]:
    from skill.bootstrap import build
    from skill.web import create_app

    wired = build(
        settings.with_overrides(dev_unverified=True, **chatwoot_settings(chatwoot.url)),
        catalog=demo_catalog,
        parser=nlp,
    )
    with LiveServer(create_app(application=wired)) as server:
        yield wired, server
    wired.close()


def say(client: Any, text: str, **tokens: str) -> dict[str, Any]:
    response = client.post("/chat/api/messages", json={"text": text, **tokens})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_handoff_reply_and_resolve_through_chatwoot(chatwoot, shop):
    wired, server = shop
    from skill.web import create_app

    client = create_app(application=wired).test_client()
    first = say(client, "show me wool sweaters")
    tokens = {"shopper": first["shopper"], "conversation": first["conversation"]}
    handed = say(client, "let me talk to a person, my email is ann@example.com", **tokens)
    ticket_id = handed["reply"]["handoff"]["ticket_id"]
    assert ticket_id.startswith("CW-")
    (conversation,) = chatwoot.conversations.values()
    assert conversation["custom_attributes"]["reason"] == "asked"
    messages = chatwoot.messages[conversation["id"]]
    note = messages[0]
    assert note["private"] is True and "Shown #1" in note["content"]
    shopper_lines = [m["content"] for m in messages if m["message_type"] == "incoming"]
    assert "show me wool sweaters" in shopper_lines
    assert not any("ann@example.com" in line for line in shopper_lines)
    assert [t["ticket_id"] for t in wired.desk.tickets(status="open")] == [ticket_id]

    # Before an agent answers the shopper hears a person is coming; the words go to Chatwoot.
    waiting = say(client, "hello?", **tokens)
    assert "person" in waiting["reply"]["text"]
    assert chatwoot.messages[conversation["id"]][-1]["content"] == "hello?"

    webhook = f"{server.url}/chatwoot/webhook"
    reply = chatwoot.agent_reply_event(conversation["id"], "Hi, Riley here. Happy to help!")
    assert chatwoot.post_webhook(webhook, reply).json()["outcome"] == "delivered"
    shopper_id = wired.token_signer.shopper(tokens["shopper"])
    assert [m["text"] for m in wired.outbox.live(shopper_id)] == ["Hi, Riley here. Happy to help!"]
    quiet = say(client, "thanks, which one is warmest?", **tokens)
    assert quiet["reply"]["text"] == "", "the assistant stays quiet while an agent answers"

    # Private notes and the shopper's own (incoming) messages are not sent back to the shopper.
    note_event = {**reply, "private": True, "content": "internal note"}
    assert chatwoot.post_webhook(webhook, note_event).json()["outcome"] == "ignored"

    resolved = chatwoot.resolved_event(conversation["id"])
    assert chatwoot.post_webhook(webhook, resolved).json()["outcome"] == "resolved"
    back = say(client, "show me wool sweaters", **tokens)
    assert back["reply"]["items"], "after Chatwoot resolves it, the assistant answers again"


def test_unsigned_forged_or_stale_webhooks_are_refused(chatwoot, shop):
    wired, server = shop
    webhook = f"{server.url}/chatwoot/webhook"
    event = {"event": "message_created", "content": "hi", "conversation": {"id": 1}}
    import requests

    assert requests.post(webhook, json=event, timeout=10).status_code == 401
    assert chatwoot.post_webhook(webhook, event, secret="wrong").status_code == 401
    assert chatwoot.post_webhook(webhook, event, age_s=3600).status_code == 401
    assert chatwoot.post_webhook(webhook, event).json()["outcome"] == "ignored"
    junk = requests.post(
        webhook, data=b"\xff\xfe", headers={"X-Chatwoot-Timestamp": "x"}, timeout=10
    )
    assert junk.status_code == 401


def test_an_unreachable_chatwoot_is_an_honest_answer(settings, demo_catalog, nlp):
    from skill.bootstrap import build
    from skill.web import create_app

    wired = build(
        settings.with_overrides(**chatwoot_settings("http://127.0.0.1:9")),
        catalog=demo_catalog,
        parser=nlp,
    )
    client = create_app(application=wired).test_client()
    body = say(client, "let me talk to a person")
    assert body["reply"]["handoff"] is None
    assert "can't reach our team" in body["reply"]["text"]
    wired.close()


def test_chatwoot_needs_its_settings(settings, demo_catalog, nlp):
    from skill.bootstrap import build
    from skill.errors import SettingsError

    with pytest.raises(SettingsError, match="AMBIENT_SHOP_CHATWOOT_TOKEN"):
        build(
            settings.with_overrides(**chatwoot_settings("http://x", chatwoot_token=None)),
            catalog=demo_catalog,
            parser=nlp,
        )
    with pytest.raises(SettingsError, match="AMBIENT_SHOP_DESK"):
        build(settings.with_overrides(desk="zendesk"), catalog=demo_catalog, parser=nlp)
