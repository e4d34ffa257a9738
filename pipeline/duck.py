"""DuckDB connections: the sqlite extension from its PyPI package, lake views, the warehouse attached."""

from __future__ import annotations

from pathlib import Path

import duckdb
import duckdb_extension_sqlite_scanner

from pipeline.generate.plan import TABLES

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


def connect(memory_limit: str = MEMORY_LIMIT, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": memory_limit,
        "autoinstall_known_extensions": False,
        # Every result whose order matters says ORDER BY; without the guarantee for the rest, DuckDB streams
        # instead of buffering, which halves the memory and time of the heaviest marts.
        "preserve_insertion_order": False,
    }
    if threads:
        config["threads"] = threads
    con = duckdb.connect(config=config)
    con.load_extension(str(sqlite_extension_path()))
    return con


def sql_string(value: str | Path) -> str:
    """A SQL string literal; used only for file paths in view definitions, which cannot take parameters."""
    return "'" + str(value).replace("'", "''") + "'"


def lake_files(lake_dir: Path, table: str) -> list[Path]:
    return sorted((lake_dir / table).glob("part-*.parquet"))


def lake_tables(lake_dir: Path) -> dict[str, list[Path]]:
    """The Parquet parts of every table in a lake; a missing table is an error that says what to run."""
    files = {table: lake_files(lake_dir, table) for table in TABLES}
    missing = [table for table, parts in files.items() if not parts]
    if missing:
        msg = f"the lake at {lake_dir} has no Parquet parts for {', '.join(missing)}; run `just generate` first"
        raise FileNotFoundError(msg)
    return files


def create_views(con: duckdb.DuckDBPyConnection, files_by_table: dict[str, list[Path]]) -> None:
    """One view per table over its Parquet files, named after the table."""
    for table, files in files_by_table.items():
        file_list = ", ".join(sql_string(f) for f in files)
        con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet([{file_list}])")


def create_lake_views(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> None:
    create_views(con, lake_tables(lake_dir))


def attach_warehouse(
    con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool = True, alias: str = WAREHOUSE_ALIAS
) -> None:
    if read_only and not path.exists():
        msg = f"no warehouse at {path}; run `just run` (or `just load`) first"
        raise FileNotFoundError(msg)
    mode = ", READ_ONLY" if read_only else ""
    con.execute(f"ATTACH {sql_string(path)} AS {alias} (TYPE sqlite{mode})")
