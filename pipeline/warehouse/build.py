"""Build the SQLite warehouse of a new output set from validated Parquet files, and prove it is their copy.

The build file lies in the new set, which nobody reads before it is switched in (``pipeline.output_sets``), so it
needs no rollback journal (DuckDB attaches it with ``journal_mode off``) and takes one transaction per table; the
set is fsynced once, before the switch. The tables are filled one after another, in key order (the Parquet parts
are in key order and the fill keeps it), by one DuckDB connection through its sqlite extension, and indexed by
SQLite after each fill. They are created without their CHECKs, which are then declared in the schema (SQLite's
documented way to change a table's constraints without rewriting its rows), so that the API's writes keep them.
Each table is then proven the copy of its source: the same row count, the same content checksum (DuckDB's hash of
every row, summed, over the Parquet parts and over the table read back from SQLite) and SQLite's ``quick_check`` of
the table and its indexes. Every rule is proven once, before the build, on the rows it copies: each CHECK by the
validation of every row (pandera's models; the dates' window in DuckDB), keys, foreign keys and the business rules
by the DuckDB passes over the very same Parquet files (``pipeline.validate``). So ``quick_check`` leaves the
CHECKs out, and the schema keeps every constraint for the API's writes. The marts are loaded last, as soon as the
analyses have computed them.

While anything writes the file, it is never open in Python's sqlite3 and in DuckDB's own SQLite at the same time:
two SQLite libraries in one process do not see each other's locks, which SQLite documents as a way to corrupt a
database. The proof only reads, so there both read at once: DuckDB's checksums on both cores, SQLite's quick_check
beside them.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline import duck
from pipeline.analysis.marts import MartResult
from pipeline.ddl import without_checks
from pipeline.errors import DataInvalid, Failure
from pipeline.schema import TABLES, schema
from pipeline.settings import PROJECT_ROOT
from pipeline.warehouse.marts import load_marts
from pipeline.warehouse.sqlite import sqlite_connection

log = logging.getLogger(__name__)

Advance = Callable[[int], None]
Checksum = tuple[int, int]  # a table's row count and the sum of its rows' hashes
# What the warehouse records about itself: its build, the API's audit log, how fresh the marts are.
META_PATH = PROJECT_ROOT / "warehouse" / "meta.sql"
# Four times SQLite's default: the fill, indexes and proof of a scale-1000 warehouse take 0.90x the CPU of 4 KiB
# pages (a quarter of the page writes and reads), and keyed reads are as fast (decision 0041).
PAGE_SIZE = 16384


@dataclass(frozen=True)
class BuildRecord:
    """What a warehouse is built from; stored in its ``build_record`` table."""

    source: str  # "lake", or the --source directory
    source_hash: str
    seed: int | None = None
    scale: float | None = None
    end_date: dt.date | None = None
    anomaly_rate: float | None = None


@dataclass
class LoadSummary:
    rows: dict[str, int]
    integrity_check: str = "quick_check"  # SQLite's own check each table passed
    build_id: str = ""
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase of the build


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


def checksum_sql(table: str, source: str) -> str:
    """A table's row count and content checksum: every row hashed by DuckDB (the schema's columns, in order),
    summed without overflow. Equal on both sides when the copy holds exactly the source's rows."""
    columns = ", ".join(schema().columns[table])
    return f"select count(*), coalesce(sum(hash({columns})::hugeint), 0) from {source}"


def source_checksums(con: duckdb.DuckDBPyConnection) -> dict[str, Checksum]:
    """The checksum of each table over the connection's views of the source (computed beside the fill)."""
    found = {}
    for table in TABLES:
        count, total = con.execute(checksum_sql(table, table)).fetchone() or (0, 0)
        found[table] = (int(count), int(total))
    return found


def insert_statement(table: str, parts: Sequence[Path]) -> str:
    """The fill of ``table`` from its Parquet parts, in their order (on a DuckDB with the build attached)."""
    columns = ", ".join(schema().columns[table])
    files = ", ".join(duck.sql_string(path) for path in parts)
    return f"insert into {duck.WAREHOUSE_ALIAS}.{table} ({columns}) select {columns} from read_parquet([{files}])"


