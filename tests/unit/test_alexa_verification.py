"""Alexa request verification: every rule Amazon lists, with a real in-process signing authority."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from werkzeug.datastructures import Headers

from skill.alexa.verification import (
    MAX_CHAIN_BYTES,
    AlexaRequestVerifier,
    download_chain,
    validate_chain_url,
)
from skill.errors import VerificationFailed
from tests.support.alexa_signing import TestAlexaAuthority, alexa_envelope

SKILL_ID = "amzn1.ask.skill.verification-test"
# Inside the default test leaf's validity (a month back to a year ahead of today).
NOW = datetime.now(UTC).replace(microsecond=0)


def fixed_clock(moment: datetime = NOW) -> Callable[[], datetime]:
    return lambda: moment


def signed_body(**envelope: Any) -> bytes:
    envelope.setdefault("intent", "ShopIntent")
    envelope.setdefault("slots", {"query": "show me wool sweaters"})
    envelope.setdefault("skill_id", SKILL_ID)
    envelope.setdefault("timestamp", NOW)
    return json.dumps(alexa_envelope(**envelope)).encode()


@pytest.fixture(scope="module")
def authority() -> TestAlexaAuthority:
    return TestAlexaAuthority()


@pytest.fixture
def verifier(authority: TestAlexaAuthority) -> AlexaRequestVerifier:
    return authority.verifier(skill_id=SKILL_ID, clock=fixed_clock())


def rejected(verifier: AlexaRequestVerifier, headers: Any, body: bytes) -> str:
    with pytest.raises(VerificationFailed) as failure:
        verifier.verify(headers=headers, body=body)
    return str(failure.value)


def test_correctly_signed_request_returns_the_envelope(authority, verifier):
    body = signed_body()
    envelope = verifier.verify(headers=authority.sign(body), body=body)
    assert envelope["request"]["intent"]["slots"]["query"]["value"] == "show me wool sweaters"
    assert envelope["context"]["System"]["application"]["applicationId"] == SKILL_ID


def test_header_names_in_any_case_and_werkzeug_headers(authority, verifier):
    body = signed_body()
    lowered = {name.lower(): value for name, value in authority.sign(body).items()}
    assert verifier.verify(headers=lowered, body=body)["version"] == "1.0"
    assert verifier.verify(headers=Headers(authority.sign(body)), body=body)["version"] == "1.0"


def test_unsigned_request_is_rejected(verifier):
    assert "signature" in rejected(verifier, {}, signed_body()).lower()


def test_missing_signature_with_url_is_rejected(authority, verifier):
    body = signed_body()
    headers = {"SignatureCertChainUrl": authority.chain_url}
    assert "signature" in rejected(verifier, headers, body).lower()


def test_tampered_body_is_rejected(authority, verifier):
    body = signed_body()
    headers = authority.sign(body)
    tampered = body.replace(b"wool", b"silk")
    assert "does not match" in rejected(verifier, headers, tampered)


def test_signature_that_is_not_base64_is_rejected(authority, verifier):
    body = signed_body()
    headers = authority.sign(body) | {"Signature-256": "not base64 at all!"}
    assert "base64" in rejected(verifier, headers, body)


@pytest.mark.parametrize("offset_s", [-151, 151, -3600])
def test_timestamp_more_than_150_seconds_away_is_rejected(authority, verifier, offset_s):
    body = signed_body(timestamp=NOW + timedelta(seconds=offset_s))
    assert "timestamp" in rejected(verifier, authority.sign(body), body)


@pytest.mark.parametrize("offset_s", [-149, 149])
def test_timestamp_within_150_seconds_is_accepted(authority, verifier, offset_s):
    body = signed_body(timestamp=NOW + timedelta(seconds=offset_s))
    assert verifier.verify(headers=authority.sign(body), body=body)["version"] == "1.0"


def test_epoch_millisecond_timestamps_are_understood(authority, verifier):
    envelope = json.loads(signed_body())
    envelope["request"]["timestamp"] = int(NOW.timestamp() * 1000)
    body = json.dumps(envelope).encode()
    assert verifier.verify(headers=authority.sign(body), body=body)["version"] == "1.0"
    envelope["request"]["timestamp"] = int((NOW - timedelta(minutes=10)).timestamp() * 1000)
    stale = json.dumps(envelope).encode()
    assert "timestamp" in rejected(verifier, authority.sign(stale), stale)


def test_signed_body_without_timestamp_is_rejected(authority, verifier):
    body = b'{"version": "1.0", "request": "not an object"}'
    assert "timestamp" in rejected(verifier, authority.sign(body), body)


def test_signed_body_that_is_not_json_is_rejected(authority, verifier):
    body = b"\xff\xfe not json"
    assert "JSON" in rejected(verifier, authority.sign(body), body)


def test_wrong_application_id_is_rejected(authority, verifier):
    body = signed_body(skill_id="amzn1.ask.skill.someone-else")
    assert "different skill" in rejected(verifier, authority.sign(body), body)


def test_application_id_falls_back_to_the_session(authority, verifier):
    envelope = json.loads(signed_body())
    del envelope["context"]
    body = json.dumps(envelope).encode()
    assert verifier.verify(headers=authority.sign(body), body=body)["version"] == "1.0"
    envelope["session"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    other = json.dumps(envelope).encode()
    assert "different skill" in rejected(verifier, authority.sign(other), other)


def test_request_naming_no_application_is_rejected(authority, verifier):
    envelope = json.loads(signed_body())
    del envelope["context"], envelope["session"]
    body = json.dumps(envelope).encode()
    assert "application id" in rejected(verifier, authority.sign(body), body)


def test_without_a_skill_id_the_check_is_skipped_with_one_warning(authority, caplog):
    verifier = authority.verifier(skill_id=None, clock=fixed_clock())
    with caplog.at_level(logging.WARNING, logger="skill.alexa.verification"):
        for skill_id in ("amzn1.ask.skill.one", "amzn1.ask.skill.two"):
            body = signed_body(skill_id=skill_id)
            verifier.verify(headers=authority.sign(body), body=body)
    warnings = [r for r in caplog.records if "skill id" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "https"),
        ("https://notamazon.com/echo.api/echo-api-cert.pem", "host"),
        ("https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem", "host"),
        ("https://s3.amazonaws.com@evil.example/echo.api/echo-api-cert.pem", "host"),
        ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", "path"),
        ("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", "path"),
        ("https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem", "path"),
        ("https://s3.amazonaws.com/echo.api/%2e%2e/invalid.path/echo-api-cert.pem", "path"),
        ("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", "port"),
        ("https://s3.amazonaws.com:notaport/echo.api/echo-api-cert.pem", "malformed"),
    ],
)
def test_bad_certificate_urls_are_rejected(authority, url, reason):
    fetched: list[str] = []
    verifier = authority.verifier(
        skill_id=SKILL_ID, clock=fixed_clock(), fetch_chain=lambda u: fetched.append(u) or b""
    )
    body = signed_body()
    headers = authority.sign(body) | {"SignatureCertChainUrl": url}
    assert reason in rejected(verifier, headers, body)
    assert fetched == [], "a URL that breaks the rules must never be downloaded"


@pytest.mark.parametrize(
    "url",
    [
        "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
    ],
)
def test_good_certificate_url_forms_pass_the_url_rules(url):
    validate_chain_url(url)


def test_expired_leaf_is_rejected():
    authority = TestAlexaAuthority(
        not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=1)
    )
    verifier = authority.verifier(skill_id=SKILL_ID, clock=fixed_clock())
    body = signed_body()
    assert "expired" in rejected(verifier, authority.sign(body), body)


def test_leaf_not_yet_valid_is_rejected():
    authority = TestAlexaAuthority(
        not_before=NOW + timedelta(days=1), not_after=NOW + timedelta(days=400)
    )
    verifier = authority.verifier(skill_id=SKILL_ID, clock=fixed_clock())
    body = signed_body()
    assert "not yet valid" in rejected(verifier, authority.sign(body), body)


def test_leaf_without_the_alexa_name_is_rejected():
    authority = TestAlexaAuthority(dns_names=("www.example.com",))
    verifier = authority.verifier(skill_id=SKILL_ID, clock=fixed_clock())
    body = signed_body()
    assert "echo-api.amazon.com" in rejected(verifier, authority.sign(body), body)


def test_chain_to_an_untrusted_root_is_rejected(authority):
    stranger = TestAlexaAuthority(root_label="untrusted")
    verifier = AlexaRequestVerifier(
        skill_id=SKILL_ID,
        trusted_roots=[authority.root],
        fetch_chain=stranger.fetch_chain,
        clock=fixed_clock(),
    )
    body = signed_body()
    assert "trusted root" in rejected(verifier, stranger.sign(body), body)


def test_self_made_chain_is_not_trusted_by_the_default_roots(authority):
    verifier = AlexaRequestVerifier(
        skill_id=SKILL_ID, fetch_chain=authority.fetch_chain, clock=fixed_clock()
    )
    body = signed_body()
    assert "trusted root" in rejected(verifier, authority.sign(body), body)


def test_unreachable_certificate_url_is_rejected(authority, verifier):
    body = signed_body()
    headers = authority.sign(body) | {
        "SignatureCertChainUrl": "https://s3.amazonaws.com/echo.api/nowhere.pem"
    }
    assert "could not be downloaded" in rejected(verifier, headers, body)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"this is not a certificate",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ],
)
def test_garbage_pem_is_rejected(authority, payload):
    verifier = authority.verifier(
        skill_id=SKILL_ID, clock=fixed_clock(), fetch_chain=lambda url: payload
    )
    body = signed_body()
    assert "certificate" in rejected(verifier, authority.sign(body), body)


def test_oversized_chain_from_a_fetcher_is_rejected(authority):
    huge = authority.chain_pem() + b"#" * MAX_CHAIN_BYTES
    verifier = authority.verifier(
        skill_id=SKILL_ID, clock=fixed_clock(), fetch_chain=lambda url: huge
    )
    body = signed_body()
    assert "too large" in rejected(verifier, authority.sign(body), body)


def test_sha1_signature_alone_is_accepted(authority, verifier):
    body = signed_body()
    headers = authority.sign(body, sha1=True)
    assert "Signature-256" not in headers
    assert verifier.verify(headers=headers, body=body)["version"] == "1.0"


def test_signature_256_wins_over_sha1_when_both_are_sent(authority, verifier):
    body = signed_body()
    other = signed_body(slots={"query": "something else"})
    headers = authority.sign(body, sha1=True) | {
        "Signature-256": authority.sign(other)["Signature-256"]
    }
    assert "does not match" in rejected(verifier, headers, body)


def test_verified_chain_is_cached_per_url(authority):
    fetched: list[str] = []

    def counting_fetch(url: str) -> bytes:
        fetched.append(url)
        return authority.fetch_chain(url)

    verifier = authority.verifier(
        skill_id=SKILL_ID, clock=fixed_clock(), fetch_chain=counting_fetch
    )
    for query in ("sweaters", "sofas"):
        body = signed_body(slots={"query": query})
        verifier.verify(headers=authority.sign(body), body=body)
    assert fetched == [authority.chain_url]


def test_failed_chain_is_remembered_for_a_while_then_tried_again(authority):
    from skill.alexa.verification import FAILURE_TTL_S

    answers = [b"garbage", authority.chain_pem()]
    ticks = [0.0]
    verifier = authority.verifier(
        skill_id=SKILL_ID,
        clock=fixed_clock(),
        fetch_chain=lambda url: answers.pop(0),
        monotonic=lambda: ticks[-1],
    )
    body = signed_body()
    assert "PEM" in rejected(verifier, authority.sign(body), body)
    ticks.append(FAILURE_TTL_S / 2)
    assert "PEM" in rejected(verifier, authority.sign(body), body)
    assert len(answers) == 2 - 1, "the failure was answered from the cache, not a download"
    ticks.append(FAILURE_TTL_S + 1)
    assert verifier.verify(headers=authority.sign(body), body=body)["version"] == "1.0"
    assert answers == []


def test_cached_chain_is_dropped_when_the_leaf_expires():
    expiry = NOW + timedelta(hours=1)
    authority = TestAlexaAuthority(not_before=NOW - timedelta(days=30), not_after=expiry)
    moments = [NOW]
    fetched: list[str] = []

    def counting_fetch(url: str) -> bytes:
        fetched.append(url)
        return authority.fetch_chain(url)

    verifier = authority.verifier(
        skill_id=SKILL_ID, clock=lambda: moments[-1], fetch_chain=counting_fetch
    )
    body = signed_body()
    verifier.verify(headers=authority.sign(body), body=body)
    later = expiry + timedelta(minutes=1)
    moments.append(later)
    late_body = signed_body(timestamp=later)
    assert "expired" in rejected(verifier, authority.sign(late_body), late_body)
    assert len(fetched) == 2


class _ChainServer:
    """A real HTTP server on 127.0.0.1 whose behaviour each test chooses."""

    def __init__(self, respond: Callable[[BaseHTTPRequestHandler], None]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                try:
                    respond(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, which is what some tests expect

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/echo.api/chain.pem"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def chain_server() -> Iterator[Callable[..., _ChainServer]]:
    servers: list[_ChainServer] = []

    def start(respond: Callable[[BaseHTTPRequestHandler], None]) -> _ChainServer:
        servers.append(_ChainServer(respond))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def test_download_returns_the_served_chain(authority, chain_server):
    server = chain_server(lambda h: _send(h, 200, authority.chain_pem()))
    assert download_chain(server.url, timeout_s=5) == authority.chain_pem()


def test_download_refuses_an_error_status(chain_server):
    server = chain_server(lambda h: _send(h, 404, b"no such key"))
    with pytest.raises(VerificationFailed, match="HTTP 404"):
        download_chain(server.url, timeout_s=5)


def test_download_refuses_a_redirect(chain_server):
    def redirect(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", "http://127.0.0.1:1/elsewhere.pem")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    server = chain_server(redirect)
    with pytest.raises(VerificationFailed, match="HTTP 302"):
        download_chain(server.url, timeout_s=5)


def test_download_caps_the_size(chain_server):
    server = chain_server(lambda h: _send(h, 200, b"A" * (MAX_CHAIN_BYTES + 1)))
    with pytest.raises(VerificationFailed, match="too large"):
        download_chain(server.url, timeout_s=5)


def test_download_gives_up_on_a_server_that_trickles(chain_server):
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(1000):
            handler.wfile.write(b"A")
            handler.wfile.flush()
            time.sleep(0.05)

    server = chain_server(trickle)
    with pytest.raises(VerificationFailed, match="timed out"):
        download_chain(server.url, timeout_s=0.3)


def test_download_gives_up_on_a_silent_server(chain_server):
    server = chain_server(lambda h: time.sleep(2))
    with pytest.raises(VerificationFailed, match="could not be downloaded"):
        download_chain(server.url, timeout_s=0.2)


def test_download_from_a_closed_port_is_a_verification_failure():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(VerificationFailed, match="could not be downloaded"):
        download_chain(f"http://127.0.0.1:{port}/echo.api/chain.pem", timeout_s=1)


def counting_verifier(authority, fetch=None, **options):
    fetched: list[str] = []

    def counting(url: str) -> bytes:
        fetched.append(url)
        return (fetch or authority.fetch_chain)(url)

    verifier = authority.verifier(
        skill_id=SKILL_ID, clock=fixed_clock(), fetch_chain=counting, **options
    )
    return verifier, fetched


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h, b: ({**h, "Signature-256": "not base64!"}, b), "not base64"),
        (lambda h, b: ({**h, "Signature-256": "QUJD"}, b), "impossible length"),
        (lambda h, b: (h, b'{"a":' * 5000 + b"1" + b"}" * 5000), "JSON"),
        (lambda h, b: (h, signed_body(timestamp=NOW - timedelta(minutes=10))), "timestamp"),
        (lambda h, b: (h, signed_body(skill_id="amzn1.ask.skill.other")), "different skill"),
    ],
)
def test_cheap_checks_refuse_before_any_certificate_download(authority, change, reason):
    verifier, fetched = counting_verifier(authority)
    body = signed_body()
    headers, bad_body = change(dict(authority.sign(body)), body)
    assert reason in rejected(verifier, headers, bad_body)
    assert fetched == [], "no download for a request the cheap checks refuse"


def test_a_stalled_certificate_host_holds_at_most_a_few_threads(authority):
    from skill.alexa.verification import MAX_FETCH_THREADS

    release = threading.Event()
    started = threading.Semaphore(0)

    def stalled(url: str) -> bytes:
        started.release()
        release.wait(10)
        raise OSError("timed out")

    verifier, fetched = counting_verifier(authority, fetch=stalled)
    outcomes: list[str] = []

    def call(index: int) -> None:
        body = signed_body()
        headers = dict(authority.sign(body))
        headers["SignatureCertChainUrl"] = f"https://s3.amazonaws.com/echo.api/cert-{index}.pem"
        outcomes.append(rejected(verifier, headers, body))

    holders = [threading.Thread(target=call, args=(i,)) for i in range(MAX_FETCH_THREADS)]
    for thread in holders:
        thread.start()
    for _ in holders:
        assert started.acquire(timeout=10)
    # Every further request is refused at once instead of queueing behind the stalled host.
    for index in range(10):
        call(100 + index)
    assert outcomes.count("certificate chain is not available yet") == 10
    release.set()
    for thread in holders:
        thread.join(10)
    assert len(fetched) == MAX_FETCH_THREADS
    assert outcomes.count("certificate chain could not be downloaded") == MAX_FETCH_THREADS


def test_concurrent_requests_share_one_download(authority):
    gate = threading.Event()

    def slow(url: str) -> bytes:
        gate.wait(10)
        return authority.fetch_chain(url)

    verifier, fetched = counting_verifier(authority, fetch=slow)
    results: list[Any] = []

    def call() -> None:
        body = signed_body()
        results.append(verifier.verify(headers=authority.sign(body), body=body))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(verifier._in_flight) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert len(results) == 2 and len(fetched) == 1


def test_failure_cache_is_bounded(authority):
    from skill.alexa.verification import MAX_CACHED_FAILURES

    verifier, fetched = counting_verifier(authority, fetch=lambda url: b"garbage")
    body = signed_body()
    for index in range(MAX_CACHED_FAILURES + 10):
        headers = dict(authority.sign(body))
        headers["SignatureCertChainUrl"] = f"https://s3.amazonaws.com/echo.api/c{index}.pem"
        rejected(verifier, headers, body)
    assert len(verifier._failures._entries) == MAX_CACHED_FAILURES
