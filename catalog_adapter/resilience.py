"""Retries with backoff and a circuit breaker, so a retailer's outage costs a shopper one quick
apology instead of a hung speaker."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from catalog_adapter.errors import AmbientShopError, CatalogConfigError, CatalogUnavailable

BreakerState = Literal["closed", "open", "half_open"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently an idempotent call is repeated."""

    # Total tries, the first one included.
    attempts: int = 3
    backoff: float = 0.1
    backoff_max: float = 2.0
    # A server's Retry-After is honoured up to this many seconds.
    retry_after_cap: float = 3.0
    # Every try must end within this many seconds of the first: Alexa gives a skill 8 s.
    budget: float = 5.0
    # Share of each delay drawn at random, so many clients do not retry in step.
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise CatalogConfigError("retry attempts must be at least 1")
        for name in ("backoff", "backoff_max", "retry_after_cap", "budget", "jitter"):
            if getattr(self, name) < 0:
                raise CatalogConfigError(f"retry {name} must not be negative")

    def delay(self, failures: int, *, retry_after: float | None = None) -> float:
        """Seconds to wait after the n-th consecutive failure (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        base = min(self.backoff * (2 ** (failures - 1)), self.backoff_max)
        return base * (1 - self.jitter * random.random())


class CircuitBreaker:
    """Opens after `threshold` consecutive failures; after `cooldown` s lets one trial call in."""

    def __init__(
        self,
        *,
        threshold: int = 5,
        cooldown: float = 30.0,
        name: str = "catalog",
        clock: Callable[[], float] = time.monotonic,
        error: type[AmbientShopError] = CatalogUnavailable,
    ) -> None:
        if threshold < 1:
            raise CatalogConfigError("circuit breaker threshold must be at least 1")
        if cooldown < 0:
            raise CatalogConfigError("circuit breaker cooldown must not be negative")
        self.threshold = threshold
        self.cooldown = cooldown
        self.name = name
        self.error = error
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.cooldown:
            return "half_open"
        return "open"

    def before_call(self) -> None:
        """Raise `error` (CatalogUnavailable) at once while open; admit one trial when half-open."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return
            if state == "half_open" and not self._trial_running:
                self._trial_running = True
                return
            assert self._opened_at is not None
            wait = max(self.cooldown - (self._clock() - self._opened_at), 0.0)
        raise self.error(
            f"{self.name} is failing; not calling it for another {wait:.1f} s (circuit open)"
        )

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self.threshold:
                # A failed trial restarts the whole cool-down.
                self._opened_at = self._clock()
            self._trial_running = False
