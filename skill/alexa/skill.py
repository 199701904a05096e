"""ask-sdk-core glue: one bridge handler translates Alexa requests into Turns for the core."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from ask_sdk_core.api_client import DefaultApiClient
from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Response
from ask_sdk_model.services.directive import Header, SendDirectiveRequest, SpeakDirective

from skill.alexa.attributes import STATE_ATTRIBUTE
from skill.alexa.interaction_model import PHRASE_SLOT, QUERY_SLOT, RESTORED_CARRIERS
from skill.alexa.rendering import render
from skill.core.conversation import Conversation
from skill.core.model import Device, Turn
from skill.core.state import DialogueState

log = logging.getLogger(__name__)

# Alexa intent -> the project's intent. Free-form intents carry their words in a slot.
BUILT_IN_INTENTS: Mapping[str, str] = {
    "AMAZON.HelpIntent": "help",
    "AMAZON.StopIntent": "stop",
    "AMAZON.CancelIntent": "stop",
    "AMAZON.YesIntent": "yes",
    "AMAZON.NoIntent": "no",
    "AMAZON.RepeatIntent": "repeat",
    "AMAZON.FallbackIntent": "out_of_scope",
    "AMAZON.NavigateHomeIntent": "help",
    "AMAZON.StartOverIntent": "help",
}
# Slot-based: Alexa decided the intent; the parser still reads the slot for entities (order ids).
FIXED_INTENTS: Mapping[str, str] = {
    "AgentIntent": "talk_to_agent",
    "OrderStatusIntent": "order_status",
    "CancelOrderIntent": "cancel_order",
    "ReturnIntent": "return_refund",
}

# Intents whose carrier phrases mean "find" ("show me {query}"): the routing hint the parser and
# the core weigh, so a bare "sweaters" said that way is a search, never out of scope.
FIND_ROUTED: Mapping[str, str] = {"ShopIntent": "find"}


def _slot_values(request: Any) -> dict[str, str]:
    slots = getattr(getattr(request, "intent", None), "slots", None) or {}
    return {name: slot.value for name, slot in slots.items() if slot is not None and slot.value}


def _device(handler_input: HandlerInput) -> Device:
    system = (
        handler_input.request_envelope.context.system
        if (handler_input.request_envelope.context)
        else None
    )
    interfaces = system.device.supported_interfaces if system and system.device else None
    apl = bool(interfaces and interfaces.alexa_presentation_apl is not None)
    return Device(has_screen=apl, supports_apl=apl)


def turn_from_request(handler_input: HandlerInput) -> Turn:
    """Translate an Alexa request; nothing here decides behaviour, the core does."""
    envelope = handler_input.request_envelope
    request = envelope.request
    session = envelope.session
    user_id = "anonymous"
    if envelope.context and envelope.context.system and envelope.context.system.user:
        user_id = envelope.context.system.user.user_id or user_id
    elif session and session.user:
        user_id = session.user.user_id or user_id
    conversation_id = (session.session_id if session else None) or envelope.request.request_id
    common: dict[str, Any] = {
        "channel": "alexa",
        "shopper_id": user_id,
        "conversation_id": conversation_id,
        "locale": request.locale or "en-US",
        "device": _device(handler_input),
    }
    if request.object_type == "LaunchRequest":
        return Turn(event="launch", **common)
    if request.object_type == "SessionEndedRequest":
        return Turn(event="session_end", **common)
    intent_name = request.intent.name if getattr(request, "intent", None) else ""
    slots = _slot_values(request)
    if intent_name in BUILT_IN_INTENTS:
        return Turn(intent=BUILT_IN_INTENTS[intent_name], slots=slots, **common)
    if intent_name in FIXED_INTENTS:
        return Turn(
            text=slots.get(QUERY_SLOT), intent=FIXED_INTENTS[intent_name], slots=slots, **common
        )
    routing = FIND_ROUTED.get(intent_name)
    return Turn(text=spoken_text(intent_name, slots), slots=slots, routing=routing, **common)


def spoken_text(intent_name: str, slots: Mapping[str, str]) -> str:
    """The shopper's words as the parser should read them, carrier words put back."""
    if intent_name in RESTORED_CARRIERS and slots.get(QUERY_SLOT):
        return f"{RESTORED_CARRIERS[intent_name]} {slots[QUERY_SLOT]}"
    if slots.get(PHRASE_SLOT):
        return slots[PHRASE_SLOT]
    if slots.get(QUERY_SLOT):
        return slots[QUERY_SLOT]
    # An intent this version does not know (an older or newer interaction model): let the
    # parser read whatever words came with it instead of failing.
    return " ".join(slots.values())


