"""Rows by key: customers (with their order count and spend), products, orders (with their lines and payment), and
the row counts the writes keep. SQLite's own SQL (``warehouse/reads/``) through ``sqlite_query``, so its primary
keys and indexes answer; keyed reads come back as dicts, typed in Python (``connection.native_rows``).

Each keyed read takes any number of keys (a JSON array, one bound value, so the statement's text never changes):
a statement through the scanner costs the same for one key as for a few, since most of it is opening the file and
parsing its schema (what the API's coalesced reads, ``api.batching``, rely on).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from functools import cache
from typing import Any

import duckdb
import polars as pl

from pipeline.errors import InvalidRequest
from pipeline.schema import schema
from pipeline.warehouse.connection import DUCK_TYPES, native_rows, run_native
from pipeline.warehouse.sql_files import keys_json, read_statement

MAX_ROWS_BY_KEY = 1000  # keys asked for at once


def columns_of(table: str) -> dict[str, str]:
    """A table's columns and the DuckDB types the scanner reads them as."""
    return {name: DUCK_TYPES[declared] for name, declared in schema().types[table].items()}


def _bounded(keys: Sequence[int]) -> str:
    """The keys bound to a keyed read, at most ``MAX_ROWS_BY_KEY`` of them."""
    if len(distinct := set(keys)) > MAX_ROWS_BY_KEY:
        msg = f"at most {MAX_ROWS_BY_KEY} keys at a time (got {len(distinct)})"
        raise InvalidRequest(msg)
    return keys_json(distinct)


def _by_key(cursor: duckdb.DuckDBPyConnection, read: str, key: str, keys: Sequence[int]) -> dict[int, dict[str, Any]]:
    query = read_statement(read)
    return {row[key]: row for row in native_rows(cursor, query.sql, (_bounded(keys),), query.columns)}


def customers_by_key(cursor: duckdb.DuckDBPyConnection, customer_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The customers with these keys (those that exist) with their order count and total spend, by key."""
    return _by_key(cursor, "customer", "customer_id", customer_ids)


def customer(cursor: duckdb.DuckDBPyConnection, customer_id: int) -> dict[str, Any] | None:
    """One customer with their order count and total spend, or None."""
    return customers_by_key(cursor, [customer_id]).get(customer_id)


def products_by_key(cursor: duckdb.DuckDBPyConnection, product_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The products with these keys (those that exist), by key."""
    return _by_key(cursor, "product", "product_id", product_ids)


@cache
def _dates(table: str) -> frozenset[str]:
    return frozenset(name for name, kind in columns_of(table).items() if kind == "date")


def _typed(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row decoded from SQLite's JSON, with its dates as dates."""
    dates = _dates(table)
    return {k: dt.date.fromisoformat(v) if k in dates else v for k, v in row.items()}


def orders_by_key(cursor: duckdb.DuckDBPyConnection, order_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The orders with these keys (those that exist), each with ``items`` (its lines, by order_item_id) and
    ``payment``, by key."""
    found = _by_key(cursor, "order", "order_id", order_ids)
    for row in found.values():
        row["items"] = [_typed("order_items", item) for item in json.loads(row["items"])]
        row["payment"] = _typed("payments", json.loads(row["payment"])) if row["payment"] else None
    return found


def order(cursor: duckdb.DuckDBPyConnection, order_id: int) -> dict[str, Any] | None:
    """One order with ``items`` (its lines, by order_item_id) and ``payment``, or None."""
    return orders_by_key(cursor, [order_id]).get(order_id)


def products_by_id(cursor: duckdb.DuckDBPyConnection, product_ids: Sequence[int]) -> pl.DataFrame:
    """The products with these keys (those that exist) as a frame, by product_id: names for an order's lines."""
    query = read_statement("product")
    return run_native(cursor, query.sql, (_bounded(product_ids),), query.columns).sort("product_id")


def row_counts(cursor: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per table of the data model, as the build counted them and every write since has kept them
    (``table_state``): a few rows read, never a count of the tables."""
    query = read_statement("table_state")
    return {row["table_name"]: row["row_count"] for row in native_rows(cursor, query.sql, (), query.columns)}
