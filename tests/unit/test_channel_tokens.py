"""Web-chat tokens: signed per kind, bound to their shopper, expiring, with rotating keys."""

from __future__ import annotations

import pytest

from skill.channels.tokens import MAX_AGE_S, TokenRefused, TokenSigner, split_keys

KEY_A = "a" * 32
KEY_B = "b" * 32


def refused(call, *args, **kwargs) -> TokenRefused:
    with pytest.raises(TokenRefused) as failure:
        call(*args, **kwargs)
    return failure.value


def test_tokens_round_trip_and_the_key_persists(tmp_path):
    signer = TokenSigner.from_data_dir(tmp_path)
    shopper = signer.issue_shopper()
    conversation = signer.issue_conversation(shopper.id)
    assert shopper.id.startswith("web-") and conversation.id.startswith("chat-")
    again = TokenSigner.from_data_dir(tmp_path)
    assert again.shopper(shopper.token) == shopper.id
    assert again.conversation(conversation.token, shopper_id=shopper.id) == conversation.id
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600


def test_a_token_of_one_kind_never_stands_in_for_the_other():
    signer = TokenSigner([KEY_A])
    shopper = signer.issue_shopper()
    conversation = signer.issue_conversation(shopper.id)
    refused(signer.conversation, shopper.token, shopper_id=shopper.id)
    refused(signer.shopper, conversation.token)


def test_another_shoppers_token_cannot_continue_a_conversation():
    signer = TokenSigner([KEY_A])
    alice, bob = signer.issue_shopper(), signer.issue_shopper()
    conversation = signer.issue_conversation(alice.id)
    error = refused(signer.conversation, conversation.token, shopper_id=bob.id)
    assert "another shopper" in str(error)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "chat-abc.\u00e9\u00e9",
        "chat-abc.\ud800",
        "x" * 600,
        "web-someone-else",
        None,
        42,
        ["a"],
        {"id": "web-1"},
    ],
)
def test_forged_or_malformed_tokens_are_refused_not_crashed(token):
    signer = TokenSigner([KEY_A])
    refused(signer.shopper, token)
    refused(signer.conversation, token, shopper_id="web-1")


def test_a_flipped_character_or_another_key_is_refused():
    signer = TokenSigner([KEY_A])
    token = signer.issue_shopper().token
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    refused(signer.shopper, flipped)
    refused(TokenSigner([KEY_B]).shopper, token)


def test_keys_rotate_new_signs_old_still_verifies():
    old = TokenSigner([KEY_A])
    token = old.issue_shopper().token
    rotated = TokenSigner(split_keys(f"{KEY_B}, {KEY_A}"))
    assert rotated.shopper(token)
    fresh = rotated.issue_shopper().token
    refused(old.shopper, fresh)
    assert TokenSigner([KEY_B]).shopper(fresh), "the first listed key signs"
    refused(TokenSigner([KEY_B]).shopper, token)


def test_tokens_expire(monkeypatch):
    import time

    signer = TokenSigner([KEY_A])
    shopper = signer.issue_shopper()
    conversation = signer.issue_conversation(shopper.id)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + MAX_AGE_S["conversation"] + 5)
    error = refused(signer.conversation, conversation.token, shopper_id=shopper.id)
    assert error.expired
    assert signer.shopper(shopper.token) == shopper.id, "a shopper is remembered far longer"


def test_short_or_missing_keys_are_a_clear_error():
    with pytest.raises(ValueError):
        split_keys("short")
    with pytest.raises(ValueError):
        split_keys(" , ")
    with pytest.raises(ValueError):
        TokenSigner([])
