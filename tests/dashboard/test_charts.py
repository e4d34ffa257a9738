"""Every chart builder, fed by the dashboard's own data function, against an independent answer.

The independent side reads the warehouse with plain sqlite3: directly in SQL where the question is simple, or as
frames handed to the Polars references of the analysis tests (written from each query's header, not its SQL).
Each test looks at what the figure would draw: its traces' x, y and z.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import statistics
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest

from dashboard import charts, data
from pipeline.settings import Settings
from pipeline.warehouse.reads.pages import MAX_PAGE
from tests.support import reference
from tests.support.sqlite import day, one

pytestmark = pytest.mark.fast

YEAR_2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
AUTUMN = (dt.date(2025, 9, 17), dt.date(2025, 11, 20))
WHOLE = (dt.date(1900, 1, 1), dt.date(9999, 12, 31))


def trace(figure: go.Figure, name: str | None = None) -> go.Bar:
    """The figure's only trace, or the one named ``name``."""
    found = [t for t in figure.data if name is None or t.name == name]
    assert len(found) == 1, [t.name for t in figure.data]
    return found[0]


def cents(values: object) -> list[int]:
    return [round(v * 100) for v in values]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("grain", "start", "end"), [("month", *YEAR_2024), ("week", *AUTUMN), ("day", *AUTUMN)])
def test_revenue_and_orders_over_time(
    snap: data.Snapshot, shop: reference.Shop, grain: str, start: dt.date, end: dt.date
) -> None:
    figure = charts.revenue_over_time_chart(data.series(snap, "revenue", grain, start, end), grain)
    expected = reference.revenue_timeseries(shop, start, end, grain)
    bars, line = trace(figure, "Revenue"), trace(figure, "Orders")
    assert list(bars.x) == expected["period_start"].to_list()
    assert cents(bars.y) == cents(expected["revenue"])
    assert list(line.y) == expected["order_count"].to_list()
    volume = trace(charts.order_volume_chart(data.series(snap, "revenue", grain, start, end), grain))
    assert list(volume.y) == expected["order_count"].to_list()


