"""Limits on the analyses run through the API, so that they cannot starve the keyed reads.

Each analysis gets a time limit (DuckDB's interrupt, on the analysis's own cursor) and takes one of a few
slots; when every slot is taken, the request is answered at once with 503 and Retry-After instead of queuing
behind the heavy queries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


class QueriesBusy(Exception):
    """Every analysis slot of this API process is taken."""


class QueryTimeout(Exception):
    """An analysis ran past its time limit and was interrupted."""


class QueryGate:
    def __init__(self, slots: int, seconds: float) -> None:
        self.slots = slots
        self.seconds = seconds
        self._free = threading.BoundedSemaphore(slots)

    @contextmanager
    def admit(self, cursor: duckdb.DuckDBPyConnection, name: str) -> Iterator[None]:
        """Run the block (one analysis on ``cursor``, used for nothing else) within a slot and the time limit."""
        if not self._free.acquire(blocking=False):
            msg = f"{self.slots} analyses are already running (ECOM_API_QUERY_SLOTS); retry in a moment"
            raise QueriesBusy(msg)
        fired = threading.Event()

        def interrupt() -> None:
            fired.set()
            cursor.interrupt()

        timer = threading.Timer(self.seconds, interrupt)
        timer.start()
        try:
            yield
        except duckdb.InterruptException:
            fired.set()
        finally:
            timer.cancel()
            self._free.release()
        if fired.is_set():
            msg = f"the analysis {name!r} ran longer than {self.seconds:g} s (ECOM_API_QUERY_SECONDS) and was stopped"
            raise QueryTimeout(msg)
