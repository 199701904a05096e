"""DynamoDB persistence (at scale) through boto3: profiles, conversation state, tickets, outbox.

Tables (names are `<prefix><kind>`), each with a string partition key `id`:
`profiles` (shoppers), `state` (conversations, with a `expires_at` TTL attribute), `tickets`,
`events` (outbound messages and CX events). The SAM template in infra/sam creates them.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from skill.core.model import HandoffRequest, OutboundMessage, Ticket
from skill.errors import SettingsError, StateStoreError
from skill.store.sqlite import now_iso

TABLE_KINDS = ("profiles", "state", "tickets", "events")
CONVERSATION_TTL_S = 7 * 24 * 3600
RATE_KEY_PREFIX = "rate#"
OPEN_MARKER_PREFIX = "open#"


def parse_dynamodb_url(url: str) -> dict[str, str]:
    """`dynamodb://?table_prefix=shop-&region=us-east-1&endpoint_url=http://127.0.0.1:5005`."""
    parts = urlsplit(url)
    if parts.scheme != "dynamodb":
        raise SettingsError(f"not a dynamodb URL: {url!r}")
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(options) - {"table_prefix", "region", "endpoint_url"}
    if unknown:
        raise SettingsError(f"unknown dynamodb URL options: {', '.join(sorted(unknown))}")
    options.setdefault("table_prefix", "ambient-shop-")
    options.setdefault("region", "us-east-1")
    return options


class DynamoTables:
    """The boto3 resource and table handles, built by the composition root."""

    def __init__(self, resource: Any, *, table_prefix: str) -> None:
        self.resource = resource
        self.prefix = table_prefix
        self._tables = {kind: resource.Table(table_prefix + kind) for kind in TABLE_KINDS}

    def __getitem__(self, kind: str) -> Any:
        return self._tables[kind]

    @property
    def names(self) -> list[str]:
        return [self.prefix + kind for kind in TABLE_KINDS]

    def missing(self) -> list[str]:
        """The names of this stack's tables that do not exist (or are not yet active)."""
        from botocore.exceptions import BotoCoreError, ClientError

        absent = []
        for table in self._tables.values():
            try:
                described = table.meta.client.describe_table(TableName=table.name)
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    absent.append(table.name)
                    continue
                raise StateStoreError(f"DynamoDB cannot be read: {e}") from e
            except BotoCoreError as e:
                raise StateStoreError(f"DynamoDB cannot be reached: {e}") from e
            status = described["Table"].get("TableStatus")
            if status not in (None, "ACTIVE", "UPDATING"):
                absent.append(f"{table.name} ({status.lower()})")
        return absent

    def problems(self) -> list[str]:
        """What stops this store from serving, for start-up and /healthz; empty when fine."""
        try:
            absent = self.missing()
        except StateStoreError as e:
            return [str(e)]
        if absent:
            return [
                f"missing DynamoDB tables: {', '.join(absent)} "
                "(create them with `ambient-shop state init` or the SAM template)"
            ]
        return []

    def create_missing(self) -> list[str]:
        """Create the tables (on-demand billing, TTL on `expires_at`) where absent; their names."""
        client = self.resource.meta.client
        existing = set(_call("table list", client.list_tables).get("TableNames", []))
        created = []
        for kind in TABLE_KINDS:
            name = self.prefix + kind
            if name in existing:
                continue
            _call(
                "table create",
                client.create_table,
                TableName=name,
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            client.get_waiter("table_exists").wait(TableName=name)
            if kind == "state":
                _call(
                    "table TTL",
                    client.update_time_to_live,
                    TableName=name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
                )
            created.append(name)
        return created


def _call(what: str, operation: Any, **kwargs: Any) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return operation(**kwargs)
    except (BotoCoreError, ClientError) as e:
        raise StateStoreError(f"DynamoDB {what} failed: {e}") from e


class _JsonDocuments:
    """Documents stored as a JSON string attribute, so floats and nesting need no conversion."""

    def __init__(self, table: Any, *, ttl_s: int | None = None) -> None:
        self._table = table
        self._ttl_s = ttl_s

    def get(self, key: str) -> dict[str, Any] | None:
        found = _call("read", self._table.get_item, Key={"id": key})
        item = found.get("Item")
        if not item:
            return None
        try:
            value = json.loads(str(item.get("doc", "")))
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: Mapping[str, Any]) -> None:
        item: dict[str, Any] = {
            "id": key,
            "doc": json.dumps(dict(value), default=str),
            "updated_at": now_iso(),
        }
        if self._ttl_s is not None:
            item["expires_at"] = int(time.time()) + self._ttl_s
        _call("write", self._table.put_item, Item=item)


class DynamoShopperStore:
    def __init__(self, tables: DynamoTables) -> None:
        self._docs = _JsonDocuments(tables["profiles"])

    def load(self, shopper_id: str) -> dict[str, Any]:
        return self._docs.get(shopper_id) or {}

    def save(self, shopper_id: str, profile: Mapping[str, Any]) -> None:
        self._docs.put(shopper_id, profile)


class DynamoConversationStore:
    def __init__(self, tables: DynamoTables) -> None:
        self._docs = _JsonDocuments(tables["state"], ttl_s=CONVERSATION_TTL_S)

    def load(self, conversation_id: str) -> dict[str, Any] | None:
        return self._docs.get(conversation_id)

    def save(self, conversation_id: str, state: Mapping[str, Any]) -> None:
        self._docs.put(conversation_id, state)


