"""Web chat channel: JSON in, the same core, JSON out; state kept server-side per conversation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from skill.core.model import Device, Reply, Turn
from skill.core.state import DialogueState

blueprint = Blueprint("webchat", __name__, url_prefix="/chat")

MAX_TEXT_CHARS = 2000
MAX_TOKEN_CHARS = 200


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
def message() -> Any:
    """One shopper message. Body: {"text", "conversation"?, "shopper"?} (tokens this API issued)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _bad("body must be a JSON object")
    text = payload.get("text")
    if not isinstance(text, str):
        return _bad("'text' must be a string")
    if len(text) > MAX_TEXT_CHARS:
        return _bad(f"'text' is longer than {MAX_TEXT_CHARS} characters")
    wired = current_app.extensions["ambient_shop"]
    signer = wired.token_signer
    tokens: dict[str, str] = {}
    ids: dict[str, str] = {}
    for name, prefix in (("shopper", "web"), ("conversation", "chat")):
        token = payload.get(name)
        if token is None:
            token = signer.issue(prefix)
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            return _bad(f"'{name}' must be a token issued by this API")
        verified = signer.verify(token)
        if verified is None:
            return _bad(f"'{name}' is not a token issued by this API; omit it to start anew")
        tokens[name], ids[name] = token, verified
    shopper_id, conversation_id = ids["shopper"], ids["conversation"]
    state = DialogueState.from_dict(wired.conversations.load(conversation_id))
    turn = Turn(
        channel="webchat",
        shopper_id=shopper_id,
        conversation_id=conversation_id,
        text=text,
        device=Device(has_screen=True),
    )
    reply, new_state, parse = wired.conversation.handle(turn, state)
    wired.conversations.save(conversation_id, new_state.to_dict())
    return jsonify(
        {
            "conversation": tokens["conversation"],
            "shopper": tokens["shopper"],
            "reply": reply_json(reply),
            "intent": parse.intent,
        }
    )
