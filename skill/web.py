"""Flask app factory: one blueprint per channel, services in `app.extensions`, no I/O at import."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from skill.alexa.endpoint import blueprint as alexa_blueprint
from skill.bootstrap import Application, build
from skill.channels.webchat import blueprint as webchat_blueprint
from skill.desk.chat_page import blueprint as chat_page_blueprint
from skill.desk.web import blueprint as desk_blueprint
from skill.engage.web import blueprint as engage_blueprint
from skill.json_input import parse_json
from skill.settings import Settings
from skill.simulator.web import blueprint as simulator_blueprint

log = logging.getLogger(__name__)


class BoundedJSONProvider(DefaultJSONProvider):
    """Every `request.get_json` goes through the project's one bounded JSON edge."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return parse_json(s)


def create_app(
    settings: Settings | None = None, *, application: Application | None = None
) -> Flask:
    """Build the web service; pass `application` to reuse services wired elsewhere (tests)."""
    app = Flask(__name__)
    app.json = BoundedJSONProvider(app)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # No endpoint takes more than a chat message or an Alexa envelope.
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    wired = application or build(settings)
    app.extensions["ambient_shop"] = wired
    if wired.settings.trusted_proxies:
        hops = wired.settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    app.register_blueprint(alexa_blueprint)
    app.register_blueprint(webchat_blueprint)
    app.register_blueprint(chat_page_blueprint)
    app.register_blueprint(desk_blueprint)
    if wired.chatwoot is not None:
        from skill.desk.chatwoot import blueprint as chatwoot_blueprint

        app.register_blueprint(chatwoot_blueprint)
    app.register_blueprint(engage_blueprint)
    if wired.settings.simulator_enabled:
        app.register_blueprint(simulator_blueprint)

    @app.get("/healthz")
    def healthz() -> Any:
        problems = wired.problems()
        body = {
            "status": "unavailable" if problems else "ok",
            "problems": problems,
            "verification": wired.verifier is not None,
            "simulator": wired.settings.simulator_enabled,
            "orders": wired.orders_source,
        }
        return jsonify(body), 503 if problems else 200

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        return jsonify({"error": error.description or error.name}), error.code or 500

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        log.exception("unhandled error", exc_info=error)
        return jsonify({"error": "internal error"}), 500

    return app
