"""Chart builders: a frame in, a Plotly figure out, nothing else (no Streamlit, no reads), so each is tested alone.

Every builder takes the frame the matching read in ``dashboard.data`` returns and draws it as it is: the
sums, shares and orders come from the warehouse; a builder only derives what a chart needs to show (a share of a
total, an average per row), and it says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboard import formats

PERIOD_WORDS = {"day": "Day", "week": "Week (from Monday)", "month": "Month"}
HEIGHT = 340
TICKS = 5  # about this many steps on a value axis
AXIS_STEPS = (1, 2, 2.5, 5, 10)  # round steps of a value axis within a power of ten
# Round prices to mark a log axis with: 1-2-5 in every decade.
PRICE_TICKS = [m * 10**e for e in range(-2, 7) for m in (1, 2, 5)]


def value_axis(values: Iterable[float | None], *, money: bool = False) -> dict[str, Any]:
    """A linear axis from 0 past the largest of ``values``, its ticks labelled as the metrics are (K, M, B from
    10,000 up, ``formats.compact_*``), which Plotly's own formats cannot do (its SI prefixes say k and G): about
    TICKS round steps, whole ones for counts."""
    top = max((v for v in values if v is not None), default=0.0) or 1.0
    power = 10 ** math.floor(math.log10(top / TICKS))
    step = next(m * power for m in AXIS_STEPS if m * power >= top / TICKS)
    step = step if money else max(1, round(step))
    ticks = [i * step for i in range(math.floor(top / step) + 2)]
    label = formats.compact_money if money else formats.compact_count
    return {
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": [label(t, trim=True) for t in ticks],
        "range": [0, top * 1.05],
    }


def _figure(title: str | None = None, height: int = HEIGHT) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        # No Plotly template: Streamlit's theme styles the chart in the browser, and a template costs ~16 ms a
        # figure to build and 6 KiB to send.
        template="none",
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        title=title,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        separators=".,",
        hovermode="x unified",
    )
    return figure


def revenue_over_time_chart(frame: pl.DataFrame, grain: str) -> go.Figure:
    """Revenue per period as bars, orders as a line on a second axis (``rollup`` of mart_revenue_daily)."""
    figure = _figure()
    x = frame["period_start"].to_list()
    figure.add_bar(x=x, y=frame["revenue"].to_list(), name="Revenue", marker_color="#4C78A8")
    figure.add_scatter(
        x=x, y=frame["order_count"].to_list(), name="Orders", yaxis="y2", mode="lines", line_color="#F58518"
    )
    figure.update_layout(
        xaxis_title=PERIOD_WORDS[grain],
        yaxis={"title": "Revenue", **value_axis(frame["revenue"], money=True)},
        yaxis2={
            "title": "Orders",
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            **value_axis(frame["order_count"]),
        },
    )
    return figure


def order_volume_chart(frame: pl.DataFrame, grain: str) -> go.Figure:
    """Orders per period (``rollup`` of mart_revenue_daily)."""
    return _per_period(frame, grain, "order_count", "Orders", "#F58518")


def signups_chart(frame: pl.DataFrame, grain: str) -> go.Figure:
    """Customers who signed up per period (``rollup`` of mart_signups_daily)."""
    return _per_period(frame, grain, "signups", "Customers who signed up", "#54A24B")


def _per_period(frame: pl.DataFrame, grain: str, column: str, title: str, color: str) -> go.Figure:
    figure = _figure()
    figure.add_bar(x=frame["period_start"].to_list(), y=frame[column].to_list(), name=title, marker_color=color)
    figure.update_layout(xaxis_title=PERIOD_WORDS[grain], yaxis={"title": title, **value_axis(frame[column])})
    return figure


def cohort_retention_chart(frame: pl.DataFrame) -> go.Figure:
    """Share of each signup month's customers who ordered N months later (mart_signup_cohorts), as a heatmap.

    Months after the last order in the data are not in the mart, so they stay blank rather than read as zero.
    """
    cohorts = sorted(set(frame["cohort_month"].to_list()))
    offsets = sorted(set(frame["months_since_signup"].to_list()))
    cells = {(row["cohort_month"], row["months_since_signup"]): row for row in frame.iter_rows(named=True)}
    z = [[_cell(cells, c, m, "retention_rate") for m in offsets] for c in cohorts]
    sizes = [[_cell(cells, c, m, "cohort_size") for m in offsets] for c in cohorts]
    figure = _figure(height=max(HEIGHT, 16 * len(cohorts) + 80))
    figure.add_heatmap(
        x=offsets,
        y=[c.strftime("%Y-%m") for c in cohorts],
        z=z,
        customdata=sizes,
        colorscale="Blues",
        zmin=0,
        colorbar={"title": "Ordered", "tickformat": ".0%"},
        hovertemplate="signed up %{y}, month %{x}: %{z:.1%} of %{customdata:,} customers<extra></extra>",
    )
    figure.update_layout(
        xaxis_title="Months since signup", yaxis_title="Signup month", yaxis_autorange="reversed", hovermode="closest"
    )
    return figure


def _cell(cells: dict[tuple[object, object], dict[str, object]], cohort: object, month: object, column: str) -> object:
    row = cells.get((cohort, month))
    return None if row is None else row[column]


SEGMENT_ORDER = ("champions", "loyal", "new", "needs_attention", "at_risk", "hibernating")


def rfm_segments_chart(frame: pl.DataFrame) -> go.Figure:
    """Customers per RFM segment (mart_rfm_segment_summary), best segments first; hover: their averages."""
    rank = {name: i for i, name in enumerate(SEGMENT_ORDER)}
    rows = sorted(frame.iter_rows(named=True), key=lambda r: rank.get(r["segment"], len(rank)))
    figure = _figure()
    figure.add_bar(
        x=[r["segment"].replace("_", " ") for r in rows],
        y=[r["row_count"] for r in rows],
        customdata=[[r["avg_order_count"], r["avg_total_spend"], r["avg_recency_days"]] for r in rows],
        hovertemplate="%{y:,} customers<br>on average %{customdata[0]:.1f} orders, $%{customdata[1]:,.2f}, "
        "last order %{customdata[2]:.0f} days before<extra></extra>",
        marker_color="#B279A2",
        name="Customers",
    )
    figure.update_layout(
        xaxis_title="Segment", yaxis={"title": "Customers", **value_axis(frame["row_count"])}, hovermode="closest"
    )
    return figure


def customer_spend_chart(frame: pl.DataFrame) -> go.Figure:
    """One customer's spend per month, from their orders (order_date, total_amount)."""
    monthly = (
        frame.group_by(pl.col("order_date").dt.truncate("1mo").alias("month"))
        .agg(pl.col("total_amount").sum().round(2).alias("spend"), pl.len().alias("orders"))
        .sort("month")
    )
    figure = _figure(height=260)
    figure.add_bar(
        x=monthly["month"].to_list(),
        y=monthly["spend"].to_list(),
        customdata=monthly["orders"].to_list(),
        hovertemplate="%{x|%Y-%m}: $%{y:,.2f} in %{customdata} order(s)<extra></extra>",
        name="Spend",
        marker_color="#4C78A8",
    )
    spend_axis = value_axis(monthly["spend"], money=True)
    figure.update_layout(xaxis_title="Month", yaxis={"title": "Spend", **spend_axis}, hovermode="closest")
    return figure


