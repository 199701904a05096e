"""The 3-minute abandonment rule on a fake clock, with the real SQLite state store."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from skill.bootstrap import build_desk
from skill.engage.events import parse_event
from skill.engage.service import engage_for_state
from skill.settings import Settings
from skill.store.registry import open_state
from tests.support.engage import FakeClock, cart_event, order_event


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wired(tmp_path, clock) -> Any:
    settings = Settings(data_dir=tmp_path)
    state = open_state(settings.resolved_state_url, data_dir=tmp_path)
    wired_desk = build_desk(settings, state)
    engage = engage_for_state(
        settings, state, desk=wired_desk.port, outbox=wired_desk.outbox, clock=clock
    )
    state.agent_desk = wired_desk.desk
    yield engage, state
    for resource in state.closers:
        resource.close()


def receive(engage: Any, payload: dict[str, Any]) -> Any:
    return engage.intake.receive(parse_event(payload))


def desk_tasks(state: Any) -> list[dict[str, Any]]:
    return [t for t in state.agent_desk.tickets() if t["reason"] == "cart abandonment"]


def test_exactly_one_outreach_and_one_desk_task_after_three_quiet_minutes(wired, clock):
    engage, state = wired
    start = clock.now()
    receive(engage, cart_event("e1", "cart_updated", at=start, shopper="s1", cart="c1"))
    receive(engage, cart_event("e2", "checkout_started", at=start, shopper="s1", cart="c1"))

    clock.advance(minutes=2, seconds=59)
    assert engage.watcher.sweep() == []
    clock.advance(seconds=1)
    made = engage.watcher.sweep()
    assert [o.cart_id for o in made] == ["c1"]
    assert made[0].channels == ("webchat",)

    clock.advance(minutes=10)
    assert engage.watcher.sweep() == []
    # A web checkout's nudge goes to the shopper's live web chat stream.
    live = engage.outbox.live("s1")
    assert len(live) == 1 and "$250.00" in live[0]["text"]
    assert state.outbox.messages(shopper_id="s1") == []
    tasks = desk_tasks(state)
    assert len(tasks) == 1
    assert tasks[0]["cart_value"] == "250.00"
    assert tasks[0]["cart_lines"][0]["title"] == "Velvet sofa"
    assert tasks[0]["status"] == "waiting" and tasks[0]["shopper_id"] == "s1"


def test_concurrent_sweeps_reach_out_once(wired, clock):
    engage, state = wired
    receive(engage, cart_event("e1", "checkout_started", at=clock.now(), shopper="s1", cart="c1"))
    clock.advance(minutes=4)
    barrier = threading.Barrier(8)
    results: list[int] = []

    def sweep() -> None:
        barrier.wait()
        results.append(len(engage.watcher.sweep()))

    threads = [threading.Thread(target=sweep) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0] * 7 + [1]
    assert len(desk_tasks(state)) == 1
    assert len(engage.outbox.live("s1")) == 1


@pytest.mark.parametrize(
    "follow_up",
    [
        lambda t: cart_event("e2", "payment_info_entered", at=t, shopper="s1", cart="c1"),
        lambda t: order_event("e2", at=t, shopper="s1", order="o1", cart="c1"),
    ],
)
def test_payment_or_order_in_time_means_no_outreach(wired, clock, follow_up):
    engage, state = wired
    receive(engage, cart_event("e1", "checkout_started", at=clock.now(), shopper="s1", cart="c1"))
    receive(engage, follow_up(clock.advance(minutes=2)))
    clock.advance(minutes=5)
    assert engage.watcher.sweep() == []
    assert desk_tasks(state) == []


def test_small_carts_are_left_alone(wired, clock):
    engage, state = wired
    receive(
        engage,
        cart_event("e1", "checkout_started", at=clock.now(), shopper="s1", cart="c1", value="12"),
    )
    clock.advance(minutes=5)
    assert engage.watcher.sweep() == []


def test_order_after_outreach_within_window_counts_as_recovered(wired, clock):
    engage, _state = wired
    receive(engage, cart_event("e1", "checkout_started", at=clock.now(), shopper="s1", cart="c1"))
    clock.advance(minutes=3)
    assert len(engage.watcher.sweep()) == 1
    receipt = receive(
        engage, order_event("e2", at=clock.advance(minutes=20), shopper="s1", order="o1", cart="c1")
    )
    assert receipt.recovered_cart == "c1"
    outreach = engage.records.get("outreach", "c1")
    assert outreach.doc["recovered"] is True
    assert outreach.doc["recovered_value"] == "257.00"


def test_order_after_the_recovery_window_is_not_credited(wired, clock):
    engage, _state = wired
    receive(engage, cart_event("e1", "checkout_started", at=clock.now(), shopper="s1", cart="c1"))
    clock.advance(minutes=3)
    engage.watcher.sweep()
    late = clock.advance(hours=25)
    receipt = receive(engage, order_event("e2", at=late, shopper="s1", order="o1", cart="c1"))
    assert receipt.recovered_cart is None


def test_voice_only_by_notification_and_only_with_permission(wired, clock):
    engage, state = wired
    engage.update_profile("s1", {"phone": "+15551234567", "alexa_notifications": True})
    engage.update_profile("s2", {"phone": "+15557654321"})
    for shopper, cart in (("s1", "c1"), ("s2", "c2")):
        receive(
            engage,
            cart_event(
                f"e-{cart}",
                "checkout_started",
                at=clock.now(),
                shopper=shopper,
                cart=cart,
                channel="app",
            ),
        )
    clock.advance(minutes=3)
    made = {o.shopper_id: o.channels for o in engage.watcher.sweep()}
    assert made == {"s1": ("sms", "alexa_notification"), "s2": ("sms",)}
    channels = {m["channel"] for m in state.outbox.messages(shopper_id="s2")}
    assert channels == {"sms"}
    assert {m["channel"] for m in state.outbox.messages(shopper_id="s1")} == {
        "sms",
        "alexa_notification",
    }


def test_a_claim_left_by_a_crashed_process_is_completed_later(wired, clock):
    from skill.engage.records import Record, iso

    engage, state = wired
    receive(engage, cart_event("e1", "checkout_started", at=clock.now(), shopper="s1", cart="c1"))
    clock.advance(minutes=3)
    engage.records.insert(
        Record(
            "outreach",
            "c1",
            "s1",
            iso(clock.now()),
            {"status": "claimed", "claimed_at": iso(clock.now())},
        )
    )
    assert engage.watcher.sweep() == []
    clock.advance(minutes=6)
    assert len(engage.watcher.sweep()) == 1
    assert len(desk_tasks(state)) == 1
