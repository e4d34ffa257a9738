"""The warehouse as the API and the dashboard read it: DuckDB's sqlite scanner, read-only, a cursor per request.

One DuckDB connection per process, with the SQLite file attached READ_ONLY; every request (or Streamlit rerun)
takes a cursor of it. Keyed and paged reads run as SQLite's own SQL through ``sqlite_query``, so SQLite uses
its indexes: the plain scanner reads a whole table and filters afterwards. The scanner reopens the file for
every query, so a warehouse swapped in by a rebuild is served from the next query on.

The build record is read once per state of the file (:meth:`Warehouse.state`), not once per request: a
statement through the scanner costs a millisecond, a ``stat`` microseconds.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipeline import duck
from pipeline.errors import WarehouseMissing
from pipeline.warehouse.sql_files import read_statement

# SQLite declared types to the DuckDB types the scanner reads them as.
DUCK_TYPES = {"INTEGER": "bigint", "TEXT": "varchar", "REAL": "double", "DATE": "date"}
SqlValue = int | float | str | dt.date  # a value bound to SQLite's own SQL
# The Python value of a text ``sqlite_query`` returns, per DuckDB type (what its cast to that type gives).
FROM_TEXT: dict[str, Callable[[str], Any]] = {
    "bigint": int,
    "double": float,
    "varchar": str,
    "date": dt.date.fromisoformat,
}
# What a file's state is told by: which file (a rebuild renames another one into place), its size and when it was
# last written (every commit writes the file itself: the warehouse keeps SQLite's rollback journal).
FileState = tuple[int, int, int, int]
# A file written less than this long ago may be written again without its mtime changing (mtimes are only as
# fine as the file system's clock: 1 s on some), so its state says nothing yet (git's "racily clean" files).
SETTLED_NS = 2_000_000_000
State = tuple[FileState, FileState | None]  # the warehouse file's, and its -wal file's if there is one


@dataclass(frozen=True)
class ServedBuild:
    """The build being served, from the warehouse's own ``build_record``, and the writes made since."""

    build_id: str
    built_at: str
    source: str
    seed: int | None
    scale: float | None
    end_date: dt.date | None
    anomaly_rate: float | None
    edits: int  # writes made through the API since the build (rows of audit_log)
    last_audit_id: int
    marts_through: int  # the last audit_id the marts include

    @property
    def marts_stale(self) -> bool:
        return self.last_audit_id > self.marts_through

    @property
    def version(self) -> str:
        """Changes with every rebuild and every write: what caches are keyed by."""
        return f"{self.build_id}.{self.last_audit_id}.{self.marts_through}"


def _bound(index: int, value: SqlValue) -> str:
    """A DuckDB parameter for one value of a ``sqlite_query``, typed as SQLite should compare it."""
    if isinstance(value, bool):
        msg = f"parameter {index}: {value!r} is not a value SQLite can compare"
        raise TypeError(msg)
    if isinstance(value, int):
        return f"$p{index}::bigint"
    if isinstance(value, float):
        return f"$p{index}::double"
    return f"$p{index}::varchar"


def _native(
    cursor: duckdb.DuckDBPyConnection, sql: str, params: Sequence[SqlValue], select: str
) -> duckdb.DuckDBPyConnection:
    bound: dict[str, object] = {"alias": duck.WAREHOUSE_ALIAS, "native": sql}
    for index, value in enumerate(params):
        bound[f"p{index}"] = value.isoformat() if isinstance(value, dt.date) else value
    with_params = f", params => row({', '.join(_bound(i, v) for i, v in enumerate(params))})" if params else ""
    return cursor.execute(f"select {select} from sqlite_query($alias, $native{with_params})", bound)


def run_native(
    cursor: duckdb.DuckDBPyConnection, sql: str, params: Sequence[SqlValue], columns: Mapping[str, str]
) -> pl.DataFrame:
    """Run ``sql`` (SQLite's dialect, ``?`` placeholders) inside SQLite; the result typed as ``columns`` says.

    ``sqlite_query`` returns every column as text, so each is cast back to its DuckDB type. Values are bound
    (dates as ISO text, as the warehouse stores them), never formatted into the SQL.
    """
    select = ", ".join(f'"{name}"::{kind} as "{name}"' for name, kind in columns.items())
    return _native(cursor, sql, params, select).pl()


