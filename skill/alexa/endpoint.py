"""POST /alexa: verify, dispatch through ask-sdk-core, answer JSON; every failure is a clear 4xx."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from skill.alexa.envelope import BadEnvelope, invoke_skill
from skill.errors import VerificationFailed
from skill.json_input import JsonInputError, parse_json

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 128 * 1024

blueprint = Blueprint("alexa", __name__)


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


@blueprint.post("/alexa")
def alexa() -> Any:
    app = current_app.extensions["ambient_shop"]
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return _error(413, "request body too large")
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY_BYTES:
        return _error(413, "request body too large")
    if app.verifier is None:
        log.warning(
            "UNVERIFIED Alexa request accepted (AMBIENT_SHOP_DEV_UNVERIFIED=1); "
            "never run like this in production"
        )
        try:
            payload = parse_json(body)
        except JsonInputError as e:
            return _error(400, f"request body is not acceptable JSON: {e}")
    else:
        try:
            payload = app.verifier.verify(headers=request.headers, body=body)
        except VerificationFailed as e:
            log.info("rejected Alexa request: %s", e)
            return _error(400, f"request verification failed: {e}")
    try:
        answer = invoke_skill(app.alexa_skill, payload)
    except BadEnvelope as e:
        log.info("refused Alexa request: %s", e)
        return _error(400, f"not an Alexa request envelope this skill can read: {e}")
    return jsonify(answer)
