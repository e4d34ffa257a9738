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
from collections.abc import Callable, Mapping, Sequence
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
    columns = _columns(table)
    return {k: dt.date.fromisoformat(v) if columns[k] == "date" else v for k, v in row.items()}


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


def _filtered(resource: str, filters: Mapping[str, Value | None], limit: int) -> tuple[Listing, list[str], list[Value]]:
    """The listing of ``resource`` and the predicates of ``filters`` with their values, all checked."""
    listing = LISTINGS.get(resource)
    if listing is None:
        msg = f"unknown resource {resource!r}; one of {', '.join(LISTINGS)}"
        raise InvalidRequest(msg)
    if not 1 <= limit <= MAX_PAGE:
        msg = f"limit must be between 1 and {MAX_PAGE} (got {limit})"
        raise InvalidRequest(msg)
    predicates: list[str] = []
    params: list[Value] = []
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
    return listing, predicates, params


def _page(
    cursor: duckdb.DuckDBPyConnection,
    listing: Listing,
    predicates: list[str],
    params: list[Value],
    order: str,
    limit: int,
    next_cursor: Callable[[dict[str, Any]], str],
) -> Page:
    where = f" WHERE {' AND '.join(predicates)}" if predicates else ""
    columns = _columns(listing.table)
    sql = f"SELECT {', '.join(columns)} FROM {listing.table}{where} ORDER BY {order} LIMIT ?"
    # One row more than asked says whether there is a next page without a count.
    rows = run_native(cursor, sql, (*params, limit + 1), columns)
    items = rows.head(limit)
    return Page(items, next_cursor(items.row(-1, named=True)) if rows.height > limit else None)


def page(
    cursor: duckdb.DuckDBPyConnection,
    resource: str,
    filters: Mapping[str, Value | None],
    *,
    limit: int = DEFAULT_PAGE,
    after: str | None = None,
) -> Page:
    """One page of ``resource`` ordered by its key; ``after`` is the previous page's ``next``."""
    listing, predicates, params = _filtered(resource, filters, limit)
    if after is not None:
        predicates.append(f"{listing.key} > ?")
        params.append(decode_cursor(resource, after))
    return _page(
        cursor, listing, predicates, params, listing.key, limit, lambda last: encode_cursor(resource, last[listing.key])
    )


def _newest_cursor(last: dict[str, Any]) -> str:
    """The newest-first list's cursor: the last (order_date, order_id) of a page, as text in URL-safe base64."""
    text = f"{last['order_date'].isoformat()}/{last['order_id']}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _newest_position(cursor: str) -> tuple[dt.date, int]:
    try:
        day, _, key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("/")
        return dt.date.fromisoformat(day), int(key)
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors too
        msg = f"cursor {cursor!r} is not a cursor of the newest orders; pass the 'next' value of the previous page"
        raise InvalidRequest(msg) from None


def newest_orders(
    cursor: duckdb.DuckDBPyConnection,
    filters: Mapping[str, Value | None],
    *,
    limit: int = DEFAULT_PAGE,
    after: str | None = None,
) -> Page:
    """One page of orders, newest first (order_date, then order_id, both descending), with the filters of
    ``page("orders", ...)``; ``after`` is the previous page's ``next``.

    SQLite walks its order_date index backwards from the end of the range and stops at the end of the page, so
    the first page of three years costs what the first page of a day does.
    """
    filters = dict(filters)
    after_key: list[Value] = []
    if after is not None:
        day, key = _newest_position(after)
        # SQLite bounds the index walk by one upper bound on order_date only: it must be the tighter one.
        date_to = filters.get("date_to")
        if date_to is None or day < dt.date.fromisoformat(str(date_to)):
            filters["date_to"] = day
        after_key = [day, key]
    listing, predicates, params = _filtered("orders", filters, limit)
    if after_key:
        predicates.append("(order_date < ? OR order_id < ?)")
        params += after_key

    return _page(cursor, listing, predicates, params, "order_date DESC, order_id DESC", limit, _newest_cursor)


def products_by_id(cursor: duckdb.DuckDBPyConnection, product_ids: Sequence[int]) -> pl.DataFrame:
    """The products with these keys (those that exist), by product_id: names for an order's lines."""
    keys = sorted(set(product_ids))
    if not keys:
        return pl.DataFrame(
            schema={"product_id": pl.Int64, "name": pl.String, "category": pl.String, "price": pl.Float64}
        )
    if len(keys) > MAX_PAGE:
        msg = f"at most {MAX_PAGE} products at a time (got {len(keys)})"
        raise InvalidRequest(msg)
    marks = ", ".join("?" * len(keys))
    sql = f"SELECT * FROM products WHERE product_id IN ({marks}) ORDER BY product_id"
    return run_native(cursor, sql, keys, _columns("products"))


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


