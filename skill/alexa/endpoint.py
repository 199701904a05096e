"""POST /alexa: verify, dispatch through ask-sdk-core, answer JSON; every failure is a clear 4xx."""

from __future__ import annotations

import json
import logging
from typing import Any

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_model import RequestEnvelope
from flask import Blueprint, Response, current_app, jsonify, request

from skill.alexa.rendering import enforce_size
from skill.errors import VerificationFailed

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
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(400, "request body is not JSON")
    else:
        try:
            payload = app.verifier.verify(headers=request.headers, body=body)
        except VerificationFailed as e:
            log.info("rejected Alexa request: %s", e)
            return _error(400, f"request verification failed: {e}")
    skill = app.alexa_skill
    try:
        envelope = skill.serializer.deserialize(json.dumps(payload), RequestEnvelope)
    except Exception as e:  # noqa: BLE001 - the SDK raises bare exceptions for bad shapes
        return _error(400, f"not an Alexa request envelope: {type(e).__name__}")
    if envelope is None or envelope.request is None:
        return _error(400, "not an Alexa request envelope: no request")
    try:
        response = skill.invoke(request_envelope=envelope, context=None)
    except AskSdkException as e:
        log.info("ask-sdk rejected the request: %s", e)
        return _error(400, str(e))
    return jsonify(enforce_size(skill.serializer.serialize(response)))
