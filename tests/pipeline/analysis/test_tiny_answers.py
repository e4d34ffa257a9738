"""Every query over the tiny hand-made shop gives the answer worked out on paper (tiny_answers.py), every
column of it; the golden answer files hold the same; the warehouse gives the same as the lake."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipeline.analysis.queries import all_queries, get_query
from tests.support.builds import ANSWERS_DIR
from tests.support.tiny_answers import ANSWERS, Answer, default_answer

pytestmark = pytest.mark.fast


def run(con: duckdb.DuckDBPyConnection, answer: Answer) -> pl.DataFrame:
    query = get_query(answer.query)
    return query.run(con, query.bind(answer.params))


@pytest.mark.parametrize("answer", ANSWERS, ids=[a.id for a in ANSWERS])
def test_the_query_gives_the_hand_worked_answer(tiny_lake: duckdb.DuckDBPyConnection, answer: Answer) -> None:
    assert_frame_equal(run(tiny_lake, answer), answer.frame(), check_exact=True)


@pytest.mark.parametrize("answer", ANSWERS, ids=[a.id for a in ANSWERS])
def test_the_warehouse_gives_the_same_answer(tiny_warehouse: duckdb.DuckDBPyConnection, answer: Answer) -> None:
    assert_frame_equal(run(tiny_warehouse, answer), answer.frame(), check_exact=True)


@pytest.mark.parametrize("name", list(all_queries()))
def test_the_golden_file_holds_the_hand_worked_answer(name: str) -> None:
    """queries/answers/ is written by ``python -m tests.support.update_answers``, only with answers equal to these."""
    assert_frame_equal(pl.read_parquet(ANSWERS_DIR / f"{name}.parquet"), default_answer(name), check_exact=True)


def test_every_query_and_choice_is_worked_out() -> None:
    queries = all_queries()
    assert {a.query for a in ANSWERS if not a.params} == set(queries)
    for name, query in queries.items():
        for param in query.params:
            for choice in param.choices:
                if choice != param.default:
                    assert any(a.query == name and a.params.get(param.name) == choice for a in ANSWERS), (name, choice)