def test_signups(snap: data.Snapshot, db: sqlite3.Connection) -> None:
    figure = charts.signups_chart(data.series(snap, "signups", "month", *YEAR_2024), "month")
    expected = db.execute(
        "SELECT date(signup_date, 'start of month'), count(*) FROM customers "
        "WHERE signup_date BETWEEN '2024-01-01' AND '2024-12-31' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    bars = trace(figure)
    assert [(x.isoformat(), y) for x, y in zip(bars.x, bars.y, strict=True)] == expected


def test_cohort_retention(snap: data.Snapshot, shop: reference.Shop) -> None:
    figure = charts.cohort_retention_chart(data.cohorts(snap, dt.date(2024, 3, 15), dt.date(2024, 8, 31)))

    def month(d: dt.date) -> int:
        return d.year * 12 + d.month - 1

    cohort = {c: month(s) for c, s in shop.customers.select("customer_id", "signup_date").rows()}
    sizes = Counter(cohort.values())
    active: defaultdict[tuple[int, int], set[int]] = defaultdict(set)
    for customer, ordered in shop.orders.select("customer_id", "order_date").rows():
        active[cohort[customer], month(ordered) - cohort[customer]].add(customer)
    last = month(shop.orders["order_date"].max())  # type: ignore[arg-type]
    expected = {
        (f"{c // 12}-{c % 12 + 1:02d}", m): float(
            (Decimal(len(active[c, m])) / sizes[c]).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        )
        for c in range(month(dt.date(2024, 3, 1)), month(dt.date(2024, 8, 1)) + 1)
        for m in range(13)
        if c + m <= last
    }
    heatmap = trace(figure)
    assert list(heatmap.y) == ["2024-03", "2024-04", "2024-05", "2024-06", "2024-07", "2024-08"]
    assert list(heatmap.x) == list(range(13))
    cells = zip(heatmap.y, heatmap.z, strict=True)
    assert {(y, x): z for y, row in cells for x, z in zip(heatmap.x, row, strict=True)} == expected
    # Months after the last order are not in the mart: blank, not zero.
    latest = trace(charts.cohort_retention_chart(data.cohorts(snap, dt.date(2025, 11, 1), dt.date(2025, 12, 31))))
    assert [[z is not None for z in row] for row in latest.z] == [[True, True], [True, False]]


def test_rfm_segments(snap: data.Snapshot, shop: reference.Shop) -> None:
    figure = charts.rfm_segments_chart(data.whole_history(snap, "rfm_segments"))
    expected = {r["segment"].replace("_", " "): r for r in reference.rfm_segment_summary(shop).to_dicts()}
    bars = trace(figure)
    assert dict(zip(bars.x, bars.y, strict=True)) == {s: r["row_count"] for s, r in expected.items()}
    for segment, averages in zip(bars.x, bars.customdata, strict=True):
        row = expected[segment]
        assert list(averages) == [row["avg_order_count"], row["avg_total_spend"], row["avg_recency_days"]]
    assert list(bars.x)[:2] == ["champions", "loyal"]


def test_customer_spend(snap: data.Snapshot, db: sqlite3.Connection) -> None:
    (customer_id,) = one(db, "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1")
    detail = data.customer(snap, int(customer_id))  # type: ignore[call-overload]
    assert detail is not None
    figure = charts.customer_spend_chart(detail.orders.items)
    expected = db.execute(
        "SELECT date(order_date, 'start of month'), round(sum(total_amount), 2), count(*) FROM orders "
        "WHERE customer_id = ? GROUP BY 1 ORDER BY 1",
        (customer_id,),
    ).fetchall()
    bars = trace(figure)
    assert [(x.isoformat(), y, n) for x, y, n in zip(bars.x, bars.y, bars.customdata, strict=True)] == expected


def test_category_share_and_revenue(snap: data.Snapshot, db: sqlite3.Connection) -> None:
    rows = db.execute(
        "SELECT p.category, date(o.order_date, 'start of month'), sum(round(i.line_total * 100)) "
        "FROM order_items i JOIN orders o ON o.order_id = i.order_id JOIN products p ON p.product_id = i.product_id "
        "WHERE o.order_date BETWEEN '2024-01-01' AND '2024-12-31' GROUP BY 1, 2"
    ).fetchall()
    per_category: Counter[str] = Counter()
    for category, _, amount in rows:
        per_category[category] += amount
    total = sum(per_category.values())
    bars = trace(charts.category_share_chart(data.series(snap, "category_revenue", None, *YEAR_2024)))
    assert list(bars.y) == [c for c, _ in sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0]))]
    assert dict(zip(bars.y, bars.x, strict=True)) == pytest.approx({c: v / total for c, v in per_category.items()})
    stacked = charts.category_revenue_chart(data.series(snap, "category_revenue", "month", *YEAR_2024), "month")
    drawn = {
        (t.name, x.isoformat()): round(y * 100) for t in stacked.data for x, y in zip(t.x, t.y, strict=True)
    }  # fmt: skip
    assert drawn == {(c, m): v for c, m, v in rows}
    assert stacked.layout.barmode == "stack"
    # The axis reaches past the tallest stack, not the tallest bar.
    per_month: Counter[str] = Counter()
    for _, month, amount in rows:
        per_month[month] += amount
    assert max(v for _, _, v in rows) < max(per_month.values()) <= stacked.layout.yaxis.range[1] * 100


