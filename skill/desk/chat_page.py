"""The shopper's web chat page at /chat, embeddable with one script tag, with live desk replies.

The JSON message API stays at /chat/api/messages (skill.channels.webchat); this adds the page,
the embed script, the live stream of what people send (server-sent events) and the CSAT answer.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from skill.channels.tokens import TokenRefused
from skill.desk.errors import DeskError
from skill.desk.web import TICKET_ID, event_stream, last_event_id

blueprint = Blueprint(
    "chat_page",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/chat/static",
)


def _shopper_from(token: Any) -> str | None:
    """The shopper a web-chat shopper token names; None for anything else (see tokens.py)."""
    try:
        return current_app.extensions["ambient_shop"].token_signer.shopper(token)
    except TokenRefused:
        return None


@blueprint.after_request
def embeddable(response: Response) -> Response:
    # A retailer frames the page on its own site; it holds nothing but the shopper's own chat.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.get("/chat")
def chat() -> Any:
    wired = current_app.extensions["ambient_shop"]
    return render_template(
        "chat/chat.html",
        shop=wired.settings.skill_name,
        embedded=request.args.get("embed") == "1",
    )


@blueprint.get("/chat/embed.js")
def embed_script() -> Any:
    body = render_template("chat/embed.js")
    return Response(body, mimetype="text/javascript", headers={"Cache-Control": "max-age=300"})


@blueprint.get("/chat/api/events")
def events() -> Any:
    """Live messages for this shopper: a person's replies, notices, the CSAT question."""
    shopper_id = _shopper_from(request.args.get("shopper"))
    if shopper_id is None:
        return jsonify({"error": "'shopper' must be a token issued by /chat/api/messages"}), 400
    outbox = current_app.extensions["ambient_shop"].outbox

    def poll(cursor: int) -> tuple[list[tuple[int, str, Any]], int]:
        found = outbox.live(shopper_id, after=cursor)
        for entry in found:
            cursor = entry["seq"]
        return [(e["seq"], "message", e) for e in found], cursor

    return event_stream(poll, last_event_id())


@blueprint.post("/chat/api/csat")
def csat() -> Any:
    """Body: {"shopper": token, "ticket": "T-...", "score": 1-5}."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify({"error": "body must be a JSON object"}), 400
    shopper_id = _shopper_from(payload.get("shopper"))
    if shopper_id is None:
        return jsonify({"error": "'shopper' must be a token issued by /chat/api/messages"}), 400
    ticket_id = payload.get("ticket")
    if not isinstance(ticket_id, str) or not TICKET_ID.match(ticket_id):
        return jsonify({"error": "'ticket' must be a ticket id"}), 400
    score = payload.get("score")
    if not isinstance(score, int) or isinstance(score, bool):
        return jsonify({"error": "'score' must be a whole number from 1 to 5"}), 400
    desk = current_app.extensions["ambient_shop"].agent_desk
    try:
        desk.record_csat(ticket_id, shopper_id=shopper_id, score=score)
    except DeskError as e:
        return jsonify({"error": str(e)}), e.status
    return jsonify({"ok": True, "text": "Thank you for letting us know!"})
