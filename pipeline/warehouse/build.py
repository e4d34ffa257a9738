"""Build the SQLite warehouse from validated Parquet files, check it, and swap it into place atomically.

The build happens in a scratch directory next to the target, owned by this run: a failed, interrupted or
killed build leaves the previous warehouse exactly as it was, and the next run sweeps what a killed one left.
SQLite has one writer per file, so to use every core the tables are split into groups, each filled by DuckDB
(through its sqlite extension, one transaction per Parquet part) into a part file of its own, in parallel,
with its secondary indexes created after the bulk insert. The part files are then merged into the build
file with ``INSERT INTO t SELECT * FROM part.t``, which SQLite runs as its transfer optimisation (records and
index entries are copied, not re-encoded; the schemas are identical, CHECK constraints included, so nothing
is skipped). The marts are loaded into a part file of their own (so beside the merge, not after it) and
merged last; then SQLite itself checks foreign keys and page integrity and the row counts are reconciled with
the source. Last, holding the warehouse's write lock (``pipeline.warehouse.lock``), the build record is written and
the file is swapped in with ``os.replace``.

A file is never open in Python's sqlite3 and in DuckDB's own SQLite at the same time: two SQLite libraries
in one process do not see each other's locks, which SQLite documents as a way to corrupt a database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb

from pipeline import cancel, duck, files
from pipeline.analysis.marts import MartResult
from pipeline.errors import DataInvalid, Failure
from pipeline.schema import TABLES, schema
from pipeline.settings import PROJECT_ROOT
from pipeline.warehouse import checks, guard
from pipeline.warehouse.lock import write_lock
from pipeline.warehouse.marts import load_marts
from pipeline.warehouse.sqlite import sqlite_connection

log = logging.getLogger(__name__)

Advance = Callable[[int], None]
# What the warehouse records about itself: its build, the API's audit log, how fresh the marts are.
META_PATH = PROJECT_ROOT / "warehouse" / "meta.sql"
BUILD_FILE = "warehouse.sqlite"
MARTS_FILE = "marts.sqlite"


@dataclass(frozen=True)
class BuildRecord:
    """What a warehouse is built from; stored in its ``build_record`` table."""

    source: str  # "lake", or the --source directory
    source_hash: str
    seed: int | None = None
    scale: float | None = None
    end_date: dt.date | None = None
    anomaly_rate: float | None = None


@dataclass(frozen=True)
class EditPolicy:
    """Where API writes found in the warehouse being replaced are archived, and whether to discard them."""

    archive_dir: Path
    discard: bool = False


@dataclass
class LoadSummary:
    rows: dict[str, int]
    integrity_check: str = ""
    build_id: str = ""
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase of the build


def build_dir_prefix(target: Path) -> str:
    return f".{target.name}.build-"


def split_tables(rows: dict[str, int], groups: int) -> list[list[str]]:
    """Tables in at most ``groups`` groups of similar total rows (largest first, into the lightest group)."""
    buckets: list[list[str]] = [[] for _ in range(max(1, min(groups, len(rows))))]
    load = [0] * len(buckets)
    for table in sorted(rows, key=lambda t: -rows[t]):
        lightest = load.index(min(load))
        buckets[lightest].append(table)
        load[lightest] += rows[table]
    return [sorted(b, key=TABLES.index) for b in buckets]


@contextmanager
def _constraints_of(table: str) -> Iterator[None]:
    """A row that SQLite's own constraints refuse is invalid data of ``table``, not a failure of the build."""
    try:
        yield
    except (duckdb.Error, sqlite3.IntegrityError) as error:  # from the bulk insert, or a unique index
        if "constraint failed" not in str(error):
            raise
        rule = f"rejected by SQLite: {' '.join(str(error).split())}"
        raise DataInvalid([Failure(table, "", rule, 1)]) from error


def _fill_part(part: Path, tables: list[str], files_by_table: dict[str, list[Path]], advance: Advance) -> None:
    """Create the schema in ``part``, bulk-insert ``tables`` with DuckDB, then build their indexes."""
    with sqlite_connection(part) as db:
        db.executescript(schema().tables_ddl)
    # Streams Parquet parts into SQLite: little memory needed, and nothing to spill but into the build's own place.
    with duck.connection(part.parent, memory_limit="256MB", threads=1) as con:
        duck.attach_warehouse(con, part, read_only=False)
        for table in tables:
            columns = ", ".join(schema().columns[table])
            for path in files_by_table[table]:
                with _constraints_of(table):
                    con.execute(
                        f"INSERT INTO {duck.WAREHOUSE_ALIAS}.{table} ({columns}) "
                        f"SELECT {columns} FROM read_parquet({duck.sql_string(path)})"
                    )
                advance(1)
    # SQLite's defaults build these indexes fastest here: a larger cache or in-memory sorting was measured
    # 2.5-5x slower for the unsorted product_id index.
    with sqlite_connection(part) as db:
        for table in tables:
            for statement in schema().indexes[table]:
                with _constraints_of(table):
                    db.execute(statement)


def _merge(build: Path, parts: Sequence[tuple[Path, list[str]]]) -> None:
    """Copy the parts' tables into the build (itself the first part), indexes included, then delete the parts.

    A table the build does not have yet (a mart) is created from the part's own statement first.
    """
    with sqlite_connection(build) as db:
        for part, tables in parts:
            if part == build:
                continue
            db.execute("ATTACH ? AS part", (str(part),))
            for table in tables:
                if db.execute("SELECT 1 FROM main.sqlite_master WHERE name = ?", (table,)).fetchone() is None:
                    (create,) = db.execute("SELECT sql FROM part.sqlite_master WHERE name = ?", (table,)).fetchone()
                    db.execute(create)
                indexes = "SELECT sql FROM part.sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
                for (statement,) in db.execute(indexes, (table,)).fetchall():
                    db.execute(statement)  # on the empty table, so that the transfer copies its entries
            db.execute("BEGIN")
            for table in tables:
                db.execute(f"INSERT INTO main.{table} SELECT * FROM part.{table}")
            db.execute("COMMIT")
            db.execute("DETACH part")
            part.unlink()