def category_share_chart(frame: pl.DataFrame) -> go.Figure:
    """Each category's share of revenue (``rollup`` of mart_category_revenue_daily by category), largest first.

    The share is the category's revenue over the sum of all of them.
    """
    ordered = frame.sort(["revenue", "category"], descending=[True, False])
    total = sum(ordered["revenue"])
    shares = [revenue / total if total else 0.0 for revenue in ordered["revenue"]]
    figure = _figure()
    figure.add_bar(
        x=shares,
        y=ordered["category"].to_list(),
        orientation="h",
        customdata=ordered["revenue"].to_list(),
        text=[f"{share:.1%}" for share in shares],
        textposition="outside",
        hovertemplate="%{y}: %{x:.1%} ($%{customdata:,.2f})<extra></extra>",
        name="Share of revenue",
        marker_color="#4C78A8",
    )
    figure.update_layout(
        xaxis={"title": "Share of revenue", "tickformat": ".0%", "range": [0, min(1.0, max(shares, default=0) * 1.15)]},
        yaxis={"autorange": "reversed"},
        hovermode="closest",
    )
    return figure


def category_revenue_chart(frame: pl.DataFrame, grain: str) -> go.Figure:
    """Revenue per period, stacked by category (``rollup`` of mart_category_revenue_daily)."""
    figure = _figure()
    for category in sorted(set(frame["category"].to_list())):
        rows = frame.filter(pl.col("category") == category)
        figure.add_bar(x=rows["period_start"].to_list(), y=rows["revenue"].to_list(), name=category)
    stacks = frame.group_by("period_start").agg(pl.col("revenue").sum())["revenue"]
    figure.update_layout(
        barmode="stack", xaxis_title=PERIOD_WORDS[grain], yaxis={"title": "Revenue", **value_axis(stacks, money=True)}
    )
    return figure


