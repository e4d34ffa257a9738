"""Keyset pages of the three listed resources: filters from a fixed allow-list per resource, rows ordered by the
key (or newest orders first), an opaque cursor holding the last position, so a deep page costs what the first does.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from pipeline.errors import InvalidRequest
from pipeline.schema import schema
from pipeline.warehouse.connection import SqlValue, run_native
from pipeline.warehouse.reads.rows import columns_of

MAX_PAGE = 1000
DEFAULT_PAGE = 50


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
class RowsPage:
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


def _filtered(
    resource: str, filters: Mapping[str, SqlValue | None], limit: int
) -> tuple[Listing, list[str], list[SqlValue]]:
    """The listing of ``resource`` and the predicates of ``filters`` with their values, all checked."""
    listing = LISTINGS.get(resource)
    if listing is None:
        msg = f"unknown resource {resource!r}; one of {', '.join(LISTINGS)}"
        raise InvalidRequest(msg)
    if not 1 <= limit <= MAX_PAGE:
        msg = f"limit must be between 1 and {MAX_PAGE} (got {limit})"
        raise InvalidRequest(msg)
    predicates: list[str] = []
    params: list[SqlValue] = []
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
    params: list[SqlValue],
    order: str,
    limit: int,
    next_cursor: Callable[[dict[str, Any]], str],
) -> RowsPage:
    where = f" WHERE {' AND '.join(predicates)}" if predicates else ""
    columns = columns_of(listing.table)
    sql = f"SELECT {', '.join(columns)} FROM {listing.table}{where} ORDER BY {order} LIMIT ?"
    # One row more than asked says whether there is a next page without a count.
    rows = run_native(cursor, sql, (*params, limit + 1), columns)
    items = rows.head(limit)
    return RowsPage(items, next_cursor(items.row(-1, named=True)) if rows.height > limit else None)


def page(
    cursor: duckdb.DuckDBPyConnection,
    resource: str,
    filters: Mapping[str, SqlValue | None],
    *,
    limit: int = DEFAULT_PAGE,
    after: str | None = None,
) -> RowsPage:
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
    filters: Mapping[str, SqlValue | None],
    *,
    limit: int = DEFAULT_PAGE,
    after: str | None = None,
) -> RowsPage:
    """One page of orders, newest first (order_date, then order_id, both descending), with the filters of
    ``page("orders", ...)``; ``after`` is the previous page's ``next``.

    SQLite walks its order_date index backwards from the end of the range and stops at the end of the page, so
    the first page of three years costs what the first page of a day does.
    """
    filters = dict(filters)
    after_key: list[SqlValue] = []
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
