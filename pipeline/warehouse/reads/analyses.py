"""Analyses of ``queries/`` over the warehouse, their parameters parsed and checked by each file's header."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import polars as pl

from pipeline.analysis.queries import get_query
from pipeline.warehouse.connection import SqlValue


def run_query(
    cursor: duckdb.DuckDBPyConnection, name: str, given: Mapping[str, SqlValue | str], *, empty_range: bool = False
) -> pl.DataFrame:
    """Any analysis of ``queries/`` over the warehouse; parameters parsed and checked by its header
    (``empty_range``: a date range ending before it starts has no days, rather than being an error)."""
    query = get_query(name)
    return query.run(cursor, query.bind(given, empty_range=empty_range))
