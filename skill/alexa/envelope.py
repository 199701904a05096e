"""Alexa request envelopes checked for the shape the skill reads, then run through ask-sdk.

ask-sdk-core assumes a well-formed envelope: a body without `context.System`, slots given as a
list or a slot value given as a number makes it raise deep inside. Every entry point (the HTTPS
endpoint, the Lambda handler, the in-process simulator) calls `invoke_skill`, which refuses such
envelopes with `BadEnvelope` (a clear 400 or, on Lambda, a logged refusal) and never lets an
exception out of the skill.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from skill.alexa.rendering import enforce_size
from skill.json_input import JsonInputError, check_json

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill

log = logging.getLogger(__name__)

APOLOGY = (
    "Sorry, something went wrong on my side. You can try again, or say talk to a person and "
    "someone from our team will help."
)


class BadEnvelope(JsonInputError):
    """A JSON body that is not an Alexa request envelope this skill can read."""


def _object(parent: Mapping[str, Any], key: str, where: str, *, required: bool) -> dict | None:
    value = parent.get(key)
    if value is None:
        if required:
            raise BadEnvelope(f"{where}{key} is missing")
        return None
    if not isinstance(value, dict):
        raise BadEnvelope(f"{where}{key} must be an object")
    return value


def _string(parent: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> None:
    value = parent.get(key)
    if value is None:
        if required:
            raise BadEnvelope(f"{where}{key} is missing")
        return
    if not isinstance(value, str):
        raise BadEnvelope(f"{where}{key} must be a string")


def _boolean(parent: Mapping[str, Any], key: str, where: str) -> None:
    value = parent.get(key)
    if value is not None and not isinstance(value, bool):
        raise BadEnvelope(f"{where}{key} must be true or false")


def _check_identity(node: Mapping[str, Any], where: str, *, required: bool) -> None:
    application = _object(node, "application", where, required=required)
    if application is not None:
        _string(application, "applicationId", f"{where}application.", required=True)
    user = _object(node, "user", where, required=required)
    if user is not None:
        _string(user, "userId", f"{where}user.", required=True)
        _string(user, "accessToken", f"{where}user.")


def _check_intent(request: Mapping[str, Any]) -> None:
    intent = _object(request, "intent", "request.", required=True)
    assert intent is not None
    _string(intent, "name", "request.intent.", required=True)
    _string(intent, "confirmationStatus", "request.intent.")
    slots = _object(intent, "slots", "request.intent.", required=False)
    for name, slot in (slots or {}).items():
        where = f"request.intent.slots.{name[:40]}."
        if not isinstance(slot, dict):
            raise BadEnvelope(f"{where[:-1]} must be an object")
        _string(slot, "name", where)
        _string(slot, "value", where)
        _string(slot, "confirmationStatus", where)
        for key in ("resolutions", "slotValue"):
            _object(slot, key, where, required=False)


def check_envelope(payload: Any) -> dict[str, Any]:
    """The envelope, within the JSON limits and with every field the skill reads well typed."""
    try:
        envelope = check_json(payload)
    except BadEnvelope:
        raise
    except JsonInputError as e:
        raise BadEnvelope(str(e)) from e
    if not isinstance(envelope, dict):
        raise BadEnvelope("an Alexa request envelope is a JSON object")
    _string(envelope, "version", "")
    request = _object(envelope, "request", "", required=True)
    assert request is not None
    _string(request, "type", "request.", required=True)
    _string(request, "requestId", "request.")
    _string(request, "locale", "request.")
    _string(request, "reason", "request.")
    context = _object(envelope, "context", "", required=True)
    assert context is not None
    system = _object(context, "System", "context.", required=True)
    assert system is not None
    _check_identity(system, "context.System.", required=True)
    _string(system, "apiEndpoint", "context.System.")
    _string(system, "apiAccessToken", "context.System.")
    device = _object(system, "device", "context.System.", required=False)
    if device is not None:
        _string(device, "deviceId", "context.System.device.")
        _object(device, "supportedInterfaces", "context.System.device.", required=False)
    session = _object(envelope, "session", "", required=False)
    if session is not None:
        _string(session, "sessionId", "session.")
        _boolean(session, "new", "session.")
        _object(session, "attributes", "session.", required=False)
        _check_identity(session, "session.", required=False)
    if request["type"] == "IntentRequest":
        _check_intent(request)
    return envelope


def apology_response() -> dict[str, Any]:
    """What Alexa plays when the skill itself failed: never silence, never a crash."""
    return {
        "version": "1.0",
        "response": {
            "outputSpeech": {"type": "PlainText", "text": APOLOGY},
            "shouldEndSession": True,
        },
    }


def invoke_skill(skill: CustomSkill, payload: Any, *, context: Any = None) -> dict[str, Any]:
    """Check, deserialize and dispatch one envelope; `BadEnvelope` for input the skill refuses."""
    from ask_sdk_core.exceptions import AskSdkException
    from ask_sdk_model import RequestEnvelope

    envelope = check_envelope(payload)
    try:
        request = skill.serializer.deserialize(json.dumps(envelope), RequestEnvelope)
    except Exception as e:  # noqa: BLE001 - the SDK raises bare exceptions for bad shapes
        raise BadEnvelope(f"not an Alexa request envelope ({type(e).__name__})") from e
    if request is None or request.request is None or request.context is None:
        raise BadEnvelope("not an Alexa request envelope")
    try:
        response = skill.invoke(request_envelope=request, context=context)
    except AskSdkException as e:
        raise BadEnvelope(str(e)) from e
    except Exception:  # noqa: BLE001 - the skill's own handler failed: apologise, log once
        log.exception("the skill failed outside its exception handler")
        return apology_response()
    return enforce_size(skill.serializer.serialize(response))
