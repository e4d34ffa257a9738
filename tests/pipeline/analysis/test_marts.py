"""The mart_* tables in the warehouse: built in the same atomic build, typed, and equal to the independent
Polars answers of reference.py (not merely to the query that built them)."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipeline.analysis.marts import MARTS, Mart
from pipeline.errors import InvalidRequest
from pipeline.warehouse.marts import refresh_marts
from pipeline.warehouse.reads.marts import mart as read_mart
from tests.support import reference
from tests.support.builds import Built

pytestmark = pytest.mark.fast

# Each mart's rows, computed independently of the query that builds it (reference.py, over the lake's frames).
REFERENCE: dict[str, Callable[[reference.Shop], pl.DataFrame]] = {
    "mart_revenue_daily": lambda shop: reference.revenue_timeseries(shop, *reference.ALL_TIME, "day"),
    "mart_revenue_weekly": lambda shop: reference.revenue_timeseries(shop, *reference.ALL_TIME, "week"),
    "mart_revenue_monthly": lambda shop: reference.revenue_timeseries(shop, *reference.ALL_TIME, "month"),
    "mart_category_revenue": lambda shop: reference.category_revenue(shop, *reference.ALL_TIME),
    "mart_customer_summary": lambda shop: reference.customer_aov(shop, *reference.ALL_TIME, 1),
    "mart_product_summary": lambda shop: reference.top_products(
        shop, *reference.ALL_TIME, "revenue", shop.products.height
    ),
    "mart_anomalies": lambda shop: reference.anomalies(shop, *reference.ALL_TIME, 1, 20, 10, 4),
    "mart_signups_daily": lambda shop: reference.signups(shop, *reference.ALL_TIME, "day"),
    "mart_category_revenue_daily": lambda shop: reference.category_revenue_timeseries(shop, *reference.ALL_TIME, "day"),
    "mart_payment_mix_daily": lambda shop: reference.payment_mix(shop, *reference.ALL_TIME, "day"),
    "mart_signup_cohorts": lambda shop: reference.signup_cohorts(shop, 12),
    "mart_repeat_purchase_rate": lambda shop: reference.repeat_purchase_rate(shop, 90),
    "mart_rfm_segment_summary": reference.rfm_segment_summary,
    "mart_power_users": lambda shop: reference.power_users(shop, *reference.ALL_TIME, 10, 100),
    "mart_bought_together": lambda shop: reference.bought_together(shop, *reference.ALL_TIME, 2, 20),
    "mart_price_distribution": reference.price_distribution,
}


@pytest.mark.parametrize("mart", MARTS, ids=[m.table for m in MARTS])
def test_mart_holds_the_independent_answer(
    warehouse1: duckdb.DuckDBPyConnection, shop1: reference.Shop, mart: Mart
) -> None:
    """Stored in SQLite and read back through the scanner: the same columns, DuckDB types (dates as DATE, not
    text) and values as the reference computes from the lake."""
    key = list(mart.key_columns)
    stored = warehouse1.execute(f"select * from wh.{mart.table} order by {', '.join(key)}").pl()
    reference.same(stored, REFERENCE[mart.table](shop1).sort(key))


def test_every_mart_has_a_reference() -> None:
    assert set(REFERENCE) == {m.table for m in MARTS}


def test_marts_have_keys_and_indexes(built1: Built) -> None:
    with closing(sqlite3.connect(f"file:{built1.warehouse}?mode=ro", uri=True)) as db:
        for mart in MARTS:
            info = db.execute("select name, type, pk from pragma_table_info(?)", (mart.table,)).fetchall()
            assert (mart.key, 1) in {(name, pk) for name, _, pk in info}
            indexed = {row[0] for row in db.execute("select name from pragma_index_list(?)", (mart.table,))}
            assert {f"{mart.table}_{column}" for column in mart.indexes} <= indexed
        date_columns = db.execute(
            "select type from pragma_table_info('mart_revenue_daily') where name = 'period_start'"
        ).fetchone()
        assert date_columns == ("DATE",)


def test_product_summary_holds_every_product(warehouse1: duckdb.DuckDBPyConnection) -> None:
    counts = warehouse1.execute(
        "select (select count(*) from wh.products), count(*), count(distinct revenue_rank) from wh.mart_product_summary"
    ).fetchone()
    assert counts is not None
    products, summarized, revenue_ranks = counts
    assert products == summarized == revenue_ranks


def test_read_mart_matches_the_scanner(warehouse1: duckdb.DuckDBPyConnection) -> None:
    def scanned(sql: str) -> pl.DataFrame:
        return warehouse1.execute(sql).pl()

    (customer,) = warehouse1.execute("select max(customer_id) from wh.mart_customer_summary").fetchone() or (0,)
    one = read_mart(warehouse1, "mart_customer_summary", where={"customer_id": customer})
    assert_frame_equal(one, scanned(f"select * from wh.mart_customer_summary where customer_id = {customer}"))
    assert one.height == 1
    top = read_mart(warehouse1, "mart_customer_summary", order_by="-total_spend", limit=5)
    expected = scanned("select * from wh.mart_customer_summary order by total_spend desc, customer_id limit 5")
    assert_frame_equal(top, expected)
    day = read_mart(warehouse1, "mart_revenue_daily", where={"period_start": dt.date(2024, 2, 29)})
    assert day["period_start"].to_list() == [dt.date(2024, 2, 29)]
    page = read_mart(warehouse1, "mart_anomalies", where={"kind": "burst"}, order_by="order_id", limit=3, offset=2)
    expected = scanned("select * from wh.mart_anomalies where kind = 'burst' order by order_id limit 3 offset 2")
    assert_frame_equal(page, expected)
    assert_frame_equal(
        read_mart(warehouse1, "mart_category_revenue"), scanned("select * from wh.mart_category_revenue")
    )


def test_read_mart_rejects_unknown_names(warehouse1: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InvalidRequest, match="unknown mart"):
        read_mart(warehouse1, "orders")
    with pytest.raises(InvalidRequest, match="has no column"):
        read_mart(warehouse1, "mart_anomalies", order_by="order_id; drop table orders")


@pytest.fixture(scope="module")
def refreshed1(built1: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the scale-1 warehouse whose marts were recomputed in place, as after writes through the API."""
    directory = tmp_path_factory.mktemp("refreshed")
    copy = directory / "warehouse.sqlite"
    shutil.copyfile(built1.warehouse, copy)
    refresh_marts(copy, directory)
    return copy


@pytest.mark.parametrize("refreshed", [False, True], ids=["built", "refreshed"])
@pytest.mark.parametrize("mart", MARTS, ids=[m.table for m in MARTS])
def test_a_mart_is_stored_in_its_query_order_unless_keyed_by_rowid(
    built1: Built, shop1: reference.Shop, mart: Mart, refreshed: bool, request: pytest.FixtureRequest
) -> None:
    """A mart keyed by one integer column is SQLite's rowid table in key order, however it is filled (in key
    order, the fastest); any other keeps the order its query wrote, which an unordered read returns. So in the
    build, and after the marts are recomputed in place (``refresh_marts``, after writes through the API)."""
    warehouse = request.getfixturevalue("refreshed1") if refreshed else built1.warehouse
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        stored = db.execute(f"select {', '.join(mart.key_columns)} from {mart.table} order by rowid").fetchall()
        key_type = db.execute("select type from pragma_table_info(?) where name = ?", (mart.table, mart.key)).fetchone()
    expected = REFERENCE[mart.table](shop1).select(mart.key_columns)
    if not mart.key_rest and key_type == ("INTEGER",):
        expected = expected.sort(mart.key)
    assert stored == [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row) for row in expected.rows()]
