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
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.validate.report import Failure

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_RESOURCES = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM: `docker stop`, `kill`
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug, with its traceback in the log


class UsageError(Exception):
    """A bad option, a missing input or a wrong name: exit status 2, nothing written."""


class DataInvalid(Exception):
    """The data breaks hard rules: exit status 1, and nothing downstream is written."""

    def __init__(self, failures: list[Failure]) -> None:
        self.failures = failures
        super().__init__("\n".join(f.line() for f in failures))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.failures,))


class Refused(Exception):
    """The command would destroy something the user has not agreed to lose: exit status 1, nothing written."""


class ResourceError(Exception):
    """The machine ran out of something (disk space, permission, memory): exit status 3, nothing left behind."""


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


def _free(path: Path) -> str:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return f"{shutil.disk_usage(candidate).free / 2**20:,.0f} MiB free there"
    return "free space unknown"


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
    if isinstance(error, sqlite3.OperationalError) and "disk is full" in text:
        return ResourceError(
            f"disk full while {doing}: SQLite could not grow {path} ({_free(path)}{need}); "
            "free space or pass --warehouse on a larger disk"
        )
    if isinstance(error, sqlite3.OperationalError) and ("readonly" in text or "unable to open" in text):
        return ResourceError(f"permission denied while {doing}: SQLite cannot write {path} ({text})")
    kind = type(error).__name__
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
