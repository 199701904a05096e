"""Engagement records and shopper erasure on DynamoDB (the `events` table, through boto3)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from skill.engage.records import Record
from skill.errors import StateStoreError
from skill.store.dynamodb import TABLE_KINDS, DynamoTables

# Engagement items share the `events` table with outbound messages; this marks them.
ITEM_KIND = "engage"


def _key(kind: str, record_id: str) -> str:
    return f"engage#{kind}#{record_id}"


def _record(item: dict[str, Any]) -> Record:
    try:
        doc = json.loads(str(item.get("doc", "{}")))
    except json.JSONDecodeError:
        doc = {}
    return Record(
        kind=str(item["record_kind"]),
        record_id=str(item["record_id"]),
        shopper_id=str(item.get("shopper_id", "")),
        at=str(item.get("at", "")),
        doc=doc if isinstance(doc, dict) else {},
    )


def _errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _scan(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every matching item, following pagination."""
    try:
        while True:
            page = table.scan(**kwargs)
            yield from page.get("Items", [])
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last
    except _errors() as e:
        raise StateStoreError(f"DynamoDB scan of {table.name} failed: {e}") from e


class DynamoEngageRecords:
    def __init__(self, tables: DynamoTables) -> None:
        self._table = tables["events"]

    @staticmethod
    def _item(record: Record) -> dict[str, Any]:
        return {
            "id": _key(record.kind, record.record_id),
            "kind": ITEM_KIND,
            "record_kind": record.kind,
            "record_id": record.record_id,
            "shopper_id": record.shopper_id,
            "at": record.at,
            "doc": json.dumps(dict(record.doc), default=str),
        }

    def insert(self, record: Record) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._table.put_item(
                Item=self._item(record), ConditionExpression="attribute_not_exists(id)"
            )
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise StateStoreError(f"DynamoDB engagement write failed: {e}") from e
        except _errors() as e:
            raise StateStoreError(f"DynamoDB engagement write failed: {e}") from e
        return True

    def upsert(self, record: Record) -> None:
        try:
            self._table.put_item(Item=self._item(record))
        except _errors() as e:
            raise StateStoreError(f"DynamoDB engagement write failed: {e}") from e

    def get(self, kind: str, record_id: str) -> Record | None:
        try:
            item = self._table.get_item(Key={"id": _key(kind, record_id)}).get("Item")
        except _errors() as e:
            raise StateStoreError(f"DynamoDB engagement read failed: {e}") from e
        return None if not item else _record(item)

    def query(
        self,
        kind: str,
        *,
        since: str | None = None,
        until: str | None = None,
        shopper_id: str | None = None,
    ) -> list[Record]:
        from boto3.dynamodb.conditions import Attr

        condition = Attr("kind").eq(ITEM_KIND) & Attr("record_kind").eq(kind)
        if since is not None:
            condition &= Attr("at").gte(since)
        if until is not None:
            condition &= Attr("at").lt(until)
        if shopper_id is not None:
            condition &= Attr("shopper_id").eq(shopper_id)
        records = [_record(item) for item in _scan(self._table, FilterExpression=condition)]
        records.sort(key=lambda r: (r.at, r.record_id))
        return records

    def erase_shopper(self, shopper_id: str) -> dict[str, int]:
        from boto3.dynamodb.conditions import Attr

        condition = Attr("kind").eq(ITEM_KIND) & Attr("shopper_id").eq(shopper_id)
        counts: Counter[str] = Counter()
        for item in list(_scan(self._table, FilterExpression=condition)):
            try:
                self._table.delete_item(Key={"id": item["id"]})
            except _errors() as e:
                raise StateStoreError(f"DynamoDB engagement delete failed: {e}") from e
            counts[str(item["record_kind"])] += 1
        return dict(counts)


class DynamoShopperEraser:
    """Removes a shopper from every table: the profile by key, others by `shopper_id`."""

    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables

    def erase(self, shopper_id: str, *, conversation_ids: list[str]) -> dict[str, int]:
        from boto3.dynamodb.conditions import Attr

        removed: dict[str, int] = {}
        ticket_streams: list[str] = []
        # Tickets first: their message streams live in the state table.
        for kind in ("tickets", *[k for k in TABLE_KINDS if k != "tickets"]):
            table = self._tables[kind]
            keys: list[str] = []
            if kind == "profiles":
                keys.append(shopper_id)
            elif kind == "state":
                keys.extend(conversation_ids)
                keys.append(f"desk-stream#shopper:{shopper_id}")
                keys.extend(f"desk-link#conversation:{c}" for c in conversation_ids)
            elif kind == "tickets":
                for item in _scan(table):
                    if _doc_shopper(item) == shopper_id or item.get("shopper_id") == shopper_id:
                        keys.append(str(item["id"]))
                ticket_streams.extend(f"desk-stream#ticket:{key}" for key in keys)
            else:
                condition = Attr("shopper_id").eq(shopper_id)
                if kind == "events":
                    condition &= Attr("kind").ne(ITEM_KIND)
                keys.extend(str(i["id"]) for i in _scan(table, FilterExpression=condition))
            if kind == "state":
                keys.extend(ticket_streams)
            count = 0
            for key in keys:
                try:
                    gone = table.delete_item(Key={"id": key}, ReturnValues="ALL_OLD")
                except _errors() as e:
                    raise StateStoreError(f"DynamoDB delete from {kind} failed: {e}") from e
                count += 1 if gone.get("Attributes") else 0
            if count:
                removed[kind] = count
        return removed


def _doc_shopper(item: dict[str, Any]) -> str | None:
    try:
        doc = json.loads(str(item.get("doc", "{}")))
    except json.JSONDecodeError:
        return None
    return doc.get("shopper_id") if isinstance(doc, dict) else None
