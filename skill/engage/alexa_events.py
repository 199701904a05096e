"""Alexa Proactive Events: the one way a skill may reach a shopper's speaker unprompted.

A notification (`AMAZON.MessageAlert.Activated`) is sent to one Alexa user through the Proactive
Events API, with an access token from Login with Amazon (client credentials, scope
`alexa::proactive_events`). The device chimes and shows a notification; nothing is spoken until
the shopper asks for it. Used only for shoppers who allowed notifications.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from skill.core.ports import ShopperStore
from skill.engage.config import ALEXA_EVENTS_URL, ALEXA_TOKEN_URL
from skill.errors import AmbientShopError

log = logging.getLogger(__name__)

ALEXA_USER_PREFIX = "amzn1.ask.account."
TIMEOUT_S = 5.0


class NotificationFailed(AmbientShopError):
    """The Proactive Events API or Login with Amazon refused or could not be reached."""


def alexa_user_of(shopper_id: str, profile: Mapping[str, Any]) -> str | None:
    """The Alexa user to notify: linked on the profile, or the shopper id itself on Alexa."""
    linked = profile.get("alexa_user_id")
    if isinstance(linked, str) and linked.startswith(ALEXA_USER_PREFIX):
        return linked
    return shopper_id if shopper_id.startswith(ALEXA_USER_PREFIX) else None


class AlexaProactiveEvents:
    """Implements the engagement `Notifier` over HTTP with a `requests.Session`."""

    def __init__(
        self,
        *,
        session: Any,
        shoppers: ShopperStore,
        client_id: str,
        client_secret: str,
        skill_name: str,
        events_url: str = ALEXA_EVENTS_URL,
        token_url: str = ALEXA_TOKEN_URL,
    ) -> None:
        self._session = session
        self._shoppers = shoppers
        self._client_id = client_id
        self._client_secret = client_secret
        self._skill_name = skill_name
        self._events_url = events_url
        self._token_url = token_url
        # An access token is a cache (an hour's validity), not state: any process fetches its own.
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def _access_token(self) -> str:
        with self._lock:
            if self._token and self._token[1] > time.monotonic() + 60:
                return self._token[0]
            answer = self._post(
                self._token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                    "scope": "alexa::proactive_events",
                },
            )
            body = answer.json()
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                raise NotificationFailed("Login with Amazon answered without an access token")
            self._token = (token, time.monotonic() + float(body.get("expires_in", 3600)))
            return token

    def _post(self, url: str, **kwargs: Any) -> Any:
        import requests

        try:
            answer = self._session.post(url, timeout=TIMEOUT_S, **kwargs)
        except requests.RequestException as e:
            raise NotificationFailed(f"cannot reach {url}: {e}") from e
        if answer.status_code >= 300:
            raise NotificationFailed(f"{url} answered {answer.status_code}: {answer.text[:200]}")
        return answer

    def notify(self, *, shopper_id: str, title: str, text: str) -> str:
        user = alexa_user_of(shopper_id, self._shoppers.load(shopper_id))
        if user is None:
            log.info("no Alexa user linked to shopper %s; no notification sent", shopper_id)
            return ""
        now = datetime.now(UTC)
        reference = uuid.uuid4().hex
        event = {
            "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "referenceId": reference,
            "expiryTime": (now + timedelta(hours=23))
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "event": {
                "name": "AMAZON.MessageAlert.Activated",
                "payload": {
                    "state": {"status": "UNREAD", "freshness": "NEW"},
                    "messageGroup": {
                        "creator": {"name": self._skill_name},
                        "count": 1,
                        "urgency": "URGENT",
                    },
                },
            },
            "relevantAudience": {"type": "Unicast", "payload": {"user": user}},
        }
        self._post(
            self._events_url,
            json=event,
            headers={"Authorization": f"Bearer {self._access_token()}"},
        )
        log.info("Alexa notification %s sent (%s)", reference, title)
        return reference
