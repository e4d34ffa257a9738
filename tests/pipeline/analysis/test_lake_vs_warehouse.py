"""One SQL, two sources: every query returns identical results over the Parquet lake and the SQLite warehouse."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from polars.testing import assert_frame_equal

from pipeline.analysis.queries import all_queries, get_query
from tests.support.cases import CASES

pytestmark = pytest.mark.fast


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
