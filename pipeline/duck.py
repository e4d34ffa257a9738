"""DuckDB connections: the sqlite extension from its PyPI package, lake views, the warehouse attached."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import duckdb_extension_sqlite_scanner

from pipeline import cancel

WAREHOUSE_ALIAS = "wh"


def sqlite_extension_path() -> Path:
    """The extension file shipped in the pinned PyPI package, so that nothing is downloaded at run time."""
    package_dir = Path(duckdb_extension_sqlite_scanner.__file__).parent
    path = package_dir / "extensions" / f"v{duckdb.__version__}" / "sqlite_scanner.duckdb_extension"
    if not path.exists():
        msg = (
            f"the sqlite extension for DuckDB {duckdb.__version__} is not at {path}; "
            "install duckdb-extension-sqlite-scanner pinned to the same version as duckdb"
        )
        raise RuntimeError(msg)
    return path


# DuckDB spills joins and aggregates to disk beyond this, so memory stays flat as the scale grows.
MEMORY_LIMIT = "768MB"


def connect(
    memory_limit: str = MEMORY_LIMIT, threads: int | None = None, spill_dir: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the sqlite extension loaded.

    ``spill_dir`` is where it spills beyond ``memory_limit``: give one for any heavy work, since an in-memory
    DuckDB otherwise spills into ``./.tmp`` of the current directory (the source tree, or a read-only /app).
    """
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": memory_limit,
        "autoinstall_known_extensions": False,
        # Every result whose order matters says ORDER BY; without the guarantee for the rest, DuckDB streams
        # instead of buffering, which halves the memory and time of the heaviest marts.
        "preserve_insertion_order": False,
    }
    if threads:
        config["threads"] = threads
    if spill_dir is not None:
        config["temp_directory"] = str(spill_dir)
    con = duckdb.connect(config=config)
    con.load_extension(str(sqlite_extension_path()))
    return con


@contextmanager
def connection(
    spill_dir: Path | None, memory_limit: str = MEMORY_LIMIT, threads: int | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one piece of pipeline work: interrupted on cancellation, closed afterwards."""
    con = connect(memory_limit, threads, spill_dir)
    try:
        with cancel.interruptible(con.interrupt):
            yield con
    finally:
        con.close()


def sql_string(value: str | Path) -> str:
    """A SQL string literal; used only for file paths in view definitions, which cannot take parameters."""
    return "'" + str(value).replace("'", "''") + "'"


def view_statements(files_by_table: dict[str, list[Path]]) -> list[str]:
    """One view per table over its Parquet files, named after the table (for a connection or the shell)."""
    statements = []
    for table, files in files_by_table.items():
        file_list = ", ".join(sql_string(f) for f in files)
        statements.append(f"create or replace view {table} as select * from read_parquet([{file_list}])")
    return statements


def create_views(con: duckdb.DuckDBPyConnection, files_by_table: dict[str, list[Path]]) -> None:
    for statement in view_statements(files_by_table):
        con.execute(statement)


def attach_statement(path: Path, *, read_only: bool = True, alias: str = WAREHOUSE_ALIAS) -> str:
    mode = ", read_only" if read_only else ""
    return f"attach {sql_string(path)} as {alias} (type sqlite{mode})"


def attach_warehouse(
    con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool = True, alias: str = WAREHOUSE_ALIAS
) -> None:
    if read_only and not path.exists():
        msg = f"no warehouse at {path}; run `just run` (or `just load`) first"
        raise FileNotFoundError(msg)
    con.execute(attach_statement(path, read_only=read_only, alias=alias))
