"""Keyset pages of the listed tables: filters from a fixed allow-list per table, rows ordered by the key or by one
of a few sort columns (ties broken by the key in the same direction), an opaque cursor holding the last position,
so a deep page costs what the first does; and every matching row, page after page, for the exports.

A cursor is one or two 11-character parts of URL-safe base64, each 8 bytes: the last key of a page, preceded by its
sort value when the list is sorted by another column (a date as its day number, a real as its IEEE bits). Every
string of that form is a position, so a well-formed cursor is never refused and the API's schema can say exactly
which cursors it takes: under the key order only the key part counts; a sorted list given a cursor without a
value part starts again from its first row. The same one-part form holds a position in an answer paged by offset
(``positioned``: the marts and the analyses, in their declared order).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from pipeline.errors import InvalidRequest
from pipeline.schema import schema
from pipeline.warehouse.connection import SqlValue, Warehouse, run_native
from pipeline.warehouse.reads.rows import columns_of

MAX_PAGE = 1000
DEFAULT_PAGE = 50
_PART = "[A-Za-z0-9_-]{11}"
CURSOR_PATTERN = f"^{_PART}$"  # a key or a position
SORTED_CURSOR_PATTERN = f"^{_PART}({_PART})?$"  # a key, or a sort value and a key


@dataclass(frozen=True)
class Listing:
    """What a table's list can be filtered by (filter name -> SQLite predicate with ``?`` for the value) and sorted
    by: each sort column (indexed in schema.sql) with the names of the filters that bound it from below and above.
    Every filter but the name searches (``q``: LIKE '%...%') is answered by an index."""

    table: str
    filters: dict[str, str]
    sorts: dict[str, tuple[str, str]] = field(default_factory=dict)
    scanning: frozenset[str] = frozenset({"q"})

    @property
    def key(self) -> str:
        return schema().primary_keys[self.table]

    @property
    def orders(self) -> tuple[str, ...]:
        """The ``sort`` values a list takes: the key, then each sort column ascending and descending."""
        return (self.key, *(f"{sign}{column}" for column in self.sorts for sign in ("", "-")))


LISTINGS = {
    "customers": Listing(
        "customers",
        {
            "signup_from": "signup_date >= ?",
            "signup_to": "signup_date <= ?",
            "email": "email = ?",
            "q": "(first_name like ? escape '\\' or last_name like ? escape '\\')",
        },
        {"signup_date": ("signup_from", "signup_to")},
    ),
    "products": Listing(
        "products",
        {
            "category": "category = ?",
            "min_price": "price >= ?",
            "max_price": "price <= ?",
            "q": "name like ? escape '\\'",
        },
        {"price": ("min_price", "max_price")},
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
        {"order_date": ("date_from", "date_to"), "total_amount": ("min_total", "max_total")},
    ),
    # Exported only (an order's lines and payment are read with the order otherwise).
    "order_items": Listing("order_items", {"order_id": "order_id = ?"}),
    "payments": Listing("payments", {"order_id": "order_id = ?"}),
}


@dataclass(frozen=True)
class RowsPage:
    items: pl.DataFrame
    next: str | None  # the cursor of the next page; None on the last page


def _part(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).decode().rstrip("=")


def _bytes(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=")


def encode_cursor(key: int) -> str:
    """The cursor after ``key`` in key order (or after ``key`` rows of an answer paged by position)."""
    return _part(key.to_bytes(8, "big", signed=True))


def decode_cursor(cursor: str, pattern: str = CURSOR_PATTERN) -> list[int]:
    """The 8-byte parts of ``cursor`` as signed integers; InvalidRequest if it does not have a cursor's form."""
    if re.fullmatch(pattern, cursor) is None:
        msg = f"cursor {cursor!r} is not a cursor of this list; pass the 'next' value of the previous page"
        raise InvalidRequest(msg)
    return [int.from_bytes(_bytes(cursor[i : i + 11]), "big", signed=True) for i in range(0, len(cursor), 11)]


