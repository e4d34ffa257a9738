"""The reads pipeline.warehouse.reads added for the dashboard, each against the same answer computed with sqlite3.

``rollup`` sums the daily marts over a date range; it must give what the big tables give. ``page`` walks a list in
any of its orders, ``every_row`` a whole table for an export; walked to the end each must list exactly what sqlite3
lists.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import os
import shutil
import sqlite3
import struct
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import InvalidRequest
from pipeline.schema import schema
from pipeline.warehouse import connection
from pipeline.warehouse.reads import marts, pages, rows
from tests.support.sqlite import day, one

pytestmark = pytest.mark.fast

YEAR_2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
SPRING = (dt.date(2025, 3, 12), dt.date(2025, 5, 20))  # a Wednesday to a Tuesday


def monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


PERIOD = {"day": lambda d: d, "week": monday, "month": lambda d: d.replace(day=1)}


def cents(amount: float) -> int:
    return round(amount * 100)


@pytest.mark.parametrize(("start", "end"), [YEAR_2024, SPRING, (dt.date(2025, 12, 31), dt.date(2025, 12, 31))])
def test_rollup_totals_equal_the_orders_table(
    cursor: duckdb.DuckDBPyConnection, db: sqlite3.Connection, start: dt.date, end: dt.date
) -> None:
    total = marts.rollup(
        cursor, "mart_revenue_daily", sums=("order_count", "revenue"), between={"period_start": (start, end)}
    )
    orders, revenue_cents = one(
        db,
        "SELECT count(*), sum(round(total_amount * 100)) FROM orders WHERE order_date BETWEEN ? AND ?",
        start.isoformat(),
        end.isoformat(),
    )
    assert total.height == 1
    assert total["order_count"][0] == orders > 0
    assert cents(total["revenue"][0]) == revenue_cents


def test_rollup_of_nothing_is_one_row_of_zeros(cursor: duckdb.DuckDBPyConnection) -> None:
    far = (dt.date(1990, 1, 1), dt.date(1990, 12, 31))
    total = marts.rollup(cursor, "mart_revenue_daily", sums=("order_count", "revenue"), between={"period_start": far})
    assert total.rows() == [(0, 0.0, 0)]


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_rollup_per_period_equals_the_orders_table(
    cursor: duckdb.DuckDBPyConnection, db: sqlite3.Connection, grain: str
) -> None:
    start, end = SPRING
    series = marts.rollup(
        cursor, "mart_revenue_daily", sums=("order_count", "revenue"), grain=grain, between={"period_start": SPRING}
    )
    expected_orders: Counter[dt.date] = Counter()
    expected_cents: Counter[dt.date] = Counter()
    for order_date, amount in db.execute(
        "SELECT order_date, total_amount FROM orders WHERE order_date BETWEEN ? AND ?",
        (start.isoformat(), end.isoformat()),
    ):
        period = PERIOD[grain](day(order_date))
        expected_orders[period] += 1
        expected_cents[period] += cents(amount)
    # The daily mart has a row for every day from the first to the last order, so no period is missing.
    assert series["period_start"].to_list() == sorted(expected_orders)
    assert dict(zip(series["period_start"], series["order_count"], strict=True)) == expected_orders
    assert {p: cents(r) for p, r in zip(series["period_start"], series["revenue"], strict=True)} == expected_cents


def test_rollup_by_category_and_by_payment_method(cursor: duckdb.DuckDBPyConnection, db: sqlite3.Connection) -> None:
    start, end = YEAR_2024
    by_category = marts.rollup(
        cursor,
        "mart_category_revenue_daily",
        sums=("order_count", "units", "revenue"),
        by=("category",),
        between={"period_start": YEAR_2024},
    )
    expected = db.execute(
        "SELECT p.category, count(DISTINCT i.order_id), sum(i.quantity), sum(round(i.line_total * 100)) "
        "FROM order_items i JOIN orders o ON o.order_id = i.order_id JOIN products p ON p.product_id = i.product_id "
        "WHERE o.order_date BETWEEN ? AND ? GROUP BY p.category ORDER BY p.category",
        (start.isoformat(), end.isoformat()),
    ).fetchall()
    assert [(c, o, u, cents(r)) for c, o, u, r, _ in by_category.rows()] == expected
    mix = marts.rollup(
        cursor,
        "mart_payment_mix_daily",
        sums=("payment_count", "amount"),
        by=("payment_method",),
        grain="month",
        between={"period_start": YEAR_2024},
    )
    paid = db.execute(
        "SELECT date(payment_date, 'start of month'), payment_method, count(*), sum(round(amount * 100)) "
        "FROM payments WHERE payment_date BETWEEN ? AND ? GROUP BY 1, 2 ORDER BY 1, 2",
        (start.isoformat(), end.isoformat()),
    ).fetchall()
    assert [(p.isoformat(), m, n, cents(a)) for p, m, n, a, _ in mix.rows()] == paid
    assert mix.height == 12 * 3


def test_rollup_of_signups_and_without_a_date(cursor: duckdb.DuckDBPyConnection, db: sqlite3.Connection) -> None:
    weekly = marts.rollup(
        cursor, "mart_signups_daily", sums=("signups",), grain="week", between={"period_start": SPRING}
    )
    expected: Counter[dt.date] = Counter(
        monday(day(d))
        for (d,) in db.execute(
            "SELECT signup_date FROM customers WHERE signup_date BETWEEN ? AND ?",
            (SPRING[0].isoformat(), SPRING[1].isoformat()),
        )
    )
    assert dict(zip(weekly["period_start"], weekly["signups"], strict=True)) == expected
    kinds = marts.rollup(cursor, "mart_anomalies", sums=("total_amount", "payment_lag_days"), by=("kind",))
    grouped = db.execute(
        "SELECT kind, round(sum(total_amount), 2), sum(payment_lag_days), count(*) FROM mart_anomalies "
        "GROUP BY kind ORDER BY kind"
    ).fetchall()
    assert kinds.rows() == grouped


def test_rollup_rejects_what_it_cannot_do(cursor: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InvalidRequest, match="unknown mart"):
        marts.rollup(cursor, "orders", sums=("total_amount",))
    with pytest.raises(InvalidRequest, match="has no column nope"):
        marts.rollup(cursor, "mart_revenue_daily", sums=("nope",))
    with pytest.raises(InvalidRequest, match="grain must be one of"):
        marts.rollup(cursor, "mart_revenue_daily", sums=("revenue",), grain="year")
    with pytest.raises(InvalidRequest, match="is not a date"):
        marts.rollup(cursor, "mart_anomalies", sums=("total_amount",), grain="month", date="kind")


def test_data_window(cursor: duckdb.DuckDBPyConnection, db: sqlite3.Connection) -> None:
    first, last = one(
        db,
        "SELECT min(d), max(d) FROM (SELECT order_date AS d FROM orders UNION ALL SELECT payment_date FROM payments "
        "UNION ALL SELECT signup_date FROM customers)",
    )
    assert marts.data_window(cursor) == (day(str(first)), day(str(last)))


def _walk(
    cursor: duckdb.DuckDBPyConnection,
    resource: str,
    filters: dict[str, connection.SqlValue | None],
    limit: int,
    sort: str,
) -> list[int]:
    key = schema().primary_keys[resource]
    seen: list[int] = []
    after = None
    while True:
        page = pages.page(cursor, resource, filters, limit=limit, after=after, sort=sort)
        assert page.items.height <= limit
        seen += page.items[key].to_list()
        if page.next is None:
            return seen
        assert page.items.height == limit
        after = page.next


# Every order of every list: (resource, sort, the same order in SQLite's words). Ties are many (a day holds several
# orders, a price several products), so pages end inside them.
SORTS = [
    ("orders", "order_id", "order_id"),
    ("orders", "order_date", "order_date, order_id"),
    ("orders", "-order_date", "order_date DESC, order_id DESC"),
    ("orders", "total_amount", "total_amount, order_id"),
    ("orders", "-total_amount", "total_amount DESC, order_id DESC"),
    ("customers", "signup_date", "signup_date, customer_id"),
    ("customers", "-signup_date", "signup_date DESC, customer_id DESC"),
    ("products", "price", "price, product_id"),
    ("products", "-price", "price DESC, product_id DESC"),
]


@pytest.mark.parametrize(("resource", "sort", "order"), SORTS, ids=[f"{r}{s}" for r, s, _ in SORTS])
def test_a_sorted_list_walked_to_the_end_is_every_row_in_order(
    cursor: duckdb.DuckDBPyConnection, db: sqlite3.Connection, resource: str, sort: str, order: str
) -> None:
    key = schema().primary_keys[resource]
    expected = [r[0] for r in db.execute(f"SELECT {key} FROM {resource} ORDER BY {order}")]
    assert len(expected) == len(set(expected)) > 500
    # 37 divides no count: pages end inside runs of equal values.
    assert _walk(cursor, resource, {}, 37, sort) == expected


def test_sorted_pages_keep_the_filters(cursor: duckdb.DuckDBPyConnection, db: sqlite3.Connection) -> None:
    start, end = SPRING
    newest = [
        r[0]
        for r in db.execute(
            "SELECT order_id FROM orders WHERE order_date BETWEEN ? AND ? ORDER BY order_date DESC, order_id DESC",
            (start.isoformat(), end.isoformat()),
        )
    ]
    assert _walk(cursor, "orders", {"date_from": start, "date_to": end}, 37, "-order_date") == newest
    (customer_id,) = one(db, "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1")
    mine = [
        r[0]
        for r in db.execute(
            "SELECT order_id FROM orders WHERE customer_id = ? ORDER BY total_amount DESC, order_id DESC",
            (customer_id,),
        )
    ]
    assert len(mine) >= 10
    assert _walk(cursor, "orders", {"customer_id": customer_id}, 4, "-total_amount") == mine
    cheap = [
        r[0]
        for r in db.execute(
            "SELECT product_id FROM products WHERE price BETWEEN 10 AND 60 AND category = 'Books' "
            "ORDER BY price, product_id"
        )
    ]
    found = _walk(cursor, "products", {"min_price": 10.0, "max_price": 60.0, "category": "Books"}, 3, "price")
    assert found == cheap != []


def test_any_cursor_of_the_documented_form_is_a_position(
    cursor: duckdb.DuckDBPyConnection, db: sqlite3.Connection
) -> None:
    """Every 11- or 22-character cursor pages without an error; one without a sort value restarts a sorted list,
    one whose value is not a number (a NaN's bits) is past the end."""
    first = pages.page(cursor, "orders", {}, limit=5, sort="total_amount")
    restarted = pages.page(cursor, "orders", {}, limit=5, sort="total_amount", after=pages.encode_cursor(10))
    assert restarted.items.rows() == first.items.rows()
    nan = base64.urlsafe_b64encode(struct.pack(">d", math.nan)).decode().rstrip("=") + pages.encode_cursor(1)
    assert pages.page(cursor, "orders", {}, sort="-total_amount", after=nan).items.is_empty()
    for odd in ("_" * 22, "A" * 22, "-" * 11, "zzzzzzzzzzz"):
        for resource, sort, _ in SORTS:
            pages.page(cursor, resource, {}, limit=2, sort=sort, after=odd)
    key_part = pages.page(cursor, "orders", {}, limit=3, after="A" * 11 + pages.encode_cursor(100))
    assert key_part.items["order_id"].to_list() == [101, 102, 103]  # in key order only the key counts
    (days,) = one(db, "SELECT count(DISTINCT order_date) FROM orders")
    assert days > 300


def test_pages_refuse_what_they_cannot_do(cursor: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InvalidRequest, match="cannot be sorted by 'price'"):
        pages.page(cursor, "orders", {}, sort="price")
    with pytest.raises(InvalidRequest, match="cannot be filtered by 'email'"):
        pages.page(cursor, "orders", {"email": "a@b.c"}, sort="-order_date")
    with pytest.raises(InvalidRequest, match="limit must be between"):
        pages.page(cursor, "orders", {}, limit=0)
    with pytest.raises(InvalidRequest, match="is not a cursor"):
        pages.page(cursor, "orders", {}, after="short")


@pytest.mark.parametrize("resource", ["customers", "products", "orders", "order_items", "payments"])
def test_every_row_is_the_table_in_key_order(
    warehouse: connection.Warehouse, db: sqlite3.Connection, resource: str
) -> None:
    columns = ", ".join(schema().columns[resource])
    expected = db.execute(f"SELECT {columns} FROM {resource} ORDER BY rowid").fetchall()
    walked = list(pages.every_row(warehouse, resource, {}, 999))
    assert [page.height for page in walked[:-1]] == [999] * (len(walked) - 1)
    rows_read = [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row) for p in walked for row in p.rows()]
    assert rows_read == expected


