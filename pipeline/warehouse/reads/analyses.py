"""Analyses of ``queries/`` over the warehouse (their parameters bound by ``Query.bind``) as the API answers them:
a page of rows in the query's declared order, or every row written to a Parquet file for an export."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import polars as pl

from pipeline.analysis.queries import Query, Value


def _relation(cursor: duckdb.DuckDBPyConnection, query: Query, values: Mapping[str, Value]) -> duckdb.DuckDBPyRelation:
    return cursor.sql(query.sql, params=dict(values))


def analysis_rows(
    cursor: duckdb.DuckDBPyConnection, query: Query, values: Mapping[str, Value], *, offset: int, limit: int
) -> pl.DataFrame:
    """Rows ``offset`` to ``offset + limit`` of an analysis (``values`` from ``Query.bind``), in the order its
    own ORDER BY declares: DuckDB applies the limit on top of the ordered result."""
    return _relation(cursor, query, values).limit(limit, offset).pl()


def analysis_to_parquet(
    cursor: duckdb.DuckDBPyConnection, query: Query, values: Mapping[str, Value], path: Path
) -> None:
    """Every row of an analysis into a Parquet file, in its declared order (DuckDB keeps the order it writes)."""
    _relation(cursor, query, values).write_parquet(str(path))
