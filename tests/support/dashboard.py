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


def compact(units: int, per_unit: int = 1, prefix: str = "") -> str:
    """Issue 24's compact figure, worked with integers apart from dashboard.formats: ``units / per_unit`` (cents:
    per_unit 100) to three significant digits, rounded half up, with K, M or B from 10,000 up; below, the full
    figure (to the cent for money)."""
    if units < 10_000 * per_unit:
        whole, cents = divmod(units, per_unit)
        return f"{prefix}{whole:,}" + (f".{cents:02d}" if per_unit == 100 else "")
    digits = len(str(units // per_unit))
    step = 10 ** (digits - 3) * per_unit
    kept = (units + step // 2) // step  # three digits, or 1000 after a carry
    if kept == 1000:
        kept, digits = 100, digits + 1
    power = min(3 * ((digits - 1) // 3), 9)
    decimals = max(0, power - (digits - 3))
    value = kept * 10 ** (digits - 3) / 10**power
    return f"{prefix}{value:,.{decimals}f}{'KMB'[power // 3 - 1]}"
