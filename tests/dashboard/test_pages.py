"""Every page through Streamlit's AppTest (the real script runner, no browser), over the session's scale-1 build.

Each page renders without an exception; the Overview's metrics are the warehouse's counts and sums, computed
here with sqlite3; every filter changes what it should, and nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import formats
from dashboard.app import PAGES
from tests.support.cli import run_pipeline
from tests.support.dashboard import APP, CHARTS, EVERY_SECTION, SECTIONS, compact
from tests.support.sqlite import one

Q1_2025 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))


def app(data_dir: Path, monkeypatch: pytest.MonkeyPatch, page: str = "overview.py") -> AppTest:
    """The dashboard over ``data_dir``, run once on ``page``."""
    monkeypatch.setenv("ECOM_DATA_DIR", str(data_dir))
    test = AppTest.from_file(str(APP), default_timeout=120).run()
    if page != "overview.py":
        test.switch_page(f"views/{page}").run()
    assert not test.exception, [e.message for e in test.exception]
    return test


def figures(test: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in test.get("plotly_chart")]


def metrics(test: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in test.metric}


def table(test: AppTest, column: str) -> Any:
    """The page's one table with ``column``, as pandas (only tables with a selection have a key in AppTest)."""
    found = [frame.value for frame in test.dataframe if column in frame.value.columns]
    assert len(found) == 1, f"{len(found)} tables with a column {column!r}"
    return found[0]


def between(start: dt.date, end: dt.date) -> tuple[str, str]:
    return start.isoformat(), end.isoformat()


