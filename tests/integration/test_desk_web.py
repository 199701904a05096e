"""The /desk pages and the /chat page through the Flask app: sign-in, CSRF, roles, bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.desk import PASSWORD, agents


def say(client: Any, text: str, **tokens: str) -> dict[str, Any]:
    response = client.post("/chat/api/messages", json={"text": text, **tokens})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def sign_in(client: Any, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token from a page."""
    page = client.get("/desk/login").get_data(as_text=True)
    token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/desk/login", data={"login_token": token, "username": username, "password": password}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    queue = client.get("/desk").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', queue).group(1)


@pytest.fixture
def desk(application):
    return application.agent_desk


@pytest.fixture
def ticket(client):
    """A web-chat shopper who asked for a person, with the tokens to keep talking."""
    first = say(client, "show me wool sweaters")
    tokens = {"shopper": first["shopper"], "conversation": first["conversation"]}
    handed = say(client, "let me talk to a person", **tokens)
    return handed["reply"]["handoff"]["ticket_id"], tokens


def test_unauthenticated_requests_are_refused(client, ticket):
    ticket_id, _ = ticket
    assert client.get("/desk").status_code == 302
    assert client.get(f"/desk/tickets/{ticket_id}").headers["Location"].startswith("/desk/login")
    for path in ("/desk/api/queue", f"/desk/events/tickets/{ticket_id}", "/desk/events/queue"):
        assert client.get(path).status_code == 401
    response = client.post(f"/desk/tickets/{ticket_id}/claim", data={"csrf_token": "x"})
    assert response.status_code == 401
    forged = client.get("/desk", headers={"Cookie": "desk_session=made-up"})
    assert forged.status_code == 302


def test_login_needs_the_right_password_and_a_fresh_form(client, desk):
    agents(desk, "ann")
    page = client.get("/desk/login").get_data(as_text=True)
    token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
    wrong = client.post(
        "/desk/login", data={"login_token": token, "username": "ann", "password": "nope"}
    )
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.get_data(True)
    stale = client.post(
        "/desk/login", data={"login_token": "other", "username": "ann", "password": PASSWORD}
    )
    assert stale.status_code == 403
    sign_in(client, "ann")
    assert client.get("/desk").status_code == 200


def test_cross_site_and_csrf_less_posts_are_refused(client, desk, ticket):
    ticket_id, _ = ticket
    agents(desk, "ann")
    csrf = sign_in(client, "ann")
    claim = f"/desk/tickets/{ticket_id}/claim"
    assert client.post(claim).status_code == 403
    assert client.post(claim, data={"csrf_token": "guess"}).status_code == 403
    evil = {"Origin": "https://evil.example"}
    assert client.post(claim, data={"csrf_token": csrf}, headers=evil).status_code == 403
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert client.post(claim, data={"csrf_token": csrf}, headers=cross).status_code == 403
    assert desk.get(ticket_id)["status"] == "waiting"
    ours = {"Origin": "http://localhost"}
    assert client.post(claim, data={"csrf_token": csrf}, headers=ours).status_code == 302
    assert desk.get(ticket_id)["owner"] == "ann"


def test_offer_beyond_policy_is_refused_whatever_the_page_sends(client, desk, ticket):
    ticket_id, _ = ticket
    agents(desk, "ann")
    csrf = sign_in(client, "ann")
    fetch = {"X-Requested-With": "fetch"}
    client.post(f"/desk/tickets/{ticket_id}/claim", data={"csrf_token": csrf})
    offer = f"/desk/tickets/{ticket_id}/offer"
    for kind, value in (
        ("free_shipping", "Express shipping"),
        ("discount", "50"),
        ("discount", "-5"),
        ("discount", "1e9"),
        ("refund", "100"),
    ):
        response = client.post(
            offer, data={"csrf_token": csrf, "kind": kind, "value": value}, headers=fetch
        )
        assert response.status_code == 403, (kind, value)
    assert desk.get(ticket_id)["offers"] == []
    granted = client.post(
        offer,
        data={"csrf_token": csrf, "kind": "free_shipping", "value": "Standard shipping"},
        headers=fetch,
    )
    assert granted.status_code == 200
    assert len([e for e in desk.audit_log() if e.get("outcome") == "refused"]) == 5