def _check_names(target: Mart, columns: Mapping[str, str], names: set[str]) -> None:
    unknown = sorted(names - set(columns))
    if unknown:
        msg = f"{target.table} has no column {', '.join(unknown)}; its columns: {', '.join(columns)}"
        raise InvalidRequest(msg)


def _where(
    where: Mapping[str, Value] | None, between: Mapping[str, tuple[Value | None, Value | None]] | None
) -> tuple[str, list[Value]]:
    """A WHERE clause (or nothing) of ``where`` equalities and ``between`` inclusive bounds, and its values."""
    predicates: list[str] = []
    params: list[Value] = []
    for column, value in (where or {}).items():
        predicates.append(f"{column} = ?")
        params.append(value)
    for column, (low, high) in (between or {}).items():
        for bound, op in ((low, ">="), (high, "<=")):
            if bound is not None:
                predicates.append(f"{column} {op} ?")
                params.append(bound)
    return (" WHERE " + " AND ".join(predicates) if predicates else ""), params


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
    columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Rows of a mart, filtered (``where`` equality, ``between`` inclusive bounds, either may be None), ordered
    (by ``order_by``, then the mart's key) and paged by SQLite itself, with the mart's own column types; only
    ``columns`` if given. Column names are checked against the mart. Without ``order_by`` the rows come in the
    order the mart was written in, which is its query's."""
    target = _mart(table)
    types = _mart_columns(cursor, target.table)
    _check_names(target, types, {*(where or {}), *(between or {}), *([order_by] if order_by else []), *(columns or ())})
    if (limit is not None and limit < 0) or offset < 0:
        msg = f"limit and offset must be >= 0 (got {limit}, {offset})"
        raise InvalidRequest(msg)
    chosen = {name: types[name] for name in columns} if columns else types
    clause, params = _where(where, between)
    sql = f"SELECT {', '.join(chosen)} FROM {target.table}{clause}"
    if order_by:
        sql += f" ORDER BY {order_by}{' DESC' if descending else ''}, {', '.join(target.key_columns)}"
    if limit is not None or offset:
        sql += f" LIMIT {-1 if limit is None else int(limit)} OFFSET {int(offset)}"
    return run_native(cursor, sql, params, chosen)


# SQLite's expression for the first day of the period that holds a date, as DuckDB's date_trunc gives it to the
# queries: ISO weeks start on the Monday on or before the day (back six days, then forward to a Monday).
PERIOD_START = {
    "day": "{}",
    "week": "date({}, '-6 days', 'weekday 1')",
    "month": "date({}, 'start of month')",
}


def rollup(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    *,
    sums: Sequence[str] = (),
    by: Sequence[str] = (),
    grain: str | None = None,
    date: str = "period_start",
    where: Mapping[str, Value] | None = None,
    between: Mapping[str, tuple[Value | None, Value | None]] | None = None,
) -> pl.DataFrame:
    """Sums of a mart's additive columns per group of ``by`` and, with ``grain``, per day, week or month of its
    ``date`` column, over the rows ``where`` and ``between`` select; ``row_count`` is the mart rows per group.

    This is how a date range reaches the daily marts: SQLite sums a few thousand rows, and the big tables are
    never read. Sums of DOUBLE columns are rounded to the cent (the marts' doubles that add up are money).
    Without ``by`` and ``grain`` the result is one row, of zeros when no row matches; else one row per group,
    ordered by the groups.
    """
    target = _mart(table)
    types = _mart_columns(cursor, target.table)
    _check_names(target, types, {*sums, *by, *([date] if grain else []), *(where or {}), *(between or {})})
    if grain is not None and grain not in PERIOD_START:
        msg = f"grain must be one of {', '.join(PERIOD_START)} (got {grain!r})"
        raise InvalidRequest(msg)
    if grain is not None and types[date] != "DATE":
        msg = f"{target.table}.{date} is not a date, so it has no {grain}s"
        raise InvalidRequest(msg)
    groups = {date: "date"} if grain else {}
    groups |= {name: types[name] for name in by}
    selected = [f"{PERIOD_START[grain].format(date)} AS {date}"] if grain else []
    selected += list(by)
    for name in sums:
        total = f"coalesce(sum({name}), 0)"
        selected.append(f"{f'round({total}, 2)' if types[name] == 'DOUBLE' else total} AS {name}")
    clause, params = _where(where, between)
    sql = f"SELECT {', '.join([*selected, 'count(*) AS row_count'])} FROM {target.table}{clause}"
    if groups:
        positions = ", ".join(str(i) for i in range(1, len(groups) + 1))
        sql += f" GROUP BY {positions} ORDER BY {positions}"
    result_types = groups | {name: types[name] for name in sums} | {"row_count": "BIGINT"}
    return run_native(cursor, sql, params, result_types)


def data_window(cursor: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date] | None:
    """The first and last day with an order, a payment or a signup (from the daily marts); None if none."""
    query = native_query("window")
    first, last = run_native(cursor, query.sql, (), query.columns).row(0)
    return None if first is None else (first, last)


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