class DynamoHitCounter:
    """Rate-limit counters as items in the state table, expired by its TTL."""

    def __init__(self, tables: DynamoTables) -> None:
        self._table = tables["state"]

    def hit(self, key: str, *, expires_at: float) -> int:
        answer = _call(
            "rate count",
            self._table.update_item,
            Key={"id": RATE_KEY_PREFIX + key},
            UpdateExpression="ADD hits :one SET expires_at = if_not_exists(expires_at, :exp)",
            ExpressionAttributeValues={":one": 1, ":exp": int(expires_at)},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer.get("Attributes", {}).get("hits", 1))


class DynamoTicketDesk:
    """Tickets keyed by id; a marker item per conversation holds its open ticket.

    The marker is written with a condition, so two turns racing in one conversation (or two
    Lambda instances) open one ticket between them, not two.
    """

    def __init__(self, tables: DynamoTables, *, max_open_per_conversation: int = 1) -> None:
        self._table = tables["tickets"]
        self._max_open = max_open_per_conversation

    def open_ticket(self, request: HandoffRequest) -> str:
        ticket_id = "T-" + uuid.uuid4().hex[:10].upper()
        if self._max_open > 0:
            existing = self._claim(request.conversation_id, ticket_id)
            if existing is not None:
                return existing
        payload = {
            "transcript": [dict(t) for t in request.transcript],
            "context": dict(request.context),
        }
        _call(
            "ticket write",
            self._table.put_item,
            Item={
                "id": ticket_id,
                "conversation_id": request.conversation_id,
                "shopper_id": request.shopper_id,
                "channel": request.channel,
                "reason": request.reason,
                "status": "open",
                "payload": json.dumps(payload, default=str),
                "created_at": now_iso(),
            },
            ConditionExpression="attribute_not_exists(id)",
        )
        return ticket_id

    def _claim(self, conversation_id: str, ticket_id: str) -> str | None:
        """Record `ticket_id` as the conversation's open ticket, or return the one already open.

        At most one open ticket per conversation: a DynamoDB item per conversation cannot hold
        a count atomically with the ticket, and one is what shoppers and agents need.
        """
        from botocore.exceptions import ClientError

        marker = {"id": OPEN_MARKER_PREFIX + conversation_id}
        for _ in range(3):
            try:
                self._table.put_item(
                    Item={**marker, "ticket_id": ticket_id, "created_at": now_iso()},
                    ConditionExpression="attribute_not_exists(id)",
                )
                return None
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise StateStoreError(f"DynamoDB ticket write failed: {e}") from e
            held = _call("ticket read", self._table.get_item, Key=marker).get("Item") or {}
            open_id = str(held.get("ticket_id", ""))
            ticket = _call("ticket read", self._table.get_item, Key={"id": open_id}).get("Item")
            if ticket is not None and ticket.get("status") == "open":
                return open_id
            # The marked ticket was closed: free the marker (if still that one) and claim again.
            try:
                self._table.delete_item(
                    Key=marker,
                    ConditionExpression="ticket_id = :held",
                    ExpressionAttributeValues={":held": open_id},
                )
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise StateStoreError(f"DynamoDB ticket write failed: {e}") from e
        raise StateStoreError("could not record the conversation's open ticket")

    def tickets(self, *, status: str | None = None, limit: int = 100) -> list[Ticket]:
        items = _call("ticket scan", self._table.scan).get("Items", [])
        out: list[Ticket] = []
        for item in items:
            if str(item.get("id", "")).startswith(OPEN_MARKER_PREFIX):
                continue
            if status is not None and item.get("status") != status:
                continue
            kept = {k: v for k, v in item.items() if k not in ("id", "payload")}
            ticket: Ticket = kept  # type: ignore[assignment]
            ticket["ticket_id"] = item["id"]
            ticket.update(json.loads(str(item.get("payload", "{}"))))
            out.append(ticket)
        out.sort(key=lambda t: str(t.get("created_at", "")), reverse=True)
        return out[:limit]


class DynamoOutbox:
    """Outbound messages recorded as events; a stream consumer delivers them (SNS) at scale."""

    def __init__(self, tables: DynamoTables) -> None:
        self._table = tables["events"]

    def send(self, *, shopper_id: str, channel: str, text: str, link: str = "") -> str:
        message_id = uuid.uuid4().hex
        _call(
            "outbox write",
            self._table.put_item,
            Item={
                "id": message_id,
                "kind": "outbound_message",
                "shopper_id": shopper_id,
                "channel": channel,
                "body": text,
                "link": link,
                "created_at": now_iso(),
            },
        )
        return message_id

    def messages(self, *, shopper_id: str | None = None, limit: int = 50) -> list[OutboundMessage]:
        items = _call("outbox scan", self._table.scan).get("Items", [])
        rows = [
            OutboundMessage(
                message_id=str(i["id"]),
                shopper_id=str(i.get("shopper_id", "")),
                channel=str(i.get("channel", "")),
                body=str(i.get("body", "")),
                link=str(i.get("link", "")),
                created_at=str(i.get("created_at", "")),
            )
            for i in items
            if i.get("kind") == "outbound_message"
            and (shopper_id is None or i.get("shopper_id") == shopper_id)
        ]
        rows.sort(key=lambda r: r["created_at"], reverse=True)
        return rows[:limit]
