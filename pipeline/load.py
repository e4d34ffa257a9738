"""Build the SQLite warehouse from validated Parquet files, check it, and swap it into place atomically.

The build happens in a temporary file next to the target: a failed or killed build leaves the previous
warehouse exactly as it was. DuckDB fills the tables through its sqlite extension, one transaction per
Parquet part; secondary indexes are created after the bulk insert; then SQLite itself checks foreign keys
and page integrity, and row counts are reconciled with the source before ``os.replace``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline import duck
from pipeline.errors import DataInvalid
from pipeline.schema import schema
from pipeline.validate.report import Failure

log = logging.getLogger(__name__)

BuildStep = Callable[[duckdb.DuckDBPyConnection], None]
# Above this many rows the full integrity_check (which re-verifies every index entry) is replaced by
# quick_check (page and record structure only), which is linear in the file size.
FULL_INTEGRITY_CHECK_ROWS = 2_000_000


@dataclass(frozen=True)
class LoadSummary:
    rows: dict[str, int]
    integrity_check: str


def _build_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.build-{os.getpid()}")


def remove_stale_builds(target: Path) -> None:
    """Builds left behind by killed runs; never the warehouse itself."""
    for stale in target.parent.glob(f".{target.name}.build-*"):
        stale.unlink(missing_ok=True)


def _fill(
    build: Path, files_by_table: dict[str, list[Path]], steps: Sequence[BuildStep], advance: Callable[[int], None]
) -> None:
    con = duck.connect()
    try:
        duck.create_views(con, files_by_table)
        duck.attach_warehouse(con, build, read_only=False)
        for table in schema().tables:
            columns = ", ".join(schema().columns[table])
            for path in files_by_table[table]:
                con.execute(
                    f"INSERT INTO {duck.WAREHOUSE_ALIAS}.{table} ({columns}) "
                    f"SELECT {columns} FROM read_parquet({duck.sql_string(path)})"
                )
                advance(1)
        for step in steps:
            step(con)
        con.execute(f"DETACH {duck.WAREHOUSE_ALIAS}")
    finally:
        con.close()


def _index_and_check(build: Path, expected_rows: dict[str, int]) -> str:
    with closing(sqlite3.connect(build)) as db:
        db.executescript(schema().indexes_ddl)
        failures = [
            Failure(table, "", f"foreign key to {parent} does not resolve", 1, [{"rowid": rowid}])
            for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check").fetchmany(20)
        ]
        counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in schema().tables}
        failures += [
            Failure(t, "", f"row count {counts[t]} differs from the source's {expected_rows[t]}", 1)
            for t in schema().tables
            if counts[t] != expected_rows[t]
        ]
        check = "integrity_check" if sum(counts.values()) <= FULL_INTEGRITY_CHECK_ROWS else "quick_check"
        verdict = [row[0] for row in db.execute(f"PRAGMA {check}").fetchmany(20)]
        if verdict != ["ok"]:
            failures.append(Failure("", "", f"PRAGMA {check}: {'; '.join(verdict)}", len(verdict)))
        if failures:
            raise DataInvalid(failures)
        # Statistics for the query planner, sampled so that they cost little at any scale.
        db.execute("PRAGMA analysis_limit = 1000")
        db.execute("ANALYZE")
        db.commit()
    return check


def build_warehouse(
    files_by_table: dict[str, list[Path]],
    expected_rows: dict[str, int],
    target: Path,
    steps: Sequence[BuildStep] = (),
    advance: Callable[[int], None] = lambda _: None,
) -> LoadSummary:
    """Load ``files_by_table`` into a new warehouse at ``target``; ``steps`` add derived tables (marts)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(target)
    build = _build_path(target)
    try:
        with closing(sqlite3.connect(build)) as db:
            db.executescript(schema().tables_ddl)
        _fill(build, files_by_table, steps, advance)
        check = _index_and_check(build, expected_rows)
        with build.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(build, target)
    except BaseException:
        build.unlink(missing_ok=True)
        raise
    log.info("warehouse %s built and swapped into place (%s ok)", target, check)
    return LoadSummary(expected_rows, check)
