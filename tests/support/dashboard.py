"""The dashboard's pages as the tests and the screenshots see them: the app, the charts each page draws, the pages
that show one section at a time."""

from __future__ import annotations

from pathlib import Path

from dashboard.views import analytics, customers

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
# Plotly charts each page draws over the scale-1 build, with no widget touched.
CHARTS = {"overview.py": 1, "customers.py": 1, "products.py": 3, "orders.py": 1, "analytics.py": 1, "quality.py": 2}
# The pages that show one section at a time: their picker's key and sections. Each section draws one chart.
SECTIONS = {
    "customers.py": ("customers_section", list(customers.SECTIONS)),
    "analytics.py": ("analytics_section", list(analytics.SECTIONS)),
}
EVERY_SECTION = [(page, name) for page, (_, names) in SECTIONS.items() for name in names]
