"""Analytics (/analytics): revenue over time, categories, how customers pay, repeat buyers, baskets, power users.

One chart at a time (a picker under the title): six charts drawn together took the browser longer than a page
may take, two over half a second to redraw after a filter change (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard import charts, data, formats, layout


def _revenue(view: layout.View) -> None:
    grain = layout.grain_picker(view, "Per", "analytics_grain")
    st.subheader("Revenue")
    frame = data.series(view.snapshot, "revenue", grain, view.start, view.end)
    st.plotly_chart(charts.revenue_over_time_chart(frame, grain), key="revenue")


def _category_revenue(view: layout.View) -> None:
    grain = layout.grain_picker(view, "Per", "analytics_grain")
    st.subheader("Revenue by category")
    frame = data.series(view.snapshot, "category_revenue", grain, view.start, view.end)
    st.plotly_chart(charts.category_revenue_chart(frame, grain), key="category_revenue_chart")


def _payment_mix(view: layout.View) -> None:
    grain = layout.grain_picker(view, "Per", "analytics_grain")
    st.subheader("Payment mix")
    frame = data.series(view.snapshot, "payment_mix", grain, view.start, view.end)
    st.plotly_chart(charts.payment_mix_chart(frame, grain), key="mix")
    st.caption("By the day of the payment.")


def _repeat_purchases(view: layout.View) -> None:
    st.subheader("Repeat purchases")
    layout.chart(
        charts.repeat_purchases_chart,
        data.repeat_purchases(view.snapshot, view.start, view.end),
        "repeat_chart",
        "Nobody ordered for the first time in a month of the date range.",
        "Of the customers whose first order fell in a month, the share who ordered again within 90 days. "
        "The last three months have had less time to repeat.",
    )


def _bought_together(view: layout.View) -> None:
    st.subheader("Bought together")
    st.caption("Over the whole history.")
    st.plotly_chart(
        charts.bought_together_chart(data.whole_history(view.snapshot, "bought_together")), key="pairs_chart"
    )
    st.caption("The pairs of products most often in one order; lift: how much likelier together than apart.")


def _power_users(view: layout.View) -> None:
    st.subheader("Power users")
    st.caption("Over the whole history.")
    users = data.whole_history(view.snapshot, "power_users")
    note = f"The {formats.count(users.height)} customers with the most orders (at least ten); size: active months."
    layout.chart(charts.power_users_chart, users, "power_chart", "Nobody has ordered ten times yet.", note)
    with st.expander("Power users as a table"):
        layout.table(users, "power_table", money=("total_spend",))


SECTIONS: dict[str, Callable[[layout.View], None]] = {
    "Revenue": _revenue,
    "By category": _category_revenue,
    "Payment mix": _payment_mix,
    "Repeat purchases": _repeat_purchases,
    "Bought together": _bought_together,
    "Power users": _power_users,
}


def render(view: layout.View) -> None:
    st.title("Analytics")
    st.caption(view.caption())
    SECTIONS[layout.section(list(SECTIONS), "analytics_section")](view)


if __name__ == "__main__":
    layout.run_page(render)
