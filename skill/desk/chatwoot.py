"""The HandoffDesk port on a Chatwoot API-channel inbox, for retailers who already run Chatwoot.

Handoffs become Chatwoot conversations through its application REST API (contacts,
conversations, messages; `api_access_token` header); the context goes in as a private note.
Agents answer in Chatwoot; the inbox's webhook posts `message_created` and
`conversation_status_changed` events here, signed with the inbox secret
(`X-Chatwoot-Signature: sha256=HMAC(secret, "{timestamp}.{body}")`, `X-Chatwoot-Timestamp`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from skill.core.model import HandoffRequest
from skill.desk.masking import mask_text, mask_value
from skill.desk.service import ShopperDelivery, delivery_channel, now_iso
from skill.desk.store import DeskStore
from skill.errors import AmbientShopError, HandoffFailed, SettingsError

log = logging.getLogger(__name__)

TIMEOUT_S = 5.0
SIGNATURE_TOLERANCE_S = 300
OUTGOING = ("outgoing", 1)


@dataclass(frozen=True, slots=True)
class ChatwootOptions:
    url: str
    account_id: str
    inbox_id: str
    token: str
    webhook_secret: str

    @classmethod
    def from_values(cls, **values: str | None) -> ChatwootOptions:
        missing = [name for name, value in values.items() if not value]
        if missing:
            names = ", ".join(f"AMBIENT_SHOP_CHATWOOT_{m.upper()}" for m in missing)
            raise SettingsError(f"AMBIENT_SHOP_DESK=chatwoot needs {names}")
        clean = {k: str(v) for k, v in values.items()}
        clean["url"] = clean["url"].rstrip("/")
        return cls(**clean)


class WebhookRefused(AmbientShopError):
    """A webhook without a valid, fresh signature, or with a body that is not an event."""


class ChatwootDesk:
    def __init__(
        self,
        options: ChatwootOptions,
        *,
        session: Any,
        store: DeskStore,
        delivery: ShopperDelivery,
    ) -> None:
        self._options = options
        self._http = session
        self._store = store
        self._delivery = delivery

    # -- REST calls ------------------------------------------------------------------------------

    def _api(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        import requests

        url = f"{self._options.url}/api/v1/accounts/{self._options.account_id}{path}"
        try:
            response = self._http.request(
                method,
                url,
                json=dict(body) if body is not None else None,
                headers={"api_access_token": self._options.token},
                timeout=TIMEOUT_S,
            )
        except requests.RequestException as e:
            raise HandoffFailed(f"Chatwoot is unreachable: {e}") from e
        if response.status_code >= 400:
            raise HandoffFailed(f"Chatwoot answered {response.status_code} to {method} {path}")
        try:
            return response.json()
        except ValueError as e:
            raise HandoffFailed(f"Chatwoot answered {method} {path} with no JSON") from e

    def _contact(self, request: HandoffRequest) -> tuple[int, str]:
        """Create the shopper's contact in the inbox, or find the one made on an earlier handoff."""
        try:
            created = self._api(
                "POST",
                "/contacts",
                {
                    "inbox_id": int(self._options.inbox_id),
                    "name": f"Shopper {request.shopper_id[-6:]}",
                    "identifier": request.shopper_id,
                },
            )
            payload = created.get("payload", created)
            contact = payload["contact"]
            source_id = (payload.get("contact_inbox") or {}).get("source_id") or ""
            return int(contact["id"]), str(source_id)
        except HandoffFailed:
            found = self._api("GET", f"/contacts/search?q={request.shopper_id}")
            matches = [
                c for c in found.get("payload", []) if c.get("identifier") == request.shopper_id
            ]
            if not matches:
                raise
            return int(matches[0]["id"]), ""
        except (KeyError, TypeError, ValueError) as e:
            raise HandoffFailed("Chatwoot's contact answer has no contact id") from e

    # -- the HandoffDesk port --------------------------------------------------------------------

    def open_ticket(self, request: HandoffRequest) -> str:
        existing = self._store.get_record("link", f"conversation:{request.conversation_id}")
        if existing and existing.get("status") == "open":
            return str(existing["ticket_id"])
        contact_id, source_id = self._contact(request)
        body: dict[str, Any] = {
            "inbox_id": int(self._options.inbox_id),
            "contact_id": contact_id,
            "status": "open",
            "additional_attributes": {"channel": request.channel},
            "custom_attributes": {"reason": request.reason, "shopper_id": request.shopper_id},
        }
        if source_id:
            body["source_id"] = source_id
        created = self._api("POST", "/conversations", body)
        try:
            chatwoot_id = int(created["id"])
        except (KeyError, TypeError, ValueError) as e:
            raise HandoffFailed("Chatwoot's conversation answer has no id") from e
        ticket_id = f"CW-{chatwoot_id}"
        link = {
            "ticket_id": ticket_id,
            "chatwoot_id": chatwoot_id,
            "conversation_id": request.conversation_id,
            "shopper_id": request.shopper_id,
            "channel": request.channel,
            "reason": request.reason,
            "status": "open",
            "created_at": now_iso(),
        }
        # Stored before the shopper is told, like the embedded desk's tickets.
        self._save_link(link)
        self._api(
            "POST",
            f"/conversations/{chatwoot_id}/messages",
            {"content": _context_note(request), "message_type": "outgoing", "private": True},
        )
        for turn in request.transcript:
            said = mask_text(str(turn.get("shopper", "")))
            if said:
                self._post_incoming(chatwoot_id, said)
        return ticket_id

    def relay(self, conversation_id: str, text: str) -> str | None:
        link = self._store.get_record("link", f"conversation:{conversation_id}")
        if not link or link.get("status") != "open":
            return None
        if text.strip():
            try:
                self._post_incoming(int(link["chatwoot_id"]), mask_text(text))
            except HandoffFailed:
                log.warning("could not relay a message to Chatwoot conversation %s", link)
        # Until an agent has answered in Chatwoot the shopper hears that a person is coming.
        return "assigned" if link.get("answered") else "waiting"

    def tickets(self, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        links = [
            r
            for r in self._store.list_records("link")
            if "chatwoot_id" in r and (status is None or r.get("status") == status)
        ]
        unique = {r["ticket_id"]: r for r in links}
        ordered = sorted(unique.values(), key=lambda r: r.get("created_at", ""), reverse=True)
        return ordered[:limit]

    def _save_link(self, link: Mapping[str, Any]) -> None:
        """Both directions: our conversation -> Chatwoot's, and Chatwoot's -> ours."""
        self._store.put_record("link", f"conversation:{link['conversation_id']}", link)
        self._store.put_record("link", f"chatwoot:{link['chatwoot_id']}", link)

    def _post_incoming(self, chatwoot_id: int, text: str) -> None:
        self._api(
            "POST",
            f"/conversations/{chatwoot_id}/messages",
            {"content": text, "message_type": "incoming", "private": False},
        )

    # -- the webhook -----------------------------------------------------------------------------

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        timestamp = headers.get("X-Chatwoot-Timestamp", "")
        signature = headers.get("X-Chatwoot-Signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > SIGNATURE_TOLERANCE_S:
            raise WebhookRefused("missing or stale X-Chatwoot-Timestamp")
        expected = hmac.new(
            self._options.webhook_secret.encode(),
            timestamp.encode() + b"." + body,
            hashlib.sha256,
        ).hexdigest()
        if not hmac.compare_digest(signature.encode(), f"sha256={expected}".encode()):
            raise WebhookRefused("bad X-Chatwoot-Signature")

    def handle_webhook(self, body: bytes, headers: Mapping[str, str]) -> str:
        """Deliver an agent's reply to the shopper, or hand the conversation back when resolved."""
        self.verify(body, headers)
        try:
            event = json.loads(body)
        except ValueError as e:
            raise WebhookRefused("the body is not JSON") from e
        if not isinstance(event, dict):
            raise WebhookRefused("the body is not an event object")
        delivery = headers.get("X-Chatwoot-Delivery", "")
        if delivery and not self._store.add_record("link", f"delivery:{delivery[:100]}", {}):
            return "duplicate"
        name = event.get("event")
        conversation = (
            event.get("conversation") if isinstance(event.get("conversation"), dict) else {}
        )
        chatwoot_id = conversation.get("id", event.get("id") if name != "message_created" else None)
        link = self._store.get_record("link", f"chatwoot:{chatwoot_id}")
        if link is None:
            return "ignored"
        if name == "message_created":
            if event.get("message_type") not in OUTGOING or event.get("private"):
                return "ignored"
            text = str(event.get("content") or "").strip()
            if not text:
                return "ignored"
            self._delivery.deliver(
                shopper_id=link["shopper_id"], channel=delivery_channel(link), text=text
            )
            if not link.get("answered"):
                self._save_link({**link, "answered": True})
            return "delivered"
        if name == "conversation_status_changed" and event.get("status") == "resolved":
            self._save_link({**link, "status": "resolved"})
            self._delivery.deliver(
                shopper_id=link["shopper_id"],
                channel=delivery_channel(link),
                text="Thanks for chatting with us. You're back with the assistant now.",
                kind="notice",
            )
            return "resolved"
        return "ignored"


def _context_note(request: HandoffRequest) -> str:
    """The private note an agent reads first: reason, items, cart and profile, masked."""
    context = dict(request.context)
    lines = [f"Handoff from {request.channel}: {request.reason}"]
    for item in context.get("items") or []:
        lines.append(f"Shown #{item.get('position')}: {item.get('title')} (${item.get('price')})")
    for line in context.get("cart_lines") or []:
        lines.append(f"Cart: {line.get('quantity')} x {line.get('title')} (${line.get('price')})")
    parse = context.get("parse") or {}
    if parse:
        lines.append(f"Last parse: {parse.get('intent')} ({parse.get('confidence')})")
    profile = {
        k: v for k, v in (context.get("profile") or {}).items() if k not in ("phone", "cart")
    }
    if profile:
        lines.append(f"Profile: {json.dumps(mask_value(profile), default=str)[:500]}")
    return mask_text("\n".join(lines))


blueprint = Blueprint("chatwoot", __name__)


@blueprint.post("/chatwoot/webhook")
def webhook() -> Any:
    chatwoot: ChatwootDesk = current_app.extensions["ambient_shop"].chatwoot
    try:
        outcome = chatwoot.handle_webhook(request.get_data(), request.headers)
    except WebhookRefused as e:
        return jsonify({"error": str(e)}), 401
    return jsonify({"ok": True, "outcome": outcome})
