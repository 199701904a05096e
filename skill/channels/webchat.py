"""Web chat channel: JSON in, the same core, JSON out; state kept server-side per conversation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from skill.channels.limits import limited_per_address, refuse_if_limited
from skill.channels.tokens import TokenRefused, TokenSigner
from skill.core.model import Device, Reply, Turn
from skill.core.state import DialogueState
from skill.json_input import clean_text

blueprint = Blueprint("webchat", __name__, url_prefix="/chat")

MAX_TEXT_CHARS = 2000


def _bad(message: str) -> tuple[Any, int]:
    return jsonify({"error": message}), 400


def reply_json(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "reprompt": reply.reprompt,
        "items": [
            {
                "product_id": item.product_id,
                "title": item.title,
                "price": str(item.price),
                "currency": item.currency,
                "image_url": item.image_url,
                "link": item.link,
                "subtitle": item.subtitle,
            }
            for item in reply.items
        ],
        "card": None
        if reply.card is None
        else {
            "title": reply.card.title,
            "text": reply.card.text,
            "image_url": reply.card.image_url,
        },
        "suggestions": list(reply.suggestions),
        "handoff": None
        if reply.handoff is None
        else {"ticket_id": reply.handoff.ticket_id, "reason": reply.handoff.reason},
        "end_session": reply.end_session,
    }


@blueprint.post("/api/messages")
@limited_per_address("chat")
def message() -> Any:
    """One shopper message. Body: {"text", "shopper"?, "conversation"?} (tokens this API issued).

    Every answer carries fresh tokens (a new expiry); a client keeps the latest pair.
    """
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _bad("body must be a JSON object")
    text = payload.get("text")
    if not isinstance(text, str):
        return _bad("'text' must be a string")
    if len(text) > MAX_TEXT_CHARS:
        return _bad(f"'text' is longer than {MAX_TEXT_CHARS} characters")
    text = clean_text(text)
    wired = current_app.extensions["ambient_shop"]
    signer: TokenSigner = wired.token_signer
    try:
        shopper_token = payload.get("shopper")
        shopper_id = None if shopper_token is None else signer.shopper(shopper_token)
        conversation_token = payload.get("conversation")
        if conversation_token is not None and shopper_id is None:
            raise TokenRefused("a conversation token needs the shopper token it was issued with")
        conversation_id = (
            None
            if conversation_token is None
            else signer.conversation(conversation_token, shopper_id=shopper_id or "")
        )
    except TokenRefused as e:
        hint = "omit it to start anew" if not e.expired else "start a new conversation"
        return jsonify({"error": f"{e}; {hint}", "expired": e.expired}), 400
    shopper = signer.issue_shopper(shopper_id)
    refused = refuse_if_limited("chat", "shopper", shopper.id)
    if refused is not None:
        return refused
    conversation = signer.issue_conversation(shopper.id, conversation_id)
    state = DialogueState.from_dict(wired.conversations.load(conversation.id))
    turn = Turn(
        channel="webchat",
        shopper_id=shopper.id,
        conversation_id=conversation.id,
        text=text,
        device=Device(has_screen=True),
    )
    reply, new_state, parse = wired.conversation.handle(turn, state)
    wired.conversations.save(conversation.id, new_state.to_dict())
    return jsonify(
        {
            "conversation": conversation.token,
            "shopper": shopper.token,
            "reply": reply_json(reply),
            "intent": parse.intent,
        }
    )
