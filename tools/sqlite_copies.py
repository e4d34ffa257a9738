"""SQLite's own answer to each query: ``benchmarks/sqlite_queries/<name>.sql``, the copy of ``queries/<name>.sql``.

The query benchmark times it as the reference for DuckDB's scanner; ``tests/pipeline/analysis/test_sqlite_copies.py``
proves every copy gives the query's answer, so a copy that did not follow a change of its query fails the suite.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from pipeline.analysis.queries import Value

SQLITE_DIR = Path(__file__).resolve().parents[1] / "benchmarks" / "sqlite_queries"


def run_copy(db: sqlite3.Connection, name: str, values: dict[str, Value]) -> pl.DataFrame:
    """The copy of query ``name`` run by SQLite, its parameters bound as sqlite3's ``:name`` (dates as ISO text)."""
    bound: dict[str, Any] = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}
    cursor = db.execute((SQLITE_DIR / f"{name}.sql").read_text(), bound)
    columns = [d[0] for d in cursor.description]
    return pl.DataFrame(cursor.fetchall(), schema=columns, orient="row", infer_schema_length=None)


def assert_same_answer(native: pl.DataFrame, duck_answer: pl.DataFrame) -> None:
    """The same rows in the same order (SQLite's dates are text, its integers may come back as floats)."""
    cast = native.with_columns(
        pl.col(c).str.to_date() for c, t in duck_answer.schema.items() if t == pl.Date and native.schema[c] == pl.String
    ).cast(duck_answer.schema)
    assert_frame_equal(cast, duck_answer, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)
