"""The Streamlit dashboard over the warehouse: ``app.py`` is the router, ``views/`` one module per page.

``charts`` builds Plotly figures from frames (no Streamlit), ``data`` caches the shared reads of
``pipeline.warehouse.reads`` per warehouse build, ``layout`` holds what every page shares (the sidebar's date range,
the build shown, the empty state), ``formats`` the number formats. Importing any of them runs nothing.
"""
