"""The two places the same queries run: the Parquet lake (views) and the SQLite warehouse (read-only attach)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import duckdb

from pipeline import duck
from pipeline.errors import UsageError
from pipeline.settings import Settings

Source = Literal["lake", "warehouse"]
SOURCES: tuple[Source, ...] = ("lake", "warehouse")


def lake_files(lake_dir: Path) -> dict[str, list[Path]]:
    try:
        return duck.lake_tables(lake_dir)
    except FileNotFoundError as missing:
        raise UsageError(str(missing)) from None


def require_warehouse(path: Path) -> None:
    if not path.is_file():
        msg = f"no warehouse at {path}; run `just run` (or `just load`) first"
        raise UsageError(msg)


def connect_lake(lake_dir: Path) -> duckdb.DuckDBPyConnection:
    """A connection whose table names resolve to views over the lake's Parquet parts."""
    files = lake_files(lake_dir)
    con = duck.connect()
    duck.create_views(con, files)
    return con


def connect_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection whose table names resolve to the warehouse's tables, attached read-only."""
    require_warehouse(path)
    con = duck.connect()
    duck.attach_warehouse(con, path, read_only=True)
    # Unqualified names then resolve in the warehouse, so the very same SQL runs on both sources.
    con.execute(f"use {duck.WAREHOUSE_ALIAS}")
    return con


def connect(settings: Settings, source: Source) -> duckdb.DuckDBPyConnection:
    if source == "lake":
        return connect_lake(settings.lake_dir)
    return connect_warehouse(settings.warehouse_path)


def shell_setup_sql(lake_dir: Path, warehouse: Path) -> str:
    """What the DuckDB shell runs first: the sqlite extension from its package, the lake views, the warehouse."""
    files = lake_files(lake_dir)
    require_warehouse(warehouse)
    statements = [f"load {duck.sql_string(duck.sqlite_extension_path())}"]
    for table, parts in files.items():
        file_list = ", ".join(duck.sql_string(part) for part in parts)
        statements.append(f"create or replace view {table} as select * from read_parquet([{file_list}])")
    statements.append(f"attach {duck.sql_string(warehouse)} as {duck.WAREHOUSE_ALIAS} (type sqlite, read_only)")
    return ";\n".join(statements) + ";\n"
