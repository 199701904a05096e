"""Engagement records and shopper erasure on the embedded SQLite state database."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from skill.engage.records import Record
from skill.store.sqlite import SqliteDatabase

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS engage_records (
        kind TEXT NOT NULL, record_id TEXT NOT NULL, shopper_id TEXT NOT NULL,
        at TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, record_id))""",
    "CREATE INDEX IF NOT EXISTS engage_by_kind_time ON engage_records (kind, at)",
    "CREATE INDEX IF NOT EXISTS engage_by_shopper ON engage_records (shopper_id)",
)


def _row(row: tuple[Any, ...]) -> Record:
    kind, record_id, shopper_id, at, doc = row
    try:
        body = json.loads(doc)
    except json.JSONDecodeError:
        body = {}
    return Record(kind, record_id, shopper_id, at, body if isinstance(body, dict) else {})


class SqliteEngageRecords:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        with db.cursor() as cur:
            for statement in _SCHEMA:
                cur.execute(statement)

    @staticmethod
    def _values(record: Record) -> tuple[str, str, str, str, str]:
        return (
            record.kind,
            record.record_id,
            record.shopper_id,
            record.at,
            json.dumps(dict(record.doc), default=str),
        )

    def insert(self, record: Record) -> bool:
        with self._db.cursor() as cur:
            cur.execute(
                "INSERT INTO engage_records VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (kind, record_id) DO NOTHING",
                self._values(record),
            )
            return cur.rowcount == 1

    def upsert(self, record: Record) -> None:
        with self._db.cursor() as cur:
            cur.execute(
                "INSERT INTO engage_records VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (kind, record_id) DO UPDATE SET shopper_id = excluded.shopper_id, "
                "at = excluded.at, doc = excluded.doc",
                self._values(record),
            )

    def get(self, kind: str, record_id: str) -> Record | None:
        with self._db.cursor() as cur:
            row = cur.execute(
                "SELECT kind, record_id, shopper_id, at, doc FROM engage_records "
                "WHERE kind = ? AND record_id = ?",
                (kind, record_id),
            ).fetchone()
        return None if row is None else _row(row)

    def query(
        self,
        kind: str,
        *,
        since: str | None = None,
        until: str | None = None,
        shopper_id: str | None = None,
    ) -> list[Record]:
        sql = "SELECT kind, record_id, shopper_id, at, doc FROM engage_records WHERE kind = ?"
        params: list[Any] = [kind]
        if since is not None:
            sql += " AND at >= ?"
            params.append(since)
        if until is not None:
            sql += " AND at < ?"
            params.append(until)
        if shopper_id is not None:
            sql += " AND shopper_id = ?"
            params.append(shopper_id)
        sql += " ORDER BY at, record_id"
        with self._db.cursor() as cur:
            rows = cur.execute(sql, params).fetchall()
        return [_row(row) for row in rows]

    def erase_shopper(self, shopper_id: str) -> dict[str, int]:
        with self._db.cursor() as cur:
            rows = cur.execute(
                "SELECT kind FROM engage_records WHERE shopper_id = ?", (shopper_id,)
            ).fetchall()
            cur.execute("DELETE FROM engage_records WHERE shopper_id = ?", (shopper_id,))
        return dict(Counter(kind for (kind,) in rows))


class SqliteShopperEraser:
    """Removes a shopper from every table of the state database that names shoppers.

    Any table with a `shopper_id` column is covered, so tables added later (desk messages,
    audit logs) are erased too; conversation state is keyed by conversation, so those ids
    are passed in by the caller, who knows which conversations were the shopper's.
    """

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def erase(self, shopper_id: str, *, conversation_ids: list[str]) -> dict[str, int]:
        removed: dict[str, int] = {}
        with self._db.cursor() as cur:
            removed.update(_erase_desk(cur, shopper_id, conversation_ids))
            tables = [
                name
                for (name,) in cur.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' AND name != 'engage_records' "
                    "AND name NOT LIKE 'desk_%'"
                ).fetchall()
            ]
            for table in tables:
                columns = {row[1] for row in cur.execute(f'PRAGMA table_info("{table}")')}
                count = 0
                if "shopper_id" in columns:
                    cur.execute(f'DELETE FROM "{table}" WHERE shopper_id = ?', (shopper_id,))
                    count += cur.rowcount
                if "conversation_id" in columns and conversation_ids:
                    marks = ",".join("?" * len(conversation_ids))
                    cur.execute(
                        f'DELETE FROM "{table}" WHERE conversation_id IN ({marks})',
                        conversation_ids,
                    )
                    count += cur.rowcount
                if count:
                    removed[table] = count
        return removed


def _erase_desk(cur: Any, shopper_id: str, conversation_ids: list[str]) -> dict[str, int]:
    """The desk keeps tickets as documents: find the shopper's by the document's shopper_id."""
    tables = {row[0] for row in cur.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "desk_tickets" not in tables:
        return {}
    ticket_ids = [
        ticket_id
        for (ticket_id,) in cur.execute(
            "SELECT ticket_id FROM desk_tickets WHERE json_extract(doc, '$.shopper_id') = ?",
            (shopper_id,),
        ).fetchall()
    ]
    removed: dict[str, int] = {}
    if ticket_ids:
        marks = ",".join("?" * len(ticket_ids))
        cur.execute(f"DELETE FROM desk_tickets WHERE ticket_id IN ({marks})", ticket_ids)
        removed["desk_tickets"] = cur.rowcount
    streams = [f"ticket:{t}" for t in ticket_ids] + [f"shopper:{shopper_id}"]
    marks = ",".join("?" * len(streams))
    cur.execute(f"DELETE FROM desk_streams WHERE stream IN ({marks})", streams)
    if cur.rowcount:
        removed["desk_streams"] = cur.rowcount
    links = [f"conversation:{c}" for c in conversation_ids]
    if links and "desk_records" in tables:
        marks = ",".join("?" * len(links))
        cur.execute(f"DELETE FROM desk_records WHERE kind = 'link' AND key IN ({marks})", links)
        if cur.rowcount:
            removed["desk_records"] = cur.rowcount
    return removed
