"""API Gateway HTTP API (payload 2.0) to WSGI through `apig-wsgi`: Lambda serves the Flask app.

The Lambda package build copies this module to the package root; the web function's handler is
`lambda_web.handler`. The SAM template's HTTP API uses the `$default` stage, so paths arrive as
the app routes them. Responses whose type is not text go back base64-encoded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def handler_for(app: Any) -> Handler:
    """The Lambda handler for a WSGI app, binary responses base64-encoded."""
    from apig_wsgi import make_lambda_handler

    return make_lambda_handler(app, binary_support=True)


@lru_cache(maxsize=1)
def _handler() -> Handler:
    # Built on the first request, not at import, so a failing cold start reports a clear error.
    from skill.web import create_app

    return handler_for(create_app())


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point for the HTTP API."""
    return _handler()(event, context)