def test_every_row_keeps_the_filters(warehouse: connection.Warehouse, db: sqlite3.Connection) -> None:
    (order_id,) = one(db, "SELECT order_id FROM order_items GROUP BY order_id ORDER BY count(*) DESC LIMIT 1")
    lines = [
        r[0] for r in db.execute("SELECT order_item_id FROM order_items WHERE order_id = ? ORDER BY 1", (order_id,))
    ]
    found = [
        k for p in pages.every_row(warehouse, "order_items", {"order_id": order_id}, 2) for k in p["order_item_id"]
    ]
    assert found == lines
    assert len(lines) > 2


def test_every_row_stops_when_another_warehouse_is_swapped_in(tmp_path: Path, warehouse_path: Path) -> None:
    """The walk reads page after page; a file renamed into place meanwhile (a rebuild's swap) ends it."""
    copy = tmp_path / "warehouse.sqlite"
    shutil.copyfile(warehouse_path, copy)
    with connection.Warehouse(copy) as opened:
        walked = pages.every_row(opened, "customers", {}, 500)
        assert next(walked).height == 500
        replacement = tmp_path / "next.sqlite"
        shutil.copyfile(copy, replacement)
        os.replace(replacement, copy)
        with pytest.raises(pages.WarehouseSwapped):
            next(walked)
    with connection.Warehouse(copy) as opened:  # the negative control: without a swap the walk ends normally
        assert sum(p.height for p in pages.every_row(opened, "customers", {}, 500)) == 2000


