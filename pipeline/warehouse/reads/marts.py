"""Mart reads: the small precomputed tables, filtered, ordered and paged by SQLite itself (with the marts' keys and
indexes), their sums over a date range (``rollup``: how the dashboard's sidebar reaches the daily marts), and the
named questions the API and the dashboard ask of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import duckdb
import polars as pl

from pipeline import duck
from pipeline.analysis.marts import MARTS, Mart
from pipeline.errors import InvalidRequest
from pipeline.warehouse.connection import SqlValue, run_native
from pipeline.warehouse.reads.pages import DEFAULT_PAGE, MAX_PAGE, RowsPage, decode_cursor, encode_cursor
from pipeline.warehouse.sql_files import read_statement

SQLITE_MAX_INTEGER = 2**63 - 1


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
    where: Mapping[str, SqlValue] | None, between: Mapping[str, tuple[SqlValue | None, SqlValue | None]] | None
) -> tuple[str, list[SqlValue]]:
    """A WHERE clause (or nothing) of ``where`` equalities and ``between`` inclusive bounds, and its values."""
    predicates: list[str] = []
    params: list[SqlValue] = []
    for column, value in (where or {}).items():
        predicates.append(f"{column} = ?")
        params.append(value)
    for column, (low, high) in (between or {}).items():
        for bound, op in ((low, ">="), (high, "<=")):
            if bound is not None:
                predicates.append(f"{column} {op} ?")
                params.append(bound)
    return (" where " + " and ".join(predicates) if predicates else ""), params


def mart(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    *,
    where: Mapping[str, SqlValue] | None = None,
    between: Mapping[str, tuple[SqlValue | None, SqlValue | None]] | None = None,
    order_by: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Rows of a mart, filtered (``where`` equality, ``between`` inclusive bounds, either may be None), ordered
    (by ``order_by``, ``-column`` for descending, then the mart's key) and paged by SQLite itself, with the mart's
    own column types; only ``columns`` if given. Column names are checked against the mart. Without ``order_by``
    the rows come in the order the mart was written in, which is its query's."""
    target = _mart(table)
    types = _mart_columns(cursor, target.table)
    descending = order_by is not None and order_by.startswith("-")
    order_column = order_by.removeprefix("-") if order_by else None
    named = {*(where or {}), *(between or {}), *([order_column] if order_column else []), *(columns or ())}
    _check_names(target, types, named)
    if (limit is not None and limit < 0) or offset < 0:
        msg = f"limit and offset must be >= 0 (got {limit}, {offset})"
        raise InvalidRequest(msg)
    chosen = {name: types[name] for name in columns} if columns else types
    clause, params = _where(where, between)
    sql = f"select {', '.join(chosen)} from {target.table}{clause}"
    if order_column:
        sql += f" order by {order_column}{' desc' if descending else ''}, {', '.join(target.key_columns)}"
    if limit is not None or offset:
        sql += f" limit {-1 if limit is None else int(limit)} offset {int(offset)}"
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
    where: Mapping[str, SqlValue] | None = None,
    between: Mapping[str, tuple[SqlValue | None, SqlValue | None]] | None = None,
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
    selected = [f"{PERIOD_START[grain].format(date)} as {date}"] if grain else []
    selected += list(by)
    for name in sums:
        total = f"coalesce(sum({name}), 0)"
        selected.append(f"{f'round({total}, 2)' if types[name] == 'DOUBLE' else total} as {name}")
    clause, params = _where(where, between)
    sql = f"select {', '.join([*selected, 'count(*) as row_count'])} from {target.table}{clause}"
    if groups:
        positions = ", ".join(str(i) for i in range(1, len(groups) + 1))
        sql += f" group by {positions} order by {positions}"
    result_types = groups | {name: types[name] for name in sums} | {"row_count": "BIGINT"}
    return run_native(cursor, sql, params, result_types)


def data_window(cursor: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date] | None:
    """The first and last day with an order, a payment or a signup (from the daily marts); None if none."""
    query = read_statement("window")
    first, last = run_native(cursor, query.sql, (), query.columns).row(0)
    return None if first is None else (first, last)


def revenue(
    cursor: duckdb.DuckDBPyConnection,
    grain: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> pl.DataFrame:
    """Revenue, orders and buyers per whole period (day, week or month) whose first day lies in [start, end],
    oldest first (``limit`` periods from the ``offset``-th)."""
    if grain not in ("day", "week", "month"):
        msg = f"grain must be day, week or month (got {grain!r})"
        raise InvalidRequest(msg)
    table = {"day": "mart_revenue_daily", "week": "mart_revenue_weekly", "month": "mart_revenue_monthly"}[grain]
    period = {"period_start": (start, end)}
    return mart(cursor, table, between=period, order_by="period_start", limit=limit, offset=offset)


def top_customers(cursor: duckdb.DuckDBPyConnection, limit: int) -> pl.DataFrame:
    """The best customers by total spend (ties by customer_id), as ``queries/top_customers.sql`` ranks them."""
    rows = mart(cursor, "mart_customer_summary", order_by="-total_spend", limit=limit)
    return rows.with_row_index("spend_rank", offset=1).with_columns(pl.col("spend_rank").cast(pl.Int64))


def top_products(cursor: duckdb.DuckDBPyConnection, limit: int, rank_by: str = "revenue") -> pl.DataFrame:
    """The best products by revenue or by units (both ranks returned), as ``queries/top_products.sql`` ranks them."""
    if rank_by not in ("revenue", "units"):
        msg = f"rank_by must be revenue or units (got {rank_by!r})"
        raise InvalidRequest(msg)
    rows = mart(cursor, "mart_product_summary", order_by=f"{rank_by}_rank", limit=limit)
    # The mart is built ranked by revenue; sales_rank is the rank by the measure asked for, as the query's is.
    return rows.with_columns(pl.col(f"{rank_by}_rank").alias("sales_rank"))


def anomalies(
    cursor: duckdb.DuckDBPyConnection, kind: str | None = None, *, limit: int = DEFAULT_PAGE, after: str | None = None
) -> RowsPage:
    """The flagged orders of the anomalies mart (of one ``kind``, or all) by order_id, a keyset page at a time."""
    if not 1 <= limit <= MAX_PAGE:
        msg = f"limit must be between 1 and {MAX_PAGE} (got {limit})"
        raise InvalidRequest(msg)
    first = None if after is None else decode_cursor(after)[0] + 1
    if first is not None and first > SQLITE_MAX_INTEGER:  # nothing comes after the largest key
        return RowsPage(mart(cursor, "mart_anomalies", limit=0), None)
    rows = mart(
        cursor,
        "mart_anomalies",
        where={"kind": kind} if kind is not None else None,
        between={"order_id": (first, None)},
        order_by="order_id",
        limit=limit + 1,
    )
    items = rows.head(limit)
    following = encode_cursor(items["order_id"][-1]) if rows.height > limit else None
    return RowsPage(items, following)
