"""What the sweep does on a schedule: birthday rewards once a year, NPS at most per interval."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from skill.bootstrap import build_desk
from skill.engage.events import parse_event
from skill.engage.profiles import ProfileError
from skill.engage.service import engage_for_state
from skill.settings import Settings
from skill.store.registry import open_state
from tests.support.engage import FakeClock, order_event


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 5, 14, 8, 0, tzinfo=UTC))


@pytest.fixture
def engage(tmp_path, clock) -> Any:
    settings = Settings(data_dir=tmp_path)
    state = open_state(settings.resolved_state_url, data_dir=tmp_path)
    wired_desk = build_desk(settings, state)
    yield engage_for_state(
        settings, state, desk=wired_desk.port, outbox=wired_desk.outbox, clock=clock
    )
    for resource in state.closers:
        resource.close()


def test_birthday_reward_once_on_the_day(engage, clock):
    engage.update_profile("s1", {"birthday": "1990-05-14", "phone": "+15551234567"})
    engage.update_profile("s2", {"birthday": "05-15"})
    assert engage.sweep()["birthday_rewards"] == ["s1"]
    assert engage.sweep()["birthday_rewards"] == []
    texts = engage.outbox.messages(shopper_id="s1")
    assert len(texts) == 1 and "Happy birthday" in texts[0]["body"]
    clock.advance(days=1)
    assert engage.sweep()["birthday_rewards"] == ["s2"]
    clock.advance(days=365)
    assert engage.sweep()["birthday_rewards"] == ["s2"]


def test_nps_goes_to_recent_buyers_at_most_once_per_interval(engage, clock):
    engage.intake.receive(parse_event(order_event("e1", at=clock.now(), shopper="b1", order="o1")))
    assert len(engage.sweep()["nps_asked"]) == 1
    clock.advance(days=10)
    engage.intake.receive(parse_event(order_event("e2", at=clock.now(), shopper="b1", order="o2")))
    assert engage.sweep()["nps_asked"] == []
    clock.advance(days=91)
    engage.intake.receive(parse_event(order_event("e3", at=clock.now(), shopper="b1", order="o3")))
    assert len(engage.sweep()["nps_asked"]) == 1


def test_profile_values_are_checked(engage):
    for changes in ({"birthday": "14/05"}, {"phone": "555"}, {"sizes": "M"}, {"shoe": "9"}):
        with pytest.raises(ProfileError):
            engage.update_profile("s1", changes)
    profile = engage.update_profile("s1", {"sizes": {"default": "M", "shoes": "9"}})
    assert profile["sizes"] == {"default": "M", "shoes": "9"}


def test_loyalty_tiers_follow_twelve_months_of_spend(engage, clock):
    engage.intake.receive(
        parse_event(order_event("e1", at=clock.now(), shopper="b1", order="o1", value="800"))
    )
    assert engage.profile_view("b1")["loyalty"]["tier"] == "silver"
    engage.intake.receive(
        parse_event(order_event("e2", at=clock.now(), shopper="b1", order="o2", value="300"))
    )
    view = engage.profile_view("b1")["loyalty"]
    assert view["tier"] == "gold" and "free express delivery" in view["perks"][0]
    clock.advance(days=400)
    assert engage.profile_view("b1")["loyalty"]["tier"] == "member"
