"""The small, hot results the API and dashboard read, materialized as ``mart_*`` tables in the warehouse.

They are built inside the warehouse's own atomic build (a build step of ``pipeline.load.build_warehouse``),
from the same ``queries/*.sql`` run over the lake views, so a mart and its query can never disagree.

DuckDB's CREATE TABLE on an attached SQLite file declares DATE columns as VARCHAR, which the scanner then
reads back as text. The tables are therefore declared through Python's sqlite3 (DATE, INTEGER, REAL, TEXT,
with a primary key for the lookups the API makes) and only filled through DuckDB.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

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
    # Every product, not a top N; limit is bound to NULL (no limit), which the CLI does not offer.
    Mart("mart_product_summary", "top_products", "product_id", {"limit": None}, ("revenue_rank", "units_rank")),
    Mart("mart_anomalies", "anomalies", "order_id", indexes=("customer_id", "kind")),
)


def _sqlite_path(con: duckdb.DuckDBPyConnection, alias: str) -> Path:
    row = con.execute("select path from duckdb_databases() where database_name = $alias", {"alias": alias}).fetchone()
    if row is None or not row[0]:
        msg = f"no SQLite database is attached as {alias!r}; attach the warehouse read-write before building marts"
        raise RuntimeError(msg)
    return Path(row[0])


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


def build_marts(con: duckdb.DuckDBPyConnection, alias: str = WAREHOUSE_ALIAS) -> None:
    """Create every ``<alias>.mart_*`` table from the queries over the connection's lake views.

    ``con`` has the lake views and the new warehouse attached read-write as ``alias``.
    """
    path = _sqlite_path(con, alias)
    for mart in MARTS:
        query = get_query(mart.query)
        stage = f"stage_{mart.table}"
        con.execute(f"create or replace temp table {stage} as {query.sql}", query.bind() | mart.params)
        columns = [(name, kind) for name, kind, *_ in con.execute(f"describe {stage}").fetchall()]
        with closing(sqlite3.connect(path, timeout=60)) as db, db:
            db.execute(f"DROP TABLE IF EXISTS {mart.table}")
            db.execute(_ddl(mart, columns))
        con.execute(f"insert into {alias}.{mart.table} select * from {stage}")
        con.execute(f"drop table {stage}")
        with closing(sqlite3.connect(path, timeout=60)) as db, db:
            for column in mart.indexes:
                db.execute(f"CREATE INDEX {mart.table}_{column} ON {mart.table} ({column})")


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
