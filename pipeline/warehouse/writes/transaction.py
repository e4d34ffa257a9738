"""One write: the warehouse's write lock, then the file opened in place, one short transaction, or a refusal.

A job takes the warehouse's write lock, which a rebuild's check and swap take too, and only then opens the file,
so it writes into the file in place and never into one being replaced. It writes with ``PRAGMA foreign_keys =
ON`` and commits or rolls back as a whole.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
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
    """Readers held the warehouse for longer than a write may wait; nothing was written: retry."""


@dataclass(frozen=True)
class Writing:
    """What every job needs besides its payload; it crosses into the writer process, so it stays picklable."""

    warehouse: Path
    key_id: str  # who writes: a digest of the API key, never the key
    default_window: Window  # the date window of a build loaded from --source, which records none


@contextmanager
def transaction(warehouse: Path) -> Iterator[sqlite3.Connection]:
    with write_lock(warehouse):
        # Opened under the lock: a rebuild replaces the file only while holding it, so this is the file in place.
        # mode=rw: a missing warehouse is an error, not a new empty file.
        try:
            db = sqlite3.connect(
                f"{warehouse.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None, timeout=BUSY_SECONDS
            )
        except sqlite3.OperationalError:
            raise WarehouseMissing(warehouse) from None
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.IntegrityError as error:
            # The schema's own constraints are the last line: a rule the checks above missed is still a refusal.
            msg = f"the warehouse refused the write: {error}"
            raise Conflict(msg, "schema constraint") from None
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            msg = f"the warehouse is busy (a long read holds it) for more than {BUSY_SECONDS:g} s; nothing was written"
            raise Busy(msg) from None
        finally:
            db.close()