def price_distribution_chart(frame: pl.DataFrame) -> go.Figure:
    """List prices per category as box plots on a log scale, from the quartiles of mart_price_distribution."""
    ordered = frame.sort("median_price")
    figure = _figure(height=max(HEIGHT, 34 * frame.height + 60))
    figure.add_box(
        y=ordered["category"].to_list(),
        lowerfence=ordered["min_price"].to_list(),
        q1=ordered["q1_price"].to_list(),
        median=ordered["median_price"].to_list(),
        q3=ordered["q3_price"].to_list(),
        upperfence=ordered["max_price"].to_list(),
        mean=ordered["mean_price"].to_list(),
        orientation="h",
        name="Price",
        marker_color="#72B7B2",
    )
    low, high = min(ordered["min_price"], default=1.0), max(ordered["max_price"], default=1.0)
    ticks = [t for t in PRICE_TICKS if low / 2 <= t <= high * 2]
    figure.update_layout(
        xaxis={
            "title": "Price (log scale)",
            "type": "log",
            "tickvals": ticks,
            "ticktext": [f"${t:,g}" for t in ticks],
        },
        yaxis_title=None,
        showlegend=False,
        hovermode="closest",
    )
    return figure


def top_products_chart(frame: pl.DataFrame, rank_by: str) -> go.Figure:
    """The best products by revenue or units (``top_products`` over mart_product_summary), best at the top."""
    figure = _figure(height=max(HEIGHT, 22 * frame.height + 60))
    figure.add_bar(
        x=frame[rank_by].to_list(),
        y=[f"{name} (#{pid})" for name, pid in zip(frame["name"], frame["product_id"], strict=True)],
        orientation="h",
        customdata=frame["category"].to_list(),
        hovertemplate="%{y}, %{customdata}: %{x:,}<extra></extra>",
        name=rank_by.title(),
        marker_color="#4C78A8",
    )
    axis = {"title": "Revenue" if rank_by == "revenue" else "Units sold"}
    axis |= value_axis(frame[rank_by], money=rank_by == "revenue")
    figure.update_layout(xaxis=axis, yaxis={"autorange": "reversed"}, hovermode="closest")
    return figure


def payment_mix_chart(frame: pl.DataFrame, grain: str) -> go.Figure:
    """Each method's share of the payments per period (``rollup`` of mart_payment_mix_daily), stacked to 100%."""
    totals = frame.group_by("period_start").agg(pl.col("payment_count").sum().alias("period_payments"))
    shares = frame.join(totals, on="period_start").with_columns(
        share=pl.col("payment_count") / pl.col("period_payments")
    )
    figure = _figure()
    for method in sorted(set(shares["payment_method"].to_list())):
        rows = shares.filter(pl.col("payment_method") == method).sort("period_start")
        figure.add_bar(
            x=rows["period_start"].to_list(),
            y=rows["share"].to_list(),
            customdata=rows["payment_count"].to_list(),
            hovertemplate=f"{method}: %{{y:.1%}} (%{{customdata:,}} payments)<extra></extra>",
            name=method,
        )
    figure.update_layout(
        barmode="stack", xaxis_title=PERIOD_WORDS[grain], yaxis={"title": "Share of payments", "tickformat": ".0%"}
    )
    return figure