def test_products_by_id(cursor: duckdb.DuckDBPyConnection, db: sqlite3.Connection) -> None:
    found = rows.products_by_id(cursor, [7, 3, 7, 999_999])
    assert (
        found.rows() == db.execute("SELECT * FROM products WHERE product_id IN (3, 7) ORDER BY product_id").fetchall()
    )
    assert rows.products_by_id(cursor, []).is_empty()
    with pytest.raises(InvalidRequest, match="at most"):
        rows.products_by_id(cursor, list(range(pages.MAX_PAGE + 1)))


def test_rows_by_key_are_read_for_many_keys_at_once(cursor: duckdb.DuckDBPyConnection, db: sqlite3.Connection) -> None:
    named = db.cursor()  # rows as dicts, without changing the shared connection
    named.row_factory = sqlite3.Row
    asked = [7, 3, 7, 999_999, 1]  # a key twice, one that does not exist
    customers = rows.customers_by_key(cursor, asked)
    assert sorted(customers) == [1, 3, 7]
    for key, found in customers.items():
        expected = dict(named.execute("SELECT * FROM customers WHERE customer_id = ?", (key,)).fetchone())
        count, spend = db.execute(
            "SELECT count(*), round(coalesce(sum(total_amount), 0), 2) FROM orders WHERE customer_id = ?", (key,)
        ).fetchone()
        assert found == {**expected, "signup_date": day(expected["signup_date"]), "order_count": count,
                         "total_spend": spend}  # fmt: skip
    products = rows.products_by_key(cursor, asked)
    assert {k: tuple(v.values()) for k, v in products.items()} == {
        k: tuple(db.execute("SELECT * FROM products WHERE product_id = ?", (k,)).fetchone()) for k in (1, 3, 7)
    }
    orders = rows.orders_by_key(cursor, asked)
    assert sorted(orders) == [1, 3, 7]
    for key, found in orders.items():
        lines = named.execute("SELECT * FROM order_items WHERE order_id = ? ORDER BY order_item_id", (key,)).fetchall()
        assert found["items"] == [dict(line) for line in lines]
        (payment,) = named.execute("SELECT * FROM payments WHERE order_id = ?", (key,)).fetchall()
        assert found["payment"] == {**dict(payment), "payment_date": day(payment["payment_date"])}
        assert found == rows.order(cursor, key)  # one key is the same read
    assert rows.customers_by_key(cursor, []) == {}
    with pytest.raises(InvalidRequest, match="at most 1000 keys"):
        rows.orders_by_key(cursor, list(range(1, rows.MAX_ROWS_BY_KEY + 2)))


