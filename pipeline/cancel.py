"""Stopping at once: Ctrl-C, SIGTERM or a failed sibling task interrupts every running query.

Long work runs in DuckDB or SQLite, inside C code that a Python signal handler cannot enter. Each such
connection is registered while it works (:func:`interruptible`), and a cancellation interrupts them all, so
their threads return within milliseconds and the clean-up (``finally`` blocks that remove build files and
staging directories) runs right away instead of after the work would have finished.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager
from types import FrameType
from typing import Generic, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_interrupts: dict[int, Callable[[], None]] = {}
_signal: list[int] = []  # the signal that cancelled this run, once one has
_published: list[str] = []  # outputs this run has swapped in, for the message of an interrupted run


class Cancelled(Exception):
    """Raised by :func:`check` between steps of Python work (Polars, numpy), which nothing can interrupt."""


def requested() -> int | None:
    """The signal that cancelled the run, or None."""
    return _signal[0] if _signal else None


def check() -> None:
    """Stop here if the run has been cancelled: call it between steps of long Python work."""
    if _signal:
        raise Cancelled(_signal[0])


def note_published(output: str) -> None:
    _published.append(output)


def published() -> list[str]:
    return list(_published)


def interrupt_all() -> None:
    with _lock:
        interrupts = list(_interrupts.values())
    for interrupt in interrupts:
        interrupt()


@contextmanager
def interruptible(interrupt: Callable[[], None]) -> Iterator[None]:
    """Register ``interrupt`` (e.g. a connection's ``interrupt`` method) while the block runs."""
    key = id(interrupt)
    with _lock:
        _interrupts[key] = interrupt
    try:
        # Cancelled before this work even started: an interrupt now could be lost (a connection that is not yet
        # running a query forgets it), so the work does not start.
        check()
        yield
    finally:
        with _lock:
            _interrupts.pop(key, None)


def _on_signal(number: int, _frame: FrameType | None) -> None:
    """Interrupt the work; raise nothing here, in the main thread, which only waits for the work to unwind.

    (An exception raised into ``Thread.join`` makes Python 3.11 release the running thread's state lock and
    take it for finished: bpo-45274.) A second signal stops waiting for the clean-up.
    """
    if _signal:
        os._exit(128 + _signal[0])
    _signal.append(number)
    interrupt_all()


def install_signal_handlers() -> None:
    """SIGINT and SIGTERM cancel the run (in a container the pipeline is PID 1, where SIGTERM is otherwise ignored)."""
    _signal.clear()
    _published.clear()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _on_signal)


def _interruption(error: BaseException) -> bool:
    """Whether ``error`` is a task stopping because it was interrupted, not the failure that stopped the run."""
    return (
        isinstance(error, Cancelled)
        or type(error).__name__ == "InterruptException"  # DuckDB's; named, to keep DuckDB out of start-up
        or (type(error).__name__ == "OperationalError" and str(error) == "interrupted")  # sqlite3's
    )


def run_parallel(tasks: Sequence[Callable[[], T]]) -> list[T]:
    """Run ``tasks`` in threads; the first failure (or a signal) interrupts the others and is raised at once.

    When several fail, the one raised is the cause (the first that was not itself an interruption).
    """
    if len(tasks) == 1:
        return [tasks[0]()]
    with ThreadPoolExecutor(len(tasks)) as pool:
        futures = [pool.submit(task) for task in tasks]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        if any(future.exception() is not None for future in done):
            interrupt_all()
            for future in futures:
                future.cancel()
            wait(futures)
            errors = [e for f in futures if not f.cancelled() and (e := f.exception()) is not None]
            causes = [e for e in errors if not _interruption(e)] or errors
            raise causes[0]
        return [future.result() for future in futures]


class Background(Generic[T]):
    """Work on a thread of its own (it waits on a worker process), started once, its result taken later."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._outcome: list[T | BaseException] = []
        self._thread = threading.Thread(target=self._run, name="background work", daemon=True)

    def _run(self) -> None:
        try:
            self._outcome.append(self._work())
        except BaseException as error:  # handed to result(), in the flow's thread
            self._outcome.append(error)

    def start(self) -> None:
        if self._thread.ident is None:
            self._thread.start()

    def result(self) -> T:
        self.start()
        while self._thread.is_alive():
            check()
            self._thread.join(0.05)
        outcome = self._outcome[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