def bought_together_chart(frame: pl.DataFrame) -> go.Figure:
    """The product pairs most often in one order (mart_bought_together), most frequent at the top."""
    ordered = frame.sort(
        ["orders_together", "lift", "product_a_id", "product_b_id"], descending=[True, True, False, False]
    )
    labels = [
        f"{a} + {b}" for a, b in zip(ordered["product_a_name"], ordered["product_b_name"], strict=True)
    ]  # fmt: skip
    figure = _figure(height=max(HEIGHT, 24 * frame.height + 60))
    figure.add_bar(
        x=ordered["orders_together"].to_list(),
        y=labels,
        orientation="h",
        customdata=ordered["lift"].to_list(),
        hovertemplate="%{y}: %{x:,} orders together, lift %{customdata:.1f}<extra></extra>",
        name="Orders together",
        marker_color="#E45756",
    )
    figure.update_layout(
        xaxis={"title": "Orders with both", **value_axis(ordered["orders_together"])},
        yaxis={"autorange": "reversed"},
        hovermode="closest",
    )
    return figure


def power_users_chart(frame: pl.DataFrame) -> go.Figure:
    """Power users by orders and spend (mart_power_users); marker size: months with an order."""
    names = [
        f"{f} {last} (#{c})"
        for f, last, c in zip(frame["first_name"], frame["last_name"], frame["customer_id"], strict=True)
    ]
    figure = _figure()
    figure.add_scatter(
        x=frame["order_count"].to_list(),
        y=frame["total_spend"].to_list(),
        mode="markers",
        text=names,
        customdata=frame["active_months"].to_list(),
        marker={"size": [4 + m / 2 for m in frame["active_months"].to_list()], "color": "#4C78A8", "opacity": 0.7},
        hovertemplate="%{text}: %{x} orders, $%{y:,.2f}, active %{customdata} months<extra></extra>",
        name="Power users",
    )
    figure.update_layout(
        xaxis={"title": "Orders", **value_axis(frame["order_count"])},
        yaxis={"title": "Spend", **value_axis(frame["total_spend"], money=True)},
        hovermode="closest",
    )
    return figure


def repeat_purchases_chart(frame: pl.DataFrame) -> go.Figure:
    """New buyers per month of first order (bars) and the share who bought again (line; mart_repeat_purchase_rate)."""
    figure = _figure()
    x = frame["first_order_month"].to_list()
    figure.add_bar(x=x, y=frame["new_buyers"].to_list(), name="New buyers", marker_color="#9D755D")
    figure.add_scatter(
        x=x, y=frame["repeat_rate"].to_list(), name="Bought again", yaxis="y2", mode="lines+markers", line_color="#333"
    )
    figure.update_layout(
        xaxis_title="Month of first order",
        yaxis={"title": "New buyers", **value_axis(frame["new_buyers"])},
        yaxis2={
            "title": "Bought again",
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "rangemode": "tozero",
        },
    )
    return figure


def anomaly_kinds_chart(frame: pl.DataFrame) -> go.Figure:
    """Flagged orders per kind (``rollup`` of mart_anomalies by kind)."""
    ordered = frame.sort(["row_count", "kind"], descending=[True, False])
    figure = _figure()
    figure.add_bar(
        x=ordered["kind"].to_list(), y=ordered["row_count"].to_list(), name="Flagged orders", marker_color="#E45756"
    )
    figure.update_layout(
        xaxis_title="Rule that flagged the order",
        yaxis={"title": "Orders", **value_axis(ordered["row_count"])},
        hovermode="closest",
    )
    return figure


def stage_times_chart(frame: pl.DataFrame) -> go.Figure:
    """Seconds per pipeline stage (the manifest's stages: name, seconds, peak_rss_mib)."""
    figure = _figure(height=max(220, 28 * frame.height + 60))
    peaks = ["" if p is None else f", peak {p:,.0f} MiB" for p in frame["peak_rss_mib"].to_list()]
    figure.add_bar(
        x=frame["seconds"].to_list(),
        y=frame["name"].to_list(),
        orientation="h",
        customdata=peaks,
        hovertemplate="%{y}: %{x:.2f} s%{customdata}<extra></extra>",
        name="Seconds",
        marker_color="#4C78A8",
    )
    figure.update_layout(xaxis_title="Seconds", yaxis={"autorange": "reversed"}, hovermode="closest")
    return figure
