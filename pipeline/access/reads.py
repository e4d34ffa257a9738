"""The questions the API and the dashboard ask of the warehouse, each answered in one place.

- Rows by key (``customer``, ``product``, ``order``): SQLite's own SQL through ``sqlite_query``, so its primary
  keys and indexes are used.
- Keyset pages (``page``): filters from a fixed allow-list per resource, rows ordered by the key, an opaque
  cursor holding the last key: a deep page costs what the first does.
- Marts (``mart``): the small precomputed tables, filtered, ordered and paged by SQLite itself.
- Analyses (``run_query``): any ``queries/*.sql`` over the warehouse, parameters checked by its header.

Identifiers only ever come from the schema, the marts' list or the allow-lists below; values are always bound.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from pipeline import duck
from pipeline.access.native import native_query
from pipeline.access.warehouse import DUCK_TYPES, Value, native_rows, run_native
from pipeline.analysis.marts import MARTS, Mart
from pipeline.analysis.queries import get_query
from pipeline.schema import TABLES, schema

MAX_PAGE = 1000
MAX_KEY = 2**63 - 1  # SQLite's largest INTEGER
DEFAULT_PAGE = 50


class InvalidRequest(ValueError):
    """A request the warehouse cannot answer as asked (an unknown name, a malformed cursor): the message says why."""


# --- rows by key -------------------------------------------------------------------------------------------


def _columns(table: str) -> dict[str, str]:
    return {name: DUCK_TYPES[declared] for name, declared in schema().types[table].items()}


def _one(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def customer(cursor: duckdb.DuckDBPyConnection, customer_id: int) -> dict[str, Any] | None:
    """One customer with their order count and total spend, or None."""
    query = native_query("customer")
    return _one(native_rows(cursor, query.sql, (customer_id,), query.columns))


def product(cursor: duckdb.DuckDBPyConnection, product_id: int) -> dict[str, Any] | None:
    query = native_query("product")
    return _one(native_rows(cursor, query.sql, (product_id,), query.columns))


def _typed(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row decoded from SQLite's JSON, with its dates as dates."""
    return {k: dt.date.fromisoformat(v) if _columns(table)[k] == "date" else v for k, v in row.items()}


def order(cursor: duckdb.DuckDBPyConnection, order_id: int) -> dict[str, Any] | None:
    """One order with ``items`` (its lines, by order_item_id) and ``payment``, or None."""
    query = native_query("order")
    row = _one(native_rows(cursor, query.sql, (order_id,), query.columns))
    if row is None:
        return None
    row["items"] = [_typed("order_items", item) for item in json.loads(row["items"])]
    row["payment"] = _typed("payments", json.loads(row["payment"])) if row["payment"] else None
    return row


# --- keyset pages ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """What a resource's list can be filtered by: filter name -> SQLite predicate with ``?`` for the value."""

    table: str
    filters: dict[str, str]

    @property
    def key(self) -> str:
        return schema().primary_keys[self.table]


LISTINGS = {
    "customers": Listing(
        "customers",
        {
            "signup_from": "signup_date >= ?",
            "signup_to": "signup_date <= ?",
            "email": "email = ?",
            "q": "(first_name LIKE ? ESCAPE '\\' OR last_name LIKE ? ESCAPE '\\')",
        },
    ),
    "products": Listing(
        "products",
        {
            "category": "category = ?",
            "min_price": "price >= ?",
            "max_price": "price <= ?",
            "q": "name LIKE ? ESCAPE '\\'",
        },
    ),
    "orders": Listing(
        "orders",
        {
            "customer_id": "customer_id = ?",
            "date_from": "order_date >= ?",
            "date_to": "order_date <= ?",
            "min_total": "total_amount >= ?",
            "max_total": "total_amount <= ?",
        },
    ),
}


@dataclass(frozen=True)
class Page:
    items: pl.DataFrame
    next: str | None  # the cursor of the next page; None on the last page


# A cursor is the last key of a page: 8 bytes (big-endian, signed) in URL-safe base64 without padding. Every
# string of this form is a position in the key order, so a well-formed cursor is never refused and the API's
# schema can say exactly which cursors it takes; the resource is not part of it.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{11}$"


def encode_cursor(resource: str, key: int) -> str:
    return base64.urlsafe_b64encode(key.to_bytes(8, "big", signed=True)).decode().rstrip("=")


