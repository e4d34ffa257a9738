"""One write: the warehouse's write lock, then the file opened in place, one short transaction, or a refusal.

A job takes the warehouse's write lock, which a rebuild's check and swap take too, and only then opens the file,
so it writes into the file in place and never into one being replaced. It writes with ``PRAGMA foreign_keys =
ON`` and commits or rolls back as a whole. It waits for the lock and for readers only until its deadline
(``Writing.wait_until``), then gives up having written nothing (``Busy``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import WarehouseMissing
from pipeline.settings import Window
from pipeline.warehouse.lock import write_lock

Row = dict[str, Any]
# How long a commit waits for readers to finish. While it waits it holds SQLite's PENDING lock, which keeps new
# readers out (rollback journal), so the wait must stay short: keyed reads finish in a millisecond; only an
# analysis of queries/ scanning a large warehouse reads for seconds, and then the write is the one to give way.
BUSY_SECONDS = 2.0
# What kept a write waiting past its deadline, as a Busy names it.
HELD_BY_WRITES = "another write or a rebuild's swap"
HELD_BY_READS = "a long read"


class WriteRefused(Exception):
    """A write that would break a rule; nothing was written. ``rule`` names the rule (None: the row is missing)."""

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.rule))


class Missing(WriteRefused):
    """The row written, or a row it references, does not exist."""


class Conflict(WriteRefused):
    """A rule of the data refuses the write: a duplicate email, an order before its customer signed up, ..."""


class Busy(Exception):
    """The warehouse stayed taken (by another write, a rebuild's swap, long readers) for longer than a write may
    wait; nothing was written: retry."""


@dataclass(frozen=True)
class Writing:
    """What every job needs besides its payload; it crosses into the writer process, so it stays picklable."""

    warehouse: Path
    key_id: str  # who writes: a digest of the API key, never the key
    default_window: Window  # the date window of a build loaded from --source, which records none
    # When the write stops waiting and answers busy, as time.monotonic() gives it: CLOCK_MONOTONIC is one clock
    # for every process of the machine, so the API process sets it and the writer process keeps it.
    wait_until: float

    def busy(self, what: str) -> Busy:
        msg = f"{what} kept the warehouse past the write's wait (ECOM_API_WRITE_WAIT_SECONDS); nothing was written"
        return Busy(msg)


@contextmanager
def transaction(writing: Writing) -> Iterator[sqlite3.Connection]:
    warehouse = writing.warehouse
    with ExitStack() as lock:
        try:
            lock.enter_context(write_lock(warehouse, writing.wait_until))
        except TimeoutError:
            raise writing.busy(HELD_BY_WRITES) from None
        # Opened under the lock: a rebuild replaces the file only while holding it, so this is the file in place.
        # mode=rw: a missing warehouse is an error, not a new empty file. A commit waits for readers for
        # BUSY_SECONDS at most, and never past the write's deadline.
        wait = max(0.0, min(BUSY_SECONDS, writing.wait_until - time.monotonic()))
        try:
            uri = f"{warehouse.resolve().as_uri()}?mode=rw"
            db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=wait)
        except sqlite3.OperationalError:
            raise WarehouseMissing(warehouse) from None
        try:
            db.row_factory = sqlite3.Row
            db.execute("pragma foreign_keys = on")
            db.execute("begin immediate")
            try:
                yield db
            except BaseException:
                db.execute("rollback")
                raise
            db.execute("commit")
        except sqlite3.IntegrityError as error:
            # The schema's own constraints are the last line: a rule the checks above missed is still a refusal.
            msg = f"the warehouse refused the write: {error}"
            raise Conflict(msg, "schema constraint") from None
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            raise writing.busy(HELD_BY_READS) from None
        finally:
            db.close()
