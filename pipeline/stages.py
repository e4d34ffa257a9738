"""The flow of ``generate``, ``validate``, ``load``, ``analyze``, ``profile`` and ``run``: decide, build, switch.

Every command that publishes decides first whatever can refuse it (another command publishing, API writes that a
rebuild would discard, too little disk), then builds its outputs into a new set (``pipeline.output_sets``),
carrying over from the current set what it does not make, and switches the new set in at the end: nothing
is visible before it all passed. A run's expensive parts all read the same Parquet files in two lanes at
once (``pipeline.lanes``); the memory budget is shared out by ``pipeline.budget``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from pipeline import cancel, duck, lake, manifest, output_sets
from pipeline.analysis.analyze import bound_queries, publish_results
from pipeline.analysis.compute import Computed, compute
from pipeline.analysis.marts import MARTS
from pipeline.analysis.sources import Backend, use
from pipeline.budget import Budget
from pipeline.chunks import LakeSummary, generate_lake
from pipeline.errors import DataInvalid, UsageError, free_bytes, not_enough_room, resource_guard
from pipeline.generate.plan import Plan
from pipeline.generate.tasks import Job, tasks
from pipeline.lanes import build_beside_analyses
from pipeline.logs import progress
from pipeline.manifest import Timings
from pipeline.output_sets import NewSet, SetPaths
from pipeline.schema import TABLES
from pipeline.settings import Settings
from pipeline.validate import Validated, check_cross_table, validate_files
from pipeline.validate.report import Report
from pipeline.validate.source import SourceDir
from pipeline.warehouse import guard
from pipeline.warehouse.build import BuildRecord, LoadSummary, WarehouseBuild
from pipeline.warehouse.lock import write_lock

# Rough disk needs, checked before anything is written: the zstd lake takes ~10 bytes a row (all tables
# together), a warehouse ~90 (tables, indexes, marts; decision 0041), and DuckDB's spill files besides.
LAKE_BYTES_PER_ROW = 10
WAREHOUSE_BYTES_PER_ROW = 90
# Below this scale the reports are most of a run: the profiling workers import ydata-profiling while the lake is
# generated and profile it beside the build, one per core. From it on, generation takes both cores and the fill
# leaves one idle once the analyses are done: one worker starts then (decision 0045).
PROFILE_AFTER_ANALYSES_FROM = 100


def profile_workers(settings: Settings) -> int:
    """How many profiling workers ``run`` starts (see :data:`PROFILE_AFTER_ANALYSES_FROM`)."""
    return 1 if settings.scale >= PROFILE_AFTER_ANALYSES_FROM else min(settings.workers, len(TABLES))


# What a profile makes: one line per report (for the terminal), and the manifest's "profiling" section.
Profiled = tuple[list[str], dict[str, Any]]


class Profile(Protocol):
    """Makes the reports of a set's lake into its profiling_reports/, reusing the current set's where a table did
    not change (``pipeline.docs.profiling.SetReports``; the command passes it). Safe to call from a thread of its
    own: it writes only the reports directory."""

    def start(self) -> None: ...

    def __call__(self, paths: SetPaths, previous: SetPaths | None, /) -> Profiled: ...


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
    if source_root.resolve() == settings.lake_dir.resolve():  # the lake's stable path leads into the current set
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


# --- deciding before writing ---------------------------------------------------------------------------------


def _require_room(settings: Settings, needed: int, doing: str) -> None:
    """Refuse at once, before anything is written, when the disk holds clearly less than ``needed`` bytes."""
    free = free_bytes(settings.data_dir)
    if free is not None and free < needed:
        raise not_enough_room(settings.data_dir, doing, needed)


def _refuse_discarding_edits(settings: Settings, *, discard: bool) -> None:
    """A rebuild over writes made through the API refuses before it starts (they are archived first)."""
    if settings.warehouse_path.exists():
        guard.guard(settings.warehouse_path, settings.edits_dir, discard=discard)


@dataclass(frozen=True)
class _Publishing:
    """What a command publishes: its new set, and whether it replaces the warehouse (then API writes made since
    it started refuse the switch, unless it discards them)."""

    new: NewSet
    replaces_warehouse: bool = False
    discard_edits: bool = False

    def switch(self, settings: Settings) -> Path:
        def guard_writes_made_meanwhile() -> None:
            if self.replaces_warehouse:
                _refuse_discarding_edits(settings, discard=self.discard_edits)

        return self.new.publish(
            settings.fault_at,
            write_lock(settings.warehouse_path),
            guard_writes_made_meanwhile,
            settings.keep_builds,
            settings.warehouse_path,
        )


def _describe(new: NewSet, section: str, fields: dict[str, Any], timings: Timings | None = None) -> None:
    manifest.describe(new.paths.manifest_path, section, fields, timings)


def _verdict(settings: Settings, report: Report, into: Path | None = None) -> None:
    """Write the report into the log directory (``data/logs/validation.json``: the last report, that of refused
    data included, which no set holds) and, when the data passed, into the new set; refuse invalid data."""
    report.write(settings.last_validation_path)
    if not report.valid:
        raise DataInvalid(report.failures)
    if into is not None:
        report.write(into)


# --- generate ------------------------------------------------------------------------------------------------


def _generate_into(settings: Settings, paths: SetPaths, timings: Timings) -> LakeSummary:
    """The lake and labels generated (and validated chunk by chunk) into the set's ``lake/`` and ``labels/``."""
    plan = Plan.of(settings.seed, settings.scale)
    with timings.stage("generate", rows=sum(plan.row_counts.values())), progress("generate", len(tasks(plan))) as go:
        job = Job(settings.seed, settings.scale, settings.start_date, settings.anomaly_rate, paths.lake_dir)
        workers = Budget.of(settings).generate_workers(settings.workers)
        return generate_lake(job, plan, workers, paths.labels_path, go)


