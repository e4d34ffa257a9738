"""The SQLite-dialect copies of the queries (``benchmarks/sqlite_queries/``, the query benchmark's reference)
answer exactly as ``queries/`` do, at every case the lake-vs-warehouse test runs, so a copy that did not follow a
change of its query fails here, not only in ``just bench``."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import duckdb
import pytest

from pipeline.analysis.queries import all_queries, get_query
from tests.pipeline.analysis.test_lake_vs_warehouse import CASES
from tests.support.builds import Built
from tools import sqlite_copies

pytestmark = pytest.mark.fast


@pytest.fixture(scope="module")
def native1(built1: Built) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(f"file:{built1.warehouse}?mode=ro", uri=True)) as db:
        yield db


def test_every_query_has_a_copy() -> None:
    assert sorted(p.stem for p in sqlite_copies.SQLITE_DIR.glob("*.sql")) == sorted(all_queries())


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{'-'.join(map(str, p.values()))}" for n, p in CASES])
def test_the_copy_gives_the_answer_of_the_query(
    lake1: duckdb.DuckDBPyConnection, native1: sqlite3.Connection, name: str, params: dict[str, Any]
) -> None:
    query = get_query(name)
    values = query.bind(params)
    sqlite_copies.assert_same_answer(sqlite_copies.run_copy(native1, name, values), query.run(lake1, values))


# round(x, n) with n > 0: SQLite rounds the decimal form of x, DuckDB rounds x * 10^n in binary floating point.
ROUND_TO_DIGITS = re.compile(r"\bround\((?:[^()]|\([^()]*\))*,\s*\d+\s*\)", re.IGNORECASE)


def test_the_copies_round_as_duckdb_does() -> None:
    """On a tie the two ways part: 397 / 400,000 (a pair's support at scale 100) is 0.0009925. The copies write
    DuckDB's way out, ``round(x * 1e6) / 1e6``; a ``round(x, 6)`` in a copy fails here."""
    x = 397 / 400_000
    with closing(sqlite3.connect(":memory:")) as db:
        sqlite_round, copy_round = db.execute("select round(?, 6), round(? * 1e6) / 1e6", (x, x)).fetchone()
    duck_round = duckdb.execute("select round($x::double, 6)", {"x": x}).fetchone()
    assert duck_round is not None
    assert (sqlite_round, copy_round, duck_round[0]) == (0.000993, 0.000992, 0.000992)
    assert ROUND_TO_DIGITS.search("select round(1.0 * a / b, 6) as share") is not None
    for path in sorted(sqlite_copies.SQLITE_DIR.glob("*.sql")):
        found = ROUND_TO_DIGITS.search(path.read_text())
        assert found is None, f"{path.name}: {found.group() if found else ''} rounds as SQLite, not as DuckDB"


def test_every_copy_says_why_it_differs_from_its_query() -> None:
    for path in sorted(sqlite_copies.SQLITE_DIR.glob("*.sql")):
        first = path.read_text().splitlines()[0]
        assert first.startswith(f"-- {path.stem}: queries/{path.stem}.sql in SQLite's dialect: "), path.name
