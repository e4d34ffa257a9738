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
def write_lock(warehouse: Path) -> Iterator[None]:
    """The lock that API writes and the warehouse swap take, so that neither happens during the other."""
    with files.exclusive_lock(lock_path(warehouse)):
        yield
