"""Python's sqlite3 on a warehouse file: interrupted on cancellation, closed afterwards.

A file is never open in Python's sqlite3 and in DuckDB's own SQLite at the same time: two SQLite libraries in one
process do not see each other's locks, which SQLite documents as a way to corrupt a database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from pipeline import cancel


@contextmanager
def sqlite_connection(
    path: Path, *, read_only: bool = False, unjournaled: bool = False
) -> Iterator[sqlite3.Connection]:
    """A Python sqlite3 connection (autocommit unless a statement begins a transaction), interrupted on
    cancellation, closed afterwards. ``unjournaled`` for a build nobody reads yet: no rollback journal and no
    fsync per commit (the finished set is fsynced once, before it is switched in)."""
    if read_only:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    if unjournaled:
        db.execute("pragma journal_mode = off")
        db.execute("pragma synchronous = off")
    with closing(db), cancel.interruptible(db.interrupt):
        yield db
