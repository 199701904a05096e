"""AWS Lambda entry point: the same skill object the web service uses, built once per container."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from skill.alexa.envelope import apology_response, invoke_skill
from skill.json_input import JsonInputError

if TYPE_CHECKING:
    from skill.bootstrap import Application

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _application() -> Application:
    # Built on first invocation, not at import, so a cold start that fails reports a clear error.
    from skill.bootstrap import build

    return build()


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda's Alexa trigger checks the caller and skill id, so no signature check here.

    Never raises: Lambda would retry a raised event and Alexa would play its generic failure,
    so an event the skill cannot read is logged and answered with a spoken apology.
    """
    try:
        skill = _application().alexa_skill
    except Exception:  # noqa: BLE001 - a failed cold start is logged; the next event retries it
        log.exception("the skill could not start")
        return apology_response()
    try:
        return invoke_skill(skill, event, context=context)
    except JsonInputError as e:
        log.warning("refused an event that is not an Alexa request: %s", e)
        return apology_response()
