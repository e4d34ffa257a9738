"""The analyses' parameter cases every backend must answer alike: the lake, the warehouse, SQLite's copies, Spark."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.analysis.queries import all_queries

# Every query with its defaults, plus each choice of a choice parameter and a narrower date range.
CASES: list[tuple[str, dict[str, Any]]] = []
for _name, _query in all_queries().items():
    CASES.append((_name, {}))
    for _param in _query.params:
        CASES += [(_name, {_param.name: choice}) for choice in _param.choices if choice != _param.default]
    _names = {p.name for p in _query.params}
    if "start_date" in _names:
        # Six months hold fewer orders per customer: two make a power user there.
        _fewer = {"min_orders": 2} if "min_orders" in _names else {}
        CASES.append((_name, {"start_date": dt.date(2024, 3, 1), "end_date": dt.date(2024, 8, 31), **_fewer}))
