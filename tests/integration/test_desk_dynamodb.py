"""The desk on DynamoDB through a real moto_server: lifecycle, sessions, and 50-way claim races."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skill.desk.errors import TicketConflict
from tests.integration.test_desk_service import claim_with_processes, claim_with_threads
from tests.support.desk import agents, handoff, open_desk
from tests.support.moto import dynamodb_state_url, moto_server


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def state_url(moto_url: str, monkeypatch: pytest.MonkeyPatch, request: Any) -> str:
    prefix = f"d{abs(hash(request.node.name)) % 10**8}-"
    return dynamodb_state_url(moto_url, monkeypatch, prefix=prefix)


@pytest.fixture
def desk(state_url, tmp_path):
    opened, closers = open_desk(tmp_path, state_url)
    yield opened
    for resource in closers:
        resource.close()


def test_lifecycle_on_dynamodb(desk):
    from skill.desk.sessions import end_session, load_session, start_session

    ann, bob = agents(desk, "ann", "bob")
    ticket_id = desk.open_ticket(handoff(said="call me at 415 555 0142"))
    assert desk.open_ticket(handoff()) == ticket_id
    assert "[phone ending 42]" in desk.get(ticket_id)["transcript"][0]["shopper"]
    assert desk.relay("c1", "hello?") == "waiting"
    desk.claim(ann, ticket_id)
    with pytest.raises(TicketConflict):
        desk.claim(bob, ticket_id)
    desk.reply(ann, ticket_id, "Hi!")
    desk.offer(ann, ticket_id, kind="free_shipping", value="Standard shipping")
    desk.resolve(ann, ticket_id)
    desk.record_csat(ticket_id, shopper_id="u1", score=5)
    assert [m["text"] for m in desk.store.read("shopper:u1")][1] == "Hi!"
    assert [e["outcome"] for e in desk.audit_log()] == ["granted"]
    token, session = start_session(desk, ann)
    assert load_session(desk, token).csrf_token == session.csrf_token
    end_session(desk, token)
    assert load_session(desk, token) is None
    assert desk.authenticate("ann", "correct horse battery") == ann


def test_fifty_agents_claim_one_ticket_with_threads_on_dynamodb(desk):
    claim_with_threads(desk)


def test_fifty_agents_claim_one_ticket_with_processes_on_dynamodb(desk, state_url, tmp_path):
    claim_with_processes(tmp_path, state_url, desk)
