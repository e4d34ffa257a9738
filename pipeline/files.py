"""Publishing files safely: atomic replacement that survives a crash, and scratch space owned by a live run.

Every file the pipeline publishes (manifest, report, dictionary, analysis results) is written to a unique
temporary name beside its target and renamed over it, then the directory is fsynced so that the rename
itself is durable. Scratch directories (a staged lake, a warehouse build) are owned through an exclusive
``flock`` on a file inside them: the kernel drops the lock when the owner dies, however it dies, so the next
run can tell an abandoned directory from a live one. PIDs cannot: in a container every run is PID 1.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

OWNER_LOCK = ".owner.lock"
# A scratch directory gets its lock file an instant after it is created; one without a lock file for this
# long was abandoned in that instant.
UNLOCKED_GRACE_SECONDS = 600


def fsync_dir(directory: Path) -> None:
    """Make renames and new entries in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(source: Path, target: Path) -> None:
    """``os.replace`` made durable: the data first, then the directory entry."""
    if source.is_file():
        with source.open("rb") as handle:
            os.fsync(handle.fileno())
    os.replace(source, target)
    fsync_dir(target.parent)


def promote(scratch: Path, target: Path) -> None:
    """Move a finished scratch directory (see :func:`scratch_dir`) to ``target`` (absent, or an empty directory),
    no longer owned: its owner lock goes once it is there, so no sweep can take it for a live run's meanwhile."""
    os.replace(scratch, target)
    (target / OWNER_LOCK).unlink(missing_ok=True)


def write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary_path)``, then move the result over ``target``; a failure leaves ``target`` as it was.

    The temporary name is unique, so two runs writing the same target never write into each other's file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        write(temporary)
        replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def write_text(target: Path, text: str) -> Path:
    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8", newline="\n")

    return write_atomically(target, write)


def _lock(path: Path, *, create: bool = True) -> int:
    fd = os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise
    return fd


def sweep(parent: Path, prefix: str) -> list[Path]:
    """Remove the scratch directories under ``parent`` named ``prefix*`` that no live run owns."""
    removed = []
    for stale in sorted(parent.glob(f"{prefix}*")):
        if not stale.is_dir():
            continue
        try:
            fd = _lock(stale / OWNER_LOCK, create=False)
        except BlockingIOError:
            continue  # a live run's
        except FileNotFoundError:
            # Being created right now, or removed meanwhile by another sweeper, or abandoned long ago.
            with suppress(OSError):
                if time.time() - stale.stat().st_mtime > UNLOCKED_GRACE_SECONDS:
                    shutil.rmtree(stale, ignore_errors=True)
                    removed.append(stale)
            continue
        try:
            shutil.rmtree(stale, ignore_errors=True)
            removed.append(stale)
        finally:
            os.close(fd)
    return removed


@contextmanager
def scratch_dir(parent: Path, prefix: str, suffix: str = "") -> Iterator[Path]:
    """A fresh directory ``parent/<prefix><unique><suffix>``, owned by this run while it exists, removed afterwards
    (unless it was moved away meanwhile).

    Directories with the same prefix that no live run owns (left by a killed run) are swept first.
    """
    parent.mkdir(parents=True, exist_ok=True)
    sweep(parent, prefix)
    path = Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=parent))
    fd = _lock(path / OWNER_LOCK)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        with suppress(OSError):
            os.close(fd)


# How often a wait with a deadline tries the lock again: flock itself cannot wait with a timeout.
LOCK_POLL_SECONDS = 0.005


@contextmanager
def exclusive_lock(path: Path, until: float | None = None) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the block, waiting for other holders;
    with ``until`` (a ``time.monotonic()`` value) at most until then, and then TimeoutError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if until is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= until:
                        msg = f"{path} stayed locked past the deadline"
                        raise TimeoutError(msg) from None
                    time.sleep(LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)
