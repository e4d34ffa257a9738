"""The dashboard's router: ``streamlit run dashboard/app.py`` (``just dashboard``).

One file-based page per question, at its own URL path, and the sidebar every page shares (the build shown and the
global date range) drawn before the page runs.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import layout

PAGES_DIR = Path(__file__).parent / "views"  # not pages/, which Streamlit would take for an old-style app
# (file, title, URL path, icon); the first is the default page, at /.
PAGES = (
    ("overview.py", "Overview", "", ":material/dashboard:"),
    ("customers.py", "Customers", "customers", ":material/group:"),
    ("products.py", "Products", "products", ":material/inventory_2:"),
    ("orders.py", "Orders", "orders", ":material/receipt_long:"),
    ("analytics.py", "Analytics", "analytics", ":material/insights:"),
    ("quality.py", "Data quality", "quality", ":material/verified:"),
)


def main() -> None:
    st.set_page_config(page_title="E-commerce warehouse", page_icon=":material/storefront:", layout="wide")
    pages = [
        st.Page(PAGES_DIR / name, title=title, icon=icon, url_path=path or None, default=not path)
        for name, title, path, icon in PAGES
    ]
    navigation = st.navigation(pages)
    layout.sidebar()
    navigation.run()


if __name__ == "__main__":
    main()
