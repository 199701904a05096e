"""Alexa request verification with `cryptography`: certificate URL, chain, signature, time, skill.

The ASK SDK's verifier cannot load against OpenSSL 3 and turns an unreachable certificate URL into
an unhandled error; this one downloads with a deadline and a size cap, caches verified chains, and
reports every failure as `VerificationFailed` with a reason that is safe to show the caller.
"""

from __future__ import annotations

import base64
import binascii
import logging
import posixpath
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import DNSName, PolicyBuilder, Store, VerificationError

from skill.errors import VerificationFailed
from skill.json_input import JsonInputError, parse_json

log = logging.getLogger(__name__)

ALEXA_SAN = "echo-api.amazon.com"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
MAX_CHAIN_BYTES = 256 * 1024
MAX_CACHED_CHAINS = 16
MAX_CHAIN_CERTS = 8
# RSA signatures from 1024- to 8192-bit keys.
MIN_SIGNATURE_BYTES = 128
MAX_SIGNATURE_BYTES = 1024
# A chain URL that failed is refused without a new download for this long.
FAILURE_TTL_S = 60.0
MAX_CACHED_FAILURES = 256
# Threads per process that may download a chain or wait for one; more are refused at once, so
# a stalled certificate host can never hold every request thread (the health check included).
MAX_FETCH_THREADS = 2

HEADER_CHAIN_URL = "signaturecertchainurl"
HEADER_SIGNATURE_256 = "signature-256"
HEADER_SIGNATURE_SHA1 = "signature"


@dataclass(frozen=True, slots=True)
class _VerifiedChain:
    """A chain that passed every certificate check; valid for signatures until `expires`."""

    leaf_key: rsa.RSAPublicKey
    not_before: datetime
    expires: datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=1)
def default_trusted_roots() -> tuple[x509.Certificate, ...]:
    """The certifi bundle that requests ships; loaded once, unparseable entries skipped."""
    import certifi

    with open(certifi.where(), "rb") as bundle:
        text = bundle.read()
    roots: list[x509.Certificate] = []
    marker = b"-----END CERTIFICATE-----"
    for block in text.split(marker):
        start = block.find(b"-----BEGIN CERTIFICATE-----")
        if start < 0:
            continue
        try:
            with warnings.catch_warnings():
                # A few long-lived roots carry non-positive serials; still roots people trust.
                warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                roots.append(x509.load_pem_x509_certificate(block[start:] + marker))
        except ValueError:
            log.debug("skipping a trust root cryptography cannot parse")
    return tuple(roots)


