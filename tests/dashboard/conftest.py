"""Fixtures of the dashboard tests: the session's scale-1 warehouse, opened independently with sqlite3 and through
the dashboard's own snapshot, and the same shop as frames for the analysis references."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from dashboard import data
from pipeline.schema import TABLES
from tests.support import reference


@pytest.fixture(scope="session")
def snap(warehouse_path: Path) -> data.Snapshot:
    return data.snapshot(warehouse_path)


def _frame(db: sqlite3.Connection, table: str) -> pl.DataFrame:
    rows = db.execute(f"SELECT * FROM {table}")
    names = [d[0] for d in rows.description]
    frame = pl.DataFrame(rows.fetchall(), schema=names, orient="row")
    dates = [n for n in names if n.endswith("_date")]
    return frame.with_columns(pl.col(dates).str.to_date())


@pytest.fixture(scope="session")
def shop(db: sqlite3.Connection) -> reference.Shop:
    """The warehouse's five tables read with sqlite3, for the Polars references of tests/support/reference.py."""
    return reference.Shop(*(_frame(db, table) for table in TABLES))


@pytest.fixture(autouse=True)
def _main_module_kept() -> Iterator[None]:
    """Streamlit's AppTest leaves the app script as ``__main__``, and every process spawned afterwards (the API's
    writer, the generator's workers) would then import the app, and DuckDB with it."""
    main = sys.modules["__main__"]
    before = main.__dict__.get("__file__")
    yield
    sys.modules["__main__"] = main
    if before is None:
        main.__dict__.pop("__file__", None)
    else:
        main.__file__ = before