def _build_id(record: BuildRecord, built_at: str) -> str:
    return hashlib.sha256(f"{built_at}\n{record.source_hash}".encode()).hexdigest()[:16]


def _write_record(build: Path, record: BuildRecord) -> str:
    built_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    build_id = _build_id(record, built_at)
    with sqlite_connection(build) as db:
        db.execute(
            "INSERT INTO build_record (build_id, built_at, source, source_hash, seed, scale, end_date, anomaly_rate) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                build_id,
                built_at,
                record.source,
                record.source_hash,
                record.seed,
                record.scale,
                record.end_date.isoformat() if record.end_date else None,
                record.anomaly_rate,
            ),
        )
        db.execute("INSERT INTO mart_state (refreshed_through) VALUES (0)")
    return build_id


@contextmanager
def _phase(summary: LoadSummary, name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    summary.phases[name] = round(summary.phases.get(name, 0.0) + seconds, 3)
    log.info("warehouse build: %s in %.1f s", name, seconds)


class WarehouseBuild:
    """A warehouse being built in a scratch directory beside its target: filled, completed, swapped in.

    ``fill`` (the parts, then their merge) and ``load_marts`` (a part of their own) are separate steps so that the
    caller can run them beside other work that reads the same source (validation rules, the analyses);
    ``complete`` (the marts' merge, the checks) and ``publish`` run after both.
    """

    def __init__(
        self, scratch: Path, target: Path, files_by_table: dict[str, list[Path]], expected_rows: dict[str, int]
    ) -> None:
        self.scratch = scratch
        self.target = target
        self.files_by_table = files_by_table
        self.summary = LoadSummary(dict(expected_rows))
        self.build = scratch / BUILD_FILE
        self.parts: list[tuple[Path, list[str]]] = []
        self.rejected: list[Failure] = []  # rows SQLite's own constraints refused while filling
        self.marts_part = scratch / MARTS_FILE
        self.mart_tables: list[str] = []

    def _fill_tasks(self, workers: int, advance: Advance) -> list[Callable[[], None]]:
        """One task per part file; the first (largest) group is filled in the build file itself."""
        groups = split_tables(self.summary.rows, workers)
        self.parts = [(self.build, groups[0])]
        self.parts += [(self.scratch / f"part-{i}.sqlite", tables) for i, tables in enumerate(groups[1:], 1)]
        return [partial(self._fill, part, tables, advance) for part, tables in self.parts]

    def fill(self, workers: int, advance: Advance) -> None:
        """Fill the parts side by side, then merge them into the build file (other work may still be running)."""
        with _phase(self.summary, "fill and index"):
            cancel.run_parallel(self._fill_tasks(workers, advance))
        if not self.rejected:
            with _phase(self.summary, "merge"):
                _merge(self.build, self.parts)

    def _fill(self, part: Path, tables: list[str], advance: Advance) -> None:
        """Fill one part; a row SQLite's constraints refuse is recorded, not raised: the validation rules that
        run beside the fill describe bad data better, and ``complete`` reports it if they did not."""
        started = time.perf_counter()
        try:
            _fill_part(part, tables, self.files_by_table, advance)
        except DataInvalid as rejected:
            self.rejected += rejected.failures
            return
        log.info("warehouse build: filled and indexed %s in %.1f s", ", ".join(tables), time.perf_counter() - started)

    def load_marts(self, marts: Sequence[MartResult]) -> None:
        """Load the marts into a part file of their own, so that it can happen beside the fill or the merge."""
        with _phase(self.summary, "marts"):
            load_marts(self.marts_part, marts, spill_dir=self.scratch)
        self.mart_tables = [m.mart.table for m in marts]

    def complete(self) -> None:
        """Merge the marts' part, add the meta tables, then check foreign keys, integrity and counts."""
        if self.rejected:
            raise DataInvalid(self.rejected)
        with _phase(self.summary, "merge"):
            if self.mart_tables:
                _merge(self.build, [(self.marts_part, self.mart_tables)])
            with sqlite_connection(self.build) as db:
                db.executescript(META_PATH.read_text())
        with _phase(self.summary, "checks"):
            self.summary.integrity_check = checks.check_build(self.build, self.summary.rows)

    def publish(self, record: BuildRecord, edit_policy: EditPolicy) -> LoadSummary:
        """Write the build record and swap the build in, holding the write lock that API writes take too."""
        with _phase(self.summary, "publish"), write_lock(self.target):
            guard.guard(self.target, edit_policy.archive_dir, discard=edit_policy.discard)
            self.summary.build_id = _write_record(self.build, record)
            files.replace(self.build, self.target)
        log.info("warehouse %s built and swapped into place (%s ok)", self.target, self.summary.integrity_check)
        return self.summary


@contextmanager
def warehouse_build(
    target: Path, files_by_table: dict[str, list[Path]], expected_rows: dict[str, int]
) -> Iterator[WarehouseBuild]:
    """A build of ``target`` in a scratch directory beside it, removed afterwards whatever happened."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with files.scratch_dir(target.parent, build_dir_prefix(target)) as scratch:
        yield WarehouseBuild(scratch, target, files_by_table, expected_rows)
