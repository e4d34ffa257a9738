"""The small, hot results the API and dashboard read, materialized as ``mart_*`` tables in the warehouse.

They are computed by the same ``queries/*.sql`` that ``analyze`` runs, over the lake, and loaded inside the
warehouse's own atomic build, so a mart and its query can never disagree.

DuckDB's CREATE TABLE on an attached SQLite file declares DATE columns as VARCHAR, which the scanner then
reads back as text. The tables are therefore declared through Python's sqlite3 (DATE, INTEGER, REAL, TEXT,
with a primary key for the lookups the API makes) and only filled through DuckDB, never with both open.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipeline import duck
from pipeline.analysis.queries import Value, get_query
from pipeline.duck import WAREHOUSE_ALIAS

# DuckDB result types to SQLite declared types that the scanner maps back to the same DuckDB types.
_SQLITE_TYPES = {"DATE": "DATE", "BIGINT": "INTEGER", "INTEGER": "INTEGER", "DOUBLE": "REAL", "VARCHAR": "TEXT"}


@dataclass(frozen=True)
class Mart:
    table: str
    query: str
    key: str  # the primary key: what the API looks rows up by
    params: dict[str, Value] = field(default_factory=dict)
    indexes: tuple[str, ...] = ()  # further columns that readers filter or sort on


MARTS = (
    Mart("mart_revenue_daily", "revenue_timeseries", "period_start", {"grain": "day"}),
    Mart("mart_revenue_weekly", "revenue_timeseries", "period_start", {"grain": "week"}),
    Mart("mart_revenue_monthly", "revenue_timeseries", "period_start", {"grain": "month"}),
    Mart("mart_category_revenue", "category_revenue", "category"),
    Mart("mart_customer_summary", "customer_aov", "customer_id", indexes=("total_spend",)),
    Mart("mart_product_summary", "top_products", "product_id", {"limit": None}, ("revenue_rank", "units_rank")),
    Mart("mart_anomalies", "anomalies", "order_id", indexes=("customer_id", "kind")),
)


@dataclass(frozen=True)
class MartResult:
    """A mart's rows, computed and written to a Parquet file, waiting to be loaded into a warehouse build."""

    mart: Mart
    path: Path


def compute_marts(con: duckdb.DuckDBPyConnection, directory: Path) -> list[MartResult]:
    """Run each mart's query over the connection's tables and write its rows to ``directory/<mart>.parquet``."""
    directory.mkdir(parents=True, exist_ok=True)
    results = []
    for mart in MARTS:
        query = get_query(mart.query)
        path = directory / f"{mart.table}.parquet"
        con.execute(f"copy ({query.sql}) to {duck.sql_string(path)} (format parquet)", query.bind(mart.params))
        results.append(MartResult(mart, path))
    return results


def _ddl(mart: Mart, columns: list[tuple[str, str]]) -> str:
    declared = []
    for name, duck_type in columns:
        if duck_type not in _SQLITE_TYPES:
            msg = (
                f"{mart.table}: column {name} has type {duck_type}, which marts cannot store; "
                f"cast it in queries/{mart.query}.sql"
            )
            raise TypeError(msg)
        sqlite_type = _SQLITE_TYPES[duck_type]
        key = " PRIMARY KEY" if name == mart.key else ""
        declared.append(f"{name} {sqlite_type} NOT NULL{key}")
    return f"CREATE TABLE {mart.table} (\n    " + ",\n    ".join(declared) + "\n)"


def load_marts(build: Path, results: Sequence[MartResult], spill_dir: Path) -> None:
    """Create and fill every mart of ``results`` in the SQLite file ``build``, then index them.

    sqlite3 declares the tables, DuckDB (attached after sqlite3 has closed) fills them, sqlite3 indexes them.
    """
    if not results:
        return
    with duck.connection(spill_dir) as con:
        columns = {
            r.mart.table: [(name, kind) for name, kind, *_ in con.execute(
                f"describe select * from read_parquet({duck.sql_string(r.path)})"
            ).fetchall()]
            for r in results
        }  # fmt: skip
    with closing(sqlite3.connect(build)) as db, db:
        for r in results:
            db.execute(_ddl(r.mart, columns[r.mart.table]))
    with duck.connection(spill_dir) as con:
        duck.attach_warehouse(con, build, read_only=False)
        for r in results:
            con.execute(
                f"insert into {WAREHOUSE_ALIAS}.{r.mart.table} select * from read_parquet({duck.sql_string(r.path)})"
            )
    with closing(sqlite3.connect(build)) as db, db:
        for r in results:
            for column in r.mart.indexes:
                db.execute(f"CREATE INDEX {r.mart.table}_{column} ON {r.mart.table} ({column})")


def _mart(table: str) -> Mart:
    for mart in MARTS:
        if mart.table == table:
            return mart
    msg = f"unknown mart {table!r}; the marts are: {', '.join(m.table for m in MARTS)}"
    raise ValueError(msg)


def _sqlite_param(name: str, value: Value) -> str:
    """A DuckDB expression for one bound value, typed as sqlite_query accepts it (dates as ISO text)."""
    if isinstance(value, bool) or value is None:
        msg = f"mart filter on {name}: {value!r} is not a value to compare with"
        raise ValueError(msg)
    if isinstance(value, int):
        return f"${name}::bigint"
    if isinstance(value, float):
        return f"${name}::double"
    return f"${name}::varchar"


def read_mart(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    where: dict[str, Value] | None = None,
    order_by: str | None = None,
    descending: bool = False,
    limit: int | None = None,
    offset: int = 0,
    alias: str = WAREHOUSE_ALIAS,
) -> pl.DataFrame:
    """Rows of a mart, filtered (equality), ordered and paged by SQLite itself, with the mart's own types.

    The DuckDB scanner reads a whole table and filters it afterwards, which is fine for the small marts and too
    slow for a lookup in a million-row one; ``sqlite_query`` lets SQLite use the mart's key and indexes.
    Column names are checked against the mart's columns; values are bound, never formatted into the SQL.
    """
    mart = _mart(table)
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = $alias and table_name = $table order by column_index",
        {"alias": alias, "table": mart.table},
    ).fetchall()
    types = dict(columns)
    filters = dict(where or {})
    unknown = sorted({*filters, *([order_by] if order_by else [])} - set(types))
    if unknown:
        msg = f"{mart.table} has no column {', '.join(unknown)}; its columns: {', '.join(types)}"
        raise ValueError(msg)
    if (limit is not None and limit < 0) or offset < 0:
        msg = f"limit and offset must be >= 0 (got {limit}, {offset})"
        raise ValueError(msg)
    native = f"SELECT * FROM {mart.table}"
    params: dict[str, object] = {"alias": alias}
    bound = []
    for i, (column, value) in enumerate(filters.items()):
        native += (" WHERE " if i == 0 else " AND ") + f"{column} = ?"
        params[f"p{i}"] = value.isoformat() if isinstance(value, dt.date) else value
        bound.append(_sqlite_param(f"p{i}", value))
    if order_by:
        native += f" ORDER BY {order_by}{' DESC' if descending else ''}, {mart.key}"
    if limit is not None or offset:
        native += f" LIMIT {-1 if limit is None else int(limit)} OFFSET {int(offset)}"
    params["native"] = native
    # sqlite_query returns text; each column is cast back to the type the scanner reads it as.
    select = ", ".join(f"{name}::{kind} as {name}" for name, kind in columns)
    with_params = f", params => row({', '.join(bound)})" if bound else ""
    return con.execute(f"select {select} from sqlite_query($alias, $native{with_params})", params).pl()