def _record_lake(settings: Settings, new: NewSet, summary: LakeSummary, timings: Timings) -> None:
    record = _lake_record(settings, summary)
    lake.write_record(new.paths.lake_dir, record)
    _describe(new, "lake", record, timings)


def make_lake(settings: Settings, timings: Timings) -> tuple[LakeSummary, Report]:
    """``generate``: a new lake, checked across tables, published with the rest of the current set."""
    rows = sum(Plan.of(settings.seed, settings.scale).row_counts.values())
    _require_room(settings, rows * LAKE_BYTES_PER_ROW, "generating the lake")
    with (
        resource_guard(settings.data_dir, "generating the lake", rows * LAKE_BYTES_PER_ROW),
        output_sets.publish_lock(settings.data_dir),
        output_sets.building(settings.data_dir) as new,
    ):
        summary = _generate_into(settings, new.paths, timings)
        report = Report(source=str(settings.lake_dir), frames_validated=summary.frames_validated)
        with timings.stage("validate", rows=rows), duck.connection(new.paths.root / ".spill") as con:
            duck.create_views(con, lake.lake_tables(new.paths.lake_dir))
            check_cross_table(con, settings.window, report)
        _verdict(settings, report, new.paths.report_path)
        new.carry("analysis", "profiling_reports", "warehouse.sqlite", "manifest.json")
        _record_lake(settings, new, summary, timings)
        _mark_outdated_reports(new, summary.hashes)
        _Publishing(new).switch(settings)
    return summary, report


def _mark_outdated_reports(new: NewSet, hashes: dict[str, str]) -> None:
    """The reports carried from the current set describe its lake: the manifest names the tables whose content
    changed since, and says the reports are not complete (``profile`` makes those again and reuses the rest)."""
    previous = new.previous_manifest()
    profiling = previous.get("profiling")
    if profiling is None:
        return
    before = previous.get("lake", {}).get("content_hashes", {})
    outdated = set(profiling.get("outdated", [])) | {t for t, digest in hashes.items() if before.get(t) != digest}
    if outdated:
        _describe(new, "profiling", profiling | {"complete": False, "outdated": sorted(outdated)})


# --- validate and load ----------------------------------------------------------------------------------------


def source_dir(settings: Settings, path: Path | None, fmt: str) -> SourceDir:
    """The directory ``validate``/``load`` read: ``--source``, else the lake (a usage error if there is none)."""
    if path is None and not settings.lake_dir.is_dir():
        msg = f"there is no lake at {settings.lake_dir}; run `just generate` first, or pass --source DIR"
        raise UsageError(msg)
    return SourceDir.open(path or settings.lake_dir, fmt)


def _validate_files(source: SourceDir, scratch: Path) -> Validated:
    with progress("validate", sum(len(source.files(t)) for t in TABLES)) as advance:
        return validate_files(source, scratch, advance)


def validate(settings: Settings, source: SourceDir) -> Validated:
    """``validate``: every file, then the rules across tables; the report in ``data/logs/``; publishes nothing."""
    budget = Budget.of(settings)
    with output_sets.scratch(settings.data_dir) as scratch:
        validated = _validate_files(source, scratch)
        if validated.report.valid:
            with duck.connection(scratch, budget.analyses) as con:
                duck.create_views(con, validated.files_by_table)
                check_cross_table(con, settings.window, validated.report)
        _verdict(settings, validated.report)
    return validated


def _expected_rows(files_by_table: dict[str, list[Path]]) -> dict[str, int]:
    return {t: pl.scan_parquet(f).select(pl.len()).collect().item() for t, f in files_by_table.items()}


