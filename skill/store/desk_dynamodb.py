"""The desk store on DynamoDB: tickets with conditional writes, streams as appendable items.

Uses the tables the state back end already has (see skill/store/dynamodb.py): `tickets` for
tickets, `state` (with its TTL) for message streams and sessions, `profiles` for agents and
`events` for the audit log, each record under a `desk-<kind>#` key prefix.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

from skill.errors import StateStoreError
from skill.store.dynamodb import DynamoTables

_RECORD_TABLES = {
    "agent": "profiles",
    "link": "state",
    "session": "state",
    "throttle": "state",
    "audit": "events",
}
STREAM_TTL_S = 30 * 24 * 3600
MAX_STREAM_ENTRIES = 2000


def _call(what: str, operation: Any, **kwargs: Any) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return operation(**kwargs)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise _ConditionFailed from e
        raise StateStoreError(f"DynamoDB {what} failed: {e}") from e
    except BotoCoreError as e:
        raise StateStoreError(f"DynamoDB {what} failed: {e}") from e


class _ConditionFailed(Exception):
    """A conditional write lost: someone else changed the item first."""


def _doc(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not item or "doc" not in item:
        return None
    try:
        value = json.loads(str(item["doc"]))
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


class DynamoDeskStore:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables

    def _scan(self, table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        start: dict[str, Any] | None = None
        while True:
            page_args = dict(kwargs)
            if start:
                page_args["ExclusiveStartKey"] = start
            page = _call("scan", table.scan, **page_args)
            yield from page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def insert_ticket(self, ticket: Mapping[str, Any]) -> None:
        doc = {**ticket, "version": 1}
        try:
            _call(
                "ticket write",
                self._tables["tickets"].put_item,
                Item={
                    "id": doc["ticket_id"],
                    "kind": "desk_ticket",
                    "status": doc["status"],
                    "conversation_id": doc["conversation_id"],
                    "version": 1,
                    "doc": json.dumps(doc, default=str),
                },
                ConditionExpression="attribute_not_exists(id)",
            )
        except _ConditionFailed as e:
            raise StateStoreError(f"ticket {doc['ticket_id']} already exists") from e

    def get_ticket(self, ticket_id: str) -> dict[str, Any] | None:
        found = _call(
            "ticket read",
            self._tables["tickets"].get_item,
            Key={"id": ticket_id},
            ConsistentRead=True,
        )
        return _doc(found.get("Item"))

    def list_tickets(self) -> list[dict[str, Any]]:
        docs = (_doc(item) for item in self._scan(self._tables["tickets"], ConsistentRead=True))
        return [d for d in docs if d is not None]

    def replace_ticket(self, ticket: Mapping[str, Any], *, expected_version: int) -> bool:
        doc = {**ticket, "version": expected_version + 1}
        try:
            _call(
                "ticket update",
                self._tables["tickets"].update_item,
                Key={"id": doc["ticket_id"]},
                UpdateExpression="SET #doc = :doc, #status = :status, #version = :next",
                ConditionExpression="#version = :expected",
                ExpressionAttributeNames={
                    "#doc": "doc",
                    "#status": "status",
                    "#version": "version",
                },
                ExpressionAttributeValues={
                    ":doc": json.dumps(doc, default=str),
                    ":status": doc["status"],
                    ":next": expected_version + 1,
                    ":expected": expected_version,
                },
            )
        except _ConditionFailed:
            return False
        return True

    def append(self, stream: str, entry: Mapping[str, Any]) -> int:
        updated = _call(
            "stream append",
            self._tables["state"].update_item,
            Key={"id": "desk-stream#" + stream},
            UpdateExpression="SET entries = list_append(if_not_exists(entries, :empty), :entry), "
            "expires_at = :expires",
            ExpressionAttributeValues={
                ":empty": [],
                ":entry": [json.dumps(dict(entry), default=str)],
                ":expires": int(time.time()) + STREAM_TTL_S,
            },
            ReturnValues="UPDATED_NEW",
        )
        return len(updated["Attributes"]["entries"])

    def read(self, stream: str, *, after: int = 0) -> list[dict[str, Any]]:
        found = _call(
            "stream read",
            self._tables["state"].get_item,
            Key={"id": "desk-stream#" + stream},
            ConsistentRead=True,
        )
        entries = (found.get("Item") or {}).get("entries", [])
        out = []
        for seq, raw in enumerate(entries[after:MAX_STREAM_ENTRIES], start=after + 1):
            try:
                out.append({**json.loads(str(raw)), "seq": seq})
            except json.JSONDecodeError:
                continue
        return out

    def _record_key(self, kind: str, key: str) -> tuple[Any, str]:
        return self._tables[_RECORD_TABLES[kind]], f"desk-{kind}#{key}"

    def put_record(
        self, kind: str, key: str, value: Mapping[str, Any], *, ttl_s: int | None = None
    ) -> None:
        table, record_id = self._record_key(kind, key)
        item: dict[str, Any] = {
            "id": record_id,
            "kind": f"desk_{kind}",
            "doc": json.dumps(dict(value), default=str),
        }
        if ttl_s:
            item["expires_at"] = int(time.time()) + ttl_s
        _call("record write", table.put_item, Item=item)

    def add_record(self, kind: str, key: str, value: Mapping[str, Any]) -> bool:
        table, record_id = self._record_key(kind, key)
        try:
            _call(
                "record write",
                table.put_item,
                Item={"id": record_id, "kind": f"desk_{kind}", "doc": json.dumps(dict(value))},
                ConditionExpression="attribute_not_exists(id)",
            )
        except _ConditionFailed:
            return False
        return True

    def get_record(self, kind: str, key: str) -> dict[str, Any] | None:
        table, record_id = self._record_key(kind, key)
        item = _call("record read", table.get_item, Key={"id": record_id}, ConsistentRead=True)
        found = item.get("Item")
        # DynamoDB's TTL deletes late; an expired session must not work meanwhile.
        if found and "expires_at" in found and int(found["expires_at"]) < time.time():
            return None
        return _doc(found)

    def delete_record(self, kind: str, key: str) -> None:
        table, record_id = self._record_key(kind, key)
        _call("record delete", table.delete_item, Key={"id": record_id})

    def list_records(self, kind: str) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Attr

        table, _ = self._record_key(kind, "")
        items = self._scan(table, FilterExpression=Attr("kind").eq(f"desk_{kind}"))
        now = time.time()
        docs = (
            _doc(item)
            for item in items
            if "expires_at" not in item or int(item["expires_at"]) >= now
        )
        return [d for d in docs if d is not None]
