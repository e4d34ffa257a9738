"""Build the SQLite warehouse from validated Parquet files, check it, and swap it into place atomically.

The build happens in a temporary file next to the target: a failed or killed build leaves the previous
warehouse exactly as it was. SQLite has one writer per file, so to use every core the tables are split
into groups, each filled by DuckDB (through its sqlite extension, one transaction per Parquet part) into a
part file of its own, in parallel, with its secondary indexes created after the bulk insert. The part files
are then merged into the build file with ``INSERT INTO t SELECT * FROM part.t``, which SQLite runs as its
transfer optimisation (records and index entries are copied, not re-encoded; the schemas are identical,
CHECK constraints included, so nothing is skipped). Finally SQLite itself checks foreign keys and page
integrity and the row counts are reconciled with the source, then ``os.replace`` swaps the file in.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psutil

from pipeline import duck
from pipeline.errors import DataInvalid
from pipeline.schema import schema
from pipeline.validate.report import Failure

log = logging.getLogger(__name__)

BuildStep = Callable[[duckdb.DuckDBPyConnection], None]
Advance = Callable[[int], None]
# Above this many rows the full integrity_check (which re-verifies every index entry) is replaced by
# quick_check (page and record structure only), which is linear in the file size.
FULL_INTEGRITY_CHECK_ROWS = 2_000_000
# The foreign-key checks map the file instead of copying every page through read(2): they do tens of
# millions of B-tree lookups, and page copies through the kernel also serialise parallel checkers (2x
# slower alone, no gain from a second thread). The mapped pages are page cache, counted in RSS while mapped.
MMAP_BYTES = 1 << 40


@dataclass(frozen=True)
class LoadSummary:
    rows: dict[str, int]
    integrity_check: str


def _sqlite(path: Path, *, read_only: bool = False, mapped: bool = False) -> sqlite3.Connection:
    if read_only:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        if mapped:
            db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        return db
    return sqlite3.connect(path, isolation_level=None)


def remove_stale_builds(target: Path) -> None:
    """Build files (and their parts and journals) left behind by killed runs, never a live run's."""
    prefix = f".{target.name}.build-"
    for stale in target.parent.glob(f"{prefix}*"):
        pid = re.match(r"\d+", stale.name.removeprefix(prefix))
        if not (pid and psutil.pid_exists(int(pid.group()))):
            stale.unlink(missing_ok=True)


def split_tables(rows: dict[str, int], groups: int) -> list[list[str]]:
    """Tables in at most ``groups`` groups of similar total rows (largest first, into the lightest group)."""
    buckets: list[list[str]] = [[] for _ in range(max(1, min(groups, len(rows))))]
    load = [0] * len(buckets)
    for table in sorted(rows, key=lambda t: -rows[t]):
        lightest = load.index(min(load))
        buckets[lightest].append(table)
        load[lightest] += rows[table]
    return [sorted(b, key=schema().tables.index) for b in buckets]


def _fill_part(part: Path, tables: list[str], files_by_table: dict[str, list[Path]], advance: Advance) -> None:
    """Create the schema in ``part``, bulk-insert ``tables`` with DuckDB, then build their indexes."""
    with closing(_sqlite(part)) as db:
        db.executescript(schema().tables_ddl)
    con = duck.connect(memory_limit="256MB", threads=1)  # streams Parquet parts: little memory needed
    try:
        duck.attach_warehouse(con, part, read_only=False)
        for table in tables:
            columns = ", ".join(schema().columns[table])
            for path in files_by_table[table]:
                con.execute(
                    f"INSERT INTO {duck.WAREHOUSE_ALIAS}.{table} ({columns}) "
                    f"SELECT {columns} FROM read_parquet({duck.sql_string(path)})"
                )
                advance(1)
    finally:
        con.close()
    # SQLite's defaults build these indexes fastest here: a larger cache or in-memory sorting was measured
    # 2.5-5x slower for the unsorted product_id index.
    with closing(_sqlite(part)) as db:
        for table in tables:
            for statement in schema().indexes[table]:
                db.execute(statement)


def _merge(build: Path, parts: list[tuple[Path, list[str]]]) -> None:
    """Copy the other parts' tables into the build (itself the first part), indexes included."""
    with closing(_sqlite(build)) as db:
        for part, tables in parts:
            if part == build:
                continue
            for table in tables:
                for statement in schema().indexes[table]:
                    db.execute(statement)  # on the empty table, so that the transfer copies its entries
            db.execute("ATTACH ? AS part", (str(part),))
            db.execute("BEGIN")
            for table in tables:
                db.execute(f"INSERT INTO main.{table} SELECT * FROM part.{table}")
            db.execute("COMMIT")
            db.execute("DETACH part")
            part.unlink()


