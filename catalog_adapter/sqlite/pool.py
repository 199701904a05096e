"""Read-only connections to one catalog file, shared by every thread and bounded."""

from __future__ import annotations

import os
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from catalog_adapter.attributes import size_key, size_list
from catalog_adapter.errors import CatalogConfigError, CatalogUnavailable

# Connections kept open between calls; more are opened while more calls run at once.
MAX_IDLE_CONNECTIONS = 4

Identity = tuple[int, int]


@lru_cache(maxsize=4096)
def _size_keys(sizes: str) -> frozenset[str]:
    return frozenset(size_key(s) for s in size_list(sizes))


def _lists_size(sizes: str | None, key: str) -> bool:
    """SQL function has_size(p.size, key): the product's size list holds that size."""
    return bool(sizes) and key in _size_keys(sizes)


class ConnectionPool:
    """Read-only connections to one catalog file, shared by every thread, at most `max_idle`
    kept between calls.

    A server that answers each request on a new thread (werkzeug) would otherwise open a
    connection per thread and keep it after the thread ends; here a call borrows a connection
    and hands it back, so open descriptors stay at the calls in flight plus `max_idle`.
    Connections to a file since swapped out by an import are closed when handed back.
    """

    def __init__(self, path: Path, *, max_idle: int) -> None:
        if max_idle < 0:
            raise CatalogConfigError("max_idle_connections must not be negative")
        self.path = path
        self.max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: list[tuple[sqlite3.Connection, Identity]] = []
        # The identity (inode, mtime) of the file last seen; a vanished file keeps it.
        self._current: Identity | None = None
        self._busy = 0
        self._closed = False

    def _identity(self) -> Identity | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns)

    def acquire(self) -> tuple[sqlite3.Connection, Identity]:
        """A connection to the current file: an idle one when there is one, else a new one."""
        seen = self._identity()
        stale: list[sqlite3.Connection] = []
        with self._lock:
            if self._closed:
                raise CatalogUnavailable("the catalog has been closed")
            if seen is not None:
                self._current = seen
            current = self._current
            found = None
            while self._idle:
                db, identity = self._idle.pop()
                if identity == current:
                    found = (db, identity)
                    break
                stale.append(db)
            if found is not None:
                self._busy += 1
        for db in stale:
            db.close()
        if found is not None:
            return found
        if seen is None:
            # The file vanished and no connection to it is left to read the last good copy.
            raise CatalogUnavailable(f"cannot open catalog {self.path}: the file is missing")
        try:
            db = sqlite3.connect(
                f"file:{quote(str(self.path))}?mode=ro", uri=True, check_same_thread=False
            )
            db.create_function("has_size", 2, _lists_size, deterministic=True)
        except sqlite3.Error as e:
            raise CatalogUnavailable(f"cannot open catalog {self.path}: {e}") from e
        with self._lock:
            self._busy += 1
        return db, seen

    def release(self, db: sqlite3.Connection, identity: Identity) -> None:
        """Hand a connection back: kept while the pool has room and its file is current."""
        with self._lock:
            self._busy -= 1
            keep = (
                not self._closed
                and identity == self._current
                and len(self._idle) < self.max_idle
                and not db.in_transaction
            )
            if keep:
                self._idle.append((db, identity))
        if not keep:
            db.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for db, _ in idle:
            db.close()

    @property
    def open_connections(self) -> int:
        """Connections open right now: in use plus idle (for tests and diagnostics)."""
        with self._lock:
            return self._busy + len(self._idle)
