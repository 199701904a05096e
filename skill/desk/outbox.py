"""The Outbox port as wired: web chat live, SMS by SNS when configured, else the outbox table.

Every message is also kept in the outbox table (shown in the simulator), so what the shopper was
sent can always be read back, whichever way it travelled.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from skill.core.ports import ShopperStore
from skill.desk.masking import mask_text
from skill.desk.store import DeskStore
from skill.errors import AmbientShopError

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send_sms(self, *, phone: str, text: str) -> str: ...


class RecordingOutbox(Protocol):
    def send(self, *, shopper_id: str, channel: str, text: str, link: str = "") -> str: ...


def live_stream(shopper_id: str) -> str:
    return f"shopper:{shopper_id}"


class SnsSms:
    """Text messages through Amazon SNS (boto3 client built by the composition root)."""

    def __init__(self, client: Any, *, sender_id: str = "") -> None:
        self._client = client
        self._sender_id = sender_id

    def send_sms(self, *, phone: str, text: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if self._sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {
                "DataType": "String",
                "StringValue": self._sender_id,
            }
        try:
            sent = self._client.publish(
                PhoneNumber=phone, Message=text, MessageAttributes=attributes
            )
        except (BotoCoreError, ClientError) as e:
            raise AmbientShopError(f"SNS could not send the text message: {e}") from e
        return str(sent["MessageId"])


class ShopperOutbox:
    """Routes each message to the shopper's channel; implements the core's Outbox port."""

    def __init__(
        self,
        *,
        table: RecordingOutbox,
        store: DeskStore,
        shoppers: ShopperStore,
        sms: SmsSender | None = None,
    ) -> None:
        self.table = table
        self._store = store
        self._shoppers = shoppers
        self._sms = sms

    def send(self, *, shopper_id: str, channel: str, text: str, link: str = "") -> str:
        return self.deliver(shopper_id=shopper_id, channel=channel, text=text, link=link)

    def deliver(
        self,
        *,
        shopper_id: str,
        channel: str,
        text: str,
        kind: str = "message",
        ref: str = "",
        link: str = "",
    ) -> str:
        if channel == "webchat":
            seq = self._store.append(
                live_stream(shopper_id),
                {
                    "kind": kind,
                    "ref": ref,
                    "text": text,
                    "link": link,
                    "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                },
            )
            return f"{shopper_id}:{seq}"
        message_id = self.table.send(shopper_id=shopper_id, channel=channel, text=text, link=link)
        if channel == "sms" and self._sms is not None:
            phone = str(self._shoppers.load(shopper_id).get("phone") or "")
            if not phone:
                log.warning(
                    "no phone number on file for %s; the text stays in the outbox", shopper_id
                )
                return message_id
            body = f"{text} {link}".strip()
            try:
                return self._sms.send_sms(phone=phone, text=body)
            except AmbientShopError:
                log.exception("SMS to %s failed: %s", shopper_id, mask_text(phone))
        return message_id

    def messages(self, *, shopper_id: str | None = None, limit: int = 50) -> list[dict[str, str]]:
        return self.table.messages(shopper_id=shopper_id, limit=limit)  # type: ignore[attr-defined]

    def live(self, shopper_id: str, *, after: int = 0) -> list[dict[str, Any]]:
        return self._store.read(live_stream(shopper_id), after=after)