def declare_checks(build: Path, tables: Sequence[str]) -> None:
    """Write each table's statement, CHECKs included, over the one it was created with (no row is rewritten: a
    CHECK is not part of the stored record); the next connection reads the new schema."""
    with sqlite_connection(build, unjournaled=True) as db:
        (version,) = db.execute("pragma schema_version").fetchone()
        db.execute("begin")
        db.execute("pragma writable_schema = on")
        for table in tables:
            db.execute(
                "update sqlite_schema set sql = ? where type = 'table' and name = ?", (schema().table_sql[table], table)
            )
        db.execute(f"pragma schema_version = {version + 1}")
        db.execute("pragma writable_schema = off")
        db.execute("commit")


def quick_check(db: sqlite3.Connection, table: str) -> list[str]:
    """SQLite's ``quick_check`` of ``table`` and its indexes (its first 20 lines): the pages, the records, NOT NULL
    and the order within each b-tree. Not the CHECKs: the validation has proven them on every row copied, and
    evaluating them again made the proof take 1.2x the CPU (decision 0041)."""
    db.execute("pragma ignore_check_constraints = on")
    return [row[0] for row in db.execute(f"pragma quick_check({table})").fetchmany(20)]


def _sqlite_verdicts(build: Path) -> dict[str, list[str]]:
    with sqlite_connection(build, read_only=True) as db:
        return {table: quick_check(db, table) for table in TABLES}


def _build_id() -> str:
    """A fresh id per build: the dashboard's caches and the API's ETags key on it, so two builds of one source in
    the same second (a rebuild discarding API writes) must not share one, as a hash of the clock's second did."""
    return secrets.token_hex(8)


