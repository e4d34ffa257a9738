"""What the dashboard asks the warehouse, statement by statement, and how SQLite answers each.

``recording()`` wraps every cursor the dashboard takes (``Warehouse.cursor``) so that each statement is noted with
its SQLite text and values (inside ``sqlite_query``), its rows and its time. ``classify()`` then asks SQLite
(``EXPLAIN QUERY PLAN``) how it runs each: a page may search the big tables through a key or an index, walk one in
key order for a page of a list, and read marts whole, but never read a big table whole.

``python -m tools.recorder OUT --data-dir D --dashboard-port P`` serves the dashboard as
``python -m pipeline dashboard`` does, writing each statement to OUT as a JSON line; SIGUSR1 empties its caches.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipeline.schema import TABLES, schema
from pipeline.warehouse.connection import Warehouse

BIG_TABLES = frozenset(TABLES)


@dataclass
class Statement:
    sql: str  # what DuckDB ran
    native: str | None  # the SQLite statement it handed to sqlite_query, if any
    params: list[Any]  # the values of the SQLite statement, in order
    started: float  # time.time()
    seconds: float = 0.0
    rows: int | None = None


class _Result:
    """A statement's result: counts the rows and the time when they are fetched."""

    def __init__(self, result: duckdb.DuckDBPyConnection, statement: Statement, done: Callable[[Statement], None]):
        self._result = result
        self._statement = statement
        self._done = done
        self._clock = time.perf_counter()

    def _finish(self, rows: int, value: Any) -> Any:
        self._statement.seconds += time.perf_counter() - self._clock
        self._statement.rows = rows
        self._done(self._statement)
        return value

    def pl(self) -> Any:
        frame = self._result.pl()
        return self._finish(frame.height, frame)

    def fetchall(self) -> Any:
        rows = self._result.fetchall()
        return self._finish(len(rows), rows)

    def fetchone(self) -> Any:
        row = self._result.fetchone()
        return self._finish(int(row is not None), row)


class _Cursor:
    def __init__(self, cursor: duckdb.DuckDBPyConnection, done: Callable[[Statement], None]) -> None:
        self._cursor = cursor
        self._done = done

    def execute(self, sql: str, parameters: Any = None) -> Any:
        bound = dict(parameters) if isinstance(parameters, dict) else {}
        native = bound.get("native")
        values = [bound[f"p{i}"] for i in range(len(bound)) if f"p{i}" in bound]
        statement = Statement(sql, native, values, time.time())
        started = time.perf_counter()
        result = self._cursor.execute(sql, parameters)
        statement.seconds = time.perf_counter() - started
        return _Result(result, statement, self._done)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


@contextmanager
def recording(on_statement: Callable[[Statement], None]) -> Iterator[None]:
    """Every statement run on a warehouse cursor until the end of the block goes to ``on_statement``."""
    original = Warehouse.cursor

    def cursor(self: Warehouse) -> Any:
        return _Cursor(original(self), on_statement)

    Warehouse.cursor = cursor  # type: ignore[method-assign]
    try:
        yield
    finally:
        Warehouse.cursor = original  # type: ignore[method-assign]


_ALIAS = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+AS)?\s+(\w+)", re.IGNORECASE)
_PLAN_TABLE = re.compile(r"^(SCAN|SEARCH) (\w+)")
_KEY_ORDER_PAGE = re.compile(r"order by (\w+) limit \?\s*$", re.IGNORECASE)
_LIMITED = re.compile(r"limit \?\s*$", re.IGNORECASE)
_RANGE = re.compile(r"[<>]")
_COMMENT = re.compile(r"--[^\n]*")