def test_value_axes_read_as_the_metrics_do() -> None:
    """Round steps from 0 past the largest value, labelled with the metrics' suffixes (K, M, B), not Plotly's
    SI prefixes (k, G)."""
    revenue = charts.value_axis([1_144_311_700.12, 3.0, None], money=True)
    assert revenue["ticktext"] == ["$0", "$250M", "$500M", "$750M", "$1B", "$1.25B"]
    assert revenue["tickvals"][-1] == 1_250_000_000
    assert revenue["range"] == [0, pytest.approx(1_144_311_700.12 * 1.05)]
    orders = charts.value_axis([54_471, 0])
    assert orders["ticktext"] == ["0", "20K", "40K", "60K"]
    assert charts.value_axis([7])["ticktext"] == ["0", "2", "4", "6", "8"]  # whole steps for counts
    assert charts.value_axis([9_999], money=True)["ticktext"][-2:] == ["$8,000", "$10K"]
    assert charts.value_axis([])["range"] == [0, 1.05]  # nothing to show: an axis all the same


def test_price_distribution(snap: data.Snapshot, db: sqlite3.Connection) -> None:
    prices: defaultdict[str, list[float]] = defaultdict(list)
    for category, price in db.execute("SELECT category, price FROM products"):
        prices[category].append(price)
    box = trace(charts.price_distribution_chart(data.whole_history(snap, "price_distribution")))
    assert set(box.y) == set(prices)
    for i, category in enumerate(box.y):
        q1, median, q3 = statistics.quantiles(prices[category], n=4, method="inclusive")
        assert (box.q1[i], box.median[i], box.q3[i]) == pytest.approx((q1, median, q3), abs=0.005 + 1e-9)
        assert (box.lowerfence[i], box.upperfence[i]) == (min(prices[category]), max(prices[category]))
        assert box.mean[i] == pytest.approx(statistics.fmean(prices[category]), abs=0.005 + 1e-9)
    figure = charts.price_distribution_chart(data.whole_history(snap, "price_distribution"))
    assert figure.layout.xaxis.type == "log"


@pytest.mark.parametrize("rank_by", ["revenue", "units"])
def test_top_products(snap: data.Snapshot, shop: reference.Shop, rank_by: str) -> None:
    figure = charts.top_products_chart(data.top_products(snap, 12, rank_by), rank_by)
    expected = reference.top_products(shop, *WHOLE, rank_by, 12)
    bars = trace(figure)
    assert list(bars.x) == pytest.approx(expected[rank_by].to_list())
    assert list(bars.y) == [f"{n} (#{p})" for n, p in expected.select("name", "product_id").rows()]


def test_payment_mix(snap: data.Snapshot, db: sqlite3.Connection) -> None:
    figure = charts.payment_mix_chart(data.series(snap, "payment_mix", "month", *YEAR_2024), "month")
    counts = db.execute(
        "SELECT date(payment_date, 'start of month'), payment_method, count(*) FROM payments "
        "WHERE payment_date BETWEEN '2024-01-01' AND '2024-12-31' GROUP BY 1, 2"
    ).fetchall()
    totals: Counter[str] = Counter()
    for month, _, n in counts:
        totals[month] += n
    drawn = {(t.name, x.isoformat()): y for t in figure.data for x, y in zip(t.x, t.y, strict=True)}
    assert drawn == pytest.approx({(m, month): n / totals[month] for month, m, n in counts})


def test_bought_together(snap: data.Snapshot, shop: reference.Shop) -> None:
    figure = charts.bought_together_chart(data.whole_history(snap, "bought_together"))
    expected = reference.bought_together(shop, *WHOLE, 2, 20)
    bars = trace(figure)
    assert list(bars.x) == expected["orders_together"].to_list()
    assert list(bars.y) == [f"{a} + {b}" for a, b in expected.select("product_a_name", "product_b_name").rows()]
    assert list(bars.customdata) == expected["lift"].to_list()


def test_power_users(snap: data.Snapshot, shop: reference.Shop) -> None:
    figure = charts.power_users_chart(data.whole_history(snap, "power_users"))
    expected = reference.power_users(shop, *WHOLE, 10, 100)
    points = trace(figure)
    assert list(points.x) == expected["order_count"].to_list()
    assert list(points.y) == pytest.approx(expected["total_spend"].to_list())
    assert list(points.customdata) == expected["active_months"].to_list()


