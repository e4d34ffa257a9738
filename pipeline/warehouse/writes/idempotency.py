"""Creates sent with an Idempotency-Key (the IETF draft ``draft-ietf-httpapi-idempotency-key-header``): each
answer is kept in the warehouse's ``idempotent_request`` table, in the transaction of the write itself, so a
retry of a create whose answer was lost finds either the row and its answer, or nothing written at all.

Keys are scoped per API key and kept 24 hours. The same key with the same request answers the kept answer again
(never a second row); with another request it is refused. That a key's first request is still running is told
by the API processes (``api.idempotency``), not here: a row is kept only once the write has committed.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from pipeline.warehouse.sql_files import write_statement
from pipeline.warehouse.writes.transaction import Row, WriteRefused, Writing

KEPT = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Retry:
    """A create's Idempotency-Key and the digest of its request (method, path, body)."""

    key: str
    request_hash: str


@dataclass(frozen=True)
class Created:
    """A create's answer: its status and the row (kept as JSON, so a replay is the same answer)."""

    status: int
    row: Row


class KeyReused(WriteRefused):
    """The Idempotency-Key was used for another request by the same API key in the last 24 hours."""


def kept(db: sqlite3.Connection, writing: Writing, retry: Retry, now: dt.datetime) -> Created | None:
    """The answer kept for ``retry``'s key (forgetting those older than KEPT first); KeyReused if the key was
    used for another request."""
    db.execute(write_statement("forget_requests"), ((now - KEPT).isoformat(timespec="milliseconds"),))
    found = db.execute(write_statement("kept_request"), (writing.key_id, retry.key)).fetchone()
    if found is None:
        return None
    if found["request_hash"] != retry.request_hash:
        msg = (
            f"the Idempotency-Key {retry.key!r} was used for another request in the last 24 hours; "
            "use a new key for a new request"
        )
        raise KeyReused(msg, "idempotency key reused")
    return Created(found["status"], json.loads(found["answer"]))


def keep(db: sqlite3.Connection, writing: Writing, retry: Retry, answer: Created, now: dt.datetime) -> None:
    at = now.isoformat(timespec="milliseconds")
    values = (writing.key_id, retry.key, retry.request_hash, at, answer.status, json.dumps(answer.row, sort_keys=True))
    db.execute(write_statement("keep_request"), values)
