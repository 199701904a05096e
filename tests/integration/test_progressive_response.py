"""A slow look-up makes the skill send a progressive response through Alexa's directive API."""

from __future__ import annotations

import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import TEST_SKILL_ID
from tests.support.alexa_signing import alexa_envelope


def _https_identity(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: the SDK only calls https endpoints."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "api.pem", directory / "api.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class DirectiveApi:
    """A stand-in for Alexa's API endpoint on 127.0.0.1 that records enqueued directives."""

    def __init__(self, cert_path: Path, key_path: Path) -> None:
        self.received: list[dict[str, Any]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                api.received.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization", ""),
                        "body": json.loads(self.rfile.read(length) or b"{}"),
                    }
                )
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def directive_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DirectiveApi]:
    cert_path, key_path = _https_identity(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    api = DirectiveApi(cert_path, key_path)
    thread = threading.Thread(target=api.server.serve_forever, daemon=True)
    thread.start()
    yield api
    api.server.shutdown()


class SlowCatalog:
    """Wraps the demo catalog so every search takes longer than the progressive threshold."""

    def __init__(self, inner: Any, delay_s: float) -> None:
        self._inner = inner
        self._delay_s = delay_s

    def search(self, query: Any) -> Any:
        time.sleep(self._delay_s)
        return self._inner.search(query)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def post(client: Any, authority: Any, envelope: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(envelope).encode()
    response = client.post("/alexa", data=body, headers=authority.sign(body))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def with_api(envelope: dict[str, Any], url: str) -> dict[str, Any]:
    envelope["context"]["System"]["apiEndpoint"] = url
    envelope["context"]["System"]["apiAccessToken"] = "token-123"
    return envelope


@pytest.mark.parametrize(("delay_s", "expected"), [(0.4, 1), (0.0, 0)])
def test_progressive_response_only_when_slow(
    directive_api, settings, demo_catalog, nlp, alexa_authority, delay_s, expected
):
    from skill.bootstrap import build
    from skill.web import create_app

    wired = build(
        settings.with_overrides(progressive_response_after_s=0.1),
        catalog=SlowCatalog(demo_catalog, delay_s),
        parser=nlp,
        verifier=alexa_authority.verifier(skill_id=TEST_SKILL_ID),
    )
    client = create_app(application=wired).test_client()
    envelope = with_api(
        alexa_envelope(
            intent="ShopIntent", slots={"query": "wool sweaters"}, skill_id=TEST_SKILL_ID
        ),
        directive_api.url,
    )
    answer = post(client, alexa_authority, envelope)
    assert "$" in answer["response"]["outputSpeech"]["ssml"]
    time.sleep(0.2)  # a cancelled timer must stay silent; a fired one has already posted
    assert len(directive_api.received) == expected
    if expected:
        sent = directive_api.received[0]
        assert sent["path"] == "/v1/directives"
        assert sent["authorization"] == "Bearer token-123"
        assert sent["body"]["directive"]["type"] == "VoicePlayer.Speak"
        assert sent["body"]["header"]["requestId"] == envelope["request"]["requestId"]
    wired.close()
