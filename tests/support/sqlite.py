"""Asking a warehouse file directly, with Python's sqlite3: the independent side of the comparisons."""

from __future__ import annotations

import datetime as dt
import sqlite3


def one(db: sqlite3.Connection, sql: str, *params: object) -> tuple[object, ...]:
    row = db.execute(sql, params).fetchone()
    assert row is not None
    return tuple(row)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
