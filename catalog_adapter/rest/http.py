"""JSON over HTTP for a voice assistant: timeouts, retries of idempotent calls within a time
budget, Retry-After, a size limit on answers, and a circuit breaker judging each logical call.

Nothing here knows about catalogs: any adapter of a retailer's API (products, orders) can use
`JsonHttpClient`, passing the error class its callers expect.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from catalog_adapter.errors import AmbientShopError, CatalogUnavailable
from catalog_adapter.resilience import CircuitBreaker, RetryPolicy

if TYPE_CHECKING:
    # requests is imported on first use: opening the embedded catalog should not pay for it.
    import requests

log = logging.getLogger(__name__)

# With the retry budget of RetryPolicy, a dead API costs a shopper at most ~5 s of Alexa's 8 s.
DEFAULT_CONNECT_TIMEOUT = 1.0
DEFAULT_READ_TIMEOUT = 2.5
# An API answer larger than this is a broken or hostile server, not a catalog page.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# What one call sends: method, URL, query parameters, JSON body (None: no body).
Request = tuple[str, str, Sequence[tuple[str, str]], Any]


class MalformedAnswer(ValueError):
    """The server answered, but not with usable JSON (too large, empty, not JSON)."""


class JsonHttpClient:
    """Calls one API; every failure reaches callers as `unavailable` (an AmbientShopError)."""

    def __init__(
        self,
        *,
        name: str,
        session: requests.Session | None = None,
        headers: Mapping[str, str] | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        unavailable: type[AmbientShopError] = CatalogUnavailable,
    ) -> None:
        self.name = name
        self.owns_session = session is None
        if session is None:
            import requests

            session = requests.Session()
        self.session = session
        self.headers = dict(headers or {})
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker(name=name, error=unavailable)
        self.sleep = sleep
        self.clock = clock
        self.max_response_bytes = max_response_bytes
        self.unavailable = unavailable

    def close(self) -> None:
        """Close the session if this client made it; an injected one stays open."""
        if self.owns_session:
            self.session.close()

    def call(
        self,
        what: str,
        build: Callable[[], Request],
        *,
        idempotent: bool,
        missing_is_none: bool = False,
    ) -> Any:
        """One logical call named `what`: retried while it may be, judged once by the breaker.
        HTTP 404 is None when `missing_is_none`.

        `build` makes the request; a KeyError or ValueError from it is our template's fault, not
        the server's, so it is reported without touching the breaker's count.
        """
        self.breaker.before_call()
        try:
            return self._attempts(
                what, build, idempotent=idempotent, missing_is_none=missing_is_none
            )
        except self.unavailable:
            raise
        except Exception as e:
            # Nothing foreseen: still an outage to callers, and the breaker's trial slot is freed.
            log.exception("%s %s: unexpected error", self.name, what)
            self.breaker.record_failure()
            raise self.unavailable(
                f"{self.name} {what}: unexpected error ({e.__class__.__name__})"
            ) from e

    def _attempts(
        self, what: str, build: Callable[[], Request], *, idempotent: bool, missing_is_none: bool
    ) -> Any:
        import requests

        try:
            method, url, params, body = build()
        except (KeyError, ValueError) as e:
            self.breaker.record_success()  # our template, not their server
            raise self.unavailable(f"{self.name} {what}: cannot build the request: {e}") from e
        where = f"{method} {urlsplit(url)._replace(query='').geturl()}"
        policy = self.retry
        started = self.clock()
        failures = 0
        while True:
            retry_after: float | None = None
            try:
                response = self.session.request(
                    method,
                    url,
                    params=list(params),
                    json=body,
                    headers={"Accept": "application/json", **self.headers},
                    timeout=(self.connect_timeout, self.read_timeout),
                    stream=True,
                )
            except requests.Timeout as e:
                error: Exception = e
                problem = f"timed out ({e.__class__.__name__})"
                retryable = idempotent
            except requests.ConnectionError as e:
                error, problem, retryable = e, f"cannot connect ({_reason(e)})", idempotent
            except requests.RequestException as e:
                error, problem, retryable = e, f"request failed ({_reason(e)})", False
            else:
                with response:
                    status = response.status_code
                    if status == 404 and missing_is_none:
                        self.breaker.record_success()
                        return None
                    if status in RETRY_STATUSES:
                        retry_after = _retry_after(response.headers.get("Retry-After"))
                        error = requests.HTTPError(f"HTTP {status}", response=response)
                        problem, retryable = f"answered HTTP {status}", idempotent
                    elif status >= 400:
                        # The server is alive and refuses this request: not an outage.
                        self.breaker.record_success()
                        hint = " (check the credentials in headers)" if status in (401, 403) else ""
                        raise self.unavailable(
                            f"{self.name} {what}: {where} answered HTTP {status}" + hint
                        )
                    else:
                        try:
                            doc = self._read_json(response)
                        except (requests.RequestException, ValueError) as e:
                            error, problem, retryable = e, _body_problem(e), False
                        else:
                            self.breaker.record_success()
                            return doc
            failures += 1
            delay = policy.delay(failures, retry_after=retry_after)
            spent = self.clock() - started
            # A new try starts only if it could time out and still end within the budget.
            worst_try = self.connect_timeout + self.read_timeout
            fits = spent + delay + worst_try <= policy.budget
            if retryable and failures < policy.attempts and fits:
                log.info(
                    "%s %s: %s %s; try %d in %.2f s",
                    self.name,
                    what,
                    where,
                    problem,
                    failures + 1,
                    delay,
                )
                self.sleep(delay)
                continue
            self.breaker.record_failure()
            tries = f" after {failures} tries" if failures > 1 else ""
            raise self.unavailable(f"{self.name} {what}: {where} {problem}{tries}") from error

    def _read_json(self, response: requests.Response) -> Any:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_response_bytes:
            raise MalformedAnswer(f"answer of {int(declared):,} bytes is too large")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise MalformedAnswer(f"answer larger than {self.max_response_bytes:,} bytes")
            chunks.append(chunk)
        raw = b"".join(chunks)
        if not raw.strip():
            raise MalformedAnswer("answer is empty, not JSON")
        try:
            return json.loads(raw.decode(response.encoding or "utf-8"))
        except (UnicodeDecodeError, LookupError) as e:
            raise MalformedAnswer(f"answer is not valid text: {e}") from e
        except json.JSONDecodeError as e:
            raise MalformedAnswer(f"answer is not valid JSON ({e.msg} at {e.pos})") from e


def _reason(error: Exception) -> str:
    text = str(error)
    # urllib3 nests the reason deep inside a long message with the whole URL.
    m = re.search(
        r"(?:Errno -?\d+\] )?([A-Z][^()'\]]*?(?:refused|reset|resolve|name)[^()'\]]*)", text
    )
    return (m[1] if m else error.__class__.__name__).strip()


def _body_problem(error: Exception) -> str:
    if isinstance(error, MalformedAnswer):
        return f"sent a malformed answer: {error}"
    return f"broke off the answer ({error.__class__.__name__})"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
