"""Property-based fuzzing of every public entry point: never a 5xx, never a Lambda exception.

The quick profile (a few dozen derandomized examples per endpoint) runs with the whole suite;
the `soak` set repeats each with 10,000 generated inputs and checks memory stays bounded
(`make soak`, or `pytest -m soak`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.settings import Rate
from tests.conftest import TEST_SKILL_ID
from tests.support.fuzz import (
    alexa_envelopes,
    chat_bodies,
    json_values,
    post_json,
    post_raw,
    raw_bodies,
    rss_bytes,
)

SOAK_EXAMPLES = 10_000
# Memory an endpoint may keep after 10,000 hostile inputs (caches are bounded well below this).
SOAK_RSS_GROWTH = 64 * 1024 * 1024
FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SOAK = settings(
    FUZZ,
    max_examples=SOAK_EXAMPLES,
    derandomize=False,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _build(tmp: Path, demo_catalog: Any, nlp: Any, **overrides: Any) -> Any:
    from skill.bootstrap import build
    from skill.settings import Settings

    verifier = overrides.pop("verifier", None)
    settings_ = Settings(
        data_dir=tmp,
        skill_id=TEST_SKILL_ID,
        rate_per_shopper=Rate(0, 60),
        rate_per_address=Rate(0, 60),
    ).with_overrides(**overrides)
    return build(settings_, catalog=demo_catalog, parser=nlp, verifier=verifier)


@pytest.fixture(scope="module")
def signed_client(
    tmp_path_factory: pytest.TempPathFactory, demo_catalog: Any, nlp: Any, alexa_authority: Any
) -> Iterator[Any]:
    from skill.web import create_app

    wired = _build(
        tmp_path_factory.mktemp("fuzz-signed"),
        demo_catalog,
        nlp,
        verifier=alexa_authority.verifier(skill_id=TEST_SKILL_ID),
    )
    yield create_app(application=wired).test_client()
    wired.close()


@pytest.fixture(scope="module")
def open_client(
    tmp_path_factory: pytest.TempPathFactory, demo_catalog: Any, nlp: Any
) -> Iterator[Any]:
    """Verification off: every generated envelope reaches the skill."""
    from skill.web import create_app

    wired = _build(tmp_path_factory.mktemp("fuzz-open"), demo_catalog, nlp, dev_unverified=True)
    yield create_app(application=wired).test_client()
    wired.close()


@pytest.fixture(scope="module")
def lambda_handler(
    tmp_path_factory: pytest.TempPathFactory, demo_catalog: Any, nlp: Any
) -> Iterator[Callable[[Any, Any], Any]]:
    from skill.alexa import lambda_handler as module

    wired = _build(tmp_path_factory.mktemp("fuzz-lambda"), demo_catalog, nlp)
    original = module._application
    module._application = lambda: wired  # type: ignore[assignment]
    try:
        yield module.handler
    finally:
        module._application = original  # type: ignore[assignment]
        wired.close()


def lambda_events() -> st.SearchStrategy[Any]:
    return st.one_of(alexa_envelopes(skill_id=TEST_SKILL_ID), json_values())


def check_lambda(handler: Callable[[Any, Any], Any], event: Any, context: Any) -> None:
    answer = handler(event, context)
    assert isinstance(answer, dict) and isinstance(answer.get("response"), dict), event
    json.dumps(answer)


def post_signed(client: Any, authority: Any, envelope: Any) -> None:
    body = json.dumps(envelope, ensure_ascii=True).encode()
    post_raw(client, "/alexa", body, authority.sign(body))


# --- quick profile: runs with every `make test` -------------------------------------------


@FUZZ
@given(envelope=alexa_envelopes(skill_id=TEST_SKILL_ID))
def test_alexa_unverified_never_5xx(open_client, envelope):
    post_json(open_client, "/alexa", envelope)


@FUZZ
@given(body=raw_bodies())
def test_alexa_raw_bodies_never_5xx(open_client, signed_client, body):
    post_raw(open_client, "/alexa", body)
    post_raw(signed_client, "/alexa", body)


@FUZZ
@given(envelope=alexa_envelopes(skill_id=TEST_SKILL_ID))
def test_alexa_signed_never_5xx(signed_client, alexa_authority, envelope):
    post_signed(signed_client, alexa_authority, envelope)


@FUZZ
@given(body=st.one_of(chat_bodies(), json_values()))
def test_web_chat_never_5xx(open_client, body):
    post_json(open_client, "/chat/api/messages", body)


@FUZZ
@given(body=raw_bodies())
def test_web_chat_raw_bodies_never_5xx(open_client, body):
    post_raw(open_client, "/chat/api/messages", body)


@FUZZ
@given(event=lambda_events(), context=st.one_of(st.none(), json_values(3)))
def test_lambda_handler_never_raises(lambda_handler, event, context):
    check_lambda(lambda_handler, event, context)


# --- soak set: 10,000 inputs per endpoint, memory bounded -----------------------------------


def soak(run: Callable[[], None]) -> None:
    """Run a 10,000-example property after a warm-up and check what memory it kept."""
    before = rss_bytes()
    run()
    grown = rss_bytes() - before
    assert grown < SOAK_RSS_GROWTH, f"RSS grew {grown / 2**20:.0f} MiB over the run"


@pytest.mark.slow
@pytest.mark.soak
def test_soak_alexa_unverified(open_client):
    @SOAK
    @given(envelope=st.one_of(alexa_envelopes(skill_id=TEST_SKILL_ID), json_values()))
    def run(envelope: Any) -> None:
        post_json(open_client, "/alexa", envelope)

    soak(run)


@pytest.mark.slow
@pytest.mark.soak
def test_soak_alexa_signed(signed_client, alexa_authority):
    @SOAK
    @given(
        envelope=alexa_envelopes(skill_id=TEST_SKILL_ID),
        raw=st.one_of(st.none(), raw_bodies()),
    )
    def run(envelope: Any, raw: bytes | None) -> None:
        if raw is None:
            post_signed(signed_client, alexa_authority, envelope)
        else:
            post_raw(signed_client, "/alexa", raw, alexa_authority.sign(raw))

    soak(run)


@pytest.mark.slow
@pytest.mark.soak
def test_soak_web_chat(open_client):
    @SOAK
    @given(body=st.one_of(chat_bodies(), raw_bodies()))
    def run(body: Any) -> None:
        if isinstance(body, bytes):
            post_raw(open_client, "/chat/api/messages", body)
        else:
            post_json(open_client, "/chat/api/messages", body)

    soak(run)


@pytest.mark.slow
@pytest.mark.soak
def test_soak_lambda_handler(lambda_handler):
    @SOAK
    @given(event=lambda_events(), context=st.one_of(st.none(), json_values(3)))
    def run(event: Any, context: Any) -> None:
        check_lambda(lambda_handler, event, context)

    soak(run)