def _parquet_rows(source: SourceDir) -> int:
    """The rows of a Parquet source, from its files' footers, to refuse a build the disk cannot hold before
    anything is written; 0 when they cannot be read so (CSV, or a file the validation will name)."""
    if source.format != "parquet":
        return 0
    try:
        return sum(_expected_rows({t: source.files(t) for t in TABLES}).values())
    except (pl.exceptions.PolarsError, OSError):
        return 0


def load(
    settings: Settings, source: SourceDir, timings: Timings, *, discard_edits: bool = False
) -> tuple[Validated, LoadSummary]:
    """``load``: validate ``source`` file by file, then build the warehouse (marts included) with the rules beside
    it, and publish it with the rest of the current set."""
    _refuse_discarding_edits(settings, discard=discard_edits)
    _require_room(settings, _parquet_rows(source) * WAREHOUSE_BYTES_PER_ROW, "building the warehouse")
    with output_sets.publish_lock(settings.data_dir), output_sets.building(settings.data_dir) as new:
        spill = new.paths.root / ".spill"
        with timings.stage("validate"):
            validated = _validate_files(source, spill)
        _verdict(settings, validated.report)
        expected = _expected_rows(validated.files_by_table)
        needed = sum(expected.values()) * WAREHOUSE_BYTES_PER_ROW
        _require_room(settings, needed, "building the warehouse")
        with resource_guard(settings.data_dir, "building the warehouse", needed):
            record = build_record(settings, source.root, validated.content_hashes)
            build = WarehouseBuild(
                new.paths.warehouse_path, spill, validated.files_by_table, expected, Budget.of(settings).fill
            )
            build_beside_analyses(
                settings, validated.files_by_table, validated.report, spill, timings, build, [], MARTS
            )
            _verdict(settings, validated.report, new.paths.report_path)
            summary = build.complete(record)
            timings.phases("build", {"record": summary.phases["record"]})
            new.carry("lake", "labels", "analysis", "profiling_reports", "manifest.json")
            _describe_warehouse(settings, new, summary, record, timings)
            manifest.record_timings(new.paths.manifest_path, timings)
            _Publishing(new, replaces_warehouse=True, discard_edits=discard_edits).switch(settings)
    return validated, summary


def _describe_warehouse(
    settings: Settings, new: NewSet, summary: LoadSummary, record: BuildRecord, timings: Timings
) -> None:
    fields = {
        "path": str(settings.warehouse_path),
        "build_id": summary.build_id,
        "source": record.source,
        "source_hash": record.source_hash,
        "row_counts": summary.rows,
        "integrity_check": summary.integrity_check,
    }
    _describe(new, "warehouse", fields, timings)


# --- run -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    lake: LakeSummary
    report: Report
    warehouse: LoadSummary
    analysis: list[Computed]
    profiled: list[str]


def run(
    settings: Settings, timings: Timings, *, discard_edits: bool = False, profile: Profile | None = None
) -> RunSummary:
    """Generate, then rules + warehouse + analyses at once over the new lake, the profiling reports, then publish
    the whole set in one switch."""
    expected = Plan.of(settings.seed, settings.scale).row_counts
    needed = sum(expected.values()) * (LAKE_BYTES_PER_ROW + WAREHOUSE_BYTES_PER_ROW)
    _refuse_discarding_edits(settings, discard=discard_edits)
    _require_room(settings, needed, "running the pipeline")
    with (
        resource_guard(settings.data_dir, "running the pipeline", needed),
        output_sets.publish_lock(settings.data_dir),
        output_sets.building(settings.data_dir) as new,
    ):
        spill = new.paths.root / ".spill"
        early = settings.scale < PROFILE_AFTER_ANALYSES_FROM
        if profile is not None and early:
            profile.start()
        generated = _generate_into(settings, new.paths, timings)
        _record_lake(settings, new, generated, timings)
        reports = cancel.Background(lambda: _profile_into(new, profile, timings)) if profile is not None else None
        if reports is not None and early:
            reports.start()
        files_by_table = lake.lake_tables(new.paths.lake_dir)
        report = Report(source=str(settings.lake_dir), frames_validated=generated.frames_validated)
        record = _generation_record(lake.read_record(new.paths.lake_dir), lake.source_hash(generated.hashes))
        build = WarehouseBuild(new.paths.warehouse_path, spill, files_by_table, expected, Budget.of(settings).fill)
        planned = bound_queries(None, {})
        later = reports.start if reports is not None else lambda: None
        computed = build_beside_analyses(settings, files_by_table, report, spill, timings, build, planned, MARTS, later)
        _verdict(settings, report, new.paths.report_path)
        loaded = build.complete(record)
        timings.phases("build", {"record": loaded.phases["record"]})
        _describe_warehouse(settings, new, loaded, record, timings)
        results = publish_results(computed, new.paths.analysis_dir)
        _describe(new, "analysis", _analysis_fields(settings, "lake", results))
        lines, fields = reports.result() if reports is not None else ([], {})
        if reports is not None:
            _describe(new, "profiling", fields)
        manifest.record_timings(new.paths.manifest_path, timings)
        _Publishing(new, replaces_warehouse=True, discard_edits=discard_edits).switch(settings)
    return RunSummary(generated, report, loaded, [r.moved(settings.analysis_dir) for r in results], lines)