def test_repeat_purchases(snap: data.Snapshot, shop: reference.Shop) -> None:
    start, end = dt.date(2024, 2, 10), dt.date(2024, 11, 3)
    figure = charts.repeat_purchases_chart(data.repeat_purchases(snap, start, end))
    expected = reference.repeat_purchase_rate(shop, 90).filter(
        pl.col("first_order_month").is_between(dt.date(2024, 2, 1), end)
    )
    assert trace(figure, "New buyers").y == tuple(expected["new_buyers"].to_list())
    assert list(trace(figure, "Bought again").y) == expected["repeat_rate"].to_list()
    assert len(expected) == 10


def test_anomaly_kinds(snap: data.Snapshot, shop: reference.Shop) -> None:
    flagged = reference.anomalies(shop, *WHOLE, 1, 20, 10, 4).filter(pl.col("order_date").is_between(*YEAR_2024))
    bars = trace(charts.anomaly_kinds_chart(data.anomaly_kinds(snap, *YEAR_2024)))
    assert dict(zip(bars.x, bars.y, strict=True)) == Counter(flagged["kind"])
    assert list(bars.y) == sorted(bars.y, reverse=True)
    shown = data.flagged_orders(snap, *YEAR_2024, "burst", 5)
    assert shown["order_id"].to_list() == flagged.filter(pl.col("kind") == "burst")["order_id"].head(5).to_list()


def test_detection_scores(snap: data.Snapshot, scale1: Path, db: sqlite3.Connection) -> None:
    settings = Settings(data_dir=scale1)
    labels = set(pl.read_parquet(settings.labels_path).select("order_id", pl.col("kind").cast(pl.String)).rows())
    flagged = set(db.execute("SELECT order_id, kind FROM mart_anomalies").fetchall())
    found = data.detection_scores(snap, str(settings.labels_path))
    scores = {s.kind: s for s in found}
    overall = {o for o, _ in flagged} & {o for o, _ in labels}
    assert list(scores)[-1] == "all"
    assert scores["all"].precision == pytest.approx(len(overall) / len(flagged))
    assert scores["all"].recall == pytest.approx(len(overall) / len(labels))
    for kind, score in list(scores.items())[:-1]:
        mine = {o for o, k in flagged if k == kind}
        assert score.precision == pytest.approx(len(mine & {o for o, k in labels if k == kind}) / len(mine))


def test_stage_times(scale1: Path) -> None:
    stages = json.loads((scale1 / "manifest.json").read_text())["stages"]
    frame = pl.DataFrame(stages).select("name", "seconds", "peak_rss_mib")
    bars = trace(charts.stage_times_chart(frame))
    assert list(bars.y) == [s["name"] for s in stages]
    assert list(bars.x) == [s["seconds"] for s in stages]
    assert "generate" in bars.y


# --- data functions without a chart ------------------------------------------------------------------------


def test_totals(snap: data.Snapshot, db: sqlite3.Connection) -> None:
    start, end = AUTUMN
    totals = data.totals(snap, start, end)
    orders, revenue_cents = one(
        db,
        "SELECT count(*), sum(round(total_amount * 100)) FROM orders WHERE order_date BETWEEN ? AND ?",
        start.isoformat(),
        end.isoformat(),
    )
    (signups,) = one(
        db, "SELECT count(*) FROM customers WHERE signup_date BETWEEN ? AND ?", start.isoformat(), end.isoformat()
    )
    assert (totals.orders, round(totals.revenue * 100), totals.signups) == (orders, revenue_cents, signups)
    # Half a cent goes up: (2 x cents + orders) // (2 x orders) is cents / orders rounded half up.
    assert round(totals.average_order_value * 100) == (2 * revenue_cents + orders) // (2 * orders)  # type: ignore[operator]
    assert data.data_window(snap) == (day("2023-01-01"), day("2025-12-31"))