def _sort_value(declared: str, value: Any) -> bytes:
    if declared == "DATE":
        return value.toordinal().to_bytes(8, "big", signed=True)  # type: ignore[no-any-return]
    return struct.pack(">d", value)


def _from_sort_value(declared: str, number: int) -> SqlValue:
    """A sort value back from its 8 bytes: any day number is a day (clamped to the calendar), any bits a real."""
    if declared == "DATE":
        return dt.date.fromordinal(min(max(number, 1), dt.date.max.toordinal()))
    value: float = struct.unpack(">d", number.to_bytes(8, "big", signed=True))[0]
    return value


def _like(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _listing(resource: str) -> Listing:
    listing = LISTINGS.get(resource)
    if listing is None:
        msg = f"unknown resource {resource!r}; one of {', '.join(LISTINGS)}"
        raise InvalidRequest(msg)
    return listing


def _filtered(listing: Listing, filters: Mapping[str, SqlValue | None]) -> tuple[list[str], list[SqlValue]]:
    """The predicates of ``filters`` with their values, all checked."""
    predicates: list[str] = []
    params: list[SqlValue] = []
    for name, value in filters.items():
        if value is None:
            continue
        if name not in listing.filters:
            msg = f"/{listing.table} cannot be filtered by {name!r}; its filters: {', '.join(listing.filters)}"
            raise InvalidRequest(msg)
        predicate = listing.filters[name]
        predicates.append(predicate)
        params += [_like(str(value)) if name == "q" else value] * predicate.count("?")
    return predicates, params


def scans(resource: str, filters: Mapping[str, SqlValue | None]) -> bool:
    """Whether a page of ``resource`` may read the whole table: a filter that no index answers is given."""
    return any(filters.get(name) is not None for name in _listing(resource).scanning)


def _read(
    cursor: duckdb.DuckDBPyConnection,
    listing: Listing,
    predicates: list[str],
    params: list[SqlValue],
    order: str,
    limit: int,
) -> tuple[pl.DataFrame, bool]:
    """Up to ``limit`` rows, and whether there are more (one row more than asked tells it, without a count)."""
    where = f" where {' and '.join(predicates)}" if predicates else ""
    columns = columns_of(listing.table)
    sql = f"select {', '.join(columns)} from {listing.table}{where} order by {order} limit ?"
    rows = run_native(cursor, sql, (*params, limit + 1), columns)
    return rows.head(limit), rows.height > limit


def page(
    cursor: duckdb.DuckDBPyConnection,
    resource: str,
    filters: Mapping[str, SqlValue | None],
    *,
    limit: int = DEFAULT_PAGE,
    after: str | None = None,
    sort: str | None = None,
) -> RowsPage:
    """One page of ``resource`` in ``sort`` order (a sort column, ``-column`` descending; default: the key);
    ``after`` is the previous page's ``next``."""
    if not 1 <= limit <= MAX_PAGE:
        msg = f"limit must be between 1 and {MAX_PAGE} (got {limit})"
        raise InvalidRequest(msg)
    listing = _listing(resource)
    column = (sort or listing.key).removeprefix("-")
    if column == listing.key:
        return _by_key(cursor, listing, filters, limit, after)
    if column not in listing.sorts:
        msg = f"/{resource} cannot be sorted by {sort!r}; its orders: {', '.join(listing.orders)}"
        raise InvalidRequest(msg)
    return _sorted(cursor, listing, dict(filters), column, (sort or "").startswith("-"), limit, after)


def _by_key(
    cursor: duckdb.DuckDBPyConnection,
    listing: Listing,
    filters: Mapping[str, SqlValue | None],
    limit: int,
    after: str | None,
) -> RowsPage:
    predicates, params = _filtered(listing, filters)
    if after is not None:
        predicates.append(f"{listing.key} > ?")
        params.append(decode_cursor(after, SORTED_CURSOR_PATTERN)[-1])
    items, more = _read(cursor, listing, predicates, params, listing.key, limit)
    return RowsPage(items, encode_cursor(items[listing.key][-1]) if more else None)


def _sorted(
    cursor: duckdb.DuckDBPyConnection,
    listing: Listing,
    filters: dict[str, SqlValue | None],
    column: str,
    descending: bool,
    limit: int,
    after: str | None,
) -> RowsPage:
    """A page in (column, key) order, both ascending or both descending. After a position, SQLite walks the
    column's index from it: the position's value becomes the range filter's bound on that side when it is the
    tighter one (SQLite bounds an index walk by one bound per side), and the key breaks the ties."""
    declared = schema().types[listing.table][column]
    key, ahead = listing.key, "<" if descending else ">"
    position = decode_cursor(after, SORTED_CURSOR_PATTERN) if after is not None else []
    tie: list[str] = []
    tie_params: list[SqlValue] = []
    if len(position) == 2:
        value = _from_sort_value(declared, position[0])
        if isinstance(value, float) and math.isnan(value):  # no row comes after a position that is not a number
            return RowsPage(_read(cursor, listing, ["false"], [], key, 0)[0], None)
        bound = listing.sorts[column][1 if descending else 0]
        given = filters.get(bound)
        if given is None or (value < given if descending else value > given):  # type: ignore[operator]
            filters[bound] = value
        tie = [f"({column} {ahead} ? or ({column} = ? and {key} {ahead} ?))"]
        tie_params = [value, value, position[1]]
    predicates, params = _filtered(listing, filters)
    direction = " desc" if descending else ""
    order = f"{column}{direction}, {key}{direction}"
    items, more = _read(cursor, listing, predicates + tie, params + tie_params, order, limit)
    if not more:
        return RowsPage(items, None)
    last = items.row(-1, named=True)
    return RowsPage(items, _part(_sort_value(declared, last[column])) + encode_cursor(last[key]))


class WarehouseSwapped(Exception):
    """A rebuild swapped another warehouse in while rows were being read page after page."""


def every_row(
    warehouse: Warehouse, resource: str, filters: Mapping[str, SqlValue | None], rows: int
) -> Iterator[pl.DataFrame]:
    """Every row of ``resource`` matching ``filters``, in key order, ``rows`` at a time, each page read on its own
    (a write can happen between two pages, and the rows after it are read as they are then: no page keeps the
    file locked for the whole walk). The filters and the warehouse are checked at once, before the first page;
    WarehouseSwapped if a rebuild puts another file in place meanwhile: the rows that follow would be another
    build's."""
    listing = _listing(resource)
    predicates, params = _filtered(listing, filters)
    return _walk(warehouse, warehouse.file(), listing, predicates, params, rows)


def _walk(
    warehouse: Warehouse,
    file: tuple[int, int],
    listing: Listing,
    predicates: list[str],
    params: list[SqlValue],
    rows: int,
) -> Iterator[pl.DataFrame]:
    after: list[SqlValue] = []
    while True:
        if warehouse.file() != file:
            raise WarehouseSwapped(listing.table)
        bound = [f"{listing.key} > ?"] if after else []
        with warehouse.lease() as cursor:
            items, more = _read(cursor, listing, predicates + bound, params + after, listing.key, rows)
        yield items
        if not more:
            return
        after = [items[listing.key][-1]]


def positioned(rows: pl.DataFrame, position: int, limit: int) -> RowsPage:
    """A page of an answer paged by position, from its rows ``position`` to ``position + limit`` (one more read, to
    tell whether another page follows)."""
    items = rows.head(limit)
    return RowsPage(items, encode_cursor(position + limit) if rows.height > limit else None)


def position_of(after: str | None) -> int:
    """Where a page of an answer paged by position starts: 0 without a cursor (or with one before the start)."""
    return 0 if after is None else max(0, decode_cursor(after)[0])
