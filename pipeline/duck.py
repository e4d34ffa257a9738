"""DuckDB connections: the sqlite extension from its PyPI package loaded, lake views, the warehouse attached."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipeline import cancel
from pipeline.duck_sql import WAREHOUSE_ALIAS, attach_statement, sql_string, sqlite_extension_path, view_statements

__all__ = [
    "WAREHOUSE_ALIAS",
    "attach_warehouse",
    "attached",
    "connect",
    "connection",
    "create_views",
    "load_sqlite",
    "sql_string",
]


# DuckDB spills joins and aggregates to disk beyond this, so memory stays flat as the scale grows.
MEMORY_LIMIT = "768MB"
ALLOCATOR_FLUSH = "16MB"


def connect(
    memory_limit: str = MEMORY_LIMIT,
    threads: int | None = None,
    spill_dir: Path | None = None,
    *,
    keep_order: bool = False,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB (the sqlite extension is loaded when a SQLite file is first attached).

    ``spill_dir`` is where it spills beyond ``memory_limit``: give one for any heavy work, since an in-memory
    DuckDB otherwise spills into ``./.tmp`` of the current directory (the source tree, or a read-only /app).
    ``keep_order`` keeps the order of the rows read where no ORDER BY says it (the warehouse's fill in key order).
    """
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": memory_limit,
        "autoinstall_known_extensions": False,
        # Every result whose order matters says ORDER BY; without the guarantee for the rest, DuckDB streams
        # instead of buffering, which halves the memory and time of the heaviest marts.
        "preserve_insertion_order": keep_order,
        # Hand freed memory back to the system after each task instead of keeping it cached for reuse: at scale
        # 10,000 a heavy analysis alone peaked at 628 instead of 697 MiB of anonymous memory, no slower.
        "allocator_flush_threshold": ALLOCATOR_FLUSH,
        "allocator_bulk_deallocation_flush_threshold": ALLOCATOR_FLUSH,
    }
    if threads:
        config["threads"] = threads
    if spill_dir is not None:
        config["temp_directory"] = str(spill_dir)
    return duckdb.connect(config=config)


def load_sqlite(con: duckdb.DuckDBPyConnection) -> None:
    """The sqlite extension, from its PyPI package, loaded into ``con`` unless it is: loading takes about 0.1 s of
    CPU per connection, so only the connections that open a SQLite file pay it."""
    query = "select count(*) from duckdb_extensions() where extension_name = 'sqlite_scanner' and loaded"
    (loaded,) = con.execute(query).fetchone() or (0,)
    if not loaded:
        con.load_extension(str(sqlite_extension_path()))


@contextmanager
def connection(
    spill_dir: Path | None, memory_limit: str = MEMORY_LIMIT, threads: int | None = None, *, keep_order: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one piece of pipeline work: interrupted on cancellation, closed afterwards."""
    con = connect(memory_limit, threads, spill_dir, keep_order=keep_order)
    try:
        with cancel.interruptible(con.interrupt):
            yield con
    finally:
        con.close()


@contextmanager
def every_core(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The connection on every core (DuckDB's default) for the block, then on its own threads again."""
    (before,) = con.execute("select current_setting('threads')").fetchone() or (None,)
    con.execute("reset threads")
    try:
        yield
    finally:
        con.execute(f"set threads = {int(before)}")


def create_views(con: duckdb.DuckDBPyConnection, files_by_table: dict[str, list[Path]]) -> None:
    for statement in view_statements(files_by_table):
        con.execute(statement)


def attach_warehouse(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    read_only: bool = True,
    alias: str = WAREHOUSE_ALIAS,
    journal_off: bool = False,
) -> None:
    """Attach the SQLite file ``path``; ``journal_off`` for a build nobody reads yet (no rollback journal)."""
    if read_only and not path.exists():
        msg = f"no warehouse at {path}; run `just run` (or `just load`) first"
        raise FileNotFoundError(msg)
    load_sqlite(con)
    con.execute(attach_statement(path, read_only=read_only, alias=alias, journal_off=journal_off))


@contextmanager
def attached(
    con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool = True, journal_off: bool = False
) -> Iterator[None]:
    """``path`` attached for the block only, so that other libraries may open the file afterwards (one connection
    serves many steps without loading its extensions again)."""
    attach_warehouse(con, path, read_only=read_only, journal_off=journal_off)
    try:
        yield
    finally:
        con.execute(f"detach {WAREHOUSE_ALIAS}")
