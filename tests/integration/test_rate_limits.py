"""Rate limits on the public web endpoints: per shopper, per client address, shared by workers."""

from __future__ import annotations

from typing import Any

import pytest

from skill.channels.rates import Rate, RateLimiter
from skill.settings import Settings
from skill.store.sqlite import SqliteDatabase, SqliteHitCounter


class Clock:
    def __init__(self, now: float = 1_000_020.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def limited_client(application: Any, clock: Clock, *, shopper: int, address: int) -> Any:
    from skill.web import create_app

    application.limiter = RateLimiter(
        application.state.counter,
        {"shopper": Rate(shopper, 60), "address": Rate(address, 60)},
        clock=clock,
    )
    return create_app(application=application).test_client()


def say(client: Any, text: str = "hello", address: str = "10.0.0.1", **ids: str) -> Any:
    return client.post(
        "/chat/api/messages",
        json={"text": text, **ids},
        environ_overrides={"REMOTE_ADDR": address},
    )


def test_a_shopper_over_the_limit_gets_429_with_retry_after(application):
    clock = Clock()
    client = limited_client(application, clock, shopper=3, address=100)
    first = say(client).get_json()
    ids = {"shopper": first["shopper"], "conversation": first["conversation"]}
    assert [say(client, **ids).status_code for _ in range(3)] == [200, 200, 429]
    refused = say(client, **ids)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "shopper" in refused.get_json()["error"]
    # Another shopper on the same address is not held back by the first one's limit.
    assert say(client).status_code == 200
    # The next window lets the shopper in again.
    clock.now += 60
    assert say(client, **ids).status_code == 200


def test_an_address_over_its_limit_is_refused_even_with_new_shoppers(application):
    client = limited_client(application, Clock(), shopper=100, address=4)
    assert [say(client).status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    assert "address" in say(client).get_json()["error"]
    assert say(client, address="10.0.0.2").status_code == 200


def test_counts_are_shared_by_workers_on_one_state_file(tmp_path):
    clock = Clock()
    path = tmp_path / "state.db"
    workers = [SqliteDatabase(path), SqliteDatabase(path)]
    limiters = [
        RateLimiter(SqliteHitCounter(db), {"address": Rate(5, 60)}, clock=clock) for db in workers
    ]
    answers = [limiters[i % 2].retry_after("chat", "address", "10.0.0.9") for i in range(7)]
    assert answers[:5] == [None] * 5 and all(answers[5:])
    for db in workers:
        db.close()


def test_a_failing_counter_lets_requests_through(caplog):
    from skill.errors import StateStoreError

    class Broken:
        def hit(self, key: str, *, expires_at: float) -> int:
            raise StateStoreError("disk gone")

    limiter = RateLimiter(Broken(), {"address": Rate(1, 60)})
    assert limiter.retry_after("chat", "address", "x") is None
    assert "rate limit store unavailable" in caplog.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30/60", Rate(30, 60)), ("10/minute", Rate(10, 60)), ("0", Rate(0, 60)), ("5", Rate(5, 60))],
)
def test_rate_settings_parse(text, expected):
    assert Rate.parse(text) == expected
    env = {"AMBIENT_SHOP_RATE_PER_SHOPPER": text}
    assert Settings.from_env(env).rate_per_shopper == expected


@pytest.mark.parametrize("text", ["many", "5/x", "-1/60", "5/0"])
def test_bad_rate_settings_are_a_clear_error(text):
    from skill.errors import SettingsError

    with pytest.raises(SettingsError, match="AMBIENT_SHOP_RATE_PER_ADDRESS"):
        Settings.from_env({"AMBIENT_SHOP_RATE_PER_ADDRESS": text})


def test_defaults_limit_both_shoppers_and_addresses():
    settings = Settings.from_env({})
    assert settings.rate_per_shopper.count > 0 and settings.rate_per_address.count > 0
    assert settings.rate_per_address.count >= settings.rate_per_shopper.count


def test_unsigned_events_count_against_the_address_signed_ones_do_not(application):
    client = limited_client(application, Clock(), shopper=100, address=3)
    statuses = [
        client.post(
            "/events",
            data=b'{"type": "cart_updated"}',
            content_type="application/json",
            environ_overrides={"REMOTE_ADDR": "10.0.0.7"},
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]
