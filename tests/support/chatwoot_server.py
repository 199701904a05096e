"""A local HTTP server that answers like Chatwoot's application API for an API-channel inbox.

It follows the published routes and payload shapes (contacts, contact search, conversations,
messages; the `api_access_token` header), keeps what it was sent, and plays the agent: it posts
signed `message_created` / `conversation_status_changed` webhooks the way Chatwoot does
(`X-Chatwoot-Signature: sha256=HMAC(secret, "{timestamp}.{body}")`, `X-Chatwoot-Timestamp`).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from typing import Any

import requests
from flask import Flask, abort, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

ACCOUNT_ID = "7"
INBOX_ID = "3"
TOKEN = "chatwoot-test-token"
SECRET = "chatwoot-inbox-secret"


class _KeepsUnderscoreHeaders(WSGIRequestHandler):
    """Chatwoot (Rails on Puma) reads `api_access_token`; werkzeug's server drops such headers."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        token = self.headers.get("api_access_token")
        if token is not None:
            environ["HTTP_API_ACCESS_TOKEN"] = token
        return environ


class ChatwootServer:
    def __init__(self) -> None:
        self.contacts: dict[int, dict[str, Any]] = {}
        self.conversations: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self.app = self._build()
        self._server = make_server(
            "127.0.0.1", 0, self.app, threaded=True, request_handler=_KeepsUnderscoreHeaders
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ChatwootServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def _build(self) -> Flask:
        app = Flask("chatwoot-test")
        base = f"/api/v1/accounts/{ACCOUNT_ID}"

        @app.before_request
        def authenticate() -> Any:
            if request.headers.get("api_access_token") != TOKEN:
                return jsonify({"error": "You need to sign in or sign up before continuing."}), 401
            return None

        @app.post(f"{base}/contacts")
        def create_contact() -> Any:
            body = request.get_json()
            if not body.get("inbox_id") or str(body["inbox_id"]) != INBOX_ID:
                return jsonify({"message": "Inbox not found"}), 404
            identifier = body.get("identifier")
            if any(c["identifier"] == identifier for c in self.contacts.values()):
                return jsonify({"message": "Identifier has already been taken"}), 422
            contact = {
                "id": next(self._ids),
                "name": body.get("name", ""),
                "identifier": identifier,
                "email": None,
                "phone_number": None,
                "custom_attributes": {},
            }
            self.contacts[contact["id"]] = contact
            source_id = str(uuid.uuid4())
            contact["source_id"] = source_id
            return jsonify(
                {
                    "payload": {
                        "contact": contact,
                        "contact_inbox": {"inbox": {"id": int(INBOX_ID)}, "source_id": source_id},
                    }
                }
            )

        @app.get(f"{base}/contacts/search")
        def search_contacts() -> Any:
            q = request.args.get("q", "")
            found = [c for c in self.contacts.values() if q and q in (c["identifier"] or "")]
            return jsonify({"meta": {"count": len(found)}, "payload": found})

        @app.post(f"{base}/conversations")
        def create_conversation() -> Any:
            body = request.get_json()
            if int(body.get("contact_id", 0)) not in self.contacts:
                return jsonify({"message": "Contact not found"}), 422
            conversation = {
                "id": next(self._ids),
                "account_id": int(ACCOUNT_ID),
                "inbox_id": int(body["inbox_id"]),
                "status": body.get("status", "open"),
                "contact_id": int(body["contact_id"]),
                "custom_attributes": body.get("custom_attributes", {}),
                "additional_attributes": body.get("additional_attributes", {}),
            }
            self.conversations[conversation["id"]] = conversation
            self.messages[conversation["id"]] = []
            return jsonify(conversation)

        @app.post(f"{base}/conversations/<int:conversation_id>/messages")
        def create_message(conversation_id: int) -> Any:
            if conversation_id not in self.conversations:
                abort(404)
            body = request.get_json()
            message = {
                "id": next(self._ids),
                "content": body["content"],
                "message_type": body.get("message_type", "outgoing"),
                "private": bool(body.get("private", False)),
                "conversation_id": conversation_id,
            }
            self.messages[conversation_id].append(message)
            return jsonify(message)

        return app

    # -- playing the agent -----------------------------------------------------------------------

    def post_webhook(
        self, webhook_url: str, event: dict[str, Any], *, secret: str = SECRET, age_s: int = 0
    ) -> requests.Response:
        body = json.dumps(event).encode()
        timestamp = str(int(time.time()) - age_s)
        digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        return requests.post(
            webhook_url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Chatwoot-Signature": f"sha256={digest.hexdigest()}",
                "X-Chatwoot-Timestamp": timestamp,
                "X-Chatwoot-Delivery": str(uuid.uuid4()),
            },
            timeout=10,
        )

    def agent_reply_event(self, conversation_id: int, text: str) -> dict[str, Any]:
        conversation = self.conversations[conversation_id]
        return {
            "event": "message_created",
            "id": next(self._ids),
            "content": text,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "message_type": "outgoing",
            "content_type": "text",
            "content_attributes": {},
            "private": False,
            "source_id": None,
            "sender": {"id": 1, "name": "Riley", "type": "user"},
            "conversation": {
                "id": conversation_id,
                "status": conversation["status"],
                "inbox_id": conversation["inbox_id"],
            },
            "account": {"id": int(ACCOUNT_ID), "name": "Acme Home"},
            "inbox": {"id": int(INBOX_ID), "name": "Ambient Shop"},
        }

    def resolved_event(self, conversation_id: int) -> dict[str, Any]:
        self.conversations[conversation_id]["status"] = "resolved"
        return {
            "event": "conversation_status_changed",
            **self.conversations[conversation_id],
            "changed_attributes": [
                {"status": {"previous_value": "open", "current_value": "resolved"}}
            ],
        }
