"""Customers (/customers): who signs up, who comes back, how customers segment; find one and see their orders."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard import charts, data, formats, layout

_LIST_KEY = "customer_list"


def _signups(view: layout.View) -> None:
    grain = view.grain()
    st.subheader(f"Signups per {grain}")
    frame = data.series(view.snapshot, "signups", grain, view.start, view.end)
    st.plotly_chart(charts.signups_chart(frame, grain), key="signups_chart")


def _cohorts(view: layout.View) -> None:
    st.subheader("Cohort retention")
    layout.chart(
        charts.cohort_retention_chart,
        data.cohorts(view.snapshot, view.start, view.end),
        "cohort_chart",
        "No customer signed up in a month of the date range.",
        "Share of each signup month's customers who ordered in the Nth month after it.",
    )


def _segments(view: layout.View) -> None:
    st.subheader("RFM segments")
    st.plotly_chart(charts.rfm_segments_chart(data.whole_history(view.snapshot, "rfm_segments")), key="rfm_chart")
    st.caption("Recency, frequency and monetary quintiles over the whole history, as of the last order day.")


# One chart at a time (a picker under the title), above the list: three drawn together, with the list, took
# the browser over half a second to redraw after a filter change (docs/benchmarks.md).
SECTIONS: dict[str, Callable[[layout.View], None]] = {
    "Signups": _signups,
    "Cohort retention": _cohorts,
    "RFM segments": _segments,
}


def render(view: layout.View) -> None:
    st.title("Customers")
    st.caption(view.caption())
    snap = view.snapshot
    SECTIONS[layout.section(list(SECTIONS), "customers_section")](view)

    st.subheader("Find a customer")
    search = st.text_input("Search", placeholder="part of a name, or an e-mail address", key="customer_search")
    signed_up = None if view.whole_window else (view.start, view.end)
    after = layout.page_cursor(_LIST_KEY, (search, signed_up, snap.version))
    page = data.customers(snap, search, signed_up, after)
    if signed_up is not None:
        st.caption("Customers who signed up in the date range, newest signup first.")
    customer_id = layout.picked_list(page, (_LIST_KEY, "customers_table", "customer_id"), "customer_id", "Customer id")
    if customer_id is not None:
        _detail(view, customer_id)


def _detail(view: layout.View, customer_id: int) -> None:
    detail = data.customer(view.snapshot, customer_id)
    if detail is None:
        st.warning(f"There is no customer {customer_id}.")
        return
    c = detail.customer
    st.markdown(f"#### {c['first_name']} {c['last_name']} (#{c['customer_id']}) · {c['email']}")
    joined, orders, spend, average = st.columns(4)
    joined.metric("Signed up", c["signup_date"].isoformat())
    layout.metric(orders, "Orders", c["order_count"], "Orders the customer placed.")
    layout.metric(spend, "Spend", c["total_spend"], "Total of the customer's orders.", money=True)
    aov = formats.average(formats.cents(c["total_spend"]), c["order_count"]) if c["order_count"] else None
    layout.metric(average, "Average order value", aov, "Spend / orders, to the cent.", money=True)
    items = detail.orders.items
    if items.is_empty():
        st.info("No orders yet.")
        return
    st.plotly_chart(charts.customer_spend_chart(items), key="customer_spend_chart")
    shown = (
        "their latest " + formats.count(items.height) if detail.orders.next else "all " + formats.count(items.height)
    )
    st.caption(f"Spend per month and orders, newest first ({shown} orders).")
    layout.table(items, "customer_orders", money=("total_amount",))


if __name__ == "__main__":
    layout.run_page(render)
