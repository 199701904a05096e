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

from skill.core.model import OutboundMessage
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
