"""Idempotency-Key on the creates (the IETF draft ``draft-ietf-httpapi-idempotency-key-header``), as the API's
processes see it: the header's form, the digest of a request, and which keys have a first request running.

The answers themselves are kept in the warehouse, in the write's own transaction
(``pipeline.warehouse.writes.idempotency``), where every worker sees them. A request still running is told apart
here, by a lock every process serving the warehouse takes for its key: a byte of one lock file beside the
warehouse, at an offset from the key's digest (``fcntl`` record locks, released by the system if the process
dies, so a crash never leaves a key taken), and a set for the requests of this process (record locks belong to a
process, not to a thread).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from api.problems import Problem
from pipeline.warehouse.lock import requests_lock_path

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Visible ASCII, as the header carries it (a structured-field string in the draft, its quotes included here).
KEY_PATTERN = r"^[!-~]{1,255}$"


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests with one key the same request: the method, the path and the body's JSON value (its
    spacing and the order of its fields aside: a client that serializes it again sends the same request)."""
    try:
        value = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:  # not JSON (sent as another media type): the API refuses it, and its bytes are the request
        value = body
    return hashlib.sha256(f"{method} {path}\n".encode() + value).hexdigest()


class InFlight:
    """The idempotency keys whose first request is running, in every process serving one warehouse."""

    def __init__(self, warehouse: Path) -> None:
        self._path = requests_lock_path(warehouse)
        self._lock = threading.Lock()
        self._held: set[int] = set()
        self._fd: int | None = None  # opened on the first claim, kept open: closing it would drop every lock

    @contextmanager
    def claim(self, key_id: str, key: str) -> Iterator[None]:
        """Hold ``key`` (of the API key ``key_id``) for the block; 409 if a request with it is running."""
        # 60 bits of the digest: an offset every file system takes, and a collision once in 2**30 pairs.
        offset = int(hashlib.sha256(f"{key_id}\n{key}".encode()).hexdigest()[:15], 16)
        with self._lock:
            if self._fd is None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
            if offset in self._held or not _locked(self._fd, offset):
                detail = (
                    f"the first request with the {IDEMPOTENCY_HEADER} {key!r} is still running; retry once it has "
                    "answered"
                )
                raise Problem(409, detail, slug="idempotency-key-in-use")
            self._held.add(offset)
        try:
            yield
        finally:
            with self._lock:
                fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, offset)
                self._held.discard(offset)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _locked(fd: int, offset: int) -> bool:
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EAGAIN):
            return False
        raise
    return True
