"""Limits on the reads that can run long, so that they cannot starve the keyed reads.

Each analysis, and each list page whose filter no index answers, gets a time limit (DuckDB's interrupt, on the
cursor the request reads with); an analysis also takes one of a few slots, and when every slot is taken the
request is answered at once with 503 and Retry-After instead of queuing behind the heavy queries. What the
limit covers includes turning the rows into the answer's bytes: a request's work ends inside it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


class QueriesBusy(Exception):
    """Every analysis slot of this API process is taken."""


class QueryTimeout(Exception):
    """A read ran past its time limit and was interrupted."""


class QueryGate:
    def __init__(self, slots: int, seconds: float) -> None:
        self.slots = slots
        self.seconds = seconds
        self._free = threading.BoundedSemaphore(slots)

    @contextmanager
    def limit(self, cursor: duckdb.DuckDBPyConnection, what: str) -> Iterator[None]:
        """Run the block (work on ``cursor``, which nothing else uses meanwhile) within the time limit; QueryTimeout
        if it runs past it, its statement interrupted."""
        fired = threading.Event()
        done = False
        lock = threading.Lock()  # the interrupt never lands after the block, on the cursor's next user

        def interrupt() -> None:
            with lock:
                if not done:
                    fired.set()
                    cursor.interrupt()

        timer = threading.Timer(self.seconds, interrupt)
        started = time.monotonic()
        timer.start()
        try:
            yield
        except duckdb.InterruptException:
            fired.set()
        finally:
            timer.cancel()
            with lock:
                done = True
        # The clock too: on a busy machine the timer's thread can be scheduled after a block that ran past it.
        if fired.is_set() or time.monotonic() - started > self.seconds:
            msg = f"{what} ran longer than {self.seconds:g} s (ECOM_API_QUERY_SECONDS) and was stopped"
            raise QueryTimeout(msg)

    @contextmanager
    def admit(self, cursor: duckdb.DuckDBPyConnection, name: str) -> Iterator[None]:
        """Run the block (one analysis on ``cursor``) within a slot and the time limit."""
        if not self._free.acquire(blocking=False):
            msg = f"{self.slots} analyses are already running (ECOM_API_QUERY_SLOTS); retry in a moment"
            raise QueriesBusy(msg)
        try:
            with self.limit(cursor, f"the analysis {name!r}"):
                yield
        finally:
            self._free.release()
