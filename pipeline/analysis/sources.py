"""The two backends the same queries run on: the Parquet lake (views) and the SQLite warehouse (read-only)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import duckdb

from pipeline import duck, lake
from pipeline.errors import UsageError

Backend = Literal["lake", "warehouse"]


def require_warehouse(path: Path) -> None:
    if not path.is_file():
        msg = f"no warehouse at {path}; run `just run` (or `just load`) first"
        raise UsageError(msg)


def use_lake(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> None:
    """Make the table names resolve to views over the lake's Parquet parts."""
    duck.create_views(con, lake.lake_tables(lake_dir))


def use_warehouse(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Make the table names resolve to the warehouse's tables, attached read-only."""
    require_warehouse(path)
    duck.attach_warehouse(con, path, read_only=True)
    # Unqualified names then resolve in the warehouse, so the very same SQL runs on both backends.
    con.execute(f"use {duck.WAREHOUSE_ALIAS}")


def use(con: duckdb.DuckDBPyConnection, backend: Backend, lake_dir: Path, warehouse: Path) -> None:
    if backend == "lake":
        use_lake(con, lake_dir)
    else:
        use_warehouse(con, warehouse)


def connect_lake(lake_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duck.connect()
    use_lake(con, lake_dir)
    return con


def connect_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duck.connect()
    use_warehouse(con, path)
    return con
