"""Each query at scale 1 against an independent Polars computation of the same answer (reference.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import polars as pl
import pytest

from pipeline.analysis.queries import get_query
from tests.support import reference
from tests.support.reference import same

pytestmark = pytest.mark.fast

ALL_TIME = reference.ALL_TIME
YEAR_2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pl.DataFrame:
    query = get_query(name)
    return query.run(con, query.bind(params))


@pytest.mark.parametrize(("start", "end", "limit"), [(*ALL_TIME, 10), (*YEAR_2024, 25)])
def test_top_customers(
    lake1: duckdb.DuckDBPyConnection, shop1: reference.Shop, start: dt.date, end: dt.date, limit: int
) -> None:
    actual = run(lake1, "top_customers", start_date=start, end_date=end, limit=limit)
    same(actual, reference.top_customers(shop1, start, end, limit))


@pytest.mark.parametrize("rank_by", ["revenue", "units"])
@pytest.mark.parametrize(("start", "end"), [ALL_TIME, YEAR_2024])
def test_top_products(
    lake1: duckdb.DuckDBPyConnection, shop1: reference.Shop, rank_by: str, start: dt.date, end: dt.date
) -> None:
    actual = run(lake1, "top_products", start_date=start, end_date=end, rank_by=rank_by, limit=50)
    same(actual, reference.top_products(shop1, start, end, rank_by, 50))


@pytest.mark.parametrize(("start", "end"), [ALL_TIME, YEAR_2024])
def test_category_revenue(
    lake1: duckdb.DuckDBPyConnection, shop1: reference.Shop, start: dt.date, end: dt.date
) -> None:
    same(run(lake1, "category_revenue", start_date=start, end_date=end), reference.category_revenue(shop1, start, end))


@pytest.mark.parametrize("grain", ["day", "week", "month"])
@pytest.mark.parametrize(("start", "end"), [ALL_TIME, YEAR_2024])
def test_revenue_timeseries(
    lake1: duckdb.DuckDBPyConnection, shop1: reference.Shop, grain: str, start: dt.date, end: dt.date
) -> None:
    actual = run(lake1, "revenue_timeseries", start_date=start, end_date=end, grain=grain)
    same(actual, reference.revenue_timeseries(shop1, start, end, grain))


@pytest.mark.parametrize(("start", "end", "min_orders"), [(*ALL_TIME, 1), (*YEAR_2024, 3)])
def test_customer_aov(
    lake1: duckdb.DuckDBPyConnection, shop1: reference.Shop, start: dt.date, end: dt.date, min_orders: int
) -> None:
    actual = run(lake1, "customer_aov", start_date=start, end_date=end, min_orders=min_orders)
    same(actual, reference.customer_aov(shop1, start, end, min_orders))


# Loose thresholds flag many orders for several reasons at once: `kind` then follows the rules' order.
ANOMALY_CASES = [(*ALL_TIME, 20, 10, 4), (*ALL_TIME, 3, 3, 2), (*YEAR_2024, 20, 10, 4)]


@pytest.mark.parametrize(("start", "end", "late_days", "extreme_quantity", "burst_orders"), ANOMALY_CASES)
def test_anomalies(
    lake1: duckdb.DuckDBPyConnection,
    shop1: reference.Shop,
    start: dt.date,
    end: dt.date,
    late_days: int,
    extreme_quantity: int,
    burst_orders: int,
) -> None:
    params = {"late_days": late_days, "extreme_quantity": extreme_quantity, "burst_orders": burst_orders}
    actual = run(lake1, "anomalies", start_date=start, end_date=end, **params)
    expected = reference.anomalies(shop1, start, end, 1, late_days, extreme_quantity, burst_orders)
    same(actual, expected)
    if burst_orders == 2:
        assert expected["reasons"].str.contains(",").any(), "no order with two reasons: the reasons go untested"


@pytest.mark.parametrize(
    ("start", "end", "min_orders", "limit"), [(*ALL_TIME, 10, 100), (*ALL_TIME, 3, 40), (*YEAR_2024, 4, 100)]
)
def test_power_users(
    lake1: duckdb.DuckDBPyConnection, shop1: reference.Shop, start: dt.date, end: dt.date, min_orders: int, limit: int
) -> None:
    actual = run(lake1, "power_users", start_date=start, end_date=end, min_orders=min_orders, limit=limit)
    same(actual, reference.power_users(shop1, start, end, min_orders, limit))


@pytest.mark.parametrize("max_months", [0, 12, 40])
def test_signup_cohorts(lake1: duckdb.DuckDBPyConnection, shop1: reference.Shop, max_months: int) -> None:
    same(run(lake1, "signup_cohorts", max_months=max_months), reference.signup_cohorts(shop1, max_months))


@pytest.mark.parametrize("as_of", [None, dt.date(2024, 6, 30)])
def test_rfm_segments(lake1: duckdb.DuckDBPyConnection, shop1: reference.Shop, as_of: dt.date | None) -> None:
    actual = run(lake1, "rfm_segments", as_of=as_of)
    same(actual, reference.rfm_segments(shop1, as_of))
    segments = {"champions", "loyal", "new", "at_risk", "hibernating", "needs_attention"}
    assert set(actual["segment"]) == segments


@pytest.mark.parametrize("window_days", [30, 90, 365])
def test_repeat_purchase_rate(lake1: duckdb.DuckDBPyConnection, shop1: reference.Shop, window_days: int) -> None:
    same(
        run(lake1, "repeat_purchase_rate", window_days=window_days), reference.repeat_purchase_rate(shop1, window_days)
    )


@pytest.mark.parametrize(
    ("start", "end", "min_orders", "limit"), [(*ALL_TIME, 2, 20), (*ALL_TIME, 5, 1000), (*YEAR_2024, 2, 50)]
)
def test_bought_together(
    lake1: duckdb.DuckDBPyConnection, shop1: reference.Shop, start: dt.date, end: dt.date, min_orders: int, limit: int
) -> None:
    same(
        run(lake1, "bought_together", start_date=start, end_date=end, min_orders=min_orders, limit=limit),
        reference.bought_together(shop1, start, end, min_orders, limit),
    )


@pytest.mark.parametrize("grain", ["day", "week", "month"])
@pytest.mark.parametrize(("start", "end"), [ALL_TIME, YEAR_2024])
def test_payment_mix(
    lake1: duckdb.DuckDBPyConnection, shop1: reference.Shop, grain: str, start: dt.date, end: dt.date
) -> None:
    same(
        run(lake1, "payment_mix", start_date=start, end_date=end, grain=grain),
        reference.payment_mix(shop1, start, end, grain),
    )
