"""``run`` computes each analysis once and shares it with the marts: what it publishes is what each query says."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipeline.analysis.marts import MARTS
from pipeline.analysis.queries import all_queries, get_query
from pipeline.analysis.sources import connect_lake


@pytest.mark.parametrize("name", list(all_queries()))
def test_each_published_result_is_its_query_at_the_defaults(scale1: Path, name: str) -> None:
    """Including top_products, served as the first $limit rows of the unlimited product mart."""
    published = pl.read_parquet(scale1 / "analysis" / f"{name}.parquet")
    with connect_lake(scale1 / "lake") as con:
        direct = get_query(name).run(con)
    assert published.height > 0
    assert_frame_equal(published, direct, check_exact=True)


@pytest.mark.parametrize("mart", MARTS, ids=[m.table for m in MARTS])
def test_each_mart_is_its_query_at_its_parameters(scale1: Path, mart: object) -> None:
    from pipeline.analysis.marts import Mart

    assert isinstance(mart, Mart)
    query = get_query(mart.query)
    with connect_lake(scale1 / "lake") as con:
        direct = query.run(con, query.bind(mart.params))
    with closing(sqlite3.connect(f"file:{scale1 / 'warehouse.sqlite'}?mode=ro", uri=True)) as db:
        stored = pl.read_database(f"SELECT * FROM {mart.table}", db)
    # SQLite hands dates back as ISO text, as the warehouse stores them.
    stored = stored.with_columns(
        pl.col(c).str.to_date() if dtype == pl.Date else pl.col(c).cast(dtype) for c, dtype in direct.schema.items()
    )
    assert stored.height == direct.height > 0
    key = mart.key
    assert_frame_equal(stored.sort(key), direct.sort(key), check_exact=False, abs_tol=0.005)