@pytest.mark.fast
@pytest.mark.parametrize("page", list(CHARTS))
def test_every_page_renders(scale1: Path, monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    test = app(scale1, monkeypatch, page)
    assert not test.error
    assert len(test.get("plotly_chart")) == CHARTS[page]
    assert all(f["data"] for f in figures(test)), "a chart without a trace"
    title = {name: title for name, title, _, _ in PAGES}[page]
    assert [t.value for t in test.title] == [title]


@pytest.mark.parametrize(("page", "section"), EVERY_SECTION)
def test_every_section_draws_its_chart(scale1: Path, monkeypatch: pytest.MonkeyPatch, page: str, section: str) -> None:
    test = app(scale1, monkeypatch, page)
    test.segmented_control(key=SECTIONS[page][0]).set_value(section).run()
    assert not test.exception, [e.message for e in test.exception]
    assert len(figures(test)) == 1
    assert figures(test)[0]["data"], "a chart without a trace"


def expected_overview(db: sqlite3.Connection, start: dt.date, end: dt.date) -> dict[str, str]:
    orders, revenue_cents = one(
        db,
        "SELECT count(*), CAST(sum(round(total_amount * 100)) AS INTEGER) FROM orders WHERE order_date BETWEEN ? AND ?",
        *between(start, end),
    )
    (customers,) = one(db, "SELECT count(*) FROM customers WHERE signup_date BETWEEN ? AND ?", *between(start, end))
    assert isinstance(orders, int)
    assert isinstance(revenue_cents, int)
    average = (2 * revenue_cents + orders) // (2 * orders)  # cents, half up
    return {
        "Revenue": compact(revenue_cents, 100, "$"),
        "Orders": compact(orders),
        "Customers": compact(customers),
        "Average order value": compact(average, 100, "$"),
    }


@pytest.mark.fast
def test_overview_metrics_are_the_warehouse_totals(
    scale1: Path, db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    test = app(scale1, monkeypatch)
    shown = metrics(test)
    assert shown == expected_overview(db, dt.date(1900, 1, 1), dt.date(9999, 12, 31))
    assert shown["Orders"] == "4,000"  # every order (scale 1)
    assert shown["Customers"] == "2,000"  # every customer signed up inside the window
    assert shown["Revenue"].endswith("M")  # about $2 million: three significant digits and a suffix
    # The exact figure is in the help.
    (revenue_cents,) = one(db, "SELECT CAST(sum(round(total_amount * 100)) AS INTEGER) FROM orders")
    assert isinstance(revenue_cents, int)
    helps = {m.label: m.help for m in test.metric}
    assert helps["Revenue"].endswith(f"Exactly ${revenue_cents // 100:,}.{revenue_cents % 100:02d}.")
    assert helps["Orders"].endswith("Exactly 4,000.")


@pytest.mark.fast
def test_the_date_range_changes_every_metric_and_follows_to_other_pages(
    scale1: Path, db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    test = app(scale1, monkeypatch)
    whole = metrics(test)
    test.sidebar.date_input(key="date_range").set_value(Q1_2025).run()
    assert not test.exception
    shown = metrics(test)
    assert shown == expected_overview(db, *Q1_2025)
    assert all(shown[k] != whole[k] for k in ("Revenue", "Orders", "Customers"))
    # Three months: daily bars, from the first to the last day of the range.
    revenue = figures(test)[0]["data"][0]
    assert (revenue["x"][0], revenue["x"][-1], len(revenue["x"])) == ("2025-01-01", "2025-03-31", 90)
    latest = table(test, "order_id")
    assert str(latest["order_date"].max())[:10] <= "2025-03-31"
    # The range is global: the Orders page lists the same quarter.
    test.switch_page("views/orders.py").run()
    listed = test.dataframe(key="orders_table").value
    newest = db.execute(
        "SELECT order_id FROM orders WHERE order_date BETWEEN ? AND ? ORDER BY order_date DESC, order_id DESC LIMIT 50",
        between(*Q1_2025),
    ).fetchall()
    assert listed["order_id"].tolist() == [r[0] for r in newest]
    assert "2025-01-01 to 2025-03-31 (90 days)" in test.caption[0].value
    # A range half picked (one day clicked) keeps the last whole range.
    test.sidebar.date_input(key="date_range").set_value((dt.date(2024, 5, 1),)).run()
    assert test.dataframe(key="orders_table").value["order_id"].tolist() == [r[0] for r in newest]
    test.sidebar.button(key="whole_window").click().run()
    test.switch_page("views/overview.py").run()
    assert metrics(test) == whole


@pytest.mark.fast
def test_customers_search_and_detail(scale1: Path, db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    test = app(scale1, monkeypatch, "customers.py")
    test.text_input(key="customer_search").input("ann").run()
    found = test.dataframe(key="customers_table").value
    expected = db.execute(
        "SELECT customer_id FROM customers WHERE first_name LIKE '%ann%' OR last_name LIKE '%ann%' "
        "ORDER BY customer_id LIMIT 50"
    ).fetchall()
    assert found["customer_id"].tolist() == [r[0] for r in expected]
    (customer_id, orders, spend) = one(
        db,
        "SELECT customer_id, count(*), round(sum(total_amount), 2) FROM orders GROUP BY customer_id "
        "ORDER BY count(*) DESC, customer_id LIMIT 1",
    )
    test.number_input(key="customer_id").set_value(customer_id).run()
    shown = metrics(test)
    assert shown["Orders"] == formats.count(orders)  # type: ignore[arg-type]
    assert shown["Spend"] == compact(round(spend * 100), 100, "$")  # type: ignore[operator]
    assert table(test, "order_date").shape[0] == orders
    assert len(test.get("plotly_chart")) == CHARTS["customers.py"] + 1  # their spend per month
    test.number_input(key="customer_id").set_value(10**8).run()
    assert "There is no customer 100000000." in [w.value for w in test.warning]


@pytest.mark.fast
def test_customer_pages_and_the_sidebar_range(
    scale1: Path, db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    test = app(scale1, monkeypatch, "customers.py")
    first = test.dataframe(key="customers_table").value["customer_id"].tolist()
    assert first == list(range(1, 51))
    test.button(key="customer_list_next").click().run()
    assert test.dataframe(key="customers_table").value["customer_id"].tolist() == list(range(51, 101))
    test.button(key="customer_list_previous").click().run()
    assert test.dataframe(key="customers_table").value["customer_id"].tolist() == first
    test.sidebar.date_input(key="date_range").set_value(Q1_2025).run()
    signed = db.execute(
        "SELECT customer_id FROM customers WHERE signup_date BETWEEN ? AND ? "
        "ORDER BY signup_date DESC, customer_id DESC LIMIT 50",
        between(*Q1_2025),
    ).fetchall()
    assert test.dataframe(key="customers_table").value["customer_id"].tolist() == [r[0] for r in signed]
    test.segmented_control(key="customers_section").set_value("Cohort retention").run()
    heatmap = figures(test)[0]["data"][0]
    assert heatmap["y"] == ["2025-01", "2025-02", "2025-03"]


@pytest.mark.fast
def test_products_filters(scale1: Path, db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    test = app(scale1, monkeypatch, "products.py")
    test.selectbox(key="catalogue_category").select("Books").run()
    books = table(test, "product_id")
    expected = db.execute("SELECT product_id FROM products WHERE category = 'Books' ORDER BY product_id LIMIT 50")
    assert books["product_id"].tolist() == [r[0] for r in expected]
    assert set(books["category"]) == {"Books"}
    test.radio(key="rank_by").set_value("units").run()
    test.slider(key="top_limit").set_value(5).run()
    top = figures(test)[2]["data"][0]
    best = db.execute(
        "SELECT p.name, p.product_id, sum(i.quantity) FROM order_items i JOIN products p USING (product_id) "
        "GROUP BY p.product_id ORDER BY 3 DESC, p.product_id LIMIT 5"
    ).fetchall()
    assert top["y"] == [f"{name} (#{pid})" for name, pid, _ in best]
    assert top["x"] == [units for _, _, units in best]


@pytest.mark.fast
def test_orders_filters_and_detail(scale1: Path, db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    test = app(scale1, monkeypatch, "orders.py")
    (customer_id,) = one(db, "SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 3 LIMIT 1")
    test.number_input(key="order_customer").set_value(customer_id).run()
    listed = test.dataframe(key="orders_table").value
    mine = db.execute(
        "SELECT order_id FROM orders WHERE customer_id = ? ORDER BY order_date DESC, order_id DESC", (customer_id,)
    ).fetchall()
    assert listed["order_id"].tolist() == [r[0] for r in mine]
    test.number_input(key="order_customer").set_value(None).run()
    test.number_input(key="order_min_total").set_value(2000.0).run()
    listed = test.dataframe(key="orders_table").value
    large = db.execute(
        "SELECT order_id FROM orders WHERE total_amount >= 2000 ORDER BY order_date DESC, order_id DESC LIMIT 50"
    ).fetchall()
    assert listed["order_id"].tolist() == [r[0] for r in large]
    (order_id, lines) = one(db, "SELECT order_id, count(*) FROM order_items GROUP BY order_id ORDER BY 2 DESC LIMIT 1")
    test.number_input(key="order_id").set_value(order_id).run()
    assert table(test, "order_item_id").shape[0] == lines
    (total,) = one(db, "SELECT total_amount FROM orders WHERE order_id = ?", order_id)
    assert metrics(test)["Total"] == compact(round(total * 100), 100, "$")  # type: ignore[operator]
    test.radio(key="order_grain").set_value("week").run()
    weeks = figures(test)[0]["data"][0]
    (first,) = one(db, "SELECT min(order_date) FROM orders")
    assert weeks["x"][0] <= str(first) < weeks["x"][1]
    assert sum(weeks["y"]) == 4000


@pytest.mark.fast
def test_analytics_grain(scale1: Path, db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    test = app(scale1, monkeypatch, "analytics.py")
    assert len(figures(test)[0]["data"][0]["x"]) == 36  # months
    test.radio(key="analytics_grain").set_value("week").run()
    # Every ISO week from the first order's to the last's; each week has payments.
    (weeks,) = one(db, "SELECT count(DISTINCT date(payment_date, '-6 days', 'weekday 1')) FROM payments")
    span = one(db, "SELECT min(order_date), max(order_date) FROM orders")
    mondays = [day - dt.timedelta(days=day.weekday()) for day in map(dt.date.fromisoformat, map(str, span))]
    assert len(figures(test)[0]["data"][0]["x"]) == (mondays[1] - mondays[0]).days // 7 + 1 == weeks
    # The switch stays on weeks in the other sections over time, and the payment mix follows it (a week without
    # a bank payment has no bank bar).
    test.segmented_control(key="analytics_section").set_value("Payment mix").run()
    assert test.radio(key="analytics_grain").value == "week"
    assert len({x for method in figures(test)[0]["data"] for x in method["x"]}) == weeks


@pytest.mark.fast
def test_quality(scale1: Path, db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    test = app(scale1, monkeypatch, "quality.py")
    shown = metrics(test)
    report = json.loads((scale1 / "reports" / "validation.json").read_text())
    assert shown == {
        "Verdict": "valid",
        "Frames validated": str(report["frames_validated"]),
        "Cross-table rules passed": str(report["rules_passed"]),
        "Failed checks": "0",
    }
    counts = table(test, "rows at build")
    assert dict(zip(counts["table"], counts["rows at build"], strict=True)) == {
        t: one(db, f"SELECT count(*) FROM {t}")[0]
        for t in ("customers", "products", "orders", "order_items", "payments")
    }
    scores = table(test, "precision")
    (flagged,) = one(db, "SELECT count(*) FROM mart_anomalies")
    assert scores[scores["kind"] == "all"]["flagged"].tolist() == [flagged]
    test.selectbox(key="anomaly_kind").select("late_payment").run()
    late = table(test, "reasons")
    expected = db.execute("SELECT order_id FROM mart_anomalies WHERE kind = 'late_payment' ORDER BY order_id LIMIT 100")
    assert late["order_id"].tolist() == [r[0] for r in expected]


@pytest.mark.fast
@pytest.mark.parametrize("page", list(CHARTS))
def test_every_page_says_how_to_build_a_missing_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    test = app(tmp_path, monkeypatch, page)
    said = " ".join(i.value for i in test.info)
    assert "No warehouse yet" in said
    assert "`just run`" in said
    assert not test.get("plotly_chart")


def test_a_rebuild_shows_on_the_next_rerun(
    scale1: Path, tmp_path: Path, db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(scale1, data_dir, symlinks=True)
    test = app(data_dir, monkeypatch)
    assert metrics(test)["Orders"] == "4,000"
    run_pipeline(data_dir, "--scale", "0.5", "--seed", "7")
    test.run()
    assert not test.exception
    rebuilt = metrics(test)
    assert rebuilt["Orders"] == "2,000"
    assert rebuilt["Customers"] == "1,000"
    assert "seed 7" in test.sidebar.caption[0].value
