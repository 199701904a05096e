"""The atomic swap: a catalog is built beside the live file and replaces it in one rename, so a
reader sees the old catalog or the new one, never half an import; nothing else is overwritten."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from catalog_adapter.errors import FeedError
from catalog_adapter.sqlite.schema import FORMAT


def existing_catalog(path: Path) -> bool:
    """True when path holds a catalog of this format; refuses to overwrite any other file."""
    if not path.exists():
        return False
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise FeedError(
            f"{path} exists and is not an Ambient Shop catalog ({e}); not replacing it"
        ) from e
    if row is None or row[0] != FORMAT:
        found = row[0] if row else "unknown"
        raise FeedError(
            f"{path} holds a catalog of format {found!r}, not {FORMAT!r}; "
            "import into a new path or remove it first"
        )
    return True


def build_path(target: Path) -> Path:
    """Where a new catalog is built: beside the target (same file system, so the rename is
    atomic), hidden, and free of any earlier failed attempt."""
    tmp = target.with_name(f".{target.name}.importing-{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}-journal")):
        leftover.unlink(missing_ok=True)
    return tmp


def swap_in(built: Path, target: Path) -> None:
    """Make the built file durable, then put it in the target's place in one rename."""
    with open(built, "rb") as f:
        os.fsync(f.fileno())
    os.replace(built, target)
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
