"""Orders (/orders): order volume over time, the orders themselves (newest first, filtered), one order's lines."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, layout
from pipeline.warehouse.reads.pages import DEFAULT_PAGE

_LIST_KEY = "order_list"


def render(view: layout.View) -> None:
    st.title("Orders")
    st.caption(view.caption())
    snap = view.snapshot
    grain = layout.grain_picker(view, "Order volume per", "order_grain")
    volume = data.series(snap, "revenue", grain, view.start, view.end)
    st.plotly_chart(charts.order_volume_chart(volume, grain), key="order_volume_chart")

    st.subheader("Orders, newest first")
    customer, low, high = st.columns(3)
    customer_id = customer.number_input("Customer id", min_value=1, step=1, value=None, key="order_customer")
    min_total = low.number_input("Total at least", min_value=0.0, step=10.0, value=None, key="order_min_total")
    max_total = high.number_input("Total at most", min_value=0.0, step=10.0, value=None, key="order_max_total")
    filters = (
        ("date_from", view.start),
        ("date_to", view.end),
        ("customer_id", None if customer_id is None else int(customer_id)),
        ("min_total", min_total),
        ("max_total", max_total),
    )
    after = layout.page_cursor(_LIST_KEY, (filters, snap.version))
    page = data.orders(snap, filters, after, DEFAULT_PAGE)
    order_id = layout.picked_list(
        page, (_LIST_KEY, "orders_table", "order_id"), "order_id", "Order id", ("total_amount",)
    )
    if order_id is not None:
        _detail(view, order_id)


def _detail(view: layout.View, order_id: int) -> None:
    detail = data.order(view.snapshot, order_id)
    if detail is None:
        st.warning(f"There is no order {order_id}.")
        return
    o = detail.order
    st.markdown(f"#### Order {o['order_id']} · customer {o['customer_id']} · {o['order_date'].isoformat()}")
    total, lines, paid = st.columns(3)
    layout.metric(total, "Total", o["total_amount"], "The sum of the order's lines.", money=True)
    layout.metric(lines, "Lines", detail.lines.height, "Products on the order.")
    payment = o["payment"]
    if payment is None:
        paid.metric("Paid", "not paid")
    else:
        layout.metric(paid, "Paid", payment["amount"], "The amount of the order's payment.", money=True)
        st.caption(
            f"Payment {payment['payment_id']}: {payment['payment_method']} on {payment['payment_date'].isoformat()}."
        )
    layout.table(detail.lines, "order_lines", money=("line_total",))


if __name__ == "__main__":
    layout.run_page(render)
