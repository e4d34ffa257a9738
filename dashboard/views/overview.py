"""Overview (/): the business at a glance over the date range: revenue, orders, signups, the latest orders."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, formats, layout

RECENT_ORDERS = 10


def render(view: layout.View) -> None:
    st.title("Overview")
    st.caption(view.caption())
    totals = data.totals(view.snapshot, view.start, view.end)
    revenue, orders, customers, average = st.columns(4)
    layout.metric(revenue, "Revenue", totals.revenue, "Total of the orders placed in the date range.", money=True)
    layout.metric(orders, "Orders", totals.orders, "Orders placed in the date range.")
    layout.metric(
        customers,
        "Customers",
        totals.signups,
        "Customers who signed up in the date range (every customer, over the whole window).",
    )
    layout.metric(
        average, "Average order value", totals.average_order_value, "Revenue / orders, to the cent.", money=True
    )

    grain = view.grain()
    st.subheader(f"Revenue and orders per {grain}")
    series = data.series(view.snapshot, "revenue", grain, view.start, view.end)
    st.plotly_chart(charts.revenue_over_time_chart(series, grain), key="revenue_chart")

    st.subheader("Most recent orders")
    latest = data.orders(view.snapshot, (("date_from", view.start), ("date_to", view.end)), None, RECENT_ORDERS).items
    if latest.is_empty():
        st.info("No orders in the date range.")
    else:
        layout.table(latest, "recent_orders", money=("total_amount",))

    st.subheader("The build shown")
    build = view.snapshot.build
    facts = {
        "build": build.build_id,
        "built at (UTC)": build.built_at,
        "source": build.source,
        "seed": formats.NOTHING if build.seed is None else str(build.seed),
        "scale": formats.NOTHING if build.scale is None else f"{build.scale:g}",
        "window ends": formats.NOTHING if build.end_date is None else build.end_date.isoformat(),
        "writes since the build": formats.count(build.edits),
    }
    layout.facts(facts)


if __name__ == "__main__":
    layout.run_page(render)
