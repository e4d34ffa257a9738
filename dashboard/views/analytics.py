"""Analytics (/analytics): revenue over time, categories, how customers pay, baskets, power users, repeat buyers."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, fmt, shell


def render(view: shell.View) -> None:
    st.title("Analytics")
    st.caption(view.caption())
    snap = view.snapshot
    grain = shell.grain(view, "Per", "analytics_grain")

    st.subheader("Revenue")
    st.plotly_chart(charts.revenue_over_time(data.revenue(snap, grain, view.start, view.end), grain), key="revenue")

    by_category, mix = st.columns(2)
    with by_category:
        st.subheader("Revenue by category")
        frame = data.category_revenue(snap, grain, view.start, view.end)
        st.plotly_chart(charts.category_revenue(frame, grain), key="category_revenue_chart")
    with mix:
        st.subheader("Payment mix")
        st.plotly_chart(charts.payment_mix(data.payment_mix(snap, grain, view.start, view.end), grain), key="mix")
        st.caption("By the day of the payment.")

    st.subheader("Repeat purchases")
    shell.chart(
        charts.repeat_purchases,
        data.repeat_purchases(snap, view.start, view.end),
        "repeat_chart",
        "Nobody ordered for the first time in a month of the date range.",
        "Of the customers whose first order fell in a month, the share who ordered again within 90 days. "
        "The last three months have had less time to repeat.",
    )

    st.caption("Below: over the whole history.")
    st.subheader("Bought together")
    st.plotly_chart(charts.bought_together(data.bought_together(snap)), key="pairs_chart")
    st.caption("The pairs of products most often in one order; lift: how much likelier together than apart.")
    st.subheader("Power users")
    users = data.power_users(snap)
    note = f"The {fmt.count(users.height)} customers with the most orders (at least ten); size: active months."
    shell.chart(charts.power_users, users, "power_chart", "Nobody has ordered ten times yet.", note)
    with st.expander("Power users as a table"):
        shell.table(users, "power_table", money=("total_spend",))


if __name__ == "__main__":
    shell.run(render)
