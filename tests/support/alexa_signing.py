"""A private Alexa signing authority and real request envelopes, so tests sign like Alexa does."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.alexa.verification import ALEXA_SAN, AlexaRequestVerifier

DEFAULT_CHAIN_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
_FAR_FUTURE = datetime(2099, 1, 1, tzinfo=UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ambient Shop Test Authority"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=True,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True, slots=True)
class _Ca:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


@lru_cache(maxsize=4)
def _root(label: str) -> _Ca:
    """A self-signed root; EC keys keep generation fast, the leaf stays RSA like Alexa's."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"Ambient Shop Test Root {label}")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_EPOCH)
        .not_valid_after(_FAR_FUTURE)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _Ca(key=key, cert=cert)


@lru_cache(maxsize=4)
def _intermediate(root_label: str) -> _Ca:
    root = _root(root_label)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"Ambient Shop Test Intermediate {root_label}"))
        .issuer_name(root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_EPOCH)
        .not_valid_after(_FAR_FUTURE)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()),
            critical=False,
        )
        .sign(root.key, hashes.SHA256())
    )
    return _Ca(key=key, cert=cert)


@lru_cache(maxsize=1)
def _leaf_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@lru_cache(maxsize=16)
def _leaf(
    root_label: str, dns_names: tuple[str, ...], not_before: datetime, not_after: datetime
) -> x509.Certificate:
    issuer = _intermediate(root_label)
    key = _leaf_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(dns_names[0] if dns_names else "no-alternative-name"))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_leaf_key_usage(), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in dns_names]),
            critical=False,
        )
    return builder.sign(issuer.key, hashes.SHA256())


class TestAlexaAuthority:
    """A root, an intermediate and an RSA leaf for echo-api.amazon.com, made once per test run.

    Options make the broken variants the verifier must refuse: an expired leaf, a leaf for
    another name, or a chain under a root the verifier does not trust.
    """

    __test__ = False  # a helper, not a pytest test class

    def __init__(
        self,
        *,
        chain_url: str = DEFAULT_CHAIN_URL,
        root_label: str = "A",
        dns_names: Sequence[str] = (ALEXA_SAN,),
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> None:
        self.chain_url = chain_url
        self._root_label = root_label
        self._dns_names = tuple(dns_names)
        now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        # Day-rounded defaults keep the lru_cache key stable across a whole test run.
        self._not_before = not_before or now - timedelta(days=30)
        self._not_after = not_after or now + timedelta(days=365)

    @property
    def root(self) -> x509.Certificate:
        return _root(self._root_label).cert

    @property
    def leaf(self) -> x509.Certificate:
        return _leaf(self._root_label, self._dns_names, self._not_before, self._not_after)

    def chain_pem(self) -> bytes:
        """Leaf then intermediate, as Amazon serves them (the root comes from the trust store)."""
        certificates = (self.leaf, _intermediate(self._root_label).cert)
        return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates)

    def fetch_chain(self, url: str) -> bytes:
        """Serves the chain at its URL only; any other URL fails like an unreachable host."""
        if url != self.chain_url:
            host = urlsplit(url).hostname or url
            raise requests.ConnectionError(f"cannot reach {host}")
        return self.chain_pem()

    def sign(self, body: bytes, *, sha1: bool = False) -> dict[str, str]:
        """The headers Alexa sends: Signature-256 (or the legacy SHA-1 Signature) and the URL."""
        algorithm: hashes.HashAlgorithm = hashes.SHA1() if sha1 else hashes.SHA256()
        signature = _leaf_key().sign(body, padding.PKCS1v15(), algorithm)
        header = "Signature" if sha1 else "Signature-256"
        return {
            header: base64.b64encode(signature).decode("ascii"),
            "SignatureCertChainUrl": self.chain_url,
        }

    def verifier(
        self,
        *,
        skill_id: str | None,
        clock: Callable[[], datetime] | None = None,
        fetch_chain: Callable[[str], bytes] | None = None,
        **options: Any,
    ) -> AlexaRequestVerifier:
        """A verifier that trusts only this authority's root and downloads from it."""
        return AlexaRequestVerifier(
            skill_id=skill_id,
            trusted_roots=[self.root],
            fetch_chain=fetch_chain or self.fetch_chain,
            clock=clock,
            **options,
        )


def _alexa_time(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _request(
    *,
    request_type: str,
    intent: str | None,
    slots: dict[str, str] | None,
    timestamp: datetime,
    locale: str,
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "type": request_type,
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": _alexa_time(timestamp),
        "locale": locale,
    }
    if request_type == "IntentRequest":
        if not intent:
            raise ValueError("an IntentRequest needs an intent name")
        request["dialogState"] = "STARTED"
        request["intent"] = {
            "name": intent,
            "confirmationStatus": "NONE",
            "slots": {
                name: {"name": name, "value": value, "confirmationStatus": "NONE"}
                for name, value in (slots or {}).items()
            },
        }
    elif intent is not None or slots:
        raise ValueError(f"a {request_type} carries no intent or slots")
    if request_type == "SessionEndedRequest":
        request["reason"] = "USER_INITIATED"
    return request


def alexa_envelope(
    *,
    request_type: str = "IntentRequest",
    intent: str | None = None,
    slots: dict[str, str] | None = None,
    skill_id: str = "amzn1.ask.skill.test",
    timestamp: datetime | None = None,
    session_new: bool = True,
    session_id: str = "amzn1.echo-api.session.test",
    attributes: dict | None = None,
    user_id: str = "amzn1.ask.account.test",
    supported_interfaces: dict | None = None,
    locale: str = "en-US",
) -> dict:
    """A request envelope shaped like the ones Alexa posts, with the fields the skill reads."""
    application = {"applicationId": skill_id}
    user = {"userId": user_id}
    return {
        "version": "1.0",
        "session": {
            "new": session_new,
            "sessionId": session_id,
            "application": dict(application),
            "attributes": dict(attributes or {}),
            "user": dict(user),
        },
        "context": {
            "System": {
                "application": dict(application),
                "user": dict(user),
                "device": {
                    "deviceId": "amzn1.ask.device.test",
                    "supportedInterfaces": dict(supported_interfaces or {}),
                },
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "test-access-token",
            }
        },
        "request": _request(
            request_type=request_type,
            intent=intent,
            slots=slots,
            timestamp=timestamp or datetime.now(UTC),
            locale=locale,
        ),
    }