def _run_steps(build: Path, files_by_table: dict[str, list[Path]], steps: Sequence[BuildStep]) -> None:
    if not steps:
        return
    con = duck.connect()
    try:
        duck.create_views(con, files_by_table)
        duck.attach_warehouse(con, build, read_only=False)
        for step in steps:
            step(con)
    finally:
        con.close()


def _foreign_key_failures(build: Path, table: str) -> list[Failure]:
    with closing(_sqlite(build, read_only=True, mapped=True)) as db:
        rows = db.execute("SELECT rowid, parent FROM pragma_foreign_key_check(?)", (table,)).fetchall()
    return [Failure(table, "", f"foreign key to {parent} does not resolve", 1, [{"rowid": r}]) for r, parent in rows]


def _integrity_failures(build: Path, check: str) -> list[Failure]:
    with closing(_sqlite(build, read_only=True)) as db:
        verdict = [row[0] for row in db.execute(f"PRAGMA {check}").fetchmany(20)]
    return [] if verdict == ["ok"] else [Failure("", "", f"PRAGMA {check}: {'; '.join(verdict)}", len(verdict))]


def _check(build: Path, expected_rows: dict[str, int], workers: int) -> str:
    """Foreign keys, integrity and row counts, checked by SQLite on read-only connections in parallel."""
    with closing(_sqlite(build, read_only=True)) as db:
        counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in schema().tables}
    failures = [
        Failure(t, "", f"row count {counts[t]} differs from the source's {expected_rows[t]}", 1)
        for t in schema().tables
        if counts[t] != expected_rows[t]
    ]
    check = "integrity_check" if sum(counts.values()) <= FULL_INTEGRITY_CHECK_ROWS else "quick_check"
    children = sorted({fk.table for fk in schema().foreign_keys}, key=lambda t: -counts[t])
    with ThreadPoolExecutor(workers) as pool:
        checks = [pool.submit(_integrity_failures, build, check)]
        checks += [pool.submit(_foreign_key_failures, build, table) for table in children]
        for done in checks:
            failures += done.result()
    if failures:
        raise DataInvalid(failures)
    with closing(_sqlite(build)) as db:
        # Statistics for the query planner, sampled so that they cost little at any scale.
        db.execute("PRAGMA analysis_limit = 1000")
        db.execute("ANALYZE")
    return check


def build_warehouse(
    files_by_table: dict[str, list[Path]],
    expected_rows: dict[str, int],
    target: Path,
    *,
    workers: int = 1,
    steps: Sequence[BuildStep] = (),
    advance: Advance = lambda _: None,
) -> LoadSummary:
    """Load ``files_by_table`` into a new warehouse at ``target``; ``steps`` add derived tables (marts)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(target)
    build = target.with_name(f".{target.name}.build-{os.getpid()}")
    groups = split_tables(expected_rows, workers)
    # The first (largest) group is filled in the build file itself; only the others are merged into it.
    parts = [(build, groups[0])] + [(build.with_name(f"{build.name}.part-{i}"), t) for i, t in enumerate(groups[1:], 1)]
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(len(parts)) as pool:
            for filled in [pool.submit(_fill_part, p, t, files_by_table, advance) for p, t in parts]:
                filled.result()
        log.info("filled and indexed %d part(s) in %.1f s: %s", len(parts), time.perf_counter() - started, groups)
        if len(parts) > 1:
            started = time.perf_counter()
            _merge(build, parts)
            log.info("merged the parts in %.1f s", time.perf_counter() - started)
        started = time.perf_counter()
        _run_steps(build, files_by_table, steps)
        log.info("ran %d build step(s) in %.1f s", len(steps), time.perf_counter() - started)
        started = time.perf_counter()
        check = _check(build, expected_rows, workers)
        log.info("checked foreign keys, %s and row counts in %.1f s", check, time.perf_counter() - started)
        with build.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(build, target)
    except BaseException:
        for path in [build, *(p for p, _ in parts)]:
            path.unlink(missing_ok=True)
        raise
    log.info("warehouse %s built and swapped into place (%s ok)", target, check)
    return LoadSummary(expected_rows, check)
