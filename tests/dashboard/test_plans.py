"""No page reads a big table whole: every statement the pages run is a mart read or a keyed or indexed lookup.

Each page is run (AppTest) with its widgets used, every statement the dashboard sends is recorded, and SQLite's own
plan of it (EXPLAIN QUERY PLAN) is checked: SEARCH through a key or an index, a walk in key order up to a page's
LIMIT, or a mart read whole; never a whole read of customers, products, orders, order_items or payments, which at
scale 1000 is millions of rows.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pipeline.warehouse.connection import Warehouse, run_native
from pipeline.warehouse.reads import pages
from tests.support.dashboard import APP
from tools.recorder import Statement, big_table_reads, classify, plan, recording

pytestmark = pytest.mark.fast


def visit(data_dir: Path, monkeypatch: pytest.MonkeyPatch, customer: int, order: int) -> list[Statement]:
    """Every page with its filters and detail views used, from an empty cache; what was sent."""
    monkeypatch.setenv("ECOM_DATA_DIR", str(data_dir))
    st.cache_data.clear()
    statements: list[Statement] = []
    with recording(statements.append):
        test = AppTest.from_file(str(APP), default_timeout=120).run()
        test.switch_page("views/customers.py").run()
        test.number_input(key="customer_id").set_value(customer).run()
        test.button(key="customer_list_next").click().run()
        test.switch_page("views/products.py").run()
        test.selectbox(key="catalogue_category").select("Books").run()
        test.radio(key="rank_by").set_value("units").run()
        test.switch_page("views/orders.py").run()
        test.number_input(key="order_id").set_value(order).run()
        test.button(key="order_list_next").click().run()
        test.number_input(key="order_customer").set_value(customer).run()
        test.switch_page("views/analytics.py").run()
        test.radio(key="analytics_grain").set_value("day").run()
        test.switch_page("views/quality.py").run()
        test.selectbox(key="anomaly_kind").select("burst").run()
        test.switch_page("views/overview.py").run()
        test.sidebar.date_input(key="date_range").set_value((dt.date(2024, 2, 1), dt.date(2024, 4, 30)))
        test.run()
        test.switch_page("views/customers.py").run()  # the customers who signed up in the range
        assert not test.exception, [e.message for e in test.exception]
    return statements


def test_no_page_scans_a_big_table(scale1: Path, db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    statements = visit(scale1, monkeypatch, customer=5, order=1234)
    native = [s for s in statements if s.native is not None]
    # Every page read its marts (how many statements that takes depends on what earlier tests left cached).
    marts = {step.split()[1] for s in native for kind, step in classify(db, s) if kind == "mart"}
    assert {
        "mart_revenue_daily", "mart_signups_daily", "mart_category_revenue_daily", "mart_price_distribution",
        "mart_product_summary", "mart_anomalies",
    } <= marts  # fmt: skip
    assert [step for s in statements for step in big_table_reads(db, s)] == []
    steps = {step for s in native for step in plan(db, s)}
    # The lists and details did reach the big tables, through their keys and indexes.
    assert any(step.startswith("SEARCH orders USING") and "orders_date" in step for step in steps)
    assert any(step.startswith("SEARCH o USING INDEX orders_customer") for step in steps)
    assert any(step.startswith("SEARCH li USING INDEX order_items_order") for step in steps)  # an order's lines
    assert any(step.startswith("SEARCH products USING INDEX products_category") for step in steps)
    # The lists walk their table in key or date order from the page's start, up to their LIMIT.
    pages = {step for s in native for kind, step in classify(db, s) if kind == "page"}
    assert pages == {
        "SCAN customers",  # the first page of customers
        "SEARCH customers USING INTEGER PRIMARY KEY (rowid>?)",  # the next one
        "SCAN products",  # the catalogue
        "SEARCH orders USING INDEX orders_date (order_date>? AND order_date<?)",  # the orders, newest first
        "SEARCH customers USING INDEX customers_signup (signup_date>? AND signup_date<?)",  # newest signups first
    }
    # Every statement is the warehouse's own SQL, or the metadata of the marts (read once per process, so
    # possibly not at all here); none is the scanner's.
    assert all("duckdb_columns()" in s.sql for s in statements if s.native is None)


def test_the_check_catches_a_scan(warehouse: Warehouse, db: sqlite3.Connection) -> None:
    """The check can fail: whole reads of a big table (or of a range of its index), by the scanner or by SQLite,
    are caught. (A name search is a walk in key order: bounded by its page when names match, the whole table
    when none does.)"""
    statements: list[Statement] = []
    with recording(statements.append):
        cursor = warehouse.cursor()
        try:
            pages.page(cursor, "customers", {"q": "no such name"})
            cursor.execute("select count(*) from wh.orders").fetchone()
            run_native(cursor, "SELECT count(DISTINCT customer_id) AS n FROM orders", (), {"n": "bigint"})
            run_native(
                cursor,
                "SELECT count(*) AS n FROM orders WHERE order_date >= ? AND order_date <= ?",
                ("2023-01-01", "2025-12-31"),
                {"n": "bigint"},
            )
        finally:
            cursor.close()
    assert [kind for kind, _ in classify(db, statements[0])] == ["page"]
    assert [step for s in statements for step in big_table_reads(db, s)] == [
        "select count(*) from wh.orders",
        "SCAN orders USING COVERING INDEX orders_customer",
        "SEARCH orders USING COVERING INDEX orders_date (order_date>? AND order_date<?)",  # a count of a range
    ]
