"""The API process's writer: one spawned process that runs the write jobs of ``pipeline.warehouse.writes``.

Why another process: this one reads the warehouse through DuckDB's sqlite extension, the writes go through
Python's ``sqlite3``, and two SQLite libraries with the same file open in one process do not see each other's
POSIX locks (a documented way to corrupt a database). The writer holds no connection between jobs; each job
opens and closes its own, under the warehouse's write lock. It is started on the first write and replaced if
it dies.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")


class WriterUnavailable(Exception):
    """The writer process died during a write; the write may or may not have been committed."""


class Writer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def run(self, job: Callable[..., T], *args: Any) -> T:
        """Run ``job(*args)`` in the writer process and return its result (or raise its exception)."""
        with self._lock:
            if self._pool is None:
                # spawn: a forked child would inherit this process's DuckDB state and threads.
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            pool = self._pool
        try:
            return pool.submit(job, *args).result()
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False)
            msg = "the writer process stopped during the write; read the row back to see whether it was made"
            raise WriterUnavailable(msg) from None

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
