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

# The foreign-key checks map the file instead of copying every page through read(2): they do tens of
# millions of B-tree lookups, and page copies through the kernel also serialise parallel checkers (2x
# slower alone, no gain from a second thread). The mapped pages are page cache, counted in RSS while mapped.
MMAP_BYTES = 1 << 40


@contextmanager
def sqlite_connection(path: Path, *, read_only: bool = False, mapped: bool = False) -> Iterator[sqlite3.Connection]:
    """A Python sqlite3 connection, interrupted on cancellation, closed afterwards."""
    if read_only:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        if mapped:
            db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    else:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    with closing(db), cancel.interruptible(db.interrupt):
        yield db
