"""The desk store on the embedded SQLite database: tables beside the skill's own (WAL)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from skill.store.sqlite import SqliteDatabase

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS desk_tickets (
        ticket_id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, status TEXT NOT NULL,
        version INTEGER NOT NULL, doc TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS desk_tickets_by_conversation ON desk_tickets (conversation_id)",
    """CREATE TABLE IF NOT EXISTS desk_streams (
        stream TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (stream, seq))""",
    """CREATE TABLE IF NOT EXISTS desk_records (
        kind TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL, expires_at REAL,
        PRIMARY KEY (kind, key))""",
)


def _load(raw: str) -> dict[str, Any]:
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}


def _dump(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), default=str)


class SqliteDeskStore:
    """The embedded desk store: tables beside the skill's own in the same WAL database."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        with db.cursor() as cur:
            for statement in _SCHEMA:
                cur.execute(statement)

    def insert_ticket(self, ticket: Mapping[str, Any]) -> None:
        doc = {**ticket, "version": 1}
        with self._db.cursor() as cur:
            cur.execute(
                "INSERT INTO desk_tickets VALUES (?, ?, ?, 1, ?)",
                (doc["ticket_id"], doc["conversation_id"], doc["status"], _dump(doc)),
            )

    def get_ticket(self, ticket_id: str) -> dict[str, Any] | None:
        with self._db.cursor() as cur:
            row = cur.execute(
                "SELECT doc FROM desk_tickets WHERE ticket_id = ?", (ticket_id,)
            ).fetchone()
        return _load(row[0]) if row else None

    def list_tickets(self) -> list[dict[str, Any]]:
        with self._db.cursor() as cur:
            rows = cur.execute("SELECT doc FROM desk_tickets").fetchall()
        return [_load(row[0]) for row in rows]

    def replace_ticket(self, ticket: Mapping[str, Any], *, expected_version: int) -> bool:
        doc = {**ticket, "version": expected_version + 1}
        with self._db.cursor() as cur:
            cur.execute(
                "UPDATE desk_tickets SET doc = ?, status = ?, version = ? "
                "WHERE ticket_id = ? AND version = ?",
                (_dump(doc), doc["status"], doc["version"], doc["ticket_id"], expected_version),
            )
            return cur.rowcount == 1

    def append(self, stream: str, entry: Mapping[str, Any]) -> int:
        with self._db.cursor() as cur:
            # The first statement writes, so SQLite takes the write lock before reading MAX(seq).
            cur.execute(
                "INSERT INTO desk_streams (stream, seq, doc) SELECT ?, COALESCE(MAX(seq), 0) + 1, ?"
                " FROM desk_streams WHERE stream = ?",
                (stream, _dump(entry), stream),
            )
            row = cur.execute(
                "SELECT seq FROM desk_streams WHERE rowid = last_insert_rowid()"
            ).fetchone()
        return int(row[0])

    def read(self, stream: str, *, after: int = 0) -> list[dict[str, Any]]:
        with self._db.cursor() as cur:
            rows = cur.execute(
                "SELECT seq, doc FROM desk_streams WHERE stream = ? AND seq > ? ORDER BY seq",
                (stream, after),
            ).fetchall()
        return [{**_load(doc), "seq": seq} for seq, doc in rows]

    def put_record(
        self, kind: str, key: str, value: Mapping[str, Any], *, ttl_s: int | None = None
    ) -> None:
        expires = time.time() + ttl_s if ttl_s else None
        with self._db.cursor() as cur:
            cur.execute(
                "INSERT INTO desk_records VALUES (?, ?, ?, ?) ON CONFLICT(kind, key) DO UPDATE "
                "SET doc = excluded.doc, expires_at = excluded.expires_at",
                (kind, key, _dump(value), expires),
            )

    def add_record(self, kind: str, key: str, value: Mapping[str, Any]) -> bool:
        with self._db.cursor() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO desk_records VALUES (?, ?, ?, NULL)",
                (kind, key, _dump(value)),
            )
            return cur.rowcount == 1

    def get_record(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._db.cursor() as cur:
            row = cur.execute(
                "SELECT doc, expires_at FROM desk_records WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        if row is None or (row[1] is not None and row[1] < time.time()):
            return None
        return _load(row[0])

    def delete_record(self, kind: str, key: str) -> None:
        with self._db.cursor() as cur:
            cur.execute("DELETE FROM desk_records WHERE kind = ? AND key = ?", (kind, key))

    def list_records(self, kind: str) -> list[dict[str, Any]]:
        with self._db.cursor() as cur:
            rows = cur.execute(
                "SELECT doc FROM desk_records WHERE kind = ? AND "
                "(expires_at IS NULL OR expires_at >= ?)",
                (kind, time.time()),
            ).fetchall()
        return [_load(row[0]) for row in rows]
