"""The small, hot results the API and dashboard read, materialized as ``mart_*`` tables in the warehouse.

They are computed by the same ``queries/*.sql`` that ``analyze`` runs, over the lake, and loaded inside the
warehouse's own atomic build, so a mart and its query can never disagree.

DuckDB's CREATE TABLE on an attached SQLite file declares DATE columns as VARCHAR, which the scanner then
reads back as text. The tables are therefore declared through Python's sqlite3 (DATE, INTEGER, REAL, TEXT,
with a primary key for the lookups the API makes) and only filled through DuckDB, never with both open.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline import duck, edits, files
from pipeline.analysis.queries import Value, get_query
from pipeline.duck import WAREHOUSE_ALIAS

# DuckDB result types to SQLite declared types that the scanner maps back to the same DuckDB types.
_SQLITE_TYPES = {"DATE": "DATE", "BIGINT": "INTEGER", "INTEGER": "INTEGER", "DOUBLE": "REAL", "VARCHAR": "TEXT"}


@dataclass(frozen=True)
class Summary:
    """A mart of its query's rows counted and averaged per group, so that a question asked per group of a big
    result (how many customers in each RFM segment) is not answered by reading the whole result every time."""

    by: str
    averages: tuple[str, ...]

    def sql(self, query_sql: str) -> str:
        averages = "".join(f", round(avg(q.{column}), 2) as avg_{column}" for column in self.averages)
        return (
            f"select q.{self.by}, count(*) as row_count{averages}\nfrom (\n{query_sql}\n) as q\n"
            f"group by q.{self.by}\norder by q.{self.by}"
        )


@dataclass(frozen=True)
class Mart:
    table: str
    query: str
    key: str  # the primary key (its first column if it has more): what the API looks rows up by
    params: dict[str, Value] = field(default_factory=dict)
    indexes: tuple[str, ...] = ()  # further columns that readers filter or sort on
    key_rest: tuple[str, ...] = ()  # the key's further columns, for a mart of one row per (key, ...)
    summary: Summary | None = None  # the query's rows summarized per group, rather than the rows

    @property
    def key_columns(self) -> tuple[str, ...]:
        return (self.key, *self.key_rest)

    def sql(self) -> str:
        """What fills the mart: its query, summarized if it is a summary."""
        query = get_query(self.query).sql
        return query if self.summary is None else self.summary.sql(query)

    def bind(self) -> dict[str, Value]:
        return get_query(self.query).bind(self.params)


MARTS = (
    Mart("mart_revenue_daily", "revenue_timeseries", "period_start", {"grain": "day"}),
    Mart("mart_revenue_weekly", "revenue_timeseries", "period_start", {"grain": "week"}),
    Mart("mart_revenue_monthly", "revenue_timeseries", "period_start", {"grain": "month"}),
    Mart("mart_category_revenue", "category_revenue", "category"),
    Mart("mart_customer_summary", "customer_aov", "customer_id", indexes=("total_spend",)),
    Mart("mart_product_summary", "top_products", "product_id", {"limit": None}, ("revenue_rank", "units_rank")),
    Mart("mart_anomalies", "anomalies", "order_id", indexes=("customer_id", "kind")),
    # Daily marts, so that a date range is applied by summing a few thousand rows (the dashboard's sidebar).
    Mart("mart_signups_daily", "signups", "period_start", {"grain": "day"}),
    Mart(
        "mart_category_revenue_daily", "category_revenue_timeseries", "period_start", {"grain": "day"},
        key_rest=("category",),
    ),
    Mart("mart_payment_mix_daily", "payment_mix", "period_start", {"grain": "day"}, key_rest=("payment_method",)),
    # Whole-history analyses, at their defaults.
    Mart("mart_signup_cohorts", "signup_cohorts", "cohort_month", key_rest=("months_since_signup",)),
    Mart("mart_repeat_purchase_rate", "repeat_purchase_rate", "first_order_month"),
    Mart(
        "mart_rfm_segment_summary", "rfm_segments", "segment",
        summary=Summary("segment", ("recency_days", "order_count", "total_spend")),
    ),
    Mart("mart_power_users", "power_users", "customer_id"),
    Mart("mart_bought_together", "bought_together", "product_a_id", key_rest=("product_b_id",)),
    Mart("mart_price_distribution", "price_distribution", "category"),
)  # fmt: skip


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
        path = directory / f"{mart.table}.parquet"
        con.execute(f"copy ({mart.sql()}) to {duck.sql_string(path)} (format parquet)", mart.bind())
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
        key = " PRIMARY KEY" if (name,) == mart.key_columns else ""
        declared.append(f"{name} {sqlite_type} NOT NULL{key}")
    if mart.key_rest:
        declared.append(f"PRIMARY KEY ({', '.join(mart.key_columns)})")
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


def refresh_marts(warehouse: Path, spill_parent: Path) -> int:
    """Recompute every mart from the warehouse's own tables in one transaction, under the warehouse's write lock.

    Returns the last ``audit_id`` the marts now include (recorded in ``mart_state``): readers compare it with
    the audit log to tell whether writes made through the API have made the marts stale.
    """
    with (
        edits.write_lock(warehouse),
        files.scratch_dir(spill_parent, ".spill-") as spill,
        duck.connection(spill) as con,
    ):
        duck.attach_warehouse(con, warehouse, read_only=False)
        con.execute(f"use {WAREHOUSE_ALIAS}")
        (through,) = con.execute("select coalesce(max(audit_id), 0) from audit_log").fetchone() or (0,)
        con.execute("begin transaction")
        for mart in MARTS:
            con.execute(f"delete from {mart.table}")
            con.execute(f"insert into {mart.table} {mart.sql()}", mart.bind())
        con.execute("update mart_state set refreshed_through = $through", {"through": through})
        con.execute("commit")
    return int(through)
