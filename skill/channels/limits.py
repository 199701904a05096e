"""Rate limits on the public Flask endpoints: 429 with Retry-After past a limit (rates.py).

To limit a new endpoint (see docs/reliability.md):

    @blueprint.post("/events")
    @limited_per_address("events")
    def events(): ...
        refused = refuse_if_limited("events", "shopper", shopper_id)
        if refused: return refused
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, jsonify, request

from skill.channels.rates import RateLimiter


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
