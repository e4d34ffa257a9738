"""The small, hot results the API and dashboard read, materialized as ``mart_*`` tables in the warehouse.

They are built inside the warehouse's own atomic build (a build step of ``pipeline.load.build_warehouse``),
from the same ``queries/*.sql`` run over the lake views, so a mart and its query can never disagree.

DuckDB's CREATE TABLE on an attached SQLite file declares DATE columns as VARCHAR, which the scanner then
reads back as text. The tables are therefore declared through Python's sqlite3 (DATE, INTEGER, REAL, TEXT,
with a primary key for the lookups the API makes) and only filled through DuckDB.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

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
            msg = f"{mart.table}: column {name} has type {duck_type}, which marts cannot store; cast it in {mart.query}.sql"
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
