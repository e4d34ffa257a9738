"""Rows by key: a customer (with their order count and spend), a product, an order (with its lines and payment),
products by their keys, and the row counts the writes keep. SQLite's own SQL (``warehouse/reads/``) through
``sqlite_query``, so its primary keys and indexes answer; keyed reads come back as dicts, typed in Python
(``connection.native_rows``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import duckdb
import polars as pl

from pipeline.errors import InvalidRequest
from pipeline.schema import schema
from pipeline.warehouse.connection import DUCK_TYPES, native_rows, run_native
from pipeline.warehouse.sql_files import read_statement

MAX_ROWS_BY_KEY = 1000  # keys asked for at once


def columns_of(table: str) -> dict[str, str]:
    """A table's columns and the DuckDB types the scanner reads them as."""
    return {name: DUCK_TYPES[declared] for name, declared in schema().types[table].items()}


def _one(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def customer(cursor: duckdb.DuckDBPyConnection, customer_id: int) -> dict[str, Any] | None:
    """One customer with their order count and total spend, or None."""
    query = read_statement("customer")
    return _one(native_rows(cursor, query.sql, (customer_id,), query.columns))


def product(cursor: duckdb.DuckDBPyConnection, product_id: int) -> dict[str, Any] | None:
    query = read_statement("product")
    return _one(native_rows(cursor, query.sql, (product_id,), query.columns))


def _typed(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row decoded from SQLite's JSON, with its dates as dates."""
    columns = columns_of(table)
    return {k: dt.date.fromisoformat(v) if columns[k] == "date" else v for k, v in row.items()}


def order(cursor: duckdb.DuckDBPyConnection, order_id: int) -> dict[str, Any] | None:
    """One order with ``items`` (its lines, by order_item_id) and ``payment``, or None."""
    query = read_statement("order")
    row = _one(native_rows(cursor, query.sql, (order_id,), query.columns))
    if row is None:
        return None
    row["items"] = [_typed("order_items", item) for item in json.loads(row["items"])]
    row["payment"] = _typed("payments", json.loads(row["payment"])) if row["payment"] else None
    return row


def products_by_id(cursor: duckdb.DuckDBPyConnection, product_ids: Sequence[int]) -> pl.DataFrame:
    """The products with these keys (those that exist), by product_id: names for an order's lines."""
    keys = sorted(set(product_ids))
    if not keys:
        return pl.DataFrame(
            schema={"product_id": pl.Int64, "name": pl.String, "category": pl.String, "price": pl.Float64}
        )
    if len(keys) > MAX_ROWS_BY_KEY:
        msg = f"at most {MAX_ROWS_BY_KEY} products at a time (got {len(keys)})"
        raise InvalidRequest(msg)
    marks = ", ".join("?" * len(keys))
    sql = f"SELECT * FROM products WHERE product_id IN ({marks}) ORDER BY product_id"
    return run_native(cursor, sql, keys, columns_of("products"))


def row_counts(cursor: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per table of the data model, as the build counted them and every write since has kept them
    (``table_state``): a few rows read, never a count of the tables."""
    query = read_statement("table_state")
    return {row["table_name"]: row["row_count"] for row in native_rows(cursor, query.sql, (), query.columns)}
