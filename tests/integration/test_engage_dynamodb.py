"""Engagement on the DynamoDB back end, through a real moto_server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from skill.bootstrap import build_desk
from skill.core.model import HandoffRequest
from skill.engage.events import parse_event
from skill.engage.records import Record
from skill.engage.service import engage_for_state
from skill.settings import Settings
from skill.store.registry import open_state
from tests.support.engage import FakeClock, cart_event, order_event
from tests.support.moto import moto_server


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def state(moto_url: str, monkeypatch: pytest.MonkeyPatch, request: Any, tmp_path) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    import boto3

    from skill.store.dynamodb import DynamoTables

    prefix = f"e{abs(hash(request.node.name)) % 10**8}-"
    resource = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=moto_url)
    DynamoTables(resource, table_prefix=prefix).create_missing()
    url = f"dynamodb://?table_prefix={prefix}&region=us-east-1&endpoint_url={moto_url}"
    opened = open_state(url, data_dir=tmp_path)
    yield opened
    for resource in opened.closers:
        resource.close()


def test_records_insert_once_query_in_time_order_and_erase(state):
    records = state.engage_records
    assert records.insert(Record("event", "e2", "s1", "2026-11-20T10:00:00.000+00:00", {"n": 2}))
    assert records.insert(Record("event", "e1", "s1", "2026-11-20T09:00:00.000+00:00", {"n": 1}))
    assert not records.insert(Record("event", "e1", "s1", "2026-11-20T09:00:00.000+00:00", {}))
    assert records.insert(Record("event", "e3", "s2", "2026-11-20T11:00:00.000+00:00", {}))
    assert [r.record_id for r in records.query("event")] == ["e1", "e2", "e3"]
    assert [r.record_id for r in records.query("event", since="2026-11-20T09:30")] == ["e2", "e3"]
    assert [r.record_id for r in records.query("event", shopper_id="s2")] == ["e3"]
    assert records.get("event", "e1").doc == {"n": 1}
    # Outbound messages share the table and are not engagement records.
    state.outbox.send(shopper_id="s1", channel="sms", text="hi")
    assert records.erase_shopper("s1") == {"event": 2}
    assert [r.record_id for r in records.query("event")] == ["e3"]
    assert len(state.outbox.messages(shopper_id="s1")) == 1


def test_abandonment_and_erasure_on_dynamodb(state, tmp_path):
    clock = FakeClock()
    settings = Settings(data_dir=tmp_path)
    wired_desk = build_desk(settings, state)
    engage = engage_for_state(
        settings, state, desk=wired_desk.port, outbox=wired_desk.outbox, clock=clock
    )
    engage.update_profile("s1", {"phone": "+15551234567"})
    engage.intake.receive(
        parse_event(
            cart_event(
                "e1", "checkout_started", at=clock.now(), shopper="s1", cart="c1", channel="app"
            )
        )
    )
    clock.advance(minutes=3)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(len(engage.watcher.sweep())))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 1]
    tasks = [t for t in wired_desk.desk.tickets() if t["reason"] == "cart abandonment"]
    assert len(tasks) == 1
    receipt = engage.intake.receive(
        parse_event(
            order_event("e2", at=clock.advance(minutes=5), shopper="s1", order="o1", cart="c1")
        )
    )
    assert receipt.recovered_cart == "c1"

    state.conversations.save("conv-1", {"version": 1})
    engage.tracker.turn(
        conversation_id="conv-1",
        shopper_id="s1",
        channel="webchat",
        intent="greeting",
        ticket_id=None,
        task_done=False,
    )
    wired_desk.desk.open_ticket(HandoffRequest("conv-1", "s1", "webchat", "asked", ()))
    removed = engage.erase("s1")
    assert removed["state:profiles"] == 1
    assert removed["state:state"] == 3  # the conversation and both tickets' message streams
    assert removed["state:tickets"] == 2
    assert removed["state:events"] >= 1  # the SMS nudge and what the desk told the shopper
    assert state.outbox.messages(shopper_id="s1") == []
    assert wired_desk.desk.tickets() == []
    assert removed["engage:event"] == 2 and removed["engage:outreach"] == 1
    assert state.shoppers.load("s1") == {}
    assert engage.intake.is_erased("s1")
    later = engage.intake.receive(
        parse_event(order_event("e3", at=clock.now(), shopper="s1", order="o2"))
    )
    assert later.flags == ("erased_shopper",)
    assert state.shoppers.load("s1") == {}