def plan(db: sqlite3.Connection, statement: Statement) -> list[str]:
    """SQLite's plan of a statement run through sqlite_query, one line per step ([] for DuckDB's own)."""
    if statement.native is None:
        return []
    return [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {statement.native}", statement.params)]


def classify(db: sqlite3.Connection, statement: Statement) -> list[tuple[str, str]]:
    """(kind, step) for each step that reads a table. Kinds: ``search`` (rows by a key or an indexed value),
    ``mart`` (a mart or meta table read), ``page`` (a big table walked in key or index order, from a key or the
    start of a range, up to the statement's LIMIT: the rows of the page, plus those its filters skip), ``range``
    (a range of a big table's index read to its end: as many rows as the range holds), ``scan`` (a big table read
    whole, or an index of it walked end to end) and ``scanner`` (DuckDB's own read of a big table, which pushes no
    filter down)."""
    if statement.native is None:
        return [("scanner", statement.sql) for table in BIG_TABLES if re.search(rf"\b{table}\b", statement.sql)]
    steps = plan(db, statement)
    aliases = {alias: table for table, alias in _ALIAS.findall(statement.native)}
    keyset = _KEY_ORDER_PAGE.search(statement.native)
    limited = _LIMITED.search(statement.native) is not None
    sorted_after = any("TEMP B-TREE FOR ORDER BY" in step for step in steps)
    found = []
    for step in steps:
        match = _PLAN_TABLE.match(step)
        if match is None:
            continue
        table = aliases.get(match[2], match[2])
        if table not in BIG_TABLES:
            found.append(("mart", step))
        elif match[1] == "SEARCH" and not _RANGE.search(step):
            found.append(("search", step))
        elif match[1] == "SEARCH":
            found.append(("page" if limited and not sorted_after else "range", step))
        elif keyset and keyset[1] == schema().primary_keys[table] and not sorted_after and "INDEX" not in step:
            found.append(("page", step))
        else:
            found.append(("scan", step))
    return found


def big_table_reads(db: sqlite3.Connection, statement: Statement) -> list[str]:
    """The steps of a statement that read a big table whole, or a whole range of one."""
    return [step for kind, step in classify(db, statement) if kind in ("scan", "range", "scanner")]


def summary(db: sqlite3.Connection, statements: Sequence[Statement]) -> dict[str, Any]:
    """Per statement: its SQLite text (or DuckDB's), rows, milliseconds and plan; and the big-table reads."""
    return {
        "statements": [
            {
                "sql": " ".join(_COMMENT.sub("", s.native or s.sql).split()),
                "rows": s.rows,
                "ms": round(s.seconds * 1000, 1),
                "reads": [f"{kind}: {step}" for kind, step in classify(db, s)],
            }
            for s in statements
        ],
        "big_table_reads": [step for s in statements for step in big_table_reads(db, s)],
    }


def read_log(path: Path) -> list[Statement]:
    return [Statement(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def main(argv: list[str]) -> None:
    """The dashboard as ``python -m pipeline dashboard`` serves it (its first page prepared, ``dashboard.serve``),
    each statement appended to a JSON-lines file."""
    from dashboard import serve as dashboard_server
    from pipeline.commands.dashboard import streamlit_options
    from pipeline.commands.serve import environment
    from pipeline.settings import Settings

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("log", type=Path)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--dashboard-port", required=True)
    args = parser.parse_args(argv)
    cleared = args.log.with_suffix(".cleared")

    def clear_caches(*_: object) -> None:
        """SIGUSR1: forget every cached result (as a rebuild does), then say so by creating ``cleared``."""
        import streamlit as st

        st.cache_data.clear()
        cleared.touch()

    signal.signal(signal.SIGUSR1, clear_caches)
    settings = Settings.load({"data_dir": args.data_dir, "dashboard_port": args.dashboard_port})
    os.environ.update(environment(settings))
    lock = threading.Lock()

    def write(statement: Statement) -> None:
        with lock, args.log.open("a") as log:
            log.write(json.dumps(asdict(statement), default=str) + "\n")

    with recording(write):
        dashboard_server.main(streamlit_options(settings))


if __name__ == "__main__":
    main(sys.argv[1:])
