"""Rows read by key are typed in Python from the text ``sqlite_query`` returns; they must equal what DuckDB's own
casts give (``run_native``) and what SQLite holds, for every type and its awkward values."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from pipeline.warehouse.connection import Warehouse, native_rows, run_native

pytestmark = pytest.mark.fast

COLUMNS = {"k": "bigint", "n": "bigint", "x": "double", "s": "varchar", "d": "date"}
ROWS = [
    (1, 0, 0.1, "plain", "2024-02-29"),
    (2, -(2**63), 1e-7, "ünïcode, 'quoted', \"double\"", "1970-01-01"),
    (3, 2**63 - 1, 1.5e300, "", "2099-12-31"),
    (4, -42, 3.0, "  spaced  ", "2025-06-30"),
    (5, None, 123456.789, None, None),
    (6, 7, -2.2250738585072014e-308, "x", "2000-01-01"),
    (7, 8, None, "1.0", "2024-01-01"),
]


def test_typed_rows_equal_duckdb_casts_and_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "values.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, n INTEGER, x REAL, s TEXT, d DATE)")
        db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", ROWS)
        db.commit()
    expected = [
        dict(zip(COLUMNS, (*row[:4], None if row[4] is None else dt.date.fromisoformat(row[4])), strict=True))
        for row in ROWS
    ]
    with Warehouse(path) as warehouse, warehouse.lease() as cursor:
        sql = "SELECT k, n, x, s, d FROM t WHERE k >= ? ORDER BY k"
        typed = native_rows(cursor, sql, (1,), COLUMNS)
        cast = run_native(cursor, sql, (1,), COLUMNS).to_dicts()
    assert typed == cast
    # SQLite renders a REAL as text with 15 significant digits: what comes back is that text's nearest double.
    sqlite_text = [{**row, "x": None if row["x"] is None else float(f"{row['x']:.15g}")} for row in expected]
    assert typed == sqlite_text
    assert [type(value) for value in typed[0].values()] == [int, int, float, str, dt.date]
