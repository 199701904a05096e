"""Rate limits for the public endpoints, counted in the state store so every worker shares them.

Fixed windows: a key's hits are counted per window of `per_s` seconds; the hit past the limit
is refused with 429 and a Retry-After until the window ends. The counters live where the state
lives (a SQLite table, or the DynamoDB state table with a TTL), so two gunicorn workers or many
Lambda instances see one count. If the counter store fails, requests are let through and the
failure is logged: a limit must never take the shop down.

To limit a new endpoint (see docs/reliability.md):

    @blueprint.post("/events")
    @limited_per_address("events")
    def events(): ...
        refused = refuse_if_limited("events", "shopper", shopper_id)
        if refused: return refused
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from typing import Any, Protocol

from flask import Response, current_app, jsonify, request

from skill.errors import AmbientShopError
from skill.settings import Rate

log = logging.getLogger(__name__)


class HitCounter(Protocol):
    def hit(self, key: str, *, expires_at: float) -> int:
        """Count one hit on `key`; return the count so far, this hit included."""
        ...


class RateLimiter:
    """Checks and counts hits against named limits; shared by every public endpoint."""

    def __init__(
        self,
        counter: HitCounter,
        rates: dict[str, Rate],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._counter = counter
        self._rates = dict(rates)
        self._clock = clock

    def rate(self, kind: str) -> Rate:
        return self._rates.get(kind, Rate(0, 60))

    def retry_after(self, scope: str, kind: str, who: str) -> int | None:
        """Count one hit; None if within the limit, else the seconds until it may retry."""
        rate = self.rate(kind)
        if rate.count <= 0:
            return None
        now = self._clock()
        window = int(now // rate.per_s)
        window_end = (window + 1) * rate.per_s
        key = f"{scope}|{kind}|{who}|{rate.per_s}|{window}"
        try:
            hits = self._counter.hit(key, expires_at=window_end + rate.per_s)
        except AmbientShopError:
            log.warning("rate limit store unavailable; letting %s through", scope, exc_info=True)
            return None
        if hits <= rate.count:
            return None
        return max(1, math.ceil(window_end - now))


def client_address() -> str:
    """The caller's address as the WSGI server (or the trusted proxy fix) reports it."""
    return request.remote_addr or "unknown"


def _too_many(kind: str, retry_after: int) -> tuple[Response, int]:
    response = jsonify(
        {
            "error": f"too many requests from this {kind}; try again in {retry_after} s",
            "retry_after": retry_after,
        }
    )
    response.headers["Retry-After"] = str(retry_after)
    return response, 429


def refuse_if_limited(scope: str, kind: str, who: str) -> tuple[Response, int] | None:
    """A 429 response if `who` (of `kind`: shopper, address) is over its limit on `scope`."""
    limiter: RateLimiter | None = current_app.extensions["ambient_shop"].limiter
    if limiter is None:
        return None
    retry_after = limiter.retry_after(scope, kind, who)
    return None if retry_after is None else _too_many(kind, retry_after)


def limited_per_address(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view so each client address is held to the `address` rate on `scope`."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            refused = refuse_if_limited(scope, "address", client_address())
            return refused if refused is not None else view(*args, **kwargs)

        return limited

    return decorate