def test_another_agents_conversation_is_closed_until_a_supervisor_transfers(
    app, client, desk, ticket
):
    ticket_id, _ = ticket
    agents(desk, "ann", "bob")
    agents(desk, "sue", role="supervisor")
    ann, bob, sue = app.test_client(), app.test_client(), app.test_client()
    ann_csrf, bob_csrf, sue_csrf = sign_in(ann, "ann"), sign_in(bob, "bob"), sign_in(sue, "sue")
    assert (
        ann.post(f"/desk/tickets/{ticket_id}/claim", data={"csrf_token": ann_csrf}).status_code
        == 302
    )
    assert bob.get(f"/desk/tickets/{ticket_id}").status_code == 403
    assert bob.get(f"/desk/events/tickets/{ticket_id}").status_code == 403
    reply = bob.post(
        f"/desk/tickets/{ticket_id}/reply", data={"csrf_token": bob_csrf, "text": "hi"}
    )
    assert reply.status_code == 403
    assert ticket_id not in bob.get("/desk/api/queue").get_data(as_text=True)
    transfer = bob.post(
        f"/desk/tickets/{ticket_id}/transfer", data={"csrf_token": bob_csrf, "to": "bob"}
    )
    assert transfer.status_code == 403
    moved = sue.post(
        f"/desk/tickets/{ticket_id}/transfer", data={"csrf_token": sue_csrf, "to": "bob"}
    )
    assert moved.status_code == 302
    assert bob.get(f"/desk/tickets/{ticket_id}").status_code == 200
    assert ann.get(f"/desk/tickets/{ticket_id}").status_code == 403
    assert sue.get("/desk/audit").status_code == 200
    assert ann.get("/desk/audit").status_code == 403


def test_relay_quiet_assistant_and_csat_over_web_chat(client, desk, ticket):
    ticket_id, tokens = ticket
    waiting = say(client, "are you there?", **tokens)
    assert "person" in waiting["reply"]["text"]
    agents(desk, "ann")
    csrf = sign_in(client, "ann")
    client.post(f"/desk/tickets/{ticket_id}/claim", data={"csrf_token": csrf})
    quiet = say(client, "my card is 4242 4242 4242 4242", **tokens)
    assert quiet["reply"]["text"] == "", "the assistant stays quiet while a person owns it"
    page = client.get(f"/desk/tickets/{ticket_id}").get_data(as_text=True)
    assert "[card ending 4242]" in page and "4242 4242 4242 4242" not in page
    client.post(f"/desk/tickets/{ticket_id}/resolve", data={"csrf_token": csrf})
    bad = [
        {"shopper": tokens["shopper"], "ticket": ticket_id, "score": 6},
        {"shopper": tokens["shopper"], "ticket": ticket_id, "score": True},
        {"shopper": tokens["shopper"], "ticket": "T-../../x", "score": 3},
        {"shopper": "forged", "ticket": ticket_id, "score": 3},
        {"ticket": ticket_id, "score": 3},
        [],
    ]
    for payload in bad:
        assert client.post("/chat/api/csat", json=payload).status_code == 400, payload
    good = {"shopper": tokens["shopper"], "ticket": ticket_id, "score": 5}
    assert client.post("/chat/api/csat", json=good).status_code == 200
    assert client.post("/chat/api/csat", json=good).status_code == 409
    assert desk.get(ticket_id)["csat"]["score"] == 5
    back = say(client, "show me wool sweaters", **tokens)
    assert back["reply"]["items"], "after the person is done, the assistant answers again"


def test_chat_page_and_embed_script(client):
    page = client.get("/chat")
    assert page.status_code == 200 and b"chat-form" in page.data
    script = client.get("/chat/embed.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert b"/chat?embed=1" in script.data
    assert client.get("/chat/api/events").status_code == 400
    assert client.get("/chat/api/events?shopper=forged").status_code == 400


def test_bad_ticket_ids_and_actions_are_clear_errors(client, desk):
    agents(desk, "ann")
    csrf = sign_in(client, "ann")
    assert client.get("/desk/tickets/T-0000000000").status_code == 404
    assert client.get("/desk/tickets/..%2F..%2Fetc").status_code == 404
    assert (
        client.post("/desk/tickets/T-0000000000/claim", data={"csrf_token": csrf}).status_code
        == 404
    )
    assert (
        client.post("/desk/tickets/T-0000000000/explode", data={"csrf_token": csrf}).status_code
        == 404
    )
    response = client.post(
        "/desk/tickets/T-0000000000/reply", data={"csrf_token": csrf, "text": "x" * 5000}
    )
    assert response.status_code in (400, 404)


def test_event_stream_carries_new_messages(client, desk, ticket, monkeypatch):
    from skill.desk import web

    monkeypatch.setattr(web, "STREAM_WINDOW_S", 0.5)
    ticket_id, tokens = ticket
    agents(desk, "ann")
    sign_in(client, "ann")
    say(client, "hello from the shopper", **tokens)
    body = client.get(f"/desk/events/tickets/{ticket_id}").get_data(as_text=True)
    assert "retry:" in body and "hello from the shopper" in body and "event: message" in body
    live = client.get(f"/chat/api/events?shopper={tokens['shopper']}").get_data(as_text=True)
    assert live.startswith("retry:")