def _write_record(build: Path, record: BuildRecord, rows: dict[str, int]) -> str:
    """The build record, the marts' state and each table's rows and largest key (``table_state``, which every
    write made through the API keeps from then on: no count per readiness probe, no key given twice)."""
    built_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    build_id = _build_id()
    with sqlite_connection(build, unjournaled=True) as db:
        db.execute(
            "insert into build_record (build_id, built_at, source, source_hash, seed, scale, end_date, anomaly_rate) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
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
        db.execute("insert into mart_state (refreshed_through) values (0)")
        for table in TABLES:
            key = schema().primary_keys[table]  # identifiers from the schema only; max() of a key is one seek
            db.execute(
                f"insert into table_state (table_name, row_count, last_key) select ?, ?, coalesce(max({key}), 0) "
                f"from {table}",
                (table, rows[table]),
            )
    return build_id


@contextmanager
def _phase(summary: LoadSummary, name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    summary.phases[name] = round(summary.phases.get(name, 0.0) + seconds, 3)
    log.info("warehouse build: %s in %.1f s", name, seconds)


class WarehouseBuild:
    """A warehouse being built at ``build_file`` (in a new output set): :meth:`fill` (the tables, each proven a
    copy, then the marts) runs beside other work that reads the same source (the rules, the analyses), and
    :meth:`complete` after both."""

    def __init__(
        self,
        build_file: Path,
        spill_dir: Path,
        files_by_table: dict[str, list[Path]],
        expected_rows: dict[str, int],
        memory_limit: str,
    ) -> None:
        self.build = build_file
        self.spill_dir = spill_dir
        self.files_by_table = files_by_table
        self.memory_limit = memory_limit
        self.summary = LoadSummary(dict(expected_rows))
        self.failures: list[Failure] = []  # rows SQLite refused, or a table that is not its source's copy

    def checksum_source(self) -> dict[str, Checksum]:
        """The source's checksums, computed here (for a build with no analyses' lane beside it)."""
        with duck.connection(self.spill_dir, self.memory_limit) as con:
            duck.create_views(con, self.files_by_table)
            return source_checksums(con)

    def fill(
        self, advance: Advance, checksums: Callable[[], dict[str, Checksum]], marts: Callable[[], Sequence[MartResult]]
    ) -> None:
        """Fill and index every table, declare their CHECKs, prove each the copy of its source (``checksums()``
        hands over the source's checksums), then load the marts ``marts()`` hands over (each waits for them).

        One DuckDB connection serves the whole lane, the build attached only while it works. A row SQLite's
        constraints refuse, or a table that is not the copy of its source, is recorded rather than raised: the
        validation rules running beside describe bad data better, and :meth:`complete` reports it if they did not.
        """
        with sqlite_connection(self.build, unjournaled=True) as db:
            db.execute(f"pragma page_size = {PAGE_SIZE}")  # before the first table: it sets the file's page size
            db.executescript(without_checks(schema().tables_ddl))
        with duck.connection(self.spill_dir, self.memory_limit, threads=1, keep_order=True) as con:
            for table in TABLES:
                started = time.perf_counter()
                try:
                    self._fill_table(con, table, advance)
                    self._index(table)
                except DataInvalid as rejected:
                    self.failures += rejected.failures
                    return
                log.info("warehouse build: %s filled and indexed in %.1f s", table, time.perf_counter() - started)
            self._declare_checks()
            self._prove_copies(con, checksums())
            if self.failures:
                return
            ready = marts()
            with _phase(self.summary, "marts"):
                load_marts(con, self.build, ready)

    def _fill_table(self, con: duckdb.DuckDBPyConnection, table: str, advance: Advance) -> None:
        """One DuckDB statement, so one transaction, in the parts' order (the keys' order)."""
        with (
            _phase(self.summary, "fill"),
            duck.attached(con, self.build, read_only=False, journal_off=True),
            _constraints_of(table),
        ):
            con.execute(insert_statement(table, self.files_by_table[table]))
        advance(len(self.files_by_table[table]))

    def _index(self, table: str) -> None:
        # SQLite's default sorter: sorting on two threads cost more CPU (decision 0041).
        with _phase(self.summary, "index"), sqlite_connection(self.build, unjournaled=True) as db:
            for statement in schema().indexes[table]:
                with _constraints_of(table):
                    db.execute(statement)

    def _declare_checks(self) -> None:
        with _phase(self.summary, "checks"):
            declare_checks(self.build, TABLES)

    def _prove_copies(self, con: duckdb.DuckDBPyConnection, expected: dict[str, Checksum]) -> None:
        """Every table holds exactly its source's rows (count and checksum), and SQLite finds it well formed.
        SQLite's check runs in a thread beside DuckDB's checksums, which take both cores meanwhile: the sums are
        of integers, the same whatever the threads."""
        with _phase(self.summary, "checks"), ThreadPoolExecutor(1, "quick-check") as sqlite_side:
            verdicts = sqlite_side.submit(_sqlite_verdicts, self.build)
            with duck.attached(con, self.build), duck.every_core(con):
                copies = {table: con.execute(checksum_sql(table, f"{duck.WAREHOUSE_ALIAS}.{table}")).fetchone()
                          for table in TABLES}  # fmt: skip
            checked = verdicts.result()
        for table in TABLES:
            self._judge(table, copies[table] or (0, 0), expected[table], checked[table])

    def _judge(self, table: str, copy: Checksum, source: Checksum, verdict: list[str]) -> None:
        count, total = copy
        if count != source[0]:
            rule = f"the warehouse holds {count} rows, its source {source[0]}"
            self.failures.append(Failure(table, "", rule, abs(count - source[0])))
        elif total != source[1]:
            rule = "the warehouse's rows differ from its source's (content checksums differ)"
            self.failures.append(Failure(table, "", rule, 0))
        if verdict != ["ok"]:
            self.failures.append(Failure(table, "", f"PRAGMA quick_check: {'; '.join(verdict)}", len(verdict)))

    def complete(self, record: BuildRecord) -> LoadSummary:
        """Refuse a build whose fill went wrong; else add the warehouse's own tables and its record."""
        if self.failures:
            raise DataInvalid(self.failures)
        with _phase(self.summary, "record"):
            with sqlite_connection(self.build, unjournaled=True) as db:
                db.executescript(META_PATH.read_text())
                # Statistics for the query planner, sampled so that they cost little at any scale.
                db.execute("pragma analysis_limit = 1000")
                db.execute("analyze")
            self.summary.build_id = _write_record(self.build, record, self.summary.rows)
        log.info("warehouse %s built (build %s)", self.build, self.summary.build_id)
        return self.summary
