"""Products (/products): what sells, in which categories, at which prices; the catalogue by category."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, layout

_LIST_KEY = "product_list"
ALL = "All categories"


def render(view: layout.View) -> None:
    st.title("Products")
    st.caption(view.caption())
    snap = view.snapshot
    share, prices = st.columns(2)
    with share:
        st.subheader("Category revenue share")
        categories = data.series(snap, "category_revenue", None, view.start, view.end)
        layout.chart(charts.category_share_chart, categories, "category_share_chart", "No sales in the date range.")
    distribution = data.whole_history(snap, "price_distribution")
    with prices:
        st.subheader("Prices per category")
        st.plotly_chart(charts.price_distribution_chart(distribution), key="price_chart")
        st.caption("List prices of the catalogue: box from the first to the third quartile, whiskers to the extremes.")

    st.subheader("Top products")
    left, right = st.columns([1, 2])
    rank_by = left.radio("Rank by", ["revenue", "units"], horizontal=True, key="rank_by")
    limit = right.slider("How many", min_value=5, max_value=50, value=15, step=5, key="top_limit")
    top = data.top_products(snap, limit, rank_by)
    st.plotly_chart(charts.top_products_chart(top, rank_by), key="top_products_chart")
    st.caption("Over the whole history.")

    st.subheader("Catalogue")
    left, right = st.columns([1, 2])
    names = [ALL, *sorted(distribution["category"].to_list())]
    category = left.selectbox("Category", names, key="catalogue_category")
    search = right.text_input("Search", placeholder="part of a product name", key="product_search")
    chosen = None if category == ALL else category
    after = layout.page_cursor(_LIST_KEY, (chosen, search, snap.version))
    page = data.products(snap, chosen, search, after)
    layout.table(page.items, "catalogue", money=("price",))
    layout.page_buttons(_LIST_KEY, page, page.items.height)


if __name__ == "__main__":
    layout.run_page(render)
