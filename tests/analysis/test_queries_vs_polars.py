"""Each query at scale 1 against an independent Polars computation of the same answer (reference.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import polars as pl
import pytest
import reference
from analysis_support import Built
from polars.testing import assert_frame_equal

from pipeline.analysis.queries import get_query

ALL_TIME = (dt.date(1900, 1, 1), dt.date(9999, 12, 31))
YEAR_2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


@pytest.fixture(scope="module")
def shop(scale1: Built) -> reference.Shop:
    return reference.Shop(*(scale1.table(t) for t in ("customers", "products", "orders", "order_items", "payments")))


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pl.DataFrame:
    query = get_query(name)
    return query.run(con, query.bind(params))


def same(actual: pl.DataFrame, expected: pl.DataFrame) -> None:
    assert expected.height > 0, "the reference is empty, so the comparison would prove nothing"
    # Floats differ only in the last bit (cents / 100 here, decimal to double in DuckDB); all else is exact.
    assert_frame_equal(actual.select(expected.columns), expected, check_exact=False, rel_tol=1e-12, abs_tol=1e-9)


@pytest.mark.parametrize(("start", "end", "limit"), [(*ALL_TIME, 10), (*YEAR_2024, 25)])
def test_top_customers(
    lake1: duckdb.DuckDBPyConnection, shop: reference.Shop, start: dt.date, end: dt.date, limit: int
) -> None:
    actual = run(lake1, "top_customers", start_date=start, end_date=end, limit=limit)
    same(actual, reference.top_customers(shop, start, end, limit))


@pytest.mark.parametrize("rank_by", ["revenue", "units"])
@pytest.mark.parametrize(("start", "end"), [ALL_TIME, YEAR_2024])
def test_top_products(
    lake1: duckdb.DuckDBPyConnection, shop: reference.Shop, rank_by: str, start: dt.date, end: dt.date
) -> None:
    actual = run(lake1, "top_products", start_date=start, end_date=end, rank_by=rank_by, limit=50)
    same(actual, reference.top_products(shop, start, end, rank_by, 50))


@pytest.mark.parametrize(("start", "end"), [ALL_TIME, YEAR_2024])
def test_category_revenue(lake1: duckdb.DuckDBPyConnection, shop: reference.Shop, start: dt.date, end: dt.date) -> None:
    same(run(lake1, "category_revenue", start_date=start, end_date=end), reference.category_revenue(shop, start, end))


@pytest.mark.parametrize("grain", ["day", "week", "month"])
@pytest.mark.parametrize(("start", "end"), [ALL_TIME, YEAR_2024])
def test_revenue_timeseries(
    lake1: duckdb.DuckDBPyConnection, shop: reference.Shop, grain: str, start: dt.date, end: dt.date
) -> None:
    actual = run(lake1, "revenue_timeseries", start_date=start, end_date=end, grain=grain)
    same(actual, reference.revenue_timeseries(shop, start, end, grain))


@pytest.mark.parametrize(("start", "end", "min_orders"), [(*ALL_TIME, 1), (*YEAR_2024, 3)])
def test_customer_aov(
    lake1: duckdb.DuckDBPyConnection, shop: reference.Shop, start: dt.date, end: dt.date, min_orders: int
) -> None:
    actual = run(lake1, "customer_aov", start_date=start, end_date=end, min_orders=min_orders)
    same(actual, reference.customer_aov(shop, start, end, min_orders))


@pytest.mark.parametrize(("late_days", "extreme_quantity", "burst_orders"), [(20, 10, 4), (3, 3, 2)])
def test_anomalies(
    lake1: duckdb.DuckDBPyConnection, shop: reference.Shop, late_days: int, extreme_quantity: int, burst_orders: int
) -> None:
    actual = run(lake1, "anomalies", late_days=late_days, extreme_quantity=extreme_quantity, burst_orders=burst_orders)
    expected = reference.anomalies(shop, 1, late_days, extreme_quantity, burst_orders)
    assert expected
    assert set(actual.select("order_id", "kind").iter_rows()) == expected
    assert actual["order_id"].is_unique().all()


@pytest.mark.parametrize(("min_orders", "limit"), [(10, 100), (3, 40)])
def test_power_users(lake1: duckdb.DuckDBPyConnection, shop: reference.Shop, min_orders: int, limit: int) -> None:
    actual = run(lake1, "power_users", min_orders=min_orders, limit=limit)
    same(actual, reference.power_users(shop, min_orders, limit))


@pytest.mark.parametrize("max_months", [0, 12, 40])
def test_signup_cohorts(lake1: duckdb.DuckDBPyConnection, shop: reference.Shop, max_months: int) -> None:
    same(run(lake1, "signup_cohorts", max_months=max_months), reference.signup_cohorts(shop, max_months))


def test_rfm_segments(lake1: duckdb.DuckDBPyConnection, shop: reference.Shop) -> None:
    actual = run(lake1, "rfm_segments")
    same(actual, reference.rfm_segments(shop))
    assert set(actual["segment"]) >= {"champions", "loyal", "new", "hibernating"}


@pytest.mark.parametrize("window_days", [30, 90, 365])
def test_repeat_purchase_rate(lake1: duckdb.DuckDBPyConnection, shop: reference.Shop, window_days: int) -> None:
    same(run(lake1, "repeat_purchase_rate", window_days=window_days), reference.repeat_purchase_rate(shop, window_days))


@pytest.mark.parametrize(("min_orders", "limit"), [(2, 20), (5, 1000)])
def test_bought_together(lake1: duckdb.DuckDBPyConnection, shop: reference.Shop, min_orders: int, limit: int) -> None:
    same(
        run(lake1, "bought_together", min_orders=min_orders, limit=limit),
        reference.bought_together(shop, min_orders, limit),
    )


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_payment_mix(lake1: duckdb.DuckDBPyConnection, shop: reference.Shop, grain: str) -> None:
    same(run(lake1, "payment_mix", grain=grain), reference.payment_mix(shop, grain))
