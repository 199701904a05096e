"""Hostile-input generators and the property every public endpoint must keep: never a 5xx.

Reusable for any endpoint (see docs/reliability.md, "Fuzzing a new endpoint"): build a body
strategy from `json_values`, `mutated`, `raw_bodies` and `hostile_text`, then post each example
through `post_json` / `post_raw`, which fail the test on any 5xx with the input that caused it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from tests.support.alexa_signing import alexa_envelope

# Every code point, lone surrogates included (a JavaScript client can send them escaped).
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None)
TRICKY_TEXT = (
    "",
    " ",
    "\x00",
    "\ud800",
    "\udfff abc",
    "chat-abc.\u00e9\u00e9",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "🛋️" * 50,
    "x" * 2001,
    "talk to a person",
    "where is my order 45712",
    "show me a blue velvet sofa under 800 dollars",
    "the second one",
    "add it to my cart",
    "1" * 5000,
    "{" * 100,
    "<speak>hi</speak>",
    "Robert'); DROP TABLE tickets;--",
)


def hostile_text(max_size: int = 300) -> st.SearchStrategy[str]:
    """Words a shopper might type, and strings built to break encoders, parsers and logs."""
    return st.one_of(st.sampled_from(TRICKY_TEXT), st.text(alphabet=ANY_CHAR, max_size=max_size))


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=-(10**60), max_value=10**60),
        st.floats(allow_nan=False, allow_infinity=False),
        hostile_text(60),
    )


def json_values(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    """Any JSON value, moderately nested, with hostile strings and very large numbers."""
    return st.recursive(
        scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(hostile_text(20), children, max_size=5),
        ),
        max_leaves=max_leaves,
    )


def _nested(depth: int, leaf: str = "1") -> bytes:
    return ("[" * depth + leaf + "]" * depth).encode()


def raw_bodies() -> st.SearchStrategy[bytes]:
    """Bodies that are not well-formed JSON, or JSON at the limits: depth, numbers, encodings."""
    return st.one_of(
        st.binary(max_size=300),
        st.integers(1, 20_000).map(_nested),
        st.integers(1, 6000).map(lambda n: b'{"text": ' + b"9" * n + b"}"),
        st.sampled_from(
            [
                b"",
                b"null",
                b"NaN",
                b'{"text": Infinity}',
                b'{"text": 1e999}',
                b'{"text": "\\ud800"}',
                b'{"text": "\xff\xfe"}',
                b'{"a":' * 3000 + b"1" + b"}" * 3000,
                b'\xef\xbb\xbf{"text": "hi"}',
                b'{"text": "hi"',
            ]
        ),
        json_values().map(lambda v: json.dumps(v).encode()),
    )


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found.extend(_paths(child, (*prefix, index)))
    return found


@st.composite
def mutated(draw: st.DrawFn, base: Any, *, max_changes: int = 4) -> Any:
    """`base` with a few fields deleted or replaced by arbitrary JSON: almost-valid input."""
    value = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(0, max_changes))):
        paths = _paths(value)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = value
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values(8))
    return value


INTENTS = (
    "ShopIntent",
    "FindIntent",
    "AgentIntent",
    "OrderStatusIntent",
    "CancelOrderIntent",
    "ReturnIntent",
    "AMAZON.YesIntent",
    "AMAZON.NoIntent",
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.FallbackIntent",
    "BrandNewIntent",
)


@st.composite
def alexa_envelopes(draw: st.DrawFn, *, skill_id: str) -> dict[str, Any]:
    """Envelopes shaped like Alexa's with hostile slot words and state, then perhaps mutated."""
    request_type = draw(
        st.sampled_from(["IntentRequest"] * 6 + ["LaunchRequest", "SessionEndedRequest"])
    )
    attributes = draw(
        st.one_of(
            st.just({}),
            st.dictionaries(st.just("dialogue"), json_values(10), max_size=1),
        )
    )
    envelope = alexa_envelope(
        request_type=request_type,
        intent=draw(st.sampled_from(INTENTS)) if request_type == "IntentRequest" else None,
        slots={"query": draw(hostile_text(200))} if request_type == "IntentRequest" else None,
        skill_id=skill_id,
        timestamp=datetime.now(UTC),
        attributes=attributes,
        supported_interfaces=draw(
            st.sampled_from([{}, {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "1.6"}}}])
        ),
        user_id=f"amzn1.ask.account.fuzz-{draw(st.integers(0, 5))}",
    )
    return draw(st.one_of(st.just(envelope), mutated(envelope)))


def chat_bodies() -> st.SearchStrategy[Any]:
    """Web-chat bodies: mostly well-formed words, some with forged or misplaced tokens."""
    token = st.one_of(hostile_text(80), st.sampled_from(["", "web-x.0", "a.b.c"]), json_values(4))
    well_formed = st.fixed_dictionaries(
        {"text": hostile_text(300)},
        optional={"shopper": token, "conversation": token},
    )
    return st.one_of(well_formed, mutated({"text": "hi", "shopper": "x"}), json_values())


def check_answer(status: int, body: bytes, sent: Any) -> None:
    """The fuzz property for HTTP: a 5xx fails, naming the input; every error body is JSON."""
    assert status < 500, f"HTTP {status} for {sent!r:.500}: {body[:300]!r}"
    if status >= 400:
        assert isinstance(json.loads(body).get("error"), str), f"no JSON error for {sent!r:.300}"


def post_json(client: Any, path: str, value: Any) -> None:
    body = json.dumps(value, ensure_ascii=True).encode()
    response = client.post(path, data=body, content_type="application/json")
    check_answer(response.status_code, response.get_data(), value)


def post_raw(client: Any, path: str, body: bytes, headers: Mapping[str, str] | None = None) -> None:
    response = client.post(
        path, data=body, content_type="application/json", headers=dict(headers or {})
    )
    check_answer(response.status_code, response.get_data(), body)


def rss_bytes() -> int:
    """This process's resident memory, from /proc (Linux); 0 where unavailable."""
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def memory_growth(run: Callable[[], None]) -> int:
    """Bytes of RSS `run` left behind, measured after it (and a warm-up by the caller)."""
    before = rss_bytes()
    run()
    return rss_bytes() - before
