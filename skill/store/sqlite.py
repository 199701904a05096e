"""SQLite persistence (the embedded default): shoppers, conversations, outbox, tickets."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ambient_shop.urls import sqlite_path
from skill.core.model import OutboundMessage
from skill.errors import StateStoreError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shoppers (
    shopper_id TEXT PRIMARY KEY, profile TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
    conversation_id TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    message_id TEXT PRIMARY KEY, shopper_id TEXT NOT NULL, channel TEXT NOT NULL,
    body TEXT NOT NULL, link TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_by_shopper ON outbox (shopper_id, created_at);
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, shopper_id TEXT NOT NULL,
    channel TEXT NOT NULL, reason TEXT NOT NULL, status TEXT NOT NULL,
    payload TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tickets_by_status ON tickets (status, created_at);
CREATE TABLE IF NOT EXISTS rate_counts (
    key TEXT PRIMARY KEY, hits INTEGER NOT NULL, expires_at REAL NOT NULL);
"""
# One expired-counter sweep per this many hits keeps the table small without a timer.
SWEEP_EVERY_HITS = 1000


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def path_from_url(url: str) -> Path | None:
    """`sqlite:///var/state.db` -> Path; `sqlite://:memory:` -> None (in-memory)."""
    try:
        return sqlite_path(url)
    except ValueError as e:
        raise StateStoreError(str(e)) from e


class SqliteDatabase:
    """One WAL-mode connection shared by threads behind a lock; writes are tiny and fast.

    Several processes (gunicorn workers) may open the same file. A transaction that will write
    starts with `BEGIN IMMEDIATE`, so it takes the write lock up front and waits (busy timeout)
    for another process's writer, instead of failing with "database is locked" when a deferred
    read tries to become a write. Read-only work uses `reading()` and never takes that lock.
    """

    BUSY_TIMEOUT_MS = 10_000

    def __init__(self, path: Path | None) -> None:
        self.path = path
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(
                ":memory:" if path is None else str(path),
                check_same_thread=False,
                isolation_level=None,
                timeout=self.BUSY_TIMEOUT_MS / 1000,
            )
            self._connection.execute(f"PRAGMA busy_timeout={self.BUSY_TIMEOUT_MS}")
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
            # Workers starting together create the schema one at a time.
            self._connection.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")
        except (sqlite3.Error, OSError) as e:
            raise StateStoreError(f"cannot open state database {path}: {e}") from e
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str) -> SqliteDatabase:
        return cls(path_from_url(url))

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            try:
                cursor = self._connection.cursor()
                cursor.execute(begin)
                try:
                    yield cursor
                except BaseException:
                    cursor.execute("ROLLBACK")
                    raise
                cursor.execute("COMMIT")
            except sqlite3.Error as e:
                raise StateStoreError(f"state database error: {e}") from e

    def cursor(self) -> AbstractContextManager[sqlite3.Cursor]:
        """A transaction that may write: it holds the write lock from its first statement."""
        return self._transaction("BEGIN IMMEDIATE")

    def reading(self) -> AbstractContextManager[sqlite3.Cursor]:
        """A read-only transaction: a consistent snapshot that never blocks another writer."""
        return self._transaction("BEGIN")

    def check(self) -> None:
        """Raise StateStoreError unless the database answers a query (for health checks)."""
        with self.reading() as cur:
            cur.execute("SELECT 1").fetchone()

    def close(self) -> None:
        self._connection.close()


class SqliteHitCounter:
    """Fixed-window request counters shared by every process that opens the same file."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._hits = 0

    def hit(self, key: str, *, expires_at: float) -> int:
        """Count one hit on `key`; the running count for it, the new one included."""
        self._hits += 1
        with self._db.cursor() as cur:
            if self._hits % SWEEP_EVERY_HITS == 0:
                cur.execute("DELETE FROM rate_counts WHERE expires_at < ?", (time.time(),))
            row = cur.execute(
                "INSERT INTO rate_counts (key, hits, expires_at) VALUES (?, 1, ?) "
                "ON CONFLICT(key) DO UPDATE SET hits = hits + 1 RETURNING hits",
                (key, expires_at),
            ).fetchone()
        return int(row[0])


class _JsonTable:
    """A key -> JSON document table; the shape both shopper and conversation stores need."""

    def __init__(self, db: SqliteDatabase, *, table: str, key: str, column: str) -> None:
        self._db = db
        self._select = f"SELECT {column} FROM {table} WHERE {key} = ?"
        self._upsert = (
            f"INSERT INTO {table} ({key}, {column}, updated_at) VALUES (?, ?, ?) "
            f"ON CONFLICT({key}) DO UPDATE SET {column} = excluded.{column}, "
            "updated_at = excluded.updated_at"
        )

    def get(self, key: str) -> dict[str, Any] | None:
        with self._db.reading() as cur:
            row = cur.execute(self._select, (key,)).fetchone()
        if row is None:
            return None
        try:
            value = json.loads(row[0])
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: Mapping[str, Any]) -> None:
        with self._db.cursor() as cur:
            cur.execute(self._upsert, (key, json.dumps(dict(value), default=str), now_iso()))


class SqliteShopperStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._table = _JsonTable(db, table="shoppers", key="shopper_id", column="profile")

    def load(self, shopper_id: str) -> dict[str, Any]:
        return self._table.get(shopper_id) or {}

    def save(self, shopper_id: str, profile: Mapping[str, Any]) -> None:
        self._table.put(shopper_id, profile)


class SqliteConversationStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._table = _JsonTable(db, table="conversations", key="conversation_id", column="state")

    def load(self, conversation_id: str) -> dict[str, Any] | None:
        return self._table.get(conversation_id)

    def save(self, conversation_id: str, state: Mapping[str, Any]) -> None:
        self._table.put(conversation_id, state)


class SqliteOutbox:
    """Outbound messages land in a table the simulator shows; SNS replaces it at scale."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def send(self, *, shopper_id: str, channel: str, text: str, link: str = "") -> str:
        message_id = uuid.uuid4().hex
        with self._db.cursor() as cur:
            cur.execute(
                "INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?)",
                (message_id, shopper_id, channel, text, link, now_iso()),
            )
        return message_id

    def messages(self, *, shopper_id: str | None = None, limit: int = 50) -> list[OutboundMessage]:
        sql = "SELECT message_id, shopper_id, channel, body, link, created_at FROM outbox"
        params: tuple[Any, ...] = ()
        if shopper_id is not None:
            sql += " WHERE shopper_id = ?"
            params = (shopper_id,)
        sql += " ORDER BY created_at DESC LIMIT ?"
        with self._db.reading() as cur:
            rows = cur.execute(sql, (*params, limit)).fetchall()
        return [
            OutboundMessage(
                message_id=message_id,
                shopper_id=shopper,
                channel=channel,
                body=body,
                link=link,
                created_at=created_at,
            )
            for message_id, shopper, channel, body, link, created_at in rows
        ]
