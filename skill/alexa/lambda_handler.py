"""AWS Lambda entry point: the same skill object the web service uses, built once per container."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ask_sdk_model import RequestEnvelope

from skill.alexa.rendering import enforce_size

if TYPE_CHECKING:
    from skill.bootstrap import Application


@lru_cache(maxsize=1)
def _application() -> Application:
    # Built on first invocation, not at import, so a cold start that fails reports a clear error.
    from skill.bootstrap import build

    return build()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's Alexa trigger checks the caller and skill id, so no signature check here."""
    skill = _application().alexa_skill
    envelope = skill.serializer.deserialize(json.dumps(event), RequestEnvelope)
    response = skill.invoke(request_envelope=envelope, context=context)
    return enforce_size(skill.serializer.serialize(response))
