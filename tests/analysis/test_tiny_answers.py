"""Every query over the tiny hand-made shop: answers worked out on paper, and the golden answer files.

The shop (see analysis_support.py): Ann orders 28.00, 25.50 and 18.00 (the last paid 40 days late), Bob 26.00
and 51.00 (underpaid 45.00), Cid 360.00 (30 balls) and four 8.00 orders on one day; Dee never orders.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import polars as pl
import pytest
from analysis_support import ANSWERS_DIR
from polars.testing import assert_frame_equal

from pipeline.analysis.queries import all_queries, get_query

D = dt.date


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pl.DataFrame:
    query = get_query(name)
    return query.run(con, query.bind(params))


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    return frame.select(columns).rows()


@pytest.mark.parametrize("name", list(all_queries()))
def test_matches_the_golden_answer(tiny_lake: duckdb.DuckDBPyConnection, name: str) -> None:
    expected = pl.read_parquet(ANSWERS_DIR / f"{name}.parquet")
    assert_frame_equal(run(tiny_lake, name), expected, check_exact=True)


@pytest.mark.parametrize("name", list(all_queries()))
def test_warehouse_gives_the_same_answer(
    tiny_lake: duckdb.DuckDBPyConnection, tiny_warehouse: duckdb.DuckDBPyConnection, name: str
) -> None:
    assert_frame_equal(run(tiny_warehouse, name), run(tiny_lake, name), check_exact=True)


def test_top_customers(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    result = run(tiny_lake, "top_customers")
    assert rows(result, "spend_rank", "first_name", "order_count", "total_spend", "avg_order_value") == [
        (1, "Cid", 5, 392.0, 78.4),
        (2, "Bob", 2, 77.0, 38.5),
        (3, "Ann", 3, 71.5, 23.83),
    ]
    assert run(tiny_lake, "top_customers", limit=1)["first_name"].to_list() == ["Cid"]
    # February only: Cid 360.00, Ann 25.50 and Bob 26.00.
    february = run(tiny_lake, "top_customers", start_date=D(2025, 2, 1), end_date=D(2025, 2, 28))
    assert rows(february, "first_name", "total_spend") == [("Cid", 360.0), ("Bob", 26.0), ("Ann", 25.5)]


def test_top_products_by_revenue_and_by_units(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    by_revenue = run(tiny_lake, "top_products")
    assert rows(by_revenue, "name", "revenue", "units", "order_count") == [
        ("Ball", 360.0, 30, 1),
        ("Gadget", 76.5, 3, 2),
        ("Novel", 64.0, 8, 7),
        ("Widget", 40.0, 4, 3),
    ]
    by_units = run(tiny_lake, "top_products", rank_by="units", limit=3)
    assert by_units["name"].to_list() == ["Ball", "Novel", "Widget"]


def test_category_revenue(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    result = run(tiny_lake, "category_revenue")
    assert rows(result, "category", "revenue", "order_count", "units", "revenue_share") == [
        ("Sports", 360.0, 1, 30, 0.666),  # 360 / 540.5
        ("Electronics", 116.5, 5, 7, 0.2155),
        ("Books", 64.0, 7, 8, 0.1184),
    ]


def test_revenue_by_month_week_and_day(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    monthly = run(tiny_lake, "revenue_timeseries", grain="month")
    assert rows(monthly, "period_start", "order_count", "customer_count", "revenue", "avg_order_value") == [
        (D(2025, 1, 1), 1, 1, 28.0, 28.0),
        (D(2025, 2, 1), 3, 3, 411.5, 137.17),
        (D(2025, 3, 1), 6, 3, 101.0, 16.83),
    ]
    weekly = run(tiny_lake, "revenue_timeseries", grain="week")
    # ISO weeks from Monday 2024-12-30 (Sunday 2025-01-05 belongs to it) to Monday 2025-03-17, gaps as zeros.
    assert weekly.height == 12
    assert weekly.row(0) == (D(2024, 12, 30), 1, 1, 28.0, 28.0)
    assert weekly.row(1) == (D(2025, 1, 6), 0, 0, 0.0, 0.0)
    assert weekly.row(-1) == (D(2025, 3, 17), 4, 1, 32.0, 8.0)
    daily = run(tiny_lake, "revenue_timeseries", grain="day")
    assert daily.height == 75  # 2025-01-05 .. 2025-03-20
    assert daily["revenue"].sum() == pytest.approx(540.5)
    assert daily.filter(pl.col("period_start") == D(2025, 2, 3)).row(0) == (D(2025, 2, 3), 2, 2, 51.5, 25.75)


def test_customer_aov(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    result = run(tiny_lake, "customer_aov")
    assert rows(result, "first_name", "order_count", "avg_order_value", "first_order_date", "last_order_date") == [
        ("Ann", 3, 23.83, D(2025, 1, 5), D(2025, 3, 11)),
        ("Bob", 2, 38.5, D(2025, 2, 3), D(2025, 3, 10)),
        ("Cid", 5, 78.4, D(2025, 2, 15), D(2025, 3, 20)),
    ]
    assert run(tiny_lake, "customer_aov", min_orders=3)["first_name"].to_list() == ["Ann", "Cid"]


def test_anomalies_find_each_planted_kind(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    result = run(tiny_lake, "anomalies")
    assert rows(result, "order_id", "kind") == [
        (4, "extreme_amount"),
        (5, "payment_mismatch"),
        (6, "late_payment"),
        (7, "burst"),
        (8, "burst"),
        (9, "burst"),
        (10, "burst"),
    ]
    assert rows(result.filter(pl.col("order_id") == 5), "total_amount", "paid_amount") == [(51.0, 45.0)]
    # Thresholds are parameters: a burst of four is not a burst of five, 40 days is not late at 41.
    stricter = run(tiny_lake, "anomalies", burst_orders=5, late_days=41, extreme_quantity=31)
    assert rows(stricter, "order_id", "kind") == [(5, "payment_mismatch")]


def test_power_users(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    assert run(tiny_lake, "power_users").is_empty()  # nobody has 10 orders
    result = run(tiny_lake, "power_users", min_orders=3)
    assert rows(result, "power_rank", "first_name", "order_count", "active_months", "orders_per_active_month") == [
        (1, "Cid", 5, 2, 2.5),
        (2, "Ann", 3, 3, 1.0),
    ]
    assert result["spend_share"].to_list() == [round(392 / 540.5, 6), round(71.5 / 540.5, 6)]


def test_signup_cohorts(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    result = run(tiny_lake, "signup_cohorts")
    assert rows(result, "cohort_month", "months_since_signup", "cohort_size", "active_customers") == [
        (D(2025, 1, 1), 0, 2, 1),  # Ann ordered in January, Bob not until February
        (D(2025, 1, 1), 1, 2, 2),
        (D(2025, 1, 1), 2, 2, 2),
        (D(2025, 2, 1), 0, 1, 1),
        (D(2025, 2, 1), 1, 1, 1),
        (D(2025, 3, 1), 0, 1, 0),  # Dee
    ]
    assert result["retention_rate"].to_list() == [0.5, 1.0, 1.0, 1.0, 1.0, 0.0]
    assert run(tiny_lake, "signup_cohorts", max_months=0).height == 3


def test_rfm_segments(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    result = run(tiny_lake, "rfm_segments")
    assert rows(result, "customer_id", "recency_days", "rfm_code", "segment") == [
        (1, 9, "221", "hibernating"),
        (2, 10, "112", "hibernating"),
        (3, 0, "333", "loyal"),
    ]
    # As of 2025-02-28 only Ann, Bob and Cid's first orders count.
    early = run(tiny_lake, "rfm_segments", as_of=D(2025, 2, 28))
    assert rows(early, "customer_id", "order_count", "recency_days") == [(1, 2, 25), (2, 1, 25), (3, 1, 13)]


def test_repeat_purchase_rate(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    result = run(tiny_lake, "repeat_purchase_rate")
    assert rows(result, "first_order_month", "new_buyers", "repeat_buyers", "repeat_rate") == [
        (D(2025, 1, 1), 1, 1, 1.0),
        (D(2025, 2, 1), 2, 2, 1.0),
    ]
    # Ann came back after 29 days, Bob after 35, Cid after 33.
    within_30 = run(tiny_lake, "repeat_purchase_rate", window_days=30)
    assert rows(within_30, "repeat_buyers", "repeat_rate") == [(1, 1.0), (0, 0.0)]


def test_bought_together(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    result = run(tiny_lake, "bought_together")
    # Widget and Novel share orders 1, 3 and 6; Widget is in 3 of 10 orders, Novel in 7.
    assert result.rows() == [(1, "Widget", 3, "Novel", 3, 0.3, 1.0, round(3 * 10 / (3 * 7), 2))]
    assert run(tiny_lake, "bought_together", min_orders=4).is_empty()


def test_payment_mix(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    result = run(tiny_lake, "payment_mix")
    assert rows(result, "period_start", "payment_method", "payment_count", "amount", "count_share") == [
        (D(2025, 1, 1), "card", 1, 28.0, 1.0),
        (D(2025, 2, 1), "card", 2, 386.0, 0.6667),
        (D(2025, 2, 1), "paypal", 1, 25.5, 0.3333),
        (D(2025, 3, 1), "bank", 1, 45.0, 0.2),
        (D(2025, 3, 1), "card", 4, 32.0, 0.8),
        (D(2025, 4, 1), "bank", 1, 18.0, 1.0),  # Ann's late payment lands in April
    ]


def test_signups(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    # Ann 01-05 and Bob 01-20, Cid 02-10, Dee 03-01 (Dee counts although she never orders).
    assert rows(run(tiny_lake, "signups"), "period_start", "signups") == [
        (D(2025, 1, 1), 2),
        (D(2025, 2, 1), 1),
        (D(2025, 3, 1), 1),
    ]
    # ISO weeks: Sunday 01-05 belongs to the week of Monday 2024-12-30, Saturday 03-01 to that of 02-24.
    assert rows(run(tiny_lake, "signups", grain="week"), "period_start", "signups") == [
        (D(2024, 12, 30), 1),
        (D(2025, 1, 20), 1),
        (D(2025, 2, 10), 1),
        (D(2025, 2, 24), 1),
    ]
    daily = run(tiny_lake, "signups", grain="day", start_date=D(2025, 1, 6), end_date=D(2025, 2, 28))
    assert rows(daily, "period_start", "signups") == [(D(2025, 1, 20), 1), (D(2025, 2, 10), 1)]


def test_category_revenue_timeseries(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    result = run(tiny_lake, "category_revenue_timeseries")
    assert rows(result, "period_start", "category", "order_count", "units", "revenue") == [
        (D(2025, 1, 1), "Books", 1, 1, 8.0),  # order 1: one novel
        (D(2025, 1, 1), "Electronics", 1, 2, 20.0),  # order 1: two widgets
        (D(2025, 2, 1), "Books", 1, 2, 16.0),  # order 3: two novels
        (D(2025, 2, 1), "Electronics", 2, 2, 35.5),  # orders 2 (a gadget) and 3 (a widget)
        (D(2025, 2, 1), "Sports", 1, 30, 360.0),  # order 4: thirty balls
        (D(2025, 3, 1), "Books", 5, 5, 40.0),  # orders 6 to 10, a novel each
        (D(2025, 3, 1), "Electronics", 2, 3, 61.0),  # orders 5 (two gadgets) and 6 (a widget)
    ]
    # Summed over the periods, each category's orders, units and revenue are those of category_revenue.
    totals = result.group_by("category").agg(pl.col("order_count", "units", "revenue").sum()).sort("category")
    whole = run(tiny_lake, "category_revenue").sort("category")
    assert totals.rows() == whole.select(totals.columns).rows()
    march_20 = run(tiny_lake, "category_revenue_timeseries", grain="day", start_date=D(2025, 3, 20))
    assert rows(march_20, "period_start", "category", "order_count", "revenue") == [(D(2025, 3, 20), "Books", 4, 32.0)]


def test_price_distribution(tiny_lake: duckdb.DuckDBPyConnection) -> None:
    result = run(tiny_lake, "price_distribution")
    # Electronics: 10.00 and 25.50; the quartiles lie a quarter, a half and three quarters of the way between.
    assert result.rows() == [
        ("Books", 1, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0),
        ("Electronics", 2, 10.0, 13.88, 17.75, 21.63, 25.5, 17.75),  # 13.875 and 21.625, rounded half up
        ("Sports", 1, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0),
    ]