def decode_cursor(resource: str, cursor: str) -> int:
    """The last key of the previous page; InvalidRequest if ``cursor`` does not have a cursor's form."""
    if re.fullmatch(CURSOR_PATTERN, cursor) is None:
        msg = f"cursor {cursor!r} is not a cursor of /{resource}; pass the 'next' value of the previous page"
        raise InvalidRequest(msg)
    return int.from_bytes(base64.urlsafe_b64decode(cursor + "="), "big", signed=True)


def _like(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page(
    cursor: duckdb.DuckDBPyConnection,
    resource: str,
    filters: Mapping[str, Value | None],
    *,
    limit: int = DEFAULT_PAGE,
    after: str | None = None,
) -> Page:
    """One page of ``resource`` ordered by its key; ``after`` is the previous page's ``next``."""
    listing = LISTINGS.get(resource)
    if listing is None:
        msg = f"unknown resource {resource!r}; one of {', '.join(LISTINGS)}"
        raise InvalidRequest(msg)
    if not 1 <= limit <= MAX_PAGE:
        msg = f"limit must be between 1 and {MAX_PAGE} (got {limit})"
        raise InvalidRequest(msg)
    predicates: list[str] = []
    params: list[Value] = []
    if after is not None:
        predicates.append(f"{listing.key} > ?")
        params.append(decode_cursor(resource, after))
    for name, value in filters.items():
        if value is None:
            continue
        if name not in listing.filters:
            msg = f"/{resource} cannot be filtered by {name!r}; its filters: {', '.join(listing.filters)}"
            raise InvalidRequest(msg)
        predicate = listing.filters[name]
        bound = _like(str(value)) if name == "q" else value
        predicates.append(predicate)
        params += [bound] * predicate.count("?")
    where = f" WHERE {' AND '.join(predicates)}" if predicates else ""
    columns = _columns(listing.table)
    sql = f"SELECT {', '.join(columns)} FROM {listing.table}{where} ORDER BY {listing.key} LIMIT ?"
    # One row more than asked says whether there is a next page without a count.
    rows = run_native(cursor, sql, (*params, limit + 1), columns)
    items = rows.head(limit)
    following = encode_cursor(resource, items[listing.key][-1]) if rows.height > limit else None
    return Page(items, following)


# --- marts -------------------------------------------------------------------------------------------------


def _mart(table: str) -> Mart:
    for mart in MARTS:
        if mart.table == table:
            return mart
    msg = f"unknown mart {table!r}; the marts are: {', '.join(m.table for m in MARTS)}"
    raise InvalidRequest(msg)


_MART_COLUMNS: dict[str, dict[str, str]] = {}


def _mart_columns(cursor: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """A mart's columns and their DuckDB types, read from the catalog once per process: the mart's query fixes
    them, and the catalog lookup costs more than a keyed read of the mart itself."""
    if table in _MART_COLUMNS:
        return _MART_COLUMNS[table]
    columns = dict(
        cursor.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = $alias and table_name = $table order by column_index",
            {"alias": duck.WAREHOUSE_ALIAS, "table": table},
        ).fetchall()
    )
    if columns:  # a warehouse built before the mart existed has none: look again after the next rebuild
        _MART_COLUMNS[table] = columns
    return columns


def mart(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    *,
    where: Mapping[str, Value] | None = None,
    between: Mapping[str, tuple[Value | None, Value | None]] | None = None,
    order_by: str | None = None,
    descending: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> pl.DataFrame:
    """Rows of a mart, filtered (``where`` equality, ``between`` inclusive bounds, either may be None), ordered
    and paged by SQLite itself, with the mart's own column types. Column names are checked against the mart."""
    target = _mart(table)
    columns = _mart_columns(cursor, target.table)
    ranges = dict(between or {})
    unknown = sorted({*(where or {}), *ranges, *([order_by] if order_by else [])} - set(columns))
    if unknown:
        msg = f"{target.table} has no column {', '.join(unknown)}; its columns: {', '.join(columns)}"
        raise InvalidRequest(msg)
    if (limit is not None and limit < 0) or offset < 0:
        msg = f"limit and offset must be >= 0 (got {limit}, {offset})"
        raise InvalidRequest(msg)
    predicates: list[str] = []
    params: list[Value] = []
    for column, value in (where or {}).items():
        predicates.append(f"{column} = ?")
        params.append(value)
    for column, (low, high) in ranges.items():
        for bound, op in ((low, ">="), (high, "<=")):
            if bound is not None:
                predicates.append(f"{column} {op} ?")
                params.append(bound)
    sql = f"SELECT * FROM {target.table}"
    if predicates:
        sql += " WHERE " + " AND ".join(predicates)
    if order_by:
        sql += f" ORDER BY {order_by}{' DESC' if descending else ''}, {target.key}"
    if limit is not None or offset:
        sql += f" LIMIT {-1 if limit is None else int(limit)} OFFSET {int(offset)}"
    return run_native(cursor, sql, params, columns)


def revenue(
    cursor: duckdb.DuckDBPyConnection, grain: str, start: dt.date | None = None, end: dt.date | None = None
) -> pl.DataFrame:
    """Revenue, orders and buyers per whole period (day, week or month) whose first day lies in [start, end]."""
    if grain not in ("day", "week", "month"):
        msg = f"grain must be day, week or month (got {grain!r})"
        raise InvalidRequest(msg)
    table = {"day": "mart_revenue_daily", "week": "mart_revenue_weekly", "month": "mart_revenue_monthly"}[grain]
    return mart(cursor, table, between={"period_start": (start, end)}, order_by="period_start")


def top_customers(cursor: duckdb.DuckDBPyConnection, limit: int) -> pl.DataFrame:
    """The best customers by total spend (ties by customer_id), as ``queries/top_customers.sql`` ranks them."""
    rows = mart(cursor, "mart_customer_summary", order_by="total_spend", descending=True, limit=limit)
    return rows.with_row_index("spend_rank", offset=1).with_columns(pl.col("spend_rank").cast(pl.Int64))


def top_products(cursor: duckdb.DuckDBPyConnection, limit: int, rank_by: str = "revenue") -> pl.DataFrame:
    """The best products by revenue or by units (both ranks returned), as ``queries/top_products.sql`` ranks them."""
    if rank_by not in ("revenue", "units"):
        msg = f"rank_by must be revenue or units (got {rank_by!r})"
        raise InvalidRequest(msg)
    rows = mart(cursor, "mart_product_summary", order_by=f"{rank_by}_rank", limit=limit)
    # The mart is built ranked by revenue; sales_rank is the rank by the measure asked for, as the query's is.
    return rows.with_columns(pl.col(f"{rank_by}_rank").alias("sales_rank"))


def run_query(
    cursor: duckdb.DuckDBPyConnection, name: str, given: Mapping[str, Value | str], *, empty_range: bool = False
) -> pl.DataFrame:
    """Any analysis of ``queries/`` over the warehouse; parameters parsed and checked by its header
    (``empty_range``: a date range ending before it starts has no days, rather than being an error)."""
    query = get_query(name)
    return query.run(cursor, query.bind(given, empty_range=empty_range))


def anomalies(
    cursor: duckdb.DuckDBPyConnection, kind: str | None = None, *, limit: int = DEFAULT_PAGE, after: str | None = None
) -> Page:
    """The flagged orders of the anomalies mart (of one ``kind``, or all) by order_id, a keyset page at a time."""
    if not 1 <= limit <= MAX_PAGE:
        msg = f"limit must be between 1 and {MAX_PAGE} (got {limit})"
        raise InvalidRequest(msg)
    first = None if after is None else decode_cursor("analytics/anomalies", after) + 1
    if first is not None and first > MAX_KEY:  # nothing comes after the largest key
        return Page(mart(cursor, "mart_anomalies", limit=0), None)
    rows = mart(
        cursor,
        "mart_anomalies",
        where={"kind": kind} if kind is not None else None,
        between={"order_id": (first, None)},
        order_by="order_id",
        limit=limit + 1,
    )
    items = rows.head(limit)
    following = encode_cursor("anomalies", items["order_id"][-1]) if rows.height > limit else None
    return Page(items, following)


def row_counts(cursor: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per table of the data model, counted by SQLite (seconds for a large warehouse: cache the answer)."""
    sql = " UNION ALL ".join(f"SELECT '{table}' AS table_name, count(*) AS row_count FROM {table}" for table in TABLES)
    frame = run_native(cursor, sql, (), {"table_name": "varchar", "row_count": "bigint"})
    return dict(frame.iter_rows())
