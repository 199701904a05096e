"""Reply -> Alexa response: escaped SSML, a standard card, an APL list, within size limits."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from ask_sdk_core.response_helper import ResponseFactory
from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective
from ask_sdk_model.ui import Image, StandardCard

from skill.core import speech
from skill.core.model import Reply, ReplyItem

MAX_SPEECH_CHARS = 8000
MAX_RESPONSE_BYTES = 24 * 1024
# Room for <speak></speak> and entity expansion of the escaped text.
_SPEECH_BUDGET = MAX_SPEECH_CHARS - 200
_CARD_TEXT_LIMIT = 1000
APL_TOKEN = "ambient-shop-products"


def ssml(text: str) -> str:
    """Escape for SSML text content (&, <, >); `speak()` adds the <speak> wrapper."""
    escaped = escape(speech.truncate(text, _SPEECH_BUDGET))
    while len(escaped) > _SPEECH_BUDGET:
        text = speech.truncate(text, max(len(text) - 200, 1))
        escaped = escape(text)
    return escaped


def _https(url: str) -> str | None:
    # Alexa only shows card and APL images served over https.
    return url if url.startswith("https://") else None


def _apl_document(
    items: tuple[ReplyItem, ...], title: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    document = {
        "type": "APL",
        "version": "2023.3",
        "mainTemplate": {
            "parameters": ["payload"],
            "items": [
                {
                    "type": "Container",
                    "items": [
                        {"type": "Text", "text": "${payload.list.title}", "fontSize": "32dp"},
                        {
                            "type": "Sequence",
                            "data": "${payload.list.items}",
                            "height": "100%",
                            "items": [
                                {
                                    "type": "Container",
                                    "direction": "row",
                                    "items": [
                                        {
                                            "type": "Image",
                                            "source": "${data.image}",
                                            "width": "96dp",
                                            "height": "96dp",
                                        },
                                        {
                                            "type": "Text",
                                            "text": "${ordinal}. ${data.title} — ${data.price}",
                                            "paddingLeft": "16dp",
                                        },
                                    ],
                                }
                            ],
                        },
                    ],
                }
            ],
        },
    }
    datasources = {
        "list": {
            "title": title,
            "items": [
                {
                    "id": item.product_id,
                    "title": item.title,
                    "price": speech.price(item.price, item.currency),
                    "image": _https(item.image_url) or "",
                }
                for item in items
            ],
        }
    }
    return document, datasources


def render(reply: Reply, builder: ResponseFactory, *, supports_apl: bool) -> None:
    """Fill the SDK's response builder from a Reply."""
    if reply.text:
        builder.speak(ssml(reply.text))
    if reply.reprompt and not reply.end_session:
        builder.ask(ssml(reply.reprompt))
    if reply.card is not None:
        image = _https(reply.card.image_url)
        builder.set_card(
            StandardCard(
                title=reply.card.title[:100],
                text=speech.truncate(reply.card.text, _CARD_TEXT_LIMIT),
                image=Image(small_image_url=image, large_image_url=image) if image else None,
            )
        )
    if supports_apl and reply.items:
        title = reply.card.title if reply.card else "Products"
        document, datasources = _apl_document(reply.items, title)
        builder.add_directive(
            RenderDocumentDirective(token=APL_TOKEN, document=document, datasources=datasources)
        )
    builder.set_should_end_session(reply.end_session)


def enforce_size(envelope: dict[str, Any]) -> dict[str, Any]:
    """Keep the serialized response under 24 KB: drop APL first, then shorten the card."""
    if len(json.dumps(envelope).encode()) <= MAX_RESPONSE_BYTES:
        return envelope
    response = envelope.get("response", {})
    response.pop("directives", None)
    card = response.get("card")
    if isinstance(card, dict) and len(json.dumps(envelope).encode()) > MAX_RESPONSE_BYTES:
        card["text"] = speech.truncate(str(card.get("text", "")), 300)
        card.pop("image", None)
    if len(json.dumps(envelope).encode()) > MAX_RESPONSE_BYTES:
        response.pop("card", None)
    return envelope
