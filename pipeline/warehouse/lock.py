"""The warehouse's write lock: API writes, ``refresh-marts`` and a rebuild's swap each hold it, so none of them
happens during another (an acknowledged write is never written into a file that is being replaced)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline import files


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.lock")


@contextmanager
def write_lock(warehouse: Path, until: float | None = None) -> Iterator[None]:
    """The lock that API writes and the warehouse swap take, so that neither happens during the other; an API
    write waits for it only until ``until`` (``time.monotonic()``), then TimeoutError."""
    with files.exclusive_lock(lock_path(warehouse), until):
        yield


def requests_lock_path(warehouse: Path) -> Path:
    """The file the API's processes lock a range of for each idempotency key whose first request is running."""
    return warehouse.with_name(f".{warehouse.name}.requests.lock")
