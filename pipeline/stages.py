"""The pipeline's stages and how they overlap: what ``generate``, ``validate``, ``load`` and ``run`` do.

Commands (``pipeline.commands``) parse options and print; the flow lives here. A run's expensive parts all
read the same Parquet files and are independent of each other, so they run at the same time, each stopping
the others if it fails: the warehouse's part fills (SQLite, one writer per part) then their merge, beside the
cross-table rules then the analyses (DuckDB, each distinct query once) then the marts' own part file. Then the
marts' part is merged, everything checked, and the outputs published: nothing is swapped in before it all passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipeline import cancel, duck, lake, manifest
from pipeline.analysis.analyze import bound_queries, publish_results
from pipeline.analysis.compute import Computed, compute
from pipeline.analysis.marts import MARTS, Mart
from pipeline.analysis.queries import Query, Value
from pipeline.chunks import LakeSummary, generate_lake
from pipeline.errors import DataInvalid, UsageError, resource_guard
from pipeline.generate.plan import Plan
from pipeline.generate.tasks import Job, tasks
from pipeline.logs import progress
from pipeline.manifest import Timings
from pipeline.schema import TABLES
from pipeline.settings import Settings
from pipeline.validate import Validated, check_cross_table, validate_files
from pipeline.validate.report import Report
from pipeline.validate.source import SourceDir
from pipeline.warehouse.build import BuildRecord, EditPolicy, LoadSummary, WarehouseBuild, warehouse_build

# Rough disk needs, for the message when a disk fills up: the zstd lake takes ~10 bytes a row (all tables
# together), a warehouse build ~170 (the build file and its parts, marts and journals side by side).
LAKE_BYTES_PER_ROW = 10
BUILD_BYTES_PER_ROW = 170
# The validation rules and the analyses share one DuckDB, one after the other, so this caps both together (each
# part fill has its own small one, streaming Parquet into SQLite). Beyond it DuckDB spills to the scratch space;
# what cannot spill must fit (measured at scale 1000: every query runs within 384MB).
SHARED_DUCKDB_MEMORY = "512MB"


def _lake_record(settings: Settings, summary: LakeSummary) -> dict[str, Any]:
    return {
        "path": str(settings.lake_dir),
        "labels": str(settings.labels_path),
        "seed": settings.seed,
        "scale": settings.scale,
        "end_date": settings.end_date.isoformat(),
        "anomaly_rate": settings.anomaly_rate,
        "row_counts": summary.rows,
        "content_hashes": summary.hashes,
        "anomalies_labelled": summary.anomalies,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def build_record(settings: Settings, source_root: Path, content_hashes: dict[str, str]) -> BuildRecord:
    """What a warehouse loaded from ``source_root`` is: the generation facts when it is the generated lake
    (unchanged since it was generated), otherwise only where it came from and its content hash."""
    digest = lake.source_hash(content_hashes)
    if source_root == settings.lake_dir:
        generated = lake.read_record(settings.lake_dir)
        if generated.get("content_hashes") == content_hashes:
            return _generation_record(generated, digest)
    return BuildRecord(source=str(source_root), source_hash=digest)


def _generation_record(generated: dict[str, Any], digest: str) -> BuildRecord:
    return BuildRecord(
        source="lake",
        source_hash=digest,
        seed=generated["seed"],
        scale=generated["scale"],
        end_date=dt.date.fromisoformat(generated["end_date"]),
        anomaly_rate=generated["anomaly_rate"],
    )


def _generate_staged(settings: Settings, scratch: Path, timings: Timings) -> tuple[Path, LakeSummary]:
    """The lake and labels generated (and validated chunk by chunk) into ``scratch/lake`` and ``scratch/labels``."""
    plan_ = Plan.of(settings.seed, settings.scale)
    staged = scratch / settings.lake_dir.name
    with timings.stage("generate", rows=sum(plan_.row_counts.values())), progress("generate", len(tasks(plan_))) as go:
        job = Job(settings.seed, settings.scale, settings.start_date, settings.anomaly_rate, staged)
        labels = scratch / settings.labels_path.parent.name / settings.labels_path.name
        summary = generate_lake(job, plan_, settings.workers, labels, go)
    return staged, summary


def _publish_lake(settings: Settings, scratch: Path, summary: LakeSummary, timings: Timings) -> None:
    """Swap the staged lake (with its own record) and labels into place, then describe them in the manifest."""
    record = _lake_record(settings, summary)
    lake.write_record(scratch / settings.lake_dir.name, record)
    targets = [settings.lake_dir, settings.labels_path.parent]
    lake.swap_in([scratch / target.name for target in targets], targets, scratch)
    manifest.describe(settings.manifest_path, "lake", record, timings)


def make_lake(settings: Settings, timings: Timings) -> tuple[LakeSummary, Report]:
    """Generate into scratch space, check the cross-table rules there, then swap the lake and labels in."""
    rows = sum(Plan.of(settings.seed, settings.scale).row_counts.values())
    with (
        resource_guard(settings.lake_dir, "generating the lake", rows * LAKE_BYTES_PER_ROW),
        lake.staging_dir(settings.data_dir) as scratch,
    ):
        staged, summary = _generate_staged(settings, scratch, timings)
        report = Report(source=str(settings.lake_dir), frames_validated=summary.frames_validated)
        with timings.stage("validate", rows=rows), duck.connection(scratch) as con:
            duck.create_views(con, lake.lake_tables(staged))
            check_cross_table(con, settings.window, report)
        report.write(settings.report_path)
        if not report.valid:
            raise DataInvalid(report.failures)
        _publish_lake(settings, scratch, summary, timings)
    return summary, report


def source_dir(settings: Settings, path: Path | None, fmt: str) -> SourceDir:
    """The directory ``validate``/``load`` read: ``--source``, else the lake (a usage error if there is none)."""
    if path is None and not settings.lake_dir.is_dir():
        msg = f"there is no lake at {settings.lake_dir}; run `just generate` first, or pass --source DIR"
        raise UsageError(msg)
    return SourceDir.open(path or settings.lake_dir, fmt)


def validate(settings: Settings, source: SourceDir, scratch: Path) -> Validated:
    """Validate ``source`` file by file, then across tables; writes the report, raises DataInvalid on failures."""
    validated = _validate_files(settings, source, scratch)
    if validated.report.valid:
        with duck.connection(scratch) as con:
            duck.create_views(con, validated.files_by_table)
            check_cross_table(con, settings.window, validated.report)
    return _verdict(settings, validated.report, validated)


def _validate_files(settings: Settings, source: SourceDir, scratch: Path) -> Validated:
    with progress("validate", sum(len(source.files(t)) for t in TABLES)) as advance:
        return validate_files(source, scratch, advance)


def _verdict(settings: Settings, report: Report, validated: Validated) -> Validated:
    report.write(settings.report_path)
    if not report.valid:
        raise DataInvalid(report.failures)
    return validated


def _cursor_task(con: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
    """Run ``work`` on a cursor of ``con`` of its own, interruptible like any running query."""
    cursor = con.cursor()
    try:
        with cancel.interruptible(cursor.interrupt):
            return work(cursor)
    finally:
        cursor.close()


def _check_analyze_and_fill(
    settings: Settings,
    files_by_table: dict[str, list[Path]],
    report: Report,
    scratch: Path,
    timings: Timings,
    build: WarehouseBuild,
    planned: list[tuple[Query, dict[str, Value]]],
    marts: tuple[Mart, ...],
) -> list[Computed]:
    """The rules, the analyses and the marts' part (DuckDB) beside the part fills and their merge (SQLite), over
    ``files_by_table``; then the marts' part is merged too and everything checked.

    The rules and the analyses run one after the other on DuckDB's two threads: side by side, their big
    aggregates together need more than the shared memory limit (measured: out of memory at scale 1000).
    """
    timed: dict[str, float] = {}

    def phase(name: str, work: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
        with manifest.timed(timed, name):
            return _cursor_task(con, work)

    computed: list[list[Computed]] = []

    def rules_then_analyses() -> None:
        phase("validate", lambda cursor: check_cross_table(cursor, settings.window, report))
        results, mart_results = phase("analyze", lambda cursor: compute(cursor, scratch / "analysis", planned, marts))
        computed.append(results)
        build.load_marts(mart_results)  # into a part of their own, beside the fill or the merge

    rows = sum(build.summary.rows.values())
    batches = sum(len(f) for f in files_by_table.values())
    with (
        timings.stage("build", rows=rows),
        progress("build", batches) as advance,
        duck.connection(scratch, memory_limit=SHARED_DUCKDB_MEMORY) as con,
    ):
        duck.create_views(con, files_by_table)
        cancel.run_parallel([rules_then_analyses, lambda: build.fill(settings.workers, advance)])
        _verdict(settings, report, Validated(report))
        build.complete()
    timings.phases("build", timed | build.summary.phases)
    return computed[0]


def _expected_rows(files_by_table: dict[str, list[Path]]) -> dict[str, int]:
    return {t: pl.scan_parquet(f).select(pl.len()).collect().item() for t, f in files_by_table.items()}


def _publish_warehouse(
    settings: Settings, build: WarehouseBuild, record: BuildRecord, timings: Timings, *, discard_edits: bool
) -> LoadSummary:
    summary = build.publish(record, EditPolicy(settings.edits_dir, discard=discard_edits))
    timings.phases("build", {"publish": summary.phases["publish"]})
    manifest.describe(
        settings.manifest_path,
        "warehouse",
        {
            "path": str(settings.warehouse_path),
            "build_id": summary.build_id,
            "source": record.source,
            "source_hash": record.source_hash,
            "row_counts": summary.rows,
            "integrity_check": summary.integrity_check,
        },
        timings,
    )
    return summary


def load(
    settings: Settings, source: SourceDir, timings: Timings, *, discard_edits: bool = False
) -> tuple[Validated, LoadSummary]:
    """Validate ``source`` file by file, then build the warehouse (marts included) with the rules beside it."""
    with lake.staging_dir(settings.data_dir) as scratch:
        with timings.stage("validate"):
            validated = _validate_files(settings, source, scratch)
        _verdict(settings, validated.report, validated)
        expected = _expected_rows(validated.files_by_table)
        with (
            resource_guard(settings.warehouse_path, "building the warehouse", _build_bytes(expected)),
            warehouse_build(settings.warehouse_path, validated.files_by_table, expected) as build,
        ):
            _check_analyze_and_fill(
                settings, validated.files_by_table, validated.report, scratch, timings, build, [], MARTS
            )
            record = build_record(settings, source.root, validated.content_hashes)
            return validated, _publish_warehouse(settings, build, record, timings, discard_edits=discard_edits)


def _build_bytes(rows: dict[str, int]) -> int:
    return sum(rows.values()) * BUILD_BYTES_PER_ROW


@dataclass(frozen=True)
class RunSummary:
    lake: LakeSummary
    report: Report
    warehouse: LoadSummary
    analysis: list[Computed]


def run(settings: Settings, timings: Timings, *, discard_edits: bool = False) -> RunSummary:
    """Generate, then rules + warehouse + analyses at once over the staged lake, then publish all of it."""
    expected = Plan.of(settings.seed, settings.scale).row_counts
    rows = sum(expected.values())
    with (
        resource_guard(settings.data_dir, "running the pipeline", rows * (LAKE_BYTES_PER_ROW + BUILD_BYTES_PER_ROW)),
        lake.staging_dir(settings.data_dir) as scratch,
    ):
        staged, generated = _generate_staged(settings, scratch, timings)
        files_by_table = lake.lake_tables(staged)
        report = Report(source=str(settings.lake_dir), frames_validated=generated.frames_validated)
        with warehouse_build(settings.warehouse_path, files_by_table, expected) as build:
            results = _check_analyze_and_fill(
                settings, files_by_table, report, scratch, timings, build, bound_queries(None, {}), MARTS
            )
            # Everything passed: publish the lake, the analyses, then the warehouse built from that lake.
            _publish_lake(settings, scratch, generated, timings)
            results = publish_results(results, settings.analysis_dir, replace_all=True)
            record = _generation_record(lake.read_record(settings.lake_dir), lake.source_hash(generated.hashes))
            loaded = _publish_warehouse(settings, build, record, timings, discard_edits=discard_edits)
    return RunSummary(generated, report, loaded, results)
