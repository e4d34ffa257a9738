"""The ways a command fails on purpose, each with its exit status (the CLI maps them; see the README).

Every error here survives pickling, because generation chunks run in worker processes and their errors
cross the process boundary on the way back.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_RESOURCES = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM: `docker stop`, `kill`
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug, with its traceback in the log


FAILURE_EXAMPLES = 3  # examples shown per failed check


@dataclass(frozen=True)
class Failure:
    """One failed check: where (table, column, file), which rule, how many rows, a few examples."""

    table: str
    column: str
    rule: str
    failing_rows: int
    examples: list[dict[str, Any]] = field(default_factory=list)
    file: str = ""

    def line(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        shown = "; ".join(", ".join(f"{k}={v}" for k, v in e.items()) for e in self.examples[:FAILURE_EXAMPLES])
        source = f" [{self.file}]" if self.file else ""
        example = f" e.g. {shown}" if shown else ""
        count = f": {self.failing_rows} failing row(s)" if self.failing_rows else ""
        return f"{where}: {self.rule}{count}{source}{example}"


class UsageError(Exception):
    """A bad option, a missing input or a wrong name: exit status 2, nothing written."""


class DataInvalid(Exception):
    """The data breaks hard rules: exit status 1, and nothing downstream is written."""

    def __init__(self, failures: list[Failure]) -> None:
        self.failures = failures
        super().__init__("\n".join(f.line() for f in failures))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.failures,))


class WarehouseMissing(Exception):
    """There is no warehouse (yet) at the configured path."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no warehouse at {path}; build one with `just run`")
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:  # raised in the API's writer process too, and sent back
        return (type(self), (self.path,))


class InvalidRequest(ValueError):
    """A read the warehouse cannot answer as asked (an unknown name, a malformed cursor): the message says why."""


class Refused(Exception):
    """The command would destroy something the user has not agreed to lose: exit status 1, nothing written."""


class ResourceError(Exception):
    """The machine ran out of something (disk space, permission, memory): exit status 3, nothing left behind."""


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


def free_bytes(path: Path) -> int | None:
    """The free space of the file system that holds (or will hold) ``path``; None if it cannot be told."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free
    return None


def _free(path: Path) -> str:
    free = free_bytes(path)
    return "free space unknown" if free is None else f"{free / 2**20:,.0f} MiB free there"


def not_enough_room(path: Path, doing: str, needed: int) -> ResourceError:
    """The disk at ``path`` holds less than ``needed`` bytes: said before anything is written."""
    return ResourceError(
        f"disk full while {doing}: not enough room in {path} ({_free(path)}, about {needed / 2**20:,.0f} MiB "
        "needed); free space or pass --data-dir on a larger disk"
    )


def as_resource_error(error: BaseException, path: Path, doing: str, needed: int = 0) -> ResourceError | None:
    """``error`` as a ResourceError naming ``path`` and what was needed, or None if it is something else.

    ``doing`` says what was being written (e.g. "building the warehouse"), ``needed`` about how many bytes it
    takes (0: unknown); the path is the error's own when it carries one.
    """
    need = f", about {needed / 2**20:,.0f} MiB needed" if needed else ""
    if isinstance(error, MemoryError):
        return ResourceError(f"out of memory while {doing} ({path}); free memory or use a smaller --scale")
    if isinstance(error, OSError) and error.errno in _DISK_FULL + _DENIED:
        where = Path(error.filename) if error.filename else path
        if error.errno in _DISK_FULL:
            return ResourceError(
                f"disk full while {doing}: no space left for {where} ({_free(where)}{need}); "
                "free space or pass --data-dir on a larger disk"
            )
        return ResourceError(
            f"permission denied while {doing}: cannot write {where} ({os.strerror(error.errno)}); "
            "make it writable or pass --data-dir to a directory you own"
        )
    text = str(error)
    kind = type(error).__name__
    # SQLite's SQLITE_FULL, through Python's sqlite3 or through DuckDB's sqlite scanner (when it commits).
    sqlite_full = isinstance(error, sqlite3.OperationalError) or kind == "TransactionException"
    if sqlite_full and "disk is full" in text:
        return ResourceError(
            f"disk full while {doing}: SQLite could not grow {path} ({_free(path)}{need}); "
            "free space or pass --warehouse on a larger disk"
        )
    if isinstance(error, sqlite3.OperationalError) and ("readonly" in text or "unable to open" in text):
        return ResourceError(f"permission denied while {doing}: SQLite cannot write {path} ({text})")
    if kind == "OutOfMemoryException":  # DuckDB, at its memory limit even after spilling to disk
        return ResourceError(f"out of memory while {doing} ({path}): DuckDB {text.splitlines()[0]}")
    if kind in {"IOException", "ComputeError"} and "No space left on device" in text:
        return ResourceError(
            f"disk full while {doing}: no space left for {path} ({_free(path)}{need}); "
            "free space or pass --data-dir on a larger disk"
        )
    return None


@contextmanager
def resource_guard(path: Path, doing: str, needed: int = 0) -> Iterator[None]:
    """Turn running out of disk, permission or memory inside the block into a ResourceError naming ``path``."""
    try:
        yield
    except Exception as error:
        resource = as_resource_error(error, path, doing, needed)
        if resource is None:
            raise
        raise resource from error
