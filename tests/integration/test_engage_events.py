"""POST /events: signatures, idempotency, validation, unknown and erased shoppers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from skill.engage.events import sign
from tests.support.engage import cart_event, order_event, signed


def post(client, application, payload, *, at=None, secret=None):
    at = at or datetime.now(UTC)
    body, headers = signed(secret or application.engage.secret, payload, at=at)
    return client.post("/events", data=body, headers=headers)


def test_signed_event_is_stored_once_and_a_replay_is_refused(client, application):
    now = datetime.now(UTC)
    payload = cart_event("evt-1", "checkout_started", at=now, shopper="s1", cart="c1")
    first = post(client, application, payload)
    assert first.status_code == 202, first.json
    assert first.json["status"] == "stored"
    assert first.json["flags"] == ["unknown_shopper"]

    again = post(client, application, payload)
    assert again.status_code == 409
    assert "already received" in again.json["error"] and again.json["same_content"] is True

    changed = dict(payload, channel="app")
    conflict = post(client, application, changed)
    assert conflict.status_code == 409 and conflict.json["same_content"] is False

    stored = application.engage.records.query("event")
    assert [e.record_id for e in stored] == ["evt-1"]
    assert stored[0].doc["raw"]["cart"]["id"] == "c1"
    assert application.engage.records.get("cart", "c1").doc["status"] == "checkout"


def test_unsigned_wrong_and_stale_signatures_are_refused(client, application):
    payload = cart_event("evt-2", "cart_updated", at=datetime.now(UTC), shopper="s", cart="c")
    body = json.dumps(payload).encode()
    unsigned = client.post("/events", data=body, content_type="application/json")
    assert unsigned.status_code == 401 and "unsigned" in unsigned.json["error"]

    wrong = post(client, application, payload, secret=b"not-the-shared-secret")
    assert wrong.status_code == 401 and "does not match" in wrong.json["error"]

    stale = post(client, application, payload, at=datetime.now(UTC) - timedelta(minutes=6))
    assert stale.status_code == 401 and "window" in stale.json["error"]

    future = post(client, application, payload, at=datetime.now(UTC) + timedelta(minutes=6))
    assert future.status_code == 401

    now = int(datetime.now(UTC).timestamp())
    headers = sign(application.engage.secret, body, now)
    tampered = client.post(
        "/events", data=body.replace(b"cart_updated", b"order_placed"), headers=headers
    )
    assert tampered.status_code == 401
    assert application.engage.records.query("event") == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("id"), "id"),
        (lambda p: p.update(type="cart_exploded"), "type"),
        (lambda p: p.update(occurred_at="yesterday"), "occurred_at"),
        (lambda p: p.pop("shopper_id"), "shopper_id"),
        (lambda p: p.pop("cart"), "cart"),
        (lambda p: p["cart"].update(value="lots"), "cart.value"),
        (lambda p: p["cart"].update(value=-3), "cart.value"),
        (lambda p: p["cart"].pop("value"), "cart.value"),
        (lambda p: p["cart"].update(currency="dollars"), "cart.currency"),
        (lambda p: p["cart"]["items"][0].update(quantity=0), "cart.items[0].quantity"),
        (lambda p: p["cart"]["items"][0].pop("product_id"), "cart.items[0].product_id"),
        (lambda p: p.update(shopper_id="a b"), "shopper_id"),
    ],
)
def test_malformed_events_name_the_field(client, application, change, field):
    payload = cart_event("evt-3", "checkout_started", at=datetime.now(UTC), shopper="s", cart="c")
    change(payload)
    answer = post(client, application, payload)
    assert answer.status_code == 400
    assert answer.json["field"] == field
    assert answer.json["error"].startswith(field)


def test_body_that_is_not_json_is_a_400(client, application):
    body = b"{not json"
    headers = sign(application.engage.secret, body, int(datetime.now(UTC).timestamp()))
    answer = client.post("/events", data=body, headers=headers)
    assert answer.status_code == 400 and answer.json["field"] == "body"


def test_events_for_unknown_carts_and_orders_are_kept_and_reported(client, application):
    now = datetime.now(UTC)
    paid = post(
        client,
        application,
        cart_event("evt-4", "payment_info_entered", at=now, shopper="s4", cart="nowhere"),
    )
    assert paid.status_code == 202
    assert "unknown_cart" in paid.json["flags"]
    shipped = post(
        client,
        application,
        order_event("evt-5", at=now, shopper="s4", order="o-404", kind="order_shipped"),
    )
    assert shipped.status_code == 202 and "unknown_order" in shipped.json["flags"]
    assert {e.record_id for e in application.engage.records.query("event")} == {"evt-4", "evt-5"}


def test_order_builds_purchase_history_and_loyalty(client, application):
    now = datetime.now(UTC)
    for n, value in enumerate(("600.00", "500.00")):
        answer = post(
            client,
            application,
            order_event(f"evt-o{n}", at=now, shopper="s9", order=f"o{n}", value=value),
        )
        assert answer.status_code == 202
    profile = application.state.shoppers.load("s9")
    assert [p["order_id"] for p in profile["purchases"]] == ["o0", "o1"]
    assert profile["loyalty"]["tier"] == "gold"
    assert profile["loyalty_tier"] == "gold"


def test_an_erased_shoppers_later_events_do_not_recreate_the_profile(client, application):
    now = datetime.now(UTC)
    post(client, application, order_event("evt-6", at=now, shopper="gone", order="o6"))
    assert application.state.shoppers.load("gone")
    removed = application.engage.erase("gone")
    assert removed["engage:event"] == 1 and removed["state:shoppers"] == 1
    assert application.state.shoppers.load("gone") == {}

    later = post(client, application, order_event("evt-7", at=now, shopper="gone", order="o7"))
    assert later.status_code == 202
    assert later.json["flags"] == ["erased_shopper"]
    assert "erased" in later.json["notes"][0]
    assert application.state.shoppers.load("gone") == {}
    assert [e.record_id for e in application.engage.records.query("event", shopper_id="gone")] == [
        "evt-7"
    ]


def test_oversized_event_is_refused(client, application):
    payload = cart_event("evt-8", "cart_updated", at=datetime.now(UTC), shopper="s", cart="c")
    payload["padding"] = "x" * 70_000
    answer = post(client, application, payload)
    assert answer.status_code == 413