def test_customer_list_search_and_detail(snap: data.Snapshot, db: sqlite3.Connection) -> None:
    page = data.customers(snap, "ann", None, None)
    expected = db.execute(
        "SELECT customer_id FROM customers WHERE first_name LIKE '%ann%' OR last_name LIKE '%ann%' "
        "ORDER BY customer_id LIMIT 50"
    ).fetchall()
    assert page.items["customer_id"].to_list() == [r[0] for r in expected]
    (email,) = one(db, "SELECT email FROM customers WHERE customer_id = 17")
    assert data.customers(snap, f" {email} ", None, None).items["customer_id"].to_list() == [17]
    signed = data.customers(snap, "", (dt.date(2025, 6, 1), dt.date(2025, 6, 30)), None)
    june = db.execute(
        "SELECT customer_id FROM customers WHERE signup_date BETWEEN '2025-06-01' AND '2025-06-30' "
        "ORDER BY signup_date DESC, customer_id DESC"
    ).fetchall()
    assert len(june) > 50  # two pages
    assert signed.items["customer_id"].to_list() == [r[0] for r in june[:50]]
    following = data.customers(snap, "", (dt.date(2025, 6, 1), dt.date(2025, 6, 30)), signed.next)
    assert following.items["customer_id"].to_list() == [r[0] for r in june[50:100]]
    (customer_id, count, spend) = one(
        db,
        "SELECT customer_id, count(*), round(sum(total_amount), 2) FROM orders GROUP BY customer_id "
        "ORDER BY count(*) DESC LIMIT 1",
    )
    detail = data.customer(snap, int(customer_id))  # type: ignore[call-overload]
    assert detail is not None
    assert (detail.customer["order_count"], detail.customer["total_spend"]) == (count, spend)
    assert detail.orders.items.height == min(count, MAX_PAGE)  # type: ignore[type-var]
    assert data.customer(snap, 10**9) is None


def test_product_list_and_order_detail(snap: data.Snapshot, db: sqlite3.Connection) -> None:
    books = data.products(snap, "Books", "", None)
    expected = db.execute("SELECT product_id FROM products WHERE category = 'Books' ORDER BY product_id LIMIT 50")
    assert books.items["product_id"].to_list() == [r[0] for r in expected]
    (order_id,) = one(db, "SELECT order_id FROM order_items GROUP BY order_id ORDER BY count(*) DESC LIMIT 1")
    detail = data.order(snap, int(order_id))  # type: ignore[call-overload]
    assert detail is not None
    lines = db.execute(
        "SELECT i.order_item_id, i.product_id, p.name, p.category, i.quantity, i.line_total FROM order_items i "
        "JOIN products p ON p.product_id = i.product_id WHERE i.order_id = ? ORDER BY i.order_item_id",
        (order_id,),
    ).fetchall()
    assert detail.lines.rows() == lines
    (method, amount) = one(db, "SELECT payment_method, amount FROM payments WHERE order_id = ?", order_id)
    assert (detail.order["payment"]["payment_method"], detail.order["payment"]["amount"]) == (method, amount)
    assert data.order(snap, 10**9) is None


def test_a_read_that_ends_on_another_build_is_not_cached(snap: data.Snapshot) -> None:
    older = data.Snapshot(snap.path, snap.build.__class__(**{**snap.build.__dict__, "build_id": "an-older-one"}))
    with pytest.raises(data.BuildChanged):
        data.totals(older, *YEAR_2024)
    assert data.totals(snap, *YEAR_2024).orders > 0


def test_records_tell_whether_they_describe_the_build(snap: data.Snapshot, scale1: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=scale1)
    records = data.records(settings, snap.build)
    assert (records.manifest_is_current, records.labels_are_current) == (True, True)
    assert records.report is not None
    assert records.report["valid"]
    other = data.records(settings, snap.build.__class__(**{**snap.build.__dict__, "build_id": "another"}))
    assert (other.manifest_is_current, other.labels_are_current) == (False, False)
    empty = data.records(Settings(data_dir=tmp_path), snap.build)
    assert (empty.manifest, empty.report, empty.labels_are_current) == ({}, None, False)
