"""One SQL, two sources: every query returns identical results over the Parquet lake and the SQLite warehouse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest
from polars.testing import assert_frame_equal

from pipeline.analysis.queries import all_queries, get_query

pytestmark = pytest.mark.fast

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


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{'-'.join(map(str, p.values()))}" for n, p in CASES])
def test_identical_results(
    lake1: duckdb.DuckDBPyConnection, warehouse1: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]
) -> None:
    query = get_query(name)
    values = query.bind(params)
    from_lake = query.run(lake1, values)
    assert from_lake.height > 0
    assert_frame_equal(query.run(warehouse1, values), from_lake, check_exact=True)


def test_every_query_is_covered() -> None:
    assert {name for name, _ in CASES} == set(all_queries())
    assert len(all_queries()) == 15  # the CASES equality above would also hold for none
