"""The API process's writer: one spawned process that runs the write jobs of ``pipeline.warehouse.writes``.

Why another process: this one reads the warehouse through DuckDB's sqlite extension, the writes go through
Python's ``sqlite3``, and two SQLite libraries with the same file open in one process do not see each other's
POSIX locks (a documented way to corrupt a database). The writer holds no connection between jobs; each job
opens and closes its own, under the warehouse's write lock. It is started on the first write and replaced if
it dies. Jobs take turns here, each waiting for its turn no longer than its write may wait (``Writing``), so a
write queued behind a long one (a marts' refresh) answers busy, having sent nothing to the writer.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from pipeline.warehouse.writes.transaction import Writing

T = TypeVar("T")
QUEUED = "another write through this API process"  # what a write waited behind, past its deadline


class WriterUnavailable(Exception):
    """The writer process died during a write; the write may or may not have been committed."""


class Writer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._turn = threading.Lock()  # one job in the writer at a time, so none waits unseen in its queue
        self._pool: ProcessPoolExecutor | None = None

    def run(self, job: Callable[..., T], writing: Writing, *args: Any) -> T:
        """Run ``job(writing, *args)`` in the writer process and return its result (or raise its exception);
        Busy if the job's turn does not come before ``writing.wait_until``."""
        if not self._turn.acquire(timeout=max(0.0, writing.wait_until - time.monotonic())):
            raise writing.busy(QUEUED)
        try:
            with self._lock:
                if self._pool is None:
                    # spawn: a forked child would inherit this process's DuckDB state and threads.
                    self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
                pool = self._pool
            try:
                return pool.submit(job, writing, *args).result()
            except BrokenProcessPool:
                with self._lock:
                    if self._pool is pool:
                        self._pool = None
                pool.shutdown(wait=False)
                msg = (
                    "the writer process stopped during the write, which may or may not have been made: read the "
                    "resource back, or send the request again with the same Idempotency-Key"
                )
                raise WriterUnavailable(msg) from None
        finally:
            self._turn.release()

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