def native_rows(
    cursor: duckdb.DuckDBPyConnection, sql: str, params: Sequence[SqlValue], columns: Mapping[str, str]
) -> list[dict[str, Any]]:
    """:func:`run_native`'s rows as dicts, for a row or a few (a keyed read): the text ``sqlite_query`` returns
    is typed here, since a cast per column in the statement costs more than typing in Python (a customer by key
    at scale 1000: 1.28 against 1.13 ms of CPU with one DuckDB thread, 1.88 against 1.30 ms with two)."""
    typing = [(name, FROM_TEXT[kind]) for name, kind in columns.items()]
    return [
        {name: None if text is None else typed(text) for (name, typed), text in zip(typing, row, strict=True)}
        for row in _native(cursor, sql, params, "*").fetchall()
    ]


def _file_state(path: Path) -> FileState | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


class Warehouse:
    """The process's one DuckDB connection to the warehouse; ``cursor()`` for each thread (a Streamlit rerun),
    ``lease()`` for each request of the API."""

    def __init__(
        self, path: Path, spill_dir: Path | None = None, memory_limit: str = "512MB", threads: int | None = None
    ) -> None:
        self.path = path
        # A write in WAL mode would reach only the -wal file until a checkpoint: its state is part of the state.
        self._wal = path.with_name(path.name + "-wal")
        self._spill_dir = spill_dir
        self._memory_limit = memory_limit
        self._threads = threads  # DuckDB's default: one per core
        self._lock = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._idle: list[duckdb.DuckDBPyConnection] = []  # the pool of lease()
        self._build: tuple[State, ServedBuild] | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor with the warehouse attached as ``wh`` (and in use); WarehouseMissing while there is none."""
        if not self.path.is_file():
            raise WarehouseMissing(self.path)
        with self._lock:
            if self._connection is None:
                connection = duck.connect(self._memory_limit, self._threads, self._spill_dir)
                duck.attach_warehouse(connection, self.path, read_only=True)
                self._connection = connection
        cursor = self._connection.cursor()
        cursor.execute(f"use {duck.WAREHOUSE_ALIAS}")
        return cursor

    @contextmanager
    def lease(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor as ``cursor()`` gives, from a pool this process's requests share, returned to it afterwards:
        making a cursor and selecting the warehouse in it are two statements, half a keyed read's cost."""
        if not self.path.is_file():
            raise WarehouseMissing(self.path)
        try:
            cursor = self._idle.pop()  # atomic: no two requests get the same cursor
        except IndexError:
            cursor = self.cursor()
        try:
            yield cursor
        finally:
            self._idle.append(cursor)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            for cursor in idle:
                cursor.close()
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def file(self) -> tuple[int, int]:
        """Which file the warehouse is now (device, inode): a rebuild swaps another in, a write changes this one
        in place. WarehouseMissing while there is none."""
        try:
            status = self.path.stat()
        except FileNotFoundError:
            raise WarehouseMissing(self.path) from None
        return status.st_dev, status.st_ino

    def state(self) -> State | None:
        """What the warehouse file (and a -wal file beside it) is now: a rebuild's swap (another file) and every
        write (its size or mtime) change it, in whichever process they happen. None while it cannot tell: no
        warehouse, or one written in the last SETTLED_NS. Equal states hold the same data."""
        main, wal = _file_state(self.path), _file_state(self._wal)
        if main is None:
            return None
        written = max(state[3] for state in (main, wal) if state is not None)
        if time.time_ns() - written < SETTLED_NS:
            return None
        return main, wal

    def known_build(self) -> ServedBuild | None:
        """The build being served now if it was read in the file's present state already (no query); else None."""
        state = self.state()
        cached = self._build
        return cached[1] if state is not None and cached is not None and cached[0] == state else None

    def build(self, cursor: duckdb.DuckDBPyConnection) -> ServedBuild:
        """The build being served now (a rebuild may have swapped in another since the last call), read once per
        :meth:`state` of the file."""
        known = self.known_build()
        if known is not None:
            return known
        state = self.state()
        query = read_statement("build")
        (row,) = native_rows(cursor, query.sql, (), query.columns)
        build = ServedBuild(**row)
        if state is not None and self.state() == state:  # read from that state, not one written meanwhile
            self._build = state, build
        return build

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()