# --- analyze and profile --------------------------------------------------------------------------------------


def _analysis_fields(settings: Settings, backend: Backend, results: list[Computed]) -> dict[str, Any]:
    rows = {r.query.name: r.rows for r in results}
    return {"directory": str(settings.analysis_dir), "backend": backend, "rows": rows}


def analyze(
    settings: Settings,
    names: list[str] | None = None,
    params: dict[str, str] | None = None,
    backend: Backend = "lake",
    out: Path | None = None,
) -> list[Computed]:
    """``analyze``: check every parameter, run each distinct query once; the results replace theirs in a new set
    (the others carried), or go to ``out`` when it is given (then nothing is published)."""
    planned = bound_queries(names, params or {})
    budget = Budget.of(settings)
    if out is not None:
        with (
            resource_guard(out, "writing the analysis results"),
            output_sets.scratch(settings.data_dir) as spill,
            output_sets.reading(settings.data_dir, settings.data_dir / output_sets.CURRENT) as held,
        ):
            read = SetPaths(held.path) if held.lease is not None else settings
            with duck.connection(spill, budget.analyses) as con:
                use(con, backend, read.lake_dir, read.warehouse_path)
                results, _ = compute(con, spill / "computed", planned)
            return publish_results(results, out)
    with (
        resource_guard(settings.data_dir, "writing the analysis results"),
        output_sets.publish_lock(settings.data_dir),
        output_sets.building(settings.data_dir) as new,
    ):
        spill = new.paths.root / ".spill"
        with duck.connection(spill, budget.analyses) as con:
            use(con, backend, settings.lake_dir, settings.warehouse_path)
            results, _ = compute(con, spill / "computed", planned)
        new.carry("lake", "labels", "analysis", "reports", "profiling_reports", "warehouse.sqlite", "manifest.json")
        published = publish_results(results, new.paths.analysis_dir)
        _describe(new, "analysis", _analysis_fields(settings, backend, published))
        _Publishing(new).switch(settings)
    return [r.moved(settings.analysis_dir) for r in published]


def _profile_into(new: NewSet, profile: Profile, timings: Timings) -> Profiled:
    previous = SetPaths(new.previous) if new.previous is not None else None
    with timings.stage("profile"):
        return profile(new.paths, previous)


def profile_lake(settings: Settings, profile: Profile) -> list[str]:
    """``profile``: the reports of the current lake, published with the rest of the current set."""
    if not settings.lake_dir.is_dir():
        msg = f"there is no lake at {settings.lake_dir}; run `just run` (or `just generate`) first"
        raise UsageError(msg)
    with output_sets.publish_lock(settings.data_dir), output_sets.building(settings.data_dir) as new:
        new.carry("lake", "labels", "analysis", "reports", "warehouse.sqlite", "manifest.json")
        lines, fields = _profile_into(new, profile, Timings())
        _describe(new, "profiling", fields)
        _Publishing(new).switch(settings)
    return lines


# --- the sets: roll back ---------------------------------------------------------------------------------------


def rollback(settings: Settings, set_id: str, *, discard_edits: bool = False) -> None:
    """Make a kept set current again (refused over API writes in the current warehouse, as a rebuild is)."""
    known = {s.name: s for s in output_sets.published_sets(settings.data_dir)}
    if set_id not in known:
        choices = ", ".join(known) or "none (ECOM_KEEP_BUILDS keeps previous sets)"
        msg = f"no published set {set_id!r} in {settings.data_dir / output_sets.BUILDS}; the sets: {choices}"
        raise UsageError(msg)
    _refuse_discarding_edits(settings, discard=discard_edits)
    with output_sets.publish_lock(settings.data_dir):
        output_sets.switch(
            settings.data_dir,
            set_id,
            write_lock(settings.warehouse_path),
            lambda: _refuse_discarding_edits(settings, discard=discard_edits),
        )
        output_sets.stable_links(settings.data_dir, settings.warehouse_path)
        output_sets.retire(settings.data_dir, settings.keep_builds)
