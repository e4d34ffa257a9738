"""The answers of the mart reads, kept as the bodies sent (with the cursor of their next page), for one state of the
warehouse file.

A mart changes only with the file (a rebuild swaps another in, a refresh or a write changes it) and each answer
names the build and the writes made since, so an answer holds while the file's state (``Warehouse.state``)
does. That state is read from the file system, so a write made by another worker process or a rebuild is seen
by the next request of every worker. Bodies of an earlier state are dropped; the last ``size`` used are kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from pipeline.warehouse.connection import State

Kept = tuple[bytes, str | None]  # an answer's body and the cursor of the page after it


class Answers:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._state: State | None = None
        self._bodies: OrderedDict[Hashable, Kept] = OrderedDict()

    def get(self, state: State | None, key: Hashable) -> Kept | None:
        """The body kept for ``key`` in ``state``, if any (never for a state that cannot be told: None)."""
        with self._lock:
            if state is None or state != self._state:
                return None
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, state: State | None, key: Hashable, body: Kept) -> None:
        """Keep ``body`` as ``key``'s answer in ``state``, which it was read from from start to end."""
        if state is None:
            return
        with self._lock:
            if state != self._state:
                self._state = state
                self._bodies.clear()
            self._bodies[key] = body
            self._bodies.move_to_end(key)
            if len(self._bodies) > self.size:
                self._bodies.popitem(last=False)