def validate_chain_url(url: str) -> None:
    """Alexa's rules for SignatureCertChainUrl; raises VerificationFailed naming the broken rule."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise VerificationFailed("certificate chain URL is malformed") from e
    if parts.scheme.lower() != "https":
        raise VerificationFailed("certificate chain URL must use https")
    if "@" in parts.netloc or (parts.hostname or "").lower() != CERT_HOST:
        raise VerificationFailed(f"certificate chain URL host must be {CERT_HOST}")
    if port is not None and port != 443:
        raise VerificationFailed("certificate chain URL port must be 443")
    # Both the raw and the percent-decoded path must stay under the prefix once `..` is resolved,
    # so an encoded dot segment cannot escape it whichever way the server reads it.
    for path in (parts.path, unquote(parts.path)):
        if "\\" in path or not posixpath.normpath(path or "/").startswith(CERT_PATH_PREFIX):
            raise VerificationFailed(
                f"certificate chain URL path must start with {CERT_PATH_PREFIX}"
            )


def _chunks(response: Any) -> Iterator[bytes]:
    """Whatever has arrived so far, so a server trickling bytes still meets the deadline."""
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:  # urllib3 before 2.2 lacks read1; its small reads still end on timeout
        yield from response.iter_content(chunk_size=1024)
        return
    while chunk := read1(16 * 1024):
        yield chunk


def download_chain(url: str, *, timeout_s: float, max_bytes: int = MAX_CHAIN_BYTES) -> bytes:
    """GET with a socket timeout, an overall deadline and a size cap; no redirects followed."""
    import requests
    import urllib3

    deadline = time.monotonic() + timeout_s
    try:
        with requests.get(
            url,
            timeout=timeout_s,
            stream=True,
            allow_redirects=False,
            headers={"Accept-Encoding": "identity"},
        ) as response:
            if response.status_code != 200:
                raise VerificationFailed(
                    f"certificate chain download answered HTTP {response.status_code}"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in _chunks(response):
                size += len(chunk)
                if size > max_bytes:
                    raise VerificationFailed("certificate chain is too large")
                if time.monotonic() > deadline:
                    raise VerificationFailed("certificate chain download timed out")
                chunks.append(chunk)
            return b"".join(chunks)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as e:
        raise VerificationFailed("certificate chain could not be downloaded") from e


def _decode_signature(encoded: str) -> bytes:
    try:
        signature = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as e:
        raise VerificationFailed("request signature is not base64") from e
    if not MIN_SIGNATURE_BYTES <= len(signature) <= MAX_SIGNATURE_BYTES:
        raise VerificationFailed("request signature has an impossible length")
    return signature


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in headers.items()}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _parse_timestamp(value: Any) -> datetime:
    """Alexa sends ISO 8601; a few event types send epoch milliseconds."""
    if isinstance(value, bool):
        raise VerificationFailed("request timestamp is not a time")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10_000_000_000 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError) as e:
            raise VerificationFailed("request timestamp is out of range") from e
    if isinstance(value, str) and value:
        try:
            return _aware(datetime.fromisoformat(value.strip()))
        except ValueError as e:
            raise VerificationFailed("request timestamp is not ISO 8601") from e
    raise VerificationFailed("request has no timestamp")


def _application_id(envelope: Mapping[str, Any]) -> str | None:
    for path in (("context", "System", "application"), ("session", "application")):
        node: Any = envelope
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, Mapping) and isinstance(node.get("applicationId"), str):
            return node["applicationId"]
    return None


class _ChainCache:
    """Verified chains by URL: bounded, least recently used out first, expired entries dropped."""

    def __init__(self, *, max_entries: int) -> None:
        self._entries: OrderedDict[str, _VerifiedChain] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, url: str, *, now: datetime) -> _VerifiedChain | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            if not entry.not_before <= now <= entry.expires:
                del self._entries[url]
                return None
            self._entries.move_to_end(url)
            return entry

    def put(self, url: str, entry: _VerifiedChain) -> None:
        with self._lock:
            self._entries[url] = entry
            self._entries.move_to_end(url)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


class _FailureCache:
    """Recent download or chain failures by URL: bounded, oldest out first, forgotten after TTL."""

    def __init__(self, *, max_entries: int, ttl_s: float) -> None:
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max = max_entries
        self._ttl_s = ttl_s
        self._lock = threading.Lock()

    def get(self, url: str, *, now: float) -> str | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            if now - entry[0] > self._ttl_s:
                del self._entries[url]
                return None
            return entry[1]

    def put(self, url: str, reason: str, *, now: float) -> None:
        with self._lock:
            self._entries[url] = (now, reason)
            self._entries.move_to_end(url)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


class AlexaRequestVerifier:
    """Checks that a request really comes from Alexa, for this skill, just now."""

    def __init__(
        self,
        *,
        skill_id: str | None,
        trusted_roots: Sequence[x509.Certificate] | None = None,
        fetch_chain: Callable[[str], bytes] | None = None,
        clock: Callable[[], datetime] | None = None,
        timestamp_tolerance_s: float = 150.0,
        fetch_timeout_s: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._skill_id = skill_id or None
        self._roots = tuple(trusted_roots) if trusted_roots is not None else None
        self._store: Store | None = None
        self._fetch = fetch_chain or self._download
        self._clock = clock or _utc_now
        self._tolerance_s = timestamp_tolerance_s
        self._fetch_timeout_s = fetch_timeout_s
        self._monotonic = monotonic
        self._cache = _ChainCache(max_entries=MAX_CACHED_CHAINS)
        self._failures = _FailureCache(max_entries=MAX_CACHED_FAILURES, ttl_s=FAILURE_TTL_S)
        self._fetch_threads = threading.BoundedSemaphore(MAX_FETCH_THREADS)
        self._in_flight: dict[str, threading.Event] = {}
        self._in_flight_lock = threading.Lock()
        self._warned_no_skill_id = False

    def verify(self, *, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """Return the parsed envelope, or raise VerificationFailed saying which check failed.

        The checks that cost nothing run first (headers, URL rules, signature encoding, JSON,
        timestamp, skill id), so a forged or stale request is refused without a certificate
        download; only a request that passes them all may wait for one.
        """
        lowered = _lower_headers(headers)
        url = lowered.get(HEADER_CHAIN_URL, "").strip()
        if not url:
            raise VerificationFailed("missing SignatureCertChainUrl header")
        signature_256 = lowered.get(HEADER_SIGNATURE_256, "").strip()
        signature_sha1 = lowered.get(HEADER_SIGNATURE_SHA1, "").strip()
        if not signature_256 and not signature_sha1:
            raise VerificationFailed("missing Signature-256 header")
        validate_chain_url(url)
        if signature_256:
            signature, algorithm = _decode_signature(signature_256), hashes.SHA256()
        else:
            signature, algorithm = _decode_signature(signature_sha1), hashes.SHA1()
        envelope = self._parse(body)
        now = _aware(self._clock())
        self._check_timestamp(envelope, now=now)
        self._check_application(envelope)
        leaf_key = self._leaf_key(url, now=now)
        try:
            leaf_key.verify(signature, body, padding.PKCS1v15(), algorithm)
        except InvalidSignature as e:
            raise VerificationFailed("request signature does not match the body") from e
        return envelope

    def _leaf_key(self, url: str, *, now: datetime) -> rsa.RSAPublicKey:
        cached = self._cache.get(url, now=now)
        if cached is not None:
            return cached.leaf_key
        refusal = self._failures.get(url, now=self._monotonic())
        if refusal is not None:
            raise VerificationFailed(refusal)
        if not self._fetch_threads.acquire(blocking=False):
            # Downloads already hold their share of threads; this request must not add one.
            raise VerificationFailed("certificate chain is not available yet")
        try:
            with self._in_flight_lock:
                running = self._in_flight.get(url)
                if running is None:
                    self._in_flight[url] = threading.Event()
            if running is not None:
                # One download per URL: wait for it rather than start another.
                running.wait(self._fetch_timeout_s + 1.0)
                return self._settled(url, now=now)
            try:
                verified = self._verify_chain(self._fetch_capped(url), now=now)
            except VerificationFailed as e:
                self._failures.put(url, str(e), now=self._monotonic())
                raise
            finally:
                with self._in_flight_lock:
                    self._in_flight.pop(url).set()
            self._cache.put(url, verified)
            return verified.leaf_key
        finally:
            self._fetch_threads.release()

    def _settled(self, url: str, *, now: datetime) -> rsa.RSAPublicKey:
        """The outcome another request's download left in the caches."""
        cached = self._cache.get(url, now=now)
        if cached is not None:
            return cached.leaf_key
        refusal = self._failures.get(url, now=self._monotonic())
        raise VerificationFailed(refusal or "certificate chain is not available yet")

    def _fetch_capped(self, url: str) -> bytes:
        try:
            data = self._fetch(url)
        except VerificationFailed:
            raise
        except Exception as e:  # noqa: BLE001 - any fetcher failure is an unverifiable request
            log.info("certificate chain download failed: %s: %s", type(e).__name__, e)
            raise VerificationFailed("certificate chain could not be downloaded") from e
        if not isinstance(data, bytes | bytearray):
            raise VerificationFailed("certificate chain could not be downloaded")
        if len(data) > MAX_CHAIN_BYTES:
            raise VerificationFailed("certificate chain is too large")
        return bytes(data)

    def _download(self, url: str) -> bytes:
        return download_chain(url, timeout_s=self._fetch_timeout_s)

    def _trust_store(self) -> Store:
        if self._store is None:
            roots = self._roots if self._roots is not None else default_trusted_roots()
            if not roots:
                raise VerificationFailed("no trusted root certificates are configured")
            self._store = Store(list(roots))
        return self._store

    def _verify_chain(self, pem: bytes, *, now: datetime) -> _VerifiedChain:
        try:
            certificates = x509.load_pem_x509_certificates(pem)
        except ValueError as e:
            raise VerificationFailed("certificate chain is not a PEM certificate list") from e
        if not certificates or len(certificates) > MAX_CHAIN_CERTS:
            raise VerificationFailed("certificate chain has an unexpected number of certificates")
        leaf, intermediates = certificates[0], certificates[1:]
        not_before, not_after = leaf.not_valid_before_utc, leaf.not_valid_after_utc
        if now < not_before:
            raise VerificationFailed("signing certificate is not yet valid")
        if now > not_after:
            raise VerificationFailed("signing certificate has expired")
        if ALEXA_SAN not in self._dns_names(leaf):
            raise VerificationFailed(f"signing certificate is not issued to {ALEXA_SAN}")
        public_key = leaf.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise VerificationFailed("signing certificate does not hold an RSA key")
        verifier = (
            PolicyBuilder()
            .store(self._trust_store())
            .time(now)
            .build_server_verifier(DNSName(ALEXA_SAN))
        )
        try:
            chain = verifier.verify(leaf, intermediates)
        except VerificationError as e:
            log.info("certificate chain rejected: %s", e)
            raise VerificationFailed("certificate chain does not lead to a trusted root") from e
        # A cached chain is only as good as its shortest-lived member.
        expires = min(cert.not_valid_after_utc for cert in chain)
        return _VerifiedChain(leaf_key=public_key, not_before=not_before, expires=expires)

    @staticmethod
    def _dns_names(leaf: x509.Certificate) -> list[str]:
        try:
            san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        except x509.ExtensionNotFound:
            return []
        except ValueError as e:
            raise VerificationFailed("signing certificate has a malformed extension") from e
        return [name.lower() for name in san.value.get_values_for_type(x509.DNSName)]

    @staticmethod
    def _parse(body: bytes) -> dict[str, Any]:
        try:
            envelope = parse_json(body)
        except JsonInputError as e:
            raise VerificationFailed(f"request body is not acceptable JSON: {e}") from e
        if not isinstance(envelope, dict):
            raise VerificationFailed("request body is not a JSON object")
        return envelope

    def _check_timestamp(self, envelope: Mapping[str, Any], *, now: datetime) -> None:
        request = envelope.get("request")
        if not isinstance(request, Mapping):
            raise VerificationFailed("request has no timestamp")
        sent = _parse_timestamp(request.get("timestamp"))
        if abs((now - sent).total_seconds()) > self._tolerance_s:
            raise VerificationFailed(
                f"request timestamp is more than {self._tolerance_s:g} seconds from now"
            )

    def _check_application(self, envelope: Mapping[str, Any]) -> None:
        if self._skill_id is None:
            if not self._warned_no_skill_id:
                self._warned_no_skill_id = True
                log.warning("no skill id configured: the application id check is skipped")
            return
        application_id = _application_id(envelope)
        if application_id is None:
            raise VerificationFailed("request names no application id")
        if application_id != self._skill_id:
            raise VerificationFailed("request is for a different skill")
