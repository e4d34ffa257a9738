"""Analytics (/analytics): revenue over time, categories, how customers pay, repeat buyers, baskets, power users.

One chart at a time (a picker under the title): six charts drawn together took the browser longer than a page
may take, two over half a second to redraw after a filter change (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard import charts, data, fmt, shell


def _revenue(view: shell.View) -> None:
    grain = shell.grain(view, "Per", "analytics_grain")
    st.subheader("Revenue")
    frame = data.revenue(view.snapshot, grain, view.start, view.end)
    st.plotly_chart(charts.revenue_over_time(frame, grain), key="revenue")


def _category_revenue(view: shell.View) -> None:
    grain = shell.grain(view, "Per", "analytics_grain")
    st.subheader("Revenue by category")
    frame = data.category_revenue(view.snapshot, grain, view.start, view.end)
    st.plotly_chart(charts.category_revenue(frame, grain), key="category_revenue_chart")


def _payment_mix(view: shell.View) -> None:
    grain = shell.grain(view, "Per", "analytics_grain")
    st.subheader("Payment mix")
    frame = data.payment_mix(view.snapshot, grain, view.start, view.end)
    st.plotly_chart(charts.payment_mix(frame, grain), key="mix")
    st.caption("By the day of the payment.")


def _repeat_purchases(view: shell.View) -> None:
    st.subheader("Repeat purchases")
    shell.chart(
        charts.repeat_purchases,
        data.repeat_purchases(view.snapshot, view.start, view.end),
        "repeat_chart",
        "Nobody ordered for the first time in a month of the date range.",
        "Of the customers whose first order fell in a month, the share who ordered again within 90 days. "
        "The last three months have had less time to repeat.",
    )


def _bought_together(view: shell.View) -> None:
    st.subheader("Bought together")
    st.caption("Over the whole history.")
    st.plotly_chart(charts.bought_together(data.bought_together(view.snapshot)), key="pairs_chart")
    st.caption("The pairs of products most often in one order; lift: how much likelier together than apart.")


def _power_users(view: shell.View) -> None:
    st.subheader("Power users")
    st.caption("Over the whole history.")
    users = data.power_users(view.snapshot)
    note = f"The {fmt.count(users.height)} customers with the most orders (at least ten); size: active months."
    shell.chart(charts.power_users, users, "power_chart", "Nobody has ordered ten times yet.", note)
    with st.expander("Power users as a table"):
        shell.table(users, "power_table", money=("total_spend",))


SECTIONS: dict[str, Callable[[shell.View], None]] = {
    "Revenue": _revenue,
    "By category": _category_revenue,
    "Payment mix": _payment_mix,
    "Repeat purchases": _repeat_purchases,
    "Bought together": _bought_together,
    "Power users": _power_users,
}


def render(view: shell.View) -> None:
    st.title("Analytics")
    st.caption(view.caption())
    SECTIONS[shell.section(list(SECTIONS), "analytics_section")](view)


if __name__ == "__main__":
    shell.run(render)
