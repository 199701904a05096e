"""Rate limits counted in a shared store: fixed windows, refused past the limit, fail open.

A key's hits are counted per window of `per_s` seconds; the hit past the limit is refused until
the window ends. The counters live where the state lives (a SQLite table, or the DynamoDB state
table with a TTL), so two gunicorn workers or many Lambda instances see one count. If the counter
store fails, requests are let through and the failure is logged: a limit must never take the
shop down. Flask-free, so the composition root and Lambda can build it without a web stack.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from skill.core.ports import HitCounter
from skill.errors import AmbientShopError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rate:
    """`count` requests per `per_s` seconds; a count of 0 means unlimited."""

    count: int
    per_s: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`30/60` (30 per 60 s), `30/minute`, `0` (unlimited)."""
        raw = text.strip().lower()
        if raw in ("0", "off", "none", "unlimited"):
            return cls(0, 60)
        count, sep, period = raw.partition("/")
        units = {"second": 1, "s": 1, "minute": 60, "min": 60, "m": 60, "hour": 3600, "h": 3600}
        try:
            per_s = units[period] if period in units else int(period) if sep else 60
            rate = cls(int(count), per_s)
        except ValueError as e:
            raise ValueError(f"{text!r} is not a rate such as 30/60 or 30/minute") from e
        if rate.count < 0 or rate.per_s <= 0:
            raise ValueError(f"{text!r} is not a rate such as 30/60 or 30/minute")
        return rate

    def __str__(self) -> str:
        return f"{self.count}/{self.per_s}s" if self.count else "unlimited"


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