PROGRESSIVE_SPEECH = "One moment while I look that up."


class ProgressiveResponse:
    """Speaks a holding line through Alexa's directive API if the answer is slow in coming.

    Alexa allows 8 s per answer; a catalog or seen-on look-up near that limit should not leave
    the shopper in silence. Only armed when the request carries an API endpoint and token.
    """

    def __init__(self, handler_input: HandlerInput, *, after_s: float) -> None:
        self._handler_input = handler_input
        envelope = handler_input.request_envelope
        system = envelope.context.system if envelope.context else None
        usable = bool(
            after_s > 0
            and system is not None
            and system.api_access_token
            and system.api_endpoint
            and handler_input.service_client_factory is not None
        )
        self._timer = threading.Timer(after_s, self._send) if usable else None

    def _send(self) -> None:
        try:
            request_id = self._handler_input.request_envelope.request.request_id
            factory = self._handler_input.service_client_factory
            factory.get_directive_service().enqueue(
                SendDirectiveRequest(
                    header=Header(request_id=request_id),
                    directive=SpeakDirective(speech=PROGRESSIVE_SPEECH),
                )
            )
        except Exception:  # noqa: BLE001 - a holding line must never break the real answer
            log.warning("progressive response failed", exc_info=True)

    def __enter__(self) -> ProgressiveResponse:
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()


class ConversationBridge(AbstractRequestHandler):
    """The single handler: every request the skill accepts goes through the core."""

    def __init__(self, conversation: Conversation, *, progressive_after_s: float = 0.0) -> None:
        self._conversation = conversation
        self._progressive_after_s = progressive_after_s

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return handler_input.request_envelope.request.object_type in (
            "LaunchRequest",
            "IntentRequest",
            "SessionEndedRequest",
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = turn_from_request(handler_input)
        attributes = handler_input.attributes_manager.session_attributes
        state = DialogueState.from_dict(attributes.get(STATE_ATTRIBUTE))
        with ProgressiveResponse(handler_input, after_s=self._progressive_after_s):
            reply, new_state, _ = self._conversation.handle(turn, state)
        if turn.event == "session_end":
            return handler_input.response_builder.response
        attributes[STATE_ATTRIBUTE] = new_state.to_dict()
        render(reply, handler_input.response_builder, supports_apl=turn.device.supports_apl)
        return handler_input.response_builder.response


class UnsupportedRequestHandler(AbstractRequestHandler):
    """Requests this skill does not use (audio player events, system exceptions) get no answer."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        log.info("ignoring %s", handler_input.request_envelope.request.object_type)
        return handler_input.response_builder.response


class ApologyExceptionHandler(AbstractExceptionHandler):
    """Last line of defence: a spoken apology and an offer of a person, never a crash."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.exception("unhandled error in the skill", exc_info=exception)
        text = (
            "Sorry, something went wrong on my side. You can try again, or say "
            "talk to a person and someone from our team will help."
        )
        return handler_input.response_builder.speak(text).ask("What would you like to do?").response


def build_skill(
    conversation: Conversation, *, skill_id: str | None, progressive_after_s: float = 0.0
) -> CustomSkill:
    # The API client lets the skill call Alexa's own services (progressive responses).
    builder = CustomSkillBuilder(api_client=DefaultApiClient())
    if skill_id:
        builder.skill_id = skill_id
    builder.add_request_handler(
        ConversationBridge(conversation, progressive_after_s=progressive_after_s)
    )
    builder.add_request_handler(UnsupportedRequestHandler())
    builder.add_exception_handler(ApologyExceptionHandler())
    return builder.create()