def test_mart_columns_and_a_composite_key(cursor: duckdb.DuckDBPyConnection, db: sqlite3.Connection) -> None:
    chosen = marts.mart(cursor, "mart_anomalies", columns=("order_id", "kind"), order_by="order_id")
    assert chosen.columns == ["order_id", "kind"]
    assert chosen.rows() == db.execute("SELECT order_id, kind FROM mart_anomalies ORDER BY order_id").fetchall()
    # Ties of the order are broken by the whole key: (cohort_month, months_since_signup).
    cohorts = marts.mart(cursor, "mart_signup_cohorts", order_by="-cohort_size", limit=20)
    expected = db.execute(
        "SELECT cohort_month, months_since_signup FROM mart_signup_cohorts "
        "ORDER BY cohort_size DESC, cohort_month, months_since_signup LIMIT 20"
    ).fetchall()
    assert [(m.isoformat(), n) for m, n in cohorts.select("cohort_month", "months_since_signup").rows()] == expected
    groups: defaultdict[str, int] = defaultdict(int)
    for (kind,) in db.execute("SELECT kind FROM mart_anomalies"):
        groups[kind] += 1
    kinds = marts.rollup(cursor, "mart_anomalies", by=("kind",))
    assert dict(kinds.select("kind", "row_count").rows()) == groups
